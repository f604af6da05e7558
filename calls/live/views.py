"""Pages of the speech night: the host console (with the night's settings until the draw), the
big screen and a judge's phone. Thin: authorise, call a service, render; the rest is the socket."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs import access

from ..models import Call
from ..services import CallRejected
from . import services
from .models import Night


class NightForm(forms.Form):
    panel = forms.ModelChoiceField(queryset=None, label=gettext_lazy("panel"), empty_label=None)
    scoring_seconds = forms.IntegerField(
        label=gettext_lazy("scoring time (seconds)"), min_value=10, max_value=900, initial=90
    )
    show_scores = forms.ChoiceField(label=gettext_lazy("show each judge's score"), choices=Night.ShowScores.choices)

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = call.panels.order_by("pk")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"


def _own_call(user, call_id: int) -> Call:
    call = get_object_or_404(Call.objects.select_related("unit"), pk=call_id)
    if not access.can_manage_unit(user, call.unit):
        access.refuse(user, call, call.unit, _("Only organisers of the call's unit can host its speech night."))
    try:
        services.check_presented_live(call)
    except CallRejected as refused:
        raise PermissionDenied(refused.message) from None
    return call


@login_required
def host(request, call_id: int):
    call = _own_call(request.user, call_id)
    night = Night.objects.filter(call=call).select_related("panel").first()
    initial = (
        {"panel": night.panel_id, "scoring_seconds": night.scoring_seconds, "show_scores": night.show_scores}
        if night
        else None
    )
    form = NightForm(request.POST or None, call=call, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.night_save(call=call, by=request.user, **form.cleaned_data)
        except CallRejected as rejected:
            messages.error(request, rejected.message)
        else:
            messages.success(request, _("The speech night is set."))
            return redirect("calls:night_host", call.pk)
    context = {"call": call, "night": night, "form": form, "has_panel": call.panels.exists()}
    return render(request, "calls/night_host.html", context)


@login_required
def screen(request, call_id: int):
    night = get_object_or_404(Night.objects.select_related("call__unit"), call__pk=call_id)
    if not access.in_view(request.user, night.call.unit):
        raise access.not_found(Night)
    return render(request, "calls/night_screen.html", {"night": night, "call": night.call})


@login_required
def judge(request, call_id: int):
    night = get_object_or_404(Night.objects.select_related("call__unit", "panel"), call__pk=call_id)
    if not night.panel.judges.filter(pk=request.user.pk).exists():
        access.refuse(request.user, night, night.call.unit, _("You are not on this night's panel."))
    return render(request, "calls/night_judge.html", {"night": night, "call": night.call})


def judge_nights(user):
    """The nights whose panel the user sits on, newest first (for the judge's list)."""
    return Night.objects.filter(panel__judges=user, finished_at__isnull=True).select_related("call").order_by("-pk")
