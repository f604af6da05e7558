"""The points rules page: what each activity earns per event and per day, changed by those who
administer every unit (the rules apply to every member alike), with every change on record."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_http_methods

from orgs import access
from quizsite.forms import NumberRangeMessages

from ..models import PointRule, PointRuleChange
from ..selectors import activity_label
from ..services import points as point_services

CHANGES_SHOWN = 20


class PointRuleForm(NumberRangeMessages, forms.Form):
    points = forms.IntegerField(label=gettext_lazy("Points per event"), min_value=1, max_value=1000)
    daily_cap = forms.IntegerField(
        label=gettext_lazy("Daily cap"), min_value=0, max_value=100000, help_text=gettext_lazy("(0: no cap)")
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False)

    def clean(self):
        data = super().clean()
        if "points" in data and "daily_cap" in data:
            values = point_services.PointRuleValues(data["points"], data["daily_cap"], data["is_active"])
            if problem := point_services.point_rule_problem(values):
                self.add_error("daily_cap", problem)
        return data

    def values(self) -> point_services.PointRuleValues:
        data = self.cleaned_data
        return point_services.PointRuleValues(data["points"], data["daily_cap"], data["is_active"])


def _change_text(change: PointRuleChange) -> str:
    """What a change did, in words: "points per event 1 → 2; daily cap 10 → 20; turned off"."""
    before, after = change.before, change.after
    parts = []
    if before["points"] != after["points"]:
        parts.append(_("points per event %(old)d → %(new)d") % {"old": before["points"], "new": after["points"]})
    if before["daily_cap"] != after["daily_cap"]:
        parts.append(
            _("daily cap %(old)s → %(new)s") % {"old": _cap(before["daily_cap"]), "new": _cap(after["daily_cap"])}
        )
    if before["is_active"] != after["is_active"]:
        parts.append(_("turned on") if after["is_active"] else _("turned off"))
    return pgettext("between entries", "; ").join(parts)


def _cap(cap: int) -> str:
    return str(cap) if cap else _("no cap")


@login_required
@require_http_methods(["GET", "POST"])
def point_rules(request):
    """Every activity's points and daily cap; a form for those who may change them."""
    access.check_manager(request.user)
    can_edit = access.administers_every_unit(request.user)
    rules = list(PointRule.objects.order_by("id"))
    data = request.POST if request.method == "POST" else None
    if data is not None and not can_edit:
        raise PermissionDenied(
            _("Only administrators of every unit change the points rules: they apply to every member.")
        )
    rows = [
        {
            "rule": rule,
            "label": activity_label(rule.activity),
            "form": PointRuleForm(
                data,
                prefix=f"rule-{rule.pk}",
                initial={"points": rule.points, "daily_cap": rule.daily_cap, "is_active": rule.is_active},
            ),
        }
        for rule in rules
    ]
    failed = False
    if data is not None:
        if all(row["form"].is_valid() for row in rows):
            changed = point_services.point_rules_set(
                values={row["rule"].pk: row["form"].values() for row in rows}, by=request.user
            )
            if changed:
                messages.success(
                    request, ngettext("%(n)d rule changed.", "%(n)d rules changed.", changed) % {"n": changed}
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("lessons:point_rules")
        failed = True
    changes = PointRuleChange.objects.select_related("rule", "by")[:CHANGES_SHOWN]
    return render(
        request,
        "lessons/point_rules.html",
        {
            "rows": rows,
            "can_edit": can_edit,
            "failed": failed,
            "changes": [
                {"change": change, "label": activity_label(change.rule.activity), "text": _change_text(change)}
                for change in changes
            ],
        },
    )
