"""Member pages (phone first): the study hub, taking a paper, results, notebook, points."""

import re
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from quizsite.redirects import back_to

from .. import presenters, selectors
from ..api import access_attempt
from ..grading import BLANK_MAX_CHARS, ResponseInvalid
from ..models import Attempt, Lesson, NotebookEntry, Paper
from ..services import attempts, notebook, topic_practice, videos


@login_required
def study_home(request):
    member = request.user
    papers = list(selectors.papers_for_member(member))
    # Past their deadline, attempts are over before the cards are read: one that ended while the
    # member was away would otherwise offer Continue (to a page saying it has ended), not Start.
    attempts.attempts_expire_due(paper_ids=[paper.pk for paper in papers], member=member)
    latest = {
        a.paper_id: a
        for a in Attempt.objects.filter(member=member, paper__in=papers).order_by("paper_id", "started_at")
    }
    used = Counter(Attempt.objects.filter(member=member, paper__in=papers).values_list("paper_id", flat=True))
    today = timezone.localdate()
    bests = selectors.challenge_bests(member, papers)
    grades = selectors.paper_grades(member, papers)
    cards = []
    for paper in papers:
        attempt = latest.get(paper.pk)
        daily_today = paper.mode == Paper.Mode.DAILY and attempt is not None and attempt.day == today
        done_today = daily_today and not attempt.is_open
        # An exam whose attempts are all used offers its result, not a Start that is refused.
        used_up = (
            paper.mode == Paper.Mode.EXAM
            and paper.max_attempts
            and used[paper.pk] >= paper.max_attempts
            and not attempt.is_open
        )
        cards.append(
            {
                "paper": paper,
                "attempt": attempt,
                "done_today": done_today,
                # A daily quiz's own figures for today, once today's attempt has started.
                "daily": selectors.daily_progress(attempt) if daily_today else None,
                "daily_attempt_pk": attempt.pk if daily_today else None,
                "used_up": _("You have used all %(n)d attempts.") % {"n": paper.max_attempts} if used_up else "",
                "grade": grades.get(paper.pk),
                # A challenge's personal record (most right in a row), once a run has finished.
                "best_streak": bests.get(paper.pk),
            }
        )
    return render(
        request,
        "lessons/study_home.html",
        {
            "cards": cards,
            "points_today": selectors.points_today(member),
            "points_total": selectors.points_total(member),
            "notebook": selectors.notebook_counts(member),
        },
    )


@login_required
@require_POST
def paper_start(request, paper_id: int):
    paper = get_object_or_404(Paper, pk=paper_id, online_contest__isnull=True)
    try:
        attempt = attempts.attempt_start(paper=paper, member=request.user)
    except attempts.AttemptRejected as error:
        messages.error(request, error.message)
        return redirect("lessons:study_home")
    return redirect("lessons:attempt", attempt_id=attempt.pk)


# Never stored: Back after finishing must ask the server again, not show the questions as they
# were (attempt.js also reloads a page the back-forward cache restores).
@never_cache
@login_required
def attempt_page(request, attempt_id: int):
    attempt = access_attempt(request.user, attempt_id)
    if not attempt.is_open:
        # Not a redirect to the result: Back from the result would land on the result again.
        return render(
            request,
            "lessons/attempt_ended.html",
            {"attempt": attempt, "paper": attempt.paper, "time_up": presenters.time_up_note(attempt)},
        )
    return render(
        request,
        "lessons/attempt.html",
        {
            "attempt": attempt,
            "payload": presenters.for_page(presenters.attempt_payload(attempt)),
            "paper": attempt.paper,
        },
    )


@login_required
@require_POST
def attempt_submit(request, attempt_id: int):
    attempt = access_attempt(request.user, attempt_id)
    attempts.attempt_submit(attempt=attempt)
    return redirect("lessons:attempt_result", attempt_id=attempt.pk)


def minutes_and_seconds(seconds: float) -> tuple[int, float]:
    """A time used as whole minutes and seconds to a tenth, as the relay shows times (125.44 s is
    2 min 5.4 s); rounded before it is split, so 119.96 s is 2 min 0 s, never 1 min 60 s."""
    minutes, rest = divmod(round(seconds, 1), 60)
    return int(minutes), round(rest, 1)


@login_required
def attempt_result(request, attempt_id: int):
    attempt = access_attempt(request.user, attempt_id)
    if attempt.is_open:
        return redirect("lessons:attempt", attempt_id=attempt.pk)
    payload = presenters.for_page(presenters.attempt_payload(attempt))
    paper = attempt.paper
    used_s = attempt.time_used_s
    history = []
    if paper.mode == Paper.Mode.EXAM:
        history = [
            {"attempt": past, "time_used": minutes_and_seconds(past.time_used_s)}
            for past in selectors.finished_attempts(paper, member=request.user).order_by("number")
        ]
    # "Try again" only where pressing it starts an attempt; else why not (the paper closed, every
    # attempt used). A daily quiz is once a day, as its own page says: no button, no note.
    can_retry, retry_refused = False, ""
    if paper.mode != Paper.Mode.DAILY:
        try:
            attempts.check_new_attempt(paper=paper, member=request.user)
            can_retry = True
        except attempts.AttemptRejected as refusal:
            retry_refused = refusal.message
    return render(
        request,
        "lessons/attempt_result.html",
        {
            "attempt": attempt,
            "payload": payload,
            "paper": paper,
            "time_used": minutes_and_seconds(used_s) if used_s is not None else None,
            "can_retry": can_retry,
            "retry_refused": retry_refused,
            "history": history,
            "time_up": presenters.time_up_note(attempt),
            "lesson": _quiz_lesson(request.user, paper),
        },
    )


def _quiz_lesson(member, paper: Paper):
    """The lesson whose quiz the paper is, as the member may watch it now (None if none): its
    result leads back to it and its series, not only to the study page."""
    return (
        Lesson.objects.filter(videos.lessons_visible_q(member), paper=paper)
        .select_related("series")
        .distinct()
        .order_by("series_id", "position", "created_at", "pk")
        .first()
    )


@login_required
def notebook_page(request):
    member = request.user
    # An unknown tab (a hand-edited or stale link) falls back to the first one, not to an empty page.
    state = request.GET.get("state", "")
    if state not in NotebookEntry.State.values:
        state = NotebookEntry.State.LEARNING
    entries = selectors.notebook_entries(
        member, state=state, type=request.GET.get("type", ""), tag=request.GET.get("tag", "")
    )
    page = Paginator(entries, 20).get_page(request.GET.get("page"))
    now = timezone.now()
    due_ids = set(selectors.notebook_due(member, at=now).values_list("pk", flat=True))
    tags = sorted({t.name for e in page for t in e.question.tags.all()})
    # The answer to a check shows on its entry (the page comes back there, #entry-N), unless the
    # entry has left this list (mastered, say): then at the top like any other message.
    on_page = {entry.pk for entry in page}
    top, entry_messages = [], {}
    for message in messages.get_messages(request):
        tag = message.extra_tags or ""
        pk = int(tag.removeprefix("entry-")) if re.fullmatch(r"entry-\d+", tag) else None
        if pk in on_page:
            entry_messages[pk] = message
        else:
            top.append(message)
    typed = request.session.pop(TYPED_KEY, None) or {}
    for entry in page:
        # What the boxes hold: the answer of a check just refused (too long, say), else nothing.
        entry.kept = typed["response"] if entry.pk == typed.get("entry") else []
        # A check refused for an empty blank beside a filled one: offer to check it as it stands.
        entry.confirm_blanks = entry.pk == typed.get("entry") and typed.get("code") == "blanks_empty"
        blanks = len(entry.question.current.key)
        entry.blank_values = (list(entry.kept) + [""] * blanks)[:blanks]
    return render(
        request,
        "lessons/notebook.html",
        {
            "messages": top,
            "blank_max_chars": BLANK_MAX_CHARS,
            "entry_messages": entry_messages,
            "page": page,
            "state": state,
            "due_ids": due_ids,
            # Each tab counts the entries it lists; "to review now" counts the due ones among them.
            "counts": selectors.notebook_counts(member, at=now),
            # Set by a removal just made: the page offers to undo it, once.
            "removed": len(request.session.pop(REMOVED_KEY, [])),
            "tags": tags,
            "filters": {"type": request.GET.get("type", ""), "tag": request.GET.get("tag", "")},
        },
    )


@login_required
@require_POST
def notebook_review(request, entry_id: int):
    entry = get_object_or_404(NotebookEntry, pk=entry_id, member=request.user, removed_at__isnull=True)
    response = request.POST.getlist("response")
    if entry.question.current.type in ("single", "true_false") and response:
        response = response[0]
    try:
        log = notebook.notebook_review(
            entry=entry, response=response, allow_empty_blanks=request.POST.get("allow_empty_blanks") == "1"
        )
    except (notebook.ReviewRejected, ResponseInvalid) as error:
        messages.error(request, error.message, extra_tags=f"entry-{entry.pk}")
        # The page comes back with the refused answer in its boxes, to shorten or finish, not retype.
        request.session[TYPED_KEY] = {
            "entry": entry.pk,
            "response": request.POST.getlist("response"),
            "code": error.code,
        }
    else:
        entry.refresh_from_db()
        level = messages.SUCCESS if log.is_correct else messages.WARNING
        messages.add_message(request, level, presenters.review_message(log, entry), extra_tags=f"entry-{entry.pk}")
    # Back to the entry just checked, not the top of a long list.
    response = back_to(request, "lessons:notebook")
    response["Location"] = response["Location"].split("#")[0] + f"#entry-{entry.pk}"
    return response


# A refused check's answer, as typed, for the notebook page to put back in its entry's boxes once.
TYPED_KEY = "notebook_typed"

# The entries the member's last removal took out: REMOVED_KEY until the notebook has said so,
# UNDO_KEY until undone or replaced by the next removal (in the session: no ids in pages).
REMOVED_KEY = "notebook_removed"
UNDO_KEY = "notebook_undo"


def _after_removal(request, removed: list[int]):
    if removed:
        request.session[REMOVED_KEY] = removed
        request.session[UNDO_KEY] = removed
    return back_to(request, "lessons:notebook")


@login_required
@require_POST
def notebook_remove(request, entry_id: int):
    # Another member's entry is not there for this one: 404, as a check of it answers.
    entry = get_object_or_404(NotebookEntry, pk=entry_id, member=request.user)
    return _after_removal(request, notebook.notebook_remove(member=request.user, entry_ids=[entry.pk]))


@login_required
@require_POST
def notebook_remove_mastered(request):
    return _after_removal(request, notebook.notebook_remove_mastered(member=request.user))


@login_required
@require_POST
def notebook_restore(request):
    restored = notebook.notebook_restore(member=request.user, entry_ids=request.session.pop(UNDO_KEY, []))
    if restored:
        messages.success(
            request,
            ngettext("%(n)d question is back in the notebook.", "%(n)d questions are back in the notebook.", restored)
            % {"n": restored},
        )
    return back_to(request, "lessons:notebook")


@login_required
def points_page(request):
    member = request.user
    history = Paginator(member.point_events.all(), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "lessons/points.html",
        {
            "today": selectors.points_today(member),
            "total": selectors.points_total(member),
            "page": history,
            "labels": selectors.activity_labels(),
        },
    )


@login_required
def topic_practice_page(request):
    """Practice by knowledge point: the knowledge points of the banks the member may use, each
    with its questions and the member's accuracy so far, and a start for 10 or 20 questions;
    grouped by bank, or the weakest first with `?order=weakest` (any other order: by bank)."""
    order = request.GET.get("order")
    if order not in selectors.TOPIC_ORDERS:
        order = selectors.TOPIC_ORDERS[0]
    rows = selectors.topic_rows(request.user, order=order)
    return render(
        request,
        "lessons/topic_practice.html",
        {
            "rows": rows,
            "order": order,
            "counts": topic_practice.TOPIC_COUNTS,
            # The points it earns are practice's, under practice's daily cap: shown as on the study page.
            "points": [row for row in selectors.points_today(request.user) if row.activity == "practice_correct"],
        },
    )


@login_required
@require_POST
def topic_practice_begin(request):
    try:
        attempt = topic_practice.topic_practice_start(
            member=request.user,
            bank_id=request.POST.get("bank", ""),
            tag_id=request.POST.get("point", ""),
            count=request.POST.get("count", ""),
        )
    except attempts.AttemptRejected as error:
        messages.error(request, error.message)
        return redirect("lessons:topic_practice")
    return redirect("lessons:attempt", attempt_id=attempt.pk)
