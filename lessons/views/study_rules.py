"""The study-hours rule page: an organ's rule in force in words, its versions, a form to schedule
the next one (administrators of the organ) and a preview of what a lesson of some length earns."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from orgs import access
from orgs.models import Unit

from ..models import StudyHoursRule
from ..services import study_rules
from ..services.study_rules import HoursRule, StudyRuleRejected

PREVIEW_MINUTES = 20
MINUTES_MAX = 1440
FULL_WIDTH = re.compile(r"[\uff0b\uff0d-\uff19]")
GROUPED = re.compile(r"[+-]?\d{1,3}([,，]\d{3})+(\.\d+)?")
DECIMAL_COMMA = re.compile(r"[+-]?\d+[,，]\d{1,2}")
PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def parse_number(raw: str, *, whole: bool) -> tuple[Decimal | None, str]:
    """A number typed by a person, or why it is not one in their words: full-width digits,
    thousands separators, a decimal comma and words are each named, not just refused."""
    text = raw.strip()
    if not text:
        return None, _("Fill this in.")
    if FULL_WIDTH.search(text):
        plain = unicodedata.normalize("NFKC", text)
        return None, _("Type the digits half-width: %(plain)s, not %(typed)s.") % {"plain": plain, "typed": text}
    if GROUPED.fullmatch(text):
        plain = text.replace(",", "").replace("，", "")
        return None, _("Leave out the thousands separator: %(plain)s, not %(typed)s.") % {"plain": plain, "typed": text}
    if DECIMAL_COMMA.fullmatch(text):
        plain = text.replace(",", ".").replace("，", ".")
        return None, _("Use a point for decimals: %(plain)s, not %(typed)s.") % {"plain": plain, "typed": text}
    if not PLAIN.fullmatch(text):
        return None, (_("Enter a whole number of minutes, like 30.") if whole else _("Enter a number, like 0.5."))
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("Enter a number, like 0.5.")
    if whole and value != value.to_integral_value():
        return None, _("Enter whole minutes, like 30.")
    return value, ""


class RuleForm(forms.Form):
    effective_from = forms.DateField(
        label=gettext_lazy("Takes effect on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "Local date. Completions from that day on earn by the new rule; hours already granted stay."
        ),
    )
    min_minutes = forms.CharField(
        label=gettext_lazy("Shortest lesson that earns hours (minutes)"),
        max_length=20,
        help_text=gettext_lazy("0: every completed lesson earns hours."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    beyond_last = forms.ChoiceField(
        label=gettext_lazy("Lessons longer than the last step earn"),
        choices=[
            (
                StudyHoursRule.BeyondLast.QUARTERS,
                gettext_lazy("the last step's hours and a quarter hour more for each further 15 minutes"),
            ),
            (StudyHoursRule.BeyondLast.CAP, gettext_lazy("the last step's hours, no more")),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    def clean_min_minutes(self) -> int:
        value, error = parse_number(self.cleaned_data["min_minutes"], whole=True)
        if error:
            raise forms.ValidationError(error)
        if value < 0:
            raise forms.ValidationError(_("The minimum cannot be negative: 0 means every lesson earns hours."))
        if value > MINUTES_MAX:
            raise forms.ValidationError(_("At most %(max)s minutes.") % {"max": MINUTES_MAX})
        return int(value)


@dataclass
class StepRow:
    minutes: str
    hours: str
    errors: dict = field(default_factory=dict)


def parse_steps(data) -> tuple[list[StepRow], list[tuple[int, Decimal]] | None, str]:
    """The step rows as typed (kept to show again), the steps when every row parses and passes
    `check_steps`, and an error about the steps as a whole."""
    minutes_typed = data.getlist("step_minutes")
    hours_typed = data.getlist("step_hours")
    width = max(len(minutes_typed), len(hours_typed))
    minutes_typed += [""] * (width - len(minutes_typed))
    hours_typed += [""] * (width - len(hours_typed))
    rows = [StepRow(minutes=m[:20], hours=h[:20]) for m, h in zip(minutes_typed, hours_typed, strict=True)]
    steps: list[tuple[int, Decimal]] = []
    for row in rows:
        if not row.minutes.strip() and not row.hours.strip():
            row.errors["minutes"] = _("This row is empty: fill it in or remove it.")
            continue
        minutes, minutes_error = parse_number(row.minutes, whole=True)
        hours, hours_error = parse_number(row.hours, whole=False)
        if minutes is not None and minutes > MINUTES_MAX:
            minutes_error = _("At most %(max)s minutes.") % {"max": MINUTES_MAX}
        if minutes_error:
            row.errors["minutes"] = minutes_error
        if hours_error:
            row.errors["hours"] = hours_error
        if not row.errors:
            steps.append((int(minutes), hours))
    if any(row.errors for row in rows):
        return rows, None, ""
    problems = study_rules.check_steps(min_minutes=0, steps=steps)
    for (index, name), message in ((k, v) for k, v in problems.items() if isinstance(k, tuple)):
        rows[index].errors[name] = message
    return rows, (None if problems else steps), problems.get("steps", "")


def access_organ(user, organ_id: int) -> Unit:
    """An organ whose study-hours rule the user may read: one holding a unit they manage."""
    access.check_manager(user)
    organ = get_object_or_404(Unit, pk=organ_id)
    if organ not in access.managed_organs(user):
        access.refuse(
            user, organ, organ, _("This organ's study-hours rule is kept by its own organisers and administrators.")
        )
    return organ


def check_can_edit(user, organ: Unit) -> None:
    if not access.can_administer_unit(user, organ):
        raise PermissionDenied(
            _("Only an administrator of %(organ)s changes its study-hours rule; organisers may read it.")
            % {"organ": organ.display_name}
        )


@login_required
def rule_home(request):
    """The first organ the user manages: most people manage within one."""
    access.check_manager(request.user)
    organs = access.managed_organs(request.user)
    if not organs:
        raise Http404(_("No organ to show."))
    return redirect("lessons:study_rule", organ_id=organs[0].pk)


def _initial(rule: HoursRule, today: date) -> tuple[dict, list[StepRow]]:
    tomorrow = today.toordinal() + 1
    initial = {
        "effective_from": date.fromordinal(tomorrow),
        "min_minutes": f"{rule.min_minutes:g}",
        "beyond_last": rule.beyond_last,
    }
    rows = [
        StepRow(minutes=f"{row['minutes']:g}", hours=study_rules.hours_text(row["hours"])) for row in rule.step_rows
    ]
    return initial, rows


@login_required
@require_http_methods(["GET", "POST"])
def rule_page(request, organ_id: int):
    organ = access_organ(request.user, organ_id)
    can_edit = access.can_administer_unit(request.user, organ)
    today = timezone.localdate()
    in_force = study_rules.rule_in_force(organ=organ, day=today)
    steps_error = ""
    if request.method == "POST":
        check_can_edit(request.user, organ)
        form = RuleForm(request.POST)
        rows, steps, steps_error = parse_steps(request.POST)
        if form.is_valid() and steps is not None:
            data = form.cleaned_data
            try:
                version = study_rules.study_rule_schedule(
                    organ=organ,
                    by=request.user,
                    effective_from=data["effective_from"],
                    min_minutes=data["min_minutes"],
                    steps=steps,
                    beyond_last=data["beyond_last"],
                    today=today,
                )
            except StudyRuleRejected as refused:
                for key, message in refused.errors.items():
                    if isinstance(key, tuple):
                        rows[key[0]].errors[key[1]] = message
                    elif key == "steps":
                        steps_error = message
                    else:
                        form.add_error(key, message)
            else:
                messages.success(
                    request,
                    _("The new rule takes effect on %(day)s.") % {"day": version.effective_from.isoformat()},
                )
                return redirect("lessons:study_rule", organ_id=organ.pk)
    else:
        initial, rows = _initial(in_force, today)
        form = RuleForm(initial=initial)
    form.fields["effective_from"].widget.attrs["min"] = today.isoformat()
    preview_minutes = PREVIEW_MINUTES
    versions = study_rules.study_rule_versions(organ)
    return render(
        request,
        "lessons/study_rule.html",
        {
            "organ": organ,
            "organs": access.managed_organs(request.user),
            "can_edit": can_edit,
            "form": form,
            "rows": rows,
            "steps_error": steps_error,
            "rule": in_force,
            "versions": versions,
            "today": today,
            "default_rule": study_rules.default_rule(),
            "preview_minutes": preview_minutes,
            "preview_in_force": in_force.hours_for(preview_minutes * 60),
            "failed": request.method == "POST",
        },
    )


@login_required
@require_POST
def rule_withdraw(request, organ_id: int, version_id: int):
    organ = access_organ(request.user, organ_id)
    check_can_edit(request.user, organ)
    version = get_object_or_404(StudyHoursRule, pk=version_id, organ=organ)
    try:
        study_rules.study_rule_withdraw(version=version, by=request.user)
    except StudyRuleRejected as refused:
        messages.error(request, refused.errors["version"])
    else:
        messages.success(
            request, _("The version from %(day)s was withdrawn.") % {"day": version.effective_from.isoformat()}
        )
    return redirect("lessons:study_rule", organ_id=organ.pk)


@login_required
@require_POST
def rule_preview(request, organ_id: int):
    """What a lesson of `preview_minutes` earns under the rule being typed, and today."""
    organ = access_organ(request.user, organ_id)
    _rows, steps, _error = parse_steps(request.POST)
    minutes, minutes_error = parse_number(request.POST.get("preview_minutes", ""), whole=True)
    if minutes_error or minutes is None or not 0 < minutes <= MINUTES_MAX:
        return JsonResponse({"text": _("Type a length in whole minutes, like 20.")})
    # Rules measure lessons in float seconds; the typed minutes are a Decimal.
    duration_s = float(minutes) * 60
    in_force = study_rules.rule_in_force(organ=organ, day=timezone.localdate())
    today_text = _("By the rule in force today: %(hours)s h.") % {
        "hours": study_rules.hours_text(in_force.hours_for(duration_s))
    }
    if "step_minutes" not in request.POST:
        # Someone who may only read the rule previews the rule in force.
        hours = in_force.hours_for(duration_s)
        text = _("A %(minutes)s-minute lesson earns %(hours)s study hours.") % {
            "minutes": minutes,
            "hours": study_rules.hours_text(hours),
        }
        return JsonResponse({"text": text, "hours": study_rules.hours_text(hours), "today": today_text})
    form = RuleForm(request.POST)
    form.is_valid()
    if steps is None or "min_minutes" not in form.cleaned_data or "beyond_last" not in form.cleaned_data:
        return JsonResponse({"text": _("Fix the marked inputs to see what it earns."), "today": today_text})
    draft = HoursRule(
        min_s=form.cleaned_data["min_minutes"] * 60.0,
        steps=tuple((minutes_ * 60.0, hours) for minutes_, hours in steps),
        beyond_last=form.cleaned_data["beyond_last"],
    )
    hours = draft.hours_for(duration_s)
    text = _("A %(minutes)s-minute lesson earns %(hours)s study hours.") % {
        "minutes": minutes,
        "hours": study_rules.hours_text(hours),
    }
    return JsonResponse({"text": text, "hours": study_rules.hours_text(hours), "today": today_text})
