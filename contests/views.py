"""Contest pages: the list for organisers, host console, big screen, player, results."""

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from lessons.grading import BLANK_MAX_CHARS
from orgs import access as orgs_access
from orgs.selectors import unit_administrators
from quizsite.naming import in_language
from quizsite.selectors import contest_results_for_member
from quizsite.spreadsheets import ExportWorkbook, xlsx_response

from . import access, services
from .models import Contest, ScoreEvent
from .presenters import response_text
from .wizard.services import check_has_results


def _contest(user, code: str, role: str) -> Contest:
    try:
        return access.access_contest_socket(user, code, role)
    except services.ContestRejected as error:
        raise PermissionDenied(error.message) from None


def _contest_with_results(user, code: str) -> Contest:
    """A contest whose full results (every answer, each adjustment's reason, who made it) its
    organisers may read: never a rehearsal, which keeps none. Members of its unit are refused as
    anyone else is: they see results on a leaderboard once a ranking rule publishes them."""
    try:
        contest = access.access_contest_socket(user, code, "host")
    except services.ContestRejected as error:
        if error.code != "not_host":  # too many wrong codes: that wait is what to say
            raise PermissionDenied(error.message) from None
        raise PermissionDenied(
            _(
                "Only organisers of a contest’s unit see its full results. Members see them on a"
                " leaderboard once they are published."
            )
        ) from None
    try:
        check_has_results(contest)
    except services.ContestRejected as error:
        raise PermissionDenied(error.message) from None
    return contest


def _rehearsal_hosted(user, code: str) -> Contest | None:
    """The rehearsal with `code` if `user` organises its unit (and so may host it), else None."""
    rehearsal = Contest.objects.filter(join_code=access.normalised_code(code), rehearsal_of__isnull=False).first()
    if rehearsal is None or not orgs_access.can_manage_unit(user, rehearsal.unit):
        return None
    return rehearsal


@login_required
def contest_list(request):
    """Contests the user hosts, and those they play in."""
    hosting = (
        Contest.objects.filter(orgs_access.subtree_q(request.user, prefix="unit__"), rehearsal_of=None).select_related(
            "unit"
        )
        if orgs_access.is_manager(request.user)
        else []
    )
    playing = Contest.objects.filter(roster__member=request.user).exclude(status=Contest.Status.FINISHED).distinct()
    past = contest_results_for_member(request.user)
    return render(
        request,
        "contests/contest_list.html",
        {"hosting": hosting, "playing": playing, "past": past, "can_host": orgs_access.is_manager(request.user)},
    )


class JoinForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Join code"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "inputmode": "text"}),
    )


@login_required
def join(request):
    form = JoinForm(request.POST or request.GET or None)
    if form.is_valid():
        code = form.cleaned_data["code"].strip().upper()
        try:
            access.access_contest_socket(request.user, code, "player")
        except services.ContestRejected as error:
            form.add_error("code", error.message)
        else:
            return redirect("contests:play", code=code)
    return render(request, "contests/join.html", {"form": form})


@login_required
def play(request, code: str):
    contest = _contest(request.user, code, "player")
    # The most characters a blank takes (the server refuses more): the phone counts towards it.
    context = {"contest": contest, "role": "player", "blank_max_chars": BLANK_MAX_CHARS}
    return render(request, "contests/play.html", context)


@login_required
def screen(request, code: str):
    contest = _contest(request.user, code, "screen")
    join_url = request.build_absolute_uri(reverse("contests:play", args=[contest.join_code]))
    # Sized by its box on the screen (a viewBox, no fixed size): drawn at its own 222 px it was a
    # small square in the corner of a white card a fifth of the screen wide.
    qr = segno.make(join_url, error="m").svg_inline(scale=6, dark="#8e1515", light=None, omitsize=True)
    return render(
        request, "contests/screen.html", {"contest": contest, "role": "screen", "qr": qr, "join_url": join_url}
    )


@login_required
def host(request, code: str):
    contest = _contest(request.user, code, "host")
    # A contest that cannot start yet says what it lacks, with the set-up step that adds it.
    missing = services.start_missing(contest) if contest.status == Contest.Status.DRAFT else None
    # Deactivated after the start, a runner cannot sign in: the host is told who, on which team.
    playing = contest.status in (Contest.Status.RUNNING, Contest.Status.PAUSED)
    deactivated = services.places_by_team(services.roster_deactivated(contest)) if playing else ""
    # Members who moved out of the contest's unit since they were added: named before the start.
    draft = contest.status == Contest.Status.DRAFT
    moved_out = services.moved_out_by_team(services.roster_outside_unit(contest)) if draft else ""
    return render(
        request,
        "contests/host.html",
        {
            "contest": contest,
            "role": "host",
            "adjustment_limit": services.ADJUSTMENT_LIMIT,
            "reason_max": services.REASON_MAX,
            "missing": missing,
            "missing_url": reverse(missing.step, args=[contest.join_code]) if missing else "",
            "deactivated": deactivated,
            "moved_out": moved_out,
        },
    )


def names_list(people) -> str:
    """People's names as one list in the page's language (张三、李四; Zhang San, Li Si)."""
    return pgettext("between list items", ", ").join(person.display_name for person in people)


@login_required
def results(request, code: str):
    rehearsal = _rehearsal_hosted(request.user, code)
    if rehearsal is not None:  # practice, so nothing to read here: say so, and where the contest is
        return render(request, "contests/rehearsal_results.html", {"contest": rehearsal.rehearsal_of})
    contest = _contest_with_results(request.user, code)
    # Results are published through a ranking rule reading the contest, which only the unit's
    # administrators define: they get a link to one, anyone else is told whom to ask.
    can_rank = orgs_access.can_administer_unit(request.user, contest.unit)
    times_relays = services.contest_times_relays(contest)
    return render(
        request,
        "contests/results.html",
        {
            "contest": contest,
            "can_rank": can_rank,
            "administrators": "" if can_rank else names_list(unit_administrators(contest.unit)),
            "rows": standings_with_parts(contest),
            "with_parts": True,
            # Organisers of the unit correct a finished contest's results on an appeal.
            "can_correct": contest.status == Contest.Status.FINISHED
            and orgs_access.can_manage_unit(request.user, contest.unit),
            "times_relays": times_relays,
            "ties_note": ties_note(times_relays),
            "events": ScoreEvent.objects.filter(contest=contest)
            .select_related("team__unit", "created_by")
            .exclude(reason__in=["right", "wrong"]),
        },
    )


def standings(contest: Contest) -> list[dict]:
    """The teams' places (`team_scores`), each with its name as the page's language shows it."""
    return [row | {"shown": in_language(row["name"], row["name_en"])} for row in services.team_scores(contest)]


def score_parts(questions, off_questions) -> tuple[dict[int, int], dict[int, int]]:
    """Each team's points on the answers (as counted: voided, overruled) and its adjustments and
    corrections, by team id, from `services.results_ledger`: with the base score, its total."""
    from_answers: dict[int, int] = {}
    for entry in questions:
        from_answers[entry.team.pk] = from_answers.get(entry.team.pk, 0) + entry.points
    adjusted: dict[int, int] = {}
    for event in off_questions:
        adjusted[event.team_id] = adjusted.get(event.team_id, 0) + event.points
    return from_answers, adjusted


def standings_with_parts(contest: Contest) -> list[dict]:
    """The standings, each row with the parts its score adds up from, as the export has them:
    `base` + `from_answers` + `adjusted` = `score`."""
    from_answers, adjusted = score_parts(*services.results_ledger(contest))
    return [
        row
        | {
            "base": contest.base_score,
            "from_answers": from_answers.get(row["id"], 0),
            "adjusted": adjusted.get(row["id"], 0),
        }
        for row in standings(contest)
    ]


def ties_note(times_relays: bool) -> str:
    """How teams come to share a rank, as the results page and its export say it."""
    if times_relays:
        return _(
            "Teams level on score are placed by the shorter relay time; teams level on both share a rank, "
            "and the next rank counts them all (1, 1, 3)."
        )
    return _("Teams level on score share a rank, and the next rank counts them all (1, 1, 3).")


@login_required
def results_xlsx(request, code: str):
    """The results as a workbook that adds up: each team's score on the first sheet is the base
    score plus its points on the answers sheet (as counted: voided, overruled) plus its lines on
    the adjustments sheet, and the first sheet shows those three parts beside it."""
    contest = _contest_with_results(request.user, code)
    questions, off_questions = services.results_ledger(contest)
    from_answers, adjusted = score_parts(questions, off_questions)
    book = ExportWorkbook()
    sheet = book.sheet(_("Teams"))
    sheet.append([contest.display_title])
    # Relay time is a column only where a relay round can have decided a place.
    times_relays = services.contest_times_relays(contest)
    sheet.append(
        [
            _("Rank"),
            _("Team"),
            _("Score"),
            *([_("Relay time (s)")] if times_relays else []),
            _("Base score"),
            _("Points on the answers sheet"),
            _("Adjustments and corrections"),
        ]
    )
    for row in services.team_scores(contest):
        sheet.append(
            [
                row["rank"],
                in_language(row["name"], row["name_en"]),
                row["score"],
                *([row["relay_seconds"]] if times_relays else []),
                contest.base_score,
                from_answers.get(row["id"], 0),
                adjusted.get(row["id"], 0),
            ]
        )
    sheet.append([])
    sheet.append([ties_note(times_relays)])
    handovers = services.handovers_made(contest)
    handed_from = services.legs_handed_from(contest)
    runners = {handover.from_member_id: handover.from_member.display_name for handover in handovers}
    answers = book.sheet(_("Answers"))
    answers.append(
        [
            _("Round"),
            _("No."),
            _("Question"),
            _("Team"),
            _("Member"),
            _("Answer"),
            pgettext("export column", "Verdict"),
            pgettext("score", "Points"),
            _("Note"),
            _("Received at"),
        ]
    )
    for entry in questions:
        question = entry.opening.question
        answer = entry.answer
        answers.append(
            [
                question.round.display_title,
                question.position,
                strip_tags(question.version.stem).strip(),
                entry.team.display_name,
                answer.member.display_name if answer else "",
                response_text(question.version, answer.response) if answer else "",
                _verdict_mark(entry),
                entry.points,
                _question_points_note(entry, runners.get(handed_from.get((entry.opening.pk, entry.team.pk)))),
                _export_time(answer.received_at) if answer else "",
            ]
        )
    changes = book.sheet(_("Adjustments and corrections"))
    changes.append([_("Time"), _("Team"), pgettext("score", "Points"), _("Kind"), _("Reason"), _("By")])
    for event in off_questions:
        changes.append(
            [
                _export_time(event.created_at),
                event.team.display_name,
                event.points,
                event.get_reason_display(),
                event.note,
                event.created_by.display_name if event.created_by else "",
            ]
        )
    changes.append([])
    changes.append(
        [_("Rulings on answers, in the contest or after the finish, count in their answer's row on the answers sheet.")]
    )
    if handovers:
        handed = book.sheet(_("Relay hand-overs"))
        handed.append(
            [_("Time"), _("Team"), _("Handed over by"), _("Taken over by"), _("From question"), _("Reason"), _("By")]
        )
        for handover in handovers:
            handed.append(
                [
                    _export_time(handover.at),
                    handover.team.display_name,
                    handover.from_member.display_name,
                    handover.to_member.display_name,
                    handover_start(handover),
                    handover.reason,
                    handover.by.display_name if handover.by else "",
                ]
            )
    return xlsx_response(book.to_bytes(), contest.display_title, ascii_name=f"contest-{contest.join_code}")


def _export_time(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _verdict_mark(entry: services.QuestionPoints) -> str:
    """✓ or ✗ as the answer stands after every ruling; a voided answer counts neither way."""
    if entry.answer is None:
        return ""
    if entry.voided:
        return pgettext("answer", "Voided")
    return "✓" if entry.verdict else "✗"


def handover_start(handover) -> str:
    """The first question a relay hand-over applies to, as people read it: "接力赛 · 第 3 题"."""
    question = handover.from_question
    return _("%(round)s · Q%(no)d") % {"round": question.round.display_title, "no": question.position}


def _question_points_note(entry: services.QuestionPoints, handed_from: str | None = None) -> str:
    """Why the row counts what it does: voided by a skip, a foul, a stake not answered, rulings;
    and whose relay leg it was, when the runner had handed it over (`handed_from`)."""
    notes = []
    if handed_from:
        notes.append(_("Relay leg handed over from %(runner)s") % {"runner": handed_from})
    if entry.voided and entry.answer is not None:
        notes.append(
            _("Voided: the question was skipped (%(reason)s)") % {"reason": entry.void_reason}
            if entry.void_reason
            else _("Voided: the question was skipped")
        )
    if ScoreEvent.Reason.EARLY_BUZZ in entry.reasons:
        notes.append(_("Buzzed early"))
    if entry.answer is None and ScoreEvent.Reason.WRONG in entry.reasons:
        notes.append(_("No answer"))
    for ruling in entry.rulings:
        after_finish = ruling.action == "correct"
        values = {
            "verdict": pgettext("verdict", "right") if ruling.detail["correct"] else pgettext("verdict", "wrong"),
            "by": ruling.actor.display_name if ruling.actor else "",
            "at": _export_time(ruling.at)[:-4],
            "reason": ruling.detail.get("reason", ""),
        }
        notes.append(
            (
                _("Corrected after the finish to %(verdict)s (%(by)s, %(at)s): %(reason)s")
                if after_finish
                else _("Ruled %(verdict)s in the contest (%(by)s, %(at)s): %(reason)s")
            )
            % values
        )
    return "; ".join(notes)
