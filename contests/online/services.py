"""Setting up and taking an online contest. Every write goes through here.

The attempt itself is lessons' engine (`lessons.services.attempts`): the deadline is the
server's (the time limit, cut at the window's end), answers autosave as drafts and are graded
at submit or at the deadline, a submit is idempotent. This module adds the contest's audience,
a stored seed per drawn paper, one device at a time and the integrity events.
"""

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lessons.draws import DrawRule, draw_problems, mixed_points
from lessons.models import Attempt, AttemptItem, Paper, PaperRule
from lessons.services import attempts
from lessons.services.attempts import AttemptRejected
from orgs.models import Unit, User
from quizsite.naming import joined_sentences, listed, local_moment

from ..errors import ContestRejected
from .models import IntegrityEvent, OnlineAttempt, OnlineAuditEntry, OnlineContest


class ContestSetupRejected(Exception):
    """A contest that cannot be set up as asked, with a message naming what is wrong."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_draw(rules: list[DrawRule]) -> None:
    """Refuse rules that some member's draw could not fill, naming each shortfall (`draw_problems`)."""
    if not rules:
        raise ContestSetupRejected("no_rules", _("Add at least one draw rule."))
    if problems := draw_problems(rules):
        raise ContestSetupRejected("draw_shortfall", joined_sentences(problems.values()))
    # Members and teams are ranked by raw score: every paper must be out of the same total.
    if mixed := mixed_points(rules, Paper().points_for):
        raise ContestSetupRejected(
            "mixed_points",
            joined_sentences(
                [
                    *mixed.values(),
                    _(
                        "Members are ranked by their score, so every paper must have the same full marks: "
                        "narrow each such rule to one type, or to types worth the same points."
                    ),
                ]
            ),
        )


def _check_audience(unit: Unit, audience: list[Unit]) -> None:
    if not audience:
        raise ContestSetupRejected("no_audience", _("Choose at least one unit for the audience."))
    outside = [u.display_name for u in audience if not u.path.startswith(unit.path)]
    if outside:
        raise ContestSetupRejected(
            "audience_outside",
            _("These units are outside %(unit)s: %(names)s.") % {"unit": unit.display_name, "names": listed(outside)},
        )


def _check_window(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise ContestSetupRejected("window_backwards", _("The window must close after it opens."))


@transaction.atomic
def online_contest_create(
    *,
    title: str,
    unit: Unit,
    audience: list[Unit],
    opens_at: datetime,
    closes_at: datetime,
    rules: list[DrawRule],
    by: User | None,
    party_members_only: bool = False,
    description: str = "",
    max_attempts: int = 1,
    grading: str = Paper.Grading.BEST,
    time_limit_s: int = 1800,
    shuffle: bool = True,
    results_shown: str = Paper.Review.AFTER_CLOSE,
    question_time_s: int | None = None,
    title_en: str = "",
    description_en: str = "",
) -> OnlineContest:
    """Create the contest and its paper. Refused, with nothing stored, when a rule cannot be filled."""
    _check_window(opens_at, closes_at)
    _check_audience(unit, audience)
    check_draw(rules)
    paper = Paper.objects.create(
        title=title,
        title_en=title_en,
        unit=unit,
        mode=Paper.Mode.EXAM,
        status=Paper.Status.PUBLISHED,
        description=description,
        description_en=description_en,
        shuffle_questions=shuffle,
        shuffle_options=shuffle,
        time_limit_s=time_limit_s,
        question_time_s=question_time_s or None,
        max_attempts=max_attempts,
        grading=grading,
        review=results_shown,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=by,
    )
    PaperRule.objects.bulk_create(
        PaperRule(paper=paper, bank=r.bank, type=r.type, tag=r.tag, difficulty=r.difficulty, count=r.count)
        for r in rules
    )
    contest = OnlineContest.objects.create(paper=paper, party_members_only=party_members_only, created_by=by)
    contest.audience.set(audience)
    _audit(contest, by, "created", title=title)
    return contest


def _audit(contest: OnlineContest, actor: User | None, action: str, **detail) -> None:
    OnlineAuditEntry.objects.create(contest=contest, actor=actor, action=action, detail=detail)


def _stamp(moment: datetime) -> str:
    return local_moment(moment)


@transaction.atomic
def online_contest_update(
    *,
    contest: OnlineContest,
    by: User | None,
    title: str,
    audience: list[Unit],
    opens_at: datetime,
    closes_at: datetime,
    party_members_only: bool,
    description: str = "",
    rules: list[DrawRule] | None = None,
    max_attempts: int | None = None,
    grading: str | None = None,
    time_limit_s: int | None = None,
    shuffle: bool | None = None,
    results_shown: str | None = None,
    question_time_s: int | None = None,
    title_en: str | None = None,
    description_en: str | None = None,
) -> OnlineContest:
    """Edit a contest. Once anyone has started, the paper's rules stay as they are and the window
    may only move forward (close later; the opening stays), and the change is audited; open
    attempts whose deadline was the old close get the new one, within their time limit."""
    paper = Paper.objects.select_for_update().get(pk=contest.paper_id)
    _check_window(opens_at, closes_at)
    _check_audience(paper.unit, audience)
    started = paper.attempts.exists()
    if started:
        if opens_at != paper.opens_at or closes_at < paper.closes_at:
            raise ContestSetupRejected(
                "window_only_forward",
                _("Members have started: the window may only close later (it opened %(o)s and closes %(c)s).")
                % {"o": _stamp(paper.opens_at), "c": _stamp(paper.closes_at)},
            )
        settings_changed = any(
            value is not None and value != current
            for value, current in (
                (max_attempts, paper.max_attempts),
                (grading, paper.grading),
                (time_limit_s, paper.time_limit_s),
                (shuffle, paper.shuffle_questions),
                (question_time_s, paper.question_time_s or 0),
            )
        )
        if rules is not None or settings_changed:
            raise ContestSetupRejected(
                "paper_fixed", _("Members have started: the paper, attempts and time limit can no longer change.")
            )
        _check_started_audience(contest, audience=audience, party_members_only=party_members_only)
        if paper.review == Paper.Review.AFTER_CLOSE and results_shown not in (None, Paper.Review.AFTER_CLOSE):
            raise ContestSetupRejected(
                "keys_earlier",
                _("Members have started, told the keys come after the window closes: they cannot be shown earlier."),
            )
    elif rules is not None:
        check_draw(rules)
        paper.rules.all().delete()
        PaperRule.objects.bulk_create(
            PaperRule(paper=paper, bank=r.bank, type=r.type, tag=r.tag, difficulty=r.difficulty, count=r.count)
            for r in rules
        )
    if closes_at != paper.closes_at:
        _audit(contest, by, "window_moved", closes_was=paper.closes_at.isoformat(), closes_now=closes_at.isoformat())
        _extend_open_attempts(paper, old_close=paper.closes_at, new_close=closes_at)
    paper.title, paper.description, paper.opens_at, paper.closes_at = title, description, opens_at, closes_at
    if title_en is not None:
        paper.title_en = title_en
    if description_en is not None:
        paper.description_en = description_en
    if not started:
        paper.max_attempts = paper.max_attempts if max_attempts is None else max_attempts
        paper.grading = grading or paper.grading
        paper.time_limit_s = paper.time_limit_s if time_limit_s is None else time_limit_s
        if shuffle is not None:
            paper.shuffle_questions = paper.shuffle_options = shuffle
        if question_time_s is not None:
            paper.question_time_s = question_time_s or None
    paper.review = results_shown or paper.review
    paper.save()
    contest.party_members_only = party_members_only
    contest.save(update_fields=["party_members_only"])
    contest.audience.set(audience)
    contest.paper = paper
    return contest


def _check_started_audience(contest: OnlineContest, *, audience: list[Unit], party_members_only: bool) -> None:
    """Refuse, once members have started, a change of who takes part that would change their
    results: a unit of the audience removed (a member of it who took part would drop out) or
    "party members only" switched (it changes each unit's headcount). Units added are allowed."""
    if party_members_only != contest.party_members_only:
        raise ContestSetupRejected(
            "party_only_fixed",
            _(
                "Members have started: “party members only” stays as it is, since it decides whom each unit's "
                "participation counts."
            ),
        )
    dropped = [
        unit.display_name
        for unit in contest.audience.all()
        if not any(unit.path.startswith(kept.path) for kept in audience)
    ]
    if dropped:
        raise ContestSetupRejected(
            "audience_narrowed",
            _("Members have started: units may be added, not removed. Keep %(names)s.") % {"names": listed(dropped)},
        )


def _extend_open_attempts(paper: Paper, *, old_close: datetime, new_close: datetime) -> None:
    from datetime import timedelta

    for attempt in Attempt.objects.filter(paper=paper, status=Attempt.Status.IN_PROGRESS, deadline_at=old_close):
        limit = attempt.started_at + timedelta(seconds=paper.time_limit_s) if paper.time_limit_s else new_close
        attempt.deadline_at = min(limit, new_close)
        attempt.save(update_fields=["deadline_at"])


# ---------------------------------------------------------------- members


def check_may_take(contest: OnlineContest, member: User, at: datetime) -> None:
    """Raise unless `member` is in the audience and the window is open at `at`."""
    paper = contest.paper
    if hasattr(contest, "relay"):
        raise AttemptRejected("relay_leg", _("This is a team relay: start your leg when you hold the baton."))
    if member.unit is None or not any(member.unit.path.startswith(u.path) for u in contest.audience.all()):
        raise AttemptRejected("not_in_audience", _("This contest is for other units."))
    if contest.party_members_only and not member.is_party_member:
        raise AttemptRejected("party_members_only", _("This contest is for party members only."))
    if at < paper.opens_at:
        raise AttemptRejected("not_open_yet", _("The contest opens at %(t)s.") % {"t": _stamp(paper.opens_at)})
    if at >= paper.closes_at:
        raise AttemptRejected("closed", _("The contest closed at %(t)s.") % {"t": _stamp(paper.closes_at)})


@transaction.atomic
def online_attempt_start(
    *, contest: OnlineContest, member: User, device: str, at: datetime | None = None
) -> OnlineAttempt:
    """Start an attempt, or resume the open one. Resuming from another device takes it over: the
    first device is frozen (its saves are refused) and the takeover is recorded."""
    at = at or timezone.now()
    check_may_take(contest, member, at)
    User.objects.select_for_update().filter(pk=member.pk).first()  # one start at a time per member
    open_one = (
        OnlineAttempt.objects.select_for_update()
        .select_related("attempt__paper")
        .filter(contest=contest, attempt__member=member, attempt__status=Attempt.Status.IN_PROGRESS)
        .first()
    )
    if open_one is not None and attempts.ensure_current(open_one.attempt, at=at).is_open:
        return online_attempt_claim(online=open_one, device=device, at=at)
    seed = secrets.randbits(62)
    attempt = attempts.attempt_start(paper=contest.paper, member=member, at=at, seed=seed)
    return OnlineAttempt.objects.create(contest=contest, attempt=attempt, seed=seed, device=device)


def online_attempt_claim(*, online: OnlineAttempt, device: str, at: datetime | None = None) -> OnlineAttempt:
    """Make `device` the one that answers this attempt (a no-op for the device holding it)."""
    if online.device == device:
        return online
    with transaction.atomic():
        locked = OnlineAttempt.objects.select_for_update().get(pk=online.pk)
        if locked.device != device:
            locked.device = device
            locked.takeovers += 1
            locked.save(update_fields=["device", "takeovers"])
            IntegrityEvent.objects.create(
                online_attempt=locked, kind=IntegrityEvent.Kind.TAKEOVER, at=at or timezone.now()
            )
    online.device, online.takeovers = locked.device, locked.takeovers
    return online


def how_ended(attempt: Attempt) -> str:
    """How a finished attempt ended: "submitted" (by the member), "closed" (at the contest's
    close, which cut its deadline) or "time_up" (its time limit ran out)."""
    if attempt.status != Attempt.Status.EXPIRED:
        return "submitted"
    return "closed" if attempt.finished_at >= attempt.paper.closes_at else "time_up"


def attempt_over(attempt: Attempt) -> AttemptRejected:
    """The refusal of any action on a finished attempt, saying how it ended (`how_ended`): a
    page left open, or brought back by the browser's Back button, may still offer its questions.
    The codes are lessons' (`deadline_passed` once the deadline ended it, else `attempt_finished`)."""
    ended = how_ended(attempt)
    if ended == "submitted":
        return AttemptRejected(
            "attempt_finished", _("This attempt has been submitted: its answers can no longer be changed.")
        )
    stamp = {"t": _stamp(attempt.finished_at)}
    if ended == "closed":
        message = _("This attempt has ended: the contest closed at %(t)s. The answers saved by then count.")
    else:
        message = _("This attempt has ended: its time ran out at %(t)s. The answers saved by then count.")
    return AttemptRejected("deadline_passed", message % stamp)


def _saying_how_it_ended(error: AttemptRejected, attempt_id: int, at: datetime | None) -> AttemptRejected:
    """`error`, or, if it refused an action because the attempt has ended, `attempt_over`'s
    refusal (the attempt read afresh, with a passed deadline applied)."""
    if error.code not in ("attempt_finished", "deadline_passed"):
        return error
    attempt = Attempt.objects.select_related("paper").filter(pk=attempt_id).first()
    if attempt is None:
        return error
    attempt = attempts.ensure_current(attempt, at=at)
    return error if attempt.is_open else attempt_over(attempt)


def _taken_over() -> AttemptRejected:
    return AttemptRejected(
        "taken_over",
        _("This attempt continues on another device. This page is frozen; reload it to take the attempt back."),
    )


def _check_device(online: OnlineAttempt, device: str) -> None:
    current = OnlineAttempt.objects.filter(pk=online.pk).values_list("device", flat=True).first()
    if current != device:
        raise _taken_over()


def online_answer_save(
    *,
    online: OnlineAttempt,
    device: str,
    position: int,
    response: object,
    at: datetime | None = None,
    item: AttemptItem | None = None,
) -> AttemptItem:
    """Autosave an answer from the device holding the attempt; refused after the deadline (the
    attempt is then graded as of its deadline) and for a question not on this member's paper.

    The device is checked by the save's own write (no read of its own; a refusal reads it, so a
    frozen device is told so first): a save that reaches the database after another device took
    over is refused. `item` (with its version) saves a read."""
    guard = _device_guard(device)
    try:
        return attempts.answer_save(
            attempt=online.attempt, position=position, response=response, at=at, item=item, guard=guard
        )
    except AttemptRejected as error:
        if error.code != guard.code:
            _check_device(online, device)  # a frozen device hears that first, whatever it sent
        raise _saying_how_it_ended(error, online.attempt_id, at) from None


def online_draft_save(
    *, layout: attempts.PaperLayout, attempt_id: int, device: str, position: int, response: object
) -> AttemptItem | None:
    """The autosave's hot path: the same save as `online_answer_save`, in one statement and no
    read, from the attempt's cached layout. None when the paper needs the full path (a time per
    question, or no such position): call `online_answer_save` then."""
    item = layout.item(position)
    if item is None or layout.mode != Paper.Mode.EXAM or layout.question_time_s:
        return None
    guard = _device_guard(device)
    try:
        return attempts.draft_save(attempt_id=attempt_id, item=item, response=response, guard=guard)
    except AttemptRejected as error:
        if error.code != guard.code:
            _check_device(OnlineAttempt(pk=layout.online_id), device)
        raise _saying_how_it_ended(error, attempt_id, None) from None


def _device_guard(device: str) -> attempts.SaveGuard:
    """A save's write requires that `device` holds the attempt."""
    refusal = _taken_over()
    return attempts.SaveGuard(
        sql=f"EXISTS (SELECT 1 FROM {OnlineAttempt._meta.db_table} o WHERE o.attempt_id = a.id AND o.device = %s)",  # noqa: S608 (table name from the model; values are parameters)
        params=(device,),
        code=refusal.code,
        message=refusal.message,
    )


def online_attempt_submit(*, online: OnlineAttempt, device: str, at: datetime | None = None) -> Attempt:
    """Submit from the device holding the attempt. A second submit returns the same result."""
    if online.attempt.is_open:
        _check_device(online, device)
    attempt = attempts.attempt_submit(attempt=online.attempt, at=at)
    from ..relay.services import relay_leg_submitted  # a relay leg passes its baton at once

    relay_leg_submitted(online=online, at=at)
    return attempt


def integrity_record(
    *, online: OnlineAttempt, device: str, kind: str, position: int | None, at: datetime | None = None
) -> IntegrityEvent:
    """Record that the page was hidden or text was pasted, on the question shown then."""
    if kind not in (IntegrityEvent.Kind.FOCUS_LOST, IntegrityEvent.Kind.PASTE):
        raise AttemptRejected("unknown_event", _("Unknown event."))
    if not online.attempt.is_open:
        raise attempt_over(online.attempt)
    _check_device(online, device)
    if position is not None and not online.attempt.items.filter(position=position).exists():
        raise AttemptRejected("not_in_attempt", _("That question is not part of this attempt."))
    return IntegrityEvent.objects.create(online_attempt=online, kind=kind, position=position, at=at or timezone.now())


def online_item_open(*, online: OnlineAttempt, device: str, position: int, at: datetime | None = None) -> AttemptItem:
    """Show a question on the device holding the attempt: with a time per question, its clock
    starts now (server time) and its answer can change only until its deadline."""
    _check_device(online, device)
    try:
        return attempts.item_open(attempt=online.attempt, position=position, at=at)
    except AttemptRejected as error:
        raise _saying_how_it_ended(error, online.attempt_id, at) from None


def online_contest_delete_refusal(contest: OnlineContest) -> str:
    """Why the online contest (or the relay it carries) cannot be deleted, in words ("" when it
    can): one that anyone has started keeps its results, and one a ranking rule reads stays for it."""
    from rankings.models import RuleSource  # rankings build on contests

    if contest.paper.attempts.exists() or OnlineAttempt.objects.filter(contest=contest).exists():
        return _("Members have started this contest: it keeps its results, so it cannot be deleted.")
    if RuleSource.objects.filter(paper=contest.paper).exists():
        return _("A ranking rule reads this contest's scores: remove it from the rule first.")
    return ""


@transaction.atomic
def online_contest_delete(*, contest: OnlineContest) -> None:
    """Delete an online contest no one has started, with its relay (teams, rosters, legs waiting)
    if it carries one, and its paper; the questions stay in their banks. One transaction: an
    attempt started meanwhile holds the paper (a protected link), so the deletion then fails
    whole and changes nothing."""
    contest = OnlineContest.objects.select_related("paper").select_for_update(of=("self",)).get(pk=contest.pk)
    if refusal := online_contest_delete_refusal(contest):
        raise ContestRejected("contest_not_deletable", refusal)
    paper = contest.paper
    relay = getattr(contest, "relay", None)
    if relay is not None:
        relay.delete()
    contest.delete()
    paper.delete()
