"""Correcting a finished contest's results on an appeal: organisers adjust a team's score or
overrule an answer, with a reason. Each correction is a new score event and an audit entry (the
facts already recorded stay as they are); the standings are recomputed from the facts."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from quizsite.forms import NumberRangeMessages

from . import access, services
from .models import AuditEntry, Contest, ContestAnswer, ScoreEvent
from .presenters import response_text
from .views import handover_start, standings, ties_note
from .wizard.services import check_has_results

REASON_MAX = services.REASON_MAX
# A ruling's reason as the answer picker shows it: enough to recognise it in an option's line.
RULING_REASON_SHOWN = 40


def _reason_field():
    return forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX,
        help_text=gettext_lazy("Required: the appeal and its decision, e.g. “Appeal upheld: the key was wrong”."),
    )


class AdjustmentForm(NumberRangeMessages, forms.Form):
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=None, empty_label=None)
    points = forms.IntegerField(
        label=gettext_lazy("Points to add or take off"),
        min_value=-services.ADJUSTMENT_LIMIT,
        max_value=services.ADJUSTMENT_LIMIT,
        help_text=gettext_lazy("Added to the team's score; negative to take points off, e.g. 10 or -5."),
    )
    reason = _reason_field()

    def __init__(self, *args, contest: Contest, **kwargs):
        super().__init__(*args, prefix="adjust", **kwargs)
        self.fields["team"].queryset = contest.teams.select_related("unit")
        self.fields["team"].label_from_instance = lambda team: team.display_name

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("A correction of 0 points changes nothing."))
        return points


class OverruleForm(forms.Form):
    answer = forms.ModelChoiceField(label=gettext_lazy("Answer to overrule"), queryset=None, empty_label=None)
    correct = forms.TypedChoiceField(
        label=gettext_lazy("Ruling"),
        choices=[("1", pgettext_lazy("ruling", "Right")), ("0", pgettext_lazy("ruling", "Wrong"))],
        coerce=lambda value: value == "1",
    )
    reason = _reason_field()

    def __init__(self, *args, contest: Contest, **kwargs):
        super().__init__(*args, prefix="overrule", **kwargs)
        self.fields["answer"].queryset = (
            ContestAnswer.objects.filter(opening__contest=contest, opening__revealed_at__isnull=False)
            .select_related("opening__question__round", "opening__question__version", "team__unit", "member")
            .order_by("opening__question__round__position", "opening__question__position", "team__position")
        )
        rulings = services.answer_rulings(contest)
        handed_from = services.legs_handed_from(contest)
        runners = {
            handover.from_member_id: handover.from_member.display_name for handover in services.handovers_made(contest)
        }
        self.fields["answer"].label_from_instance = lambda answer: answer_label(
            answer, rulings.get(answer.pk), runners.get(handed_from.get((answer.opening_id, answer.team_id)))
        )


def _mark(correct: bool) -> str:
    return "✓" if correct else "✗"


def answer_label(answer: ContestAnswer, ruling: AuditEntry | None = None, handed_from: str | None = None) -> str:
    """An answer as the organiser picks it: round, question, team, member, what they answered and
    its mark now; when a ruling (`services.answer_rulings`) gave that mark, the ruling, with the
    first mark and its reason, so the organiser corrects what stands, not what was first marked.
    A relay leg handed over names the runner it was handed from (`handed_from`), as the console does."""
    question = answer.opening.question
    member = answer.member.display_name
    if handed_from:
        member = pgettext("relay leg", "%(member)s (handed over from %(runner)s)") % {
            "member": member,
            "runner": handed_from,
        }
    values = {
        "round": question.round.display_title,
        "no": question.position,
        "team": answer.team.display_name,
        "member": member,
        "answer": response_text(question.version, answer.response) or _("no answer"),
        "mark": _mark(answer.is_correct),
    }
    if ruling is None:
        return _("%(round)s · Q%(no)d · %(team)s · %(member)s: %(answer)s %(mark)s") % values
    values |= {
        "mark": _mark(ruling.detail["correct"]),
        "first": _mark(answer.is_correct),
        "reason": Truncator(ruling.detail.get("reason", "")).chars(RULING_REASON_SHOWN),
    }
    if ruling.action == "correct":
        return (
            _(
                "%(round)s · Q%(no)d · %(team)s · %(member)s: %(answer)s %(mark)s"
                " (corrected to %(mark)s after the finish, first marked %(first)s: %(reason)s)"
            )
            % values
        )
    return (
        _(
            "%(round)s · Q%(no)d · %(team)s · %(member)s: %(answer)s %(mark)s"
            " (ruled %(mark)s in the contest, first marked %(first)s: %(reason)s)"
        )
        % values
    )


@login_required
def results_correct(request, code: str):
    try:
        contest = access.access_contest_socket(request.user, code, "host")
        check_has_results(contest)
    except services.ContestRejected as error:
        raise PermissionDenied(error.message) from None
    finished = contest.status == Contest.Status.FINISHED
    times_relays = services.contest_times_relays(contest)
    data = request.POST if request.method == "POST" and finished else None
    adjustment = AdjustmentForm(data if data and "adjust-team" in data else None, contest=contest)
    overrule = OverruleForm(data if data and "overrule-answer" in data else None, contest=contest)
    for form in (adjustment, overrule):
        if form.is_bound and form.is_valid():
            try:
                event = _apply(form, contest=contest, by=request.user)
            except services.ContestRejected as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Correction recorded: %(team)s %(points)+d. The standings below are recomputed.")
                    % {"team": event.team.display_name, "points": event.points},
                )
                return redirect("contests:results_correct", code=contest.join_code)
    return render(
        request,
        "contests/results_correct.html",
        {
            "contest": contest,
            "finished": finished,
            "adjustment": adjustment,
            "overrule": overrule,
            "rows": standings(contest),
            "times_relays": times_relays,
            "ties_note": ties_note(times_relays),
            "handovers": [(handover, handover_start(handover)) for handover in services.handovers_made(contest)],
            "corrections": ScoreEvent.objects.filter(contest=contest, reason=ScoreEvent.Reason.CORRECTION)
            .select_related("team__unit", "created_by")
            .order_by("-id"),
        },
    )


def _apply(form: forms.Form, *, contest: Contest, by) -> ScoreEvent:
    data = form.cleaned_data
    if isinstance(form, AdjustmentForm):
        return services.score_adjust(
            contest=contest, team=data["team"], points=data["points"], reason=data["reason"], by=by, correction=True
        )
    return services.answer_override(
        contest=contest, answer=data["answer"], correct=data["correct"], reason=data["reason"], by=by, correction=True
    )
