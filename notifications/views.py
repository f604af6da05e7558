"""The notification centre, and the organiser's one-click reminder."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from lessons.models import Lesson, Paper
from orgs import access
from orgs.models import Unit
from quizsite.redirects import back_to

from . import services
from .models import Notification


@login_required
def notification_list(request):
    notifications = Notification.objects.filter(recipient=request.user)
    page = Paginator(notifications, 20).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_open(request, notification_id: int):
    """Mark a notification read and go where it points."""
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    return redirect(notification.url or "notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    services.notification_mark_read(user=request.user)
    return redirect("notifications:list")


class ReminderForm(forms.Form):
    unit = forms.IntegerField(min_value=1)
    kind = forms.ChoiceField(choices=[("lesson", "lesson"), ("exam", "exam")])
    subject = forms.IntegerField(min_value=1)
    next = forms.CharField(required=False)


@login_required
@require_POST
def remind(request):
    access.check_manager(request.user)
    form = ReminderForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("This reminder could not be sent: the page was out of date. Reload it and try again.")
        )
        return redirect("home")
    data = form.cleaned_data
    unit = get_object_or_404(Unit, pk=data["unit"])
    model = Lesson if data["kind"] == "lesson" else Paper
    subject = get_object_or_404(model, pk=data["subject"])
    try:
        count = services.reminder_send(by=request.user, unit=unit, subject=subject)
    except services.NotificationRejected as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext("Reminded %(count)d member of %(unit)s.", "Reminded %(count)d members of %(unit)s.", count)
            % {"count": count, "unit": unit.display_name},
        )
    return back_to(request, "home")
