"""Taking a paper: start, save, answer, submit, expire. The server owns every deadline.

Each answer is graded into an `Answer` row; the one-to-one constraint on the attempt item, not
an `if`, stops a second answer. A submit is idempotent: a second click returns the same result.
"""

import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import User
from quizsite.naming import local_moment

from ..draws import draw_problems, exam_held_question_ids, rule_pool
from ..grading import ResponseInvalid, check_blanks_filled, clean_response, grade
from ..models import Answer, Attempt, AttemptItem, Paper, Question, QuestionType, QuestionVersion
from ..models.questions import OPTION_LETTERS
from . import notebook
from .points import points_award

CORRECT_ACTIVITY = {
    Paper.Mode.PRACTICE: "practice_correct",
    Paper.Mode.DAILY: "daily_correct",
    Paper.Mode.CHALLENGE: "challenge_correct",
}


class AttemptRejected(Exception):
    """A refused action on an attempt, with a stable code and a message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SheetChanged(AttemptRejected):
    """A save from a page that had not seen the attempt's latest saved answer (made in another tab
    or window, or by another client): refused, with the revision the page should catch up to."""

    def __init__(self, revision: int) -> None:
        super().__init__(
            "sheet_changed",
            _(
                "This paper was changed in another tab or window. The answers here now show what is saved; "
                "check them, and answer again where you need to."
            ),
        )
        self.revision = revision


class AlreadyAnswered(AttemptRejected):
    """A second answer to a question marked at once (sent from another tab or window, or another
    client): refused, with the answer recorded, which the page then shows with its verdict."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(
            "already_answered",
            _("This question was already answered, in another tab or window: here is the answer recorded."),
        )
        self.answer = answer


def attempt_ended() -> AttemptRejected:
    """The refusal of any action on a finished attempt, however it ended: a page left open, or
    brought back by the browser's Back button, may still offer its questions."""
    return AttemptRejected("attempt_finished", _("This attempt has ended."))


def deadline_passed(paper: Paper) -> AttemptRejected:
    """The refusal of an answer (or a save) that came after the attempt's deadline: what became of
    the member's answers, and where to see how they did. The attempt was handed in at the deadline
    with what the member had saved (an exam's drafts) or answered (each answer marked as given)."""
    if paper.mode == Paper.Mode.EXAM:
        message = _("Time is up. Your answers saved before the deadline were handed in; see your result.")
    else:
        message = _(
            "Time is up. Your answers given before the deadline are kept and marked; "
            "this one came too late to count. See your result."
        )
    return AttemptRejected("deadline_passed", message)


def paper_open_for(paper: Paper, member: User, at: datetime) -> None:
    """Raise unless `member` may start `paper` now."""
    if paper.status != Paper.Status.PUBLISHED:
        raise AttemptRejected("paper_not_published", _("This paper is not published."))
    if member.unit is None or not member.unit.path.startswith(paper.unit.path):
        raise AttemptRejected("not_in_audience", _("This paper is for another unit."))
    if paper.practised_by_id is not None and paper.practised_by_id != member.pk:
        raise AttemptRejected("not_in_audience", _("This practice is another member's."))
    if paper.opens_at and at < paper.opens_at:
        opens = local_moment(paper.opens_at)
        raise AttemptRejected("paper_not_open", _("This paper opens at %(t)s.") % {"t": opens})
    if paper.closes_at and at >= paper.closes_at:
        closed = local_moment(paper.closes_at)
        raise AttemptRejected("paper_closed", _("This paper closed at %(t)s.") % {"t": closed})


def paper_fixed_ids(paper: Paper) -> list[int]:
    """The ids of the paper's fixed questions an attempt is given, in the paper's order.

    An exam keeps its questions whatever their status since (as Moodle keeps a question in the
    quizzes that use it): retiring a question takes it out of random draws, and of the practice,
    daily quiz and challenge papers that drill it, never out of an exam already set and maybe taken,
    whose questions and marks would otherwise change between two members' attempts."""
    fixed = paper.fixed_questions.filter(question__current__isnull=False).order_by("position")
    if paper.mode != Paper.Mode.EXAM:
        fixed = fixed.filter(question__status=Question.Status.PUBLISHED)
    return list(fixed.values_list("question_id", flat=True))


def _draw(paper: Paper, rng: random.Random) -> list[QuestionVersion]:
    chosen: list[int] = []
    fixed = paper_fixed_ids(paper)
    chosen.extend(fixed)
    rules = list(paper.rules.select_related("bank", "tag"))
    held: set[int] = set()
    if paper.practised_by_id is not None:
        held = exam_held_question_ids(banks={rule.bank_id for rule in rules}, at=timezone.now())
    for rule in rules:
        ids = sorted(set(rule_pool(rule, exclude=chosen).values_list("pk", flat=True)) - held)
        chosen.extend(rng.sample(ids, min(rule.count, len(ids))))
    if paper.shuffle_questions or not fixed:
        rng.shuffle(chosen)
    versions = {q.pk: q.current for q in Question.objects.filter(pk__in=chosen).select_related("current")}
    return [versions[pk] for pk in chosen]


def _check_draw_fills(paper: Paper) -> None:
    """Refuse ("draw_short") to start a paper one of whose draw rules cannot draw its full count
    any more (questions retired, deleted or untagged since the paper was saved, which checked it):
    a member would otherwise get a shorter paper than the one set, and nothing would say so. The
    reckoning is the builder's (`draws.draw_problems`), which names the rule and what it lacks."""
    problems = draw_problems(list(paper.rules.select_related("bank", "tag")), fixed=paper_fixed_ids(paper))
    if problems:
        raise AttemptRejected(
            "draw_short",
            _(
                "This paper cannot be drawn in full: questions it draws from were removed after it was set. "
                "Nothing was started. Tell its organiser: %(problem)s"
            )
            % {"problem": " ".join(problems.values())},
        )


def _option_order(version: QuestionVersion, paper: Paper, rng: random.Random) -> list[int]:
    order = list(range(len(version.options)))
    if paper.shuffle_options and version.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        rng.shuffle(order)
    return order


def paper_draw(*, paper: Paper, seed: int) -> list[QuestionVersion]:
    """The questions an attempt started with `seed` was given, in order (while the banks are
    unchanged): draws are reproducible, so a contest's drawn paper can be audited."""
    return _draw(paper, random.Random(seed))  # noqa: S311  (reproducible order, not security)


@transaction.atomic
def attempt_start(*, paper: Paper, member: User, at: datetime | None = None, seed: int | None = None) -> Attempt:
    """Start (or resume) the member's attempt. Double clicks and two tabs get the same attempt.

    With a `seed` the draw and the option order are reproducible (`paper_draw`)."""
    at = at or timezone.now()
    paper_open_for(paper, member, at)
    User.objects.select_for_update().filter(pk=member.pk).first()  # one start at a time per member
    current = Attempt.objects.filter(member=member, paper=paper, status=Attempt.Status.IN_PROGRESS).first()
    if current is not None:
        current = ensure_current(current, at=at)
        if current.is_open:
            return current
    day = timezone.localdate(at) if paper.mode == Paper.Mode.DAILY else None
    made = _check_attempts_left(paper, member, day)
    _check_draw_fills(paper)
    rng = random.Random(seed)  # noqa: S311  (question order, not security)
    versions = _draw(paper, rng)
    if not versions:
        raise AttemptRejected("paper_empty", _("This paper has no published questions yet."))
    fixed_points = dict(paper.fixed_questions.filter(points__isnull=False).values_list("question_id", "points"))
    deadline = at + timedelta(seconds=paper.time_limit_s) if paper.time_limit_s else None
    if day:  # a daily quiz belongs to its day: it cannot be finished (or resumed) tomorrow
        deadline = min(deadline or day_end(day), day_end(day))
    if deadline and paper.closes_at:
        deadline = min(deadline, paper.closes_at)
    attempt = Attempt.objects.create(
        paper=paper,
        member=member,
        unit_at_start=member.unit,
        number=made + 1,
        started_at=at,
        deadline_at=deadline,
        day=day,
    )
    items = [
        AttemptItem(
            attempt=attempt,
            position=position,
            version=version,
            points=Decimal(fixed_points.get(version.question_id) or paper.points_for(version.type)),
            option_order=_option_order(version, paper, rng),
        )
        for position, version in enumerate(versions, start=1)
    ]
    if paper.mode == Paper.Mode.CHALLENGE:
        _open_item(items[0], paper, at)
    AttemptItem.objects.bulk_create(items)
    # Ids are never reused on PostgreSQL; SQLite reuses those of rolled-back rows (tests do that).
    _layouts.pop(attempt.pk, None)
    attempt.max_score = sum((item.points for item in items), Decimal(0))
    attempt.save(update_fields=["max_score"])
    # A timed paper gets an ETA task; a daily quiz's end of day is left to the 30 s sweep, since
    # an ETA hours away outlives the Redis broker's visibility timeout and would be redelivered.
    if paper.time_limit_s:
        from ..tasks import attempt_expire

        transaction.on_commit(lambda: attempt_expire.apply_async((attempt.pk,), eta=deadline))
    return attempt


def _check_attempts_left(paper: Paper, member: User, day: date | None) -> int:
    """Refuse a new attempt the member has no right to (today's daily quiz done, every attempt
    used); else return how many attempts the member has made."""
    if day and Attempt.objects.filter(member=member, paper=paper, day=day).exists():
        raise AttemptRejected(
            "daily_done", _("You have done today's daily quiz: its result is below. Come back tomorrow for the next.")
        )
    made = Attempt.objects.filter(member=member, paper=paper).count()
    if paper.max_attempts and made >= paper.max_attempts:
        raise AttemptRejected("no_attempts_left", _("You have used all %(n)d attempts.") % {"n": paper.max_attempts})
    return made


def check_new_attempt(*, paper: Paper, member: User, at: datetime | None = None) -> None:
    """Raise the `AttemptRejected` that `attempt_start` would raise for a new attempt at `at`
    (the paper closed or not yet open, today's daily quiz done, every attempt used), so a page
    offers "Try again" only where pressing it starts one. An attempt still open is not looked
    at: a finished attempt's page is where this is asked."""
    at = at or timezone.now()
    paper_open_for(paper, member, at)
    _check_attempts_left(paper, member, timezone.localdate(at) if paper.mode == Paper.Mode.DAILY else None)


def day_end(day: date) -> datetime:
    """The first instant of the local day after `day` (settings.TIME_ZONE)."""
    following = datetime.combine(day + timedelta(days=1), time.min)
    return timezone.make_aware(following, timezone.get_default_timezone())


def _open_item(item: AttemptItem, paper: Paper, at: datetime) -> None:
    item.opened_at = at
    if paper.question_time_s:
        item.deadline_at = at + timedelta(seconds=paper.question_time_s)


def to_original_letters(item: AttemptItem, response: object) -> object:
    """The client answers in the letters it was shown; grading uses the version's own letters."""
    version = item.version
    if version.type not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return response
    shown = clean_response(type=version.type, options=version.options, blanks=0, response=response)
    return sorted(OPTION_LETTERS[item.option_order[OPTION_LETTERS.index(letter)]] for letter in shown)


def _clean(item: AttemptItem, response: object) -> list:
    version = item.version
    try:
        original = to_original_letters(item, response)
        return clean_response(type=version.type, options=version.options, blanks=len(version.key), response=original)
    except ResponseInvalid as error:
        raise AttemptRejected(error.code, error.message) from None


def _item(attempt: Attempt, position: int) -> AttemptItem:
    item = attempt.items.select_related("version").filter(position=position).first()
    if item is None:
        raise AttemptRejected("not_in_attempt", _("That question is not part of this attempt."))
    return item


def _check_open(attempt: Attempt, at: datetime) -> None:
    """Apply a passed deadline (committed on its own) and refuse to act on a finished attempt."""
    attempt = ensure_current(attempt, at=at)
    if attempt.status == Attempt.Status.EXPIRED:
        raise deadline_passed(attempt.paper)
    if not attempt.is_open:
        raise attempt_ended()


def _locked_open(attempt: Attempt, at: datetime) -> Attempt:
    """The attempt, row-locked and still open at `at`. Call inside a transaction."""
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("paper", "member").get(pk=attempt.pk)
    if not attempt.is_open:
        raise attempt_ended()
    if attempt.deadline_at and at > attempt.deadline_at:
        raise deadline_passed(attempt.paper)
    return attempt


@dataclass(frozen=True)
class SaveGuard:
    """A further condition, in SQL on the attempt row `a`, that an autosave's write requires
    (online contests: the device that holds the attempt), and the refusal when it fails."""

    sql: str
    params: tuple
    code: str
    message: str


def answer_save(
    *,
    attempt: Attempt,
    position: int,
    response: object,
    at: datetime | None = None,
    item: AttemptItem | None = None,
    guard: SaveGuard | None = None,
    revision: int | None = None,
    page: str = "",
) -> AttemptItem:
    """Autosave an exam answer (a draft until submit). Refused after the deadline.

    `attempt` comes with its paper; `item` (with its version), when given, saves the read of it.
    The write checks the attempt is open (and `guard`) holding its row: a submit, which holds the
    row for update while it grades the drafts, either sees this save or makes it refused, so an
    acknowledged save is never lost. `revision`, when given, is the attempt's revision the saving
    page last saw: if another page has saved since, `SheetChanged` (see `draft_save`, and `page`)."""
    at = at or timezone.now()
    _check_open(attempt, at)
    if attempt.paper.mode != Paper.Mode.EXAM:
        raise AttemptRejected("not_an_exam", _("Answers are saved only in timed exams; submit this answer instead."))
    if attempt.paper.question_time_s:
        # A time per question: its clock is read and maybe started under the attempt's lock, and
        # the write follows in the same transaction (online contests that set one; rarer path).
        with transaction.atomic():
            attempt = _locked_open(attempt, at)
            item = _item(attempt, position)
            _check_question_time(attempt, item, at)
            return draft_save(
                attempt_id=attempt.pk, item=item, response=response, at=at, guard=guard, revision=revision, page=page
            )
    if item is None:
        item = _item(attempt, position)
    return draft_save(
        attempt_id=attempt.pk, item=item, response=response, at=at, guard=guard, revision=revision, page=page
    )


@dataclass(frozen=True)
class PaperLayout:
    """What an attempt's paper fixes once drawn (the paper's settings are frozen once anyone has
    started): whose it is, the paper's mode and time per question, and at each position the
    item's id, option order and version. `online_id` is the online-contest attempt's, if any."""

    member_id: int
    online_id: int | None
    mode: str
    question_time_s: int | None
    items: dict[int, tuple[int, list, int, str, list, list]]

    def item(self, position: int) -> AttemptItem | None:
        """An unsaved copy of the item at `position` with its version (ids, types, options and
        key), enough to clean and store a draft; None when the paper has no such position."""
        row = self.items.get(position)
        if row is None:
            return None
        item_id, option_order, version_id, type_, options, key = row
        version = QuestionVersion(pk=version_id, type=type_, options=options, key=key)
        return AttemptItem(pk=item_id, attempt_id=None, position=position, option_order=option_order, version=version)


# Layouts read in this process, by attempt id: the autosave reads none of an attempt's rows. When
# it holds LAYOUTS_KEPT of them it starts again (about 10 KB an attempt of 20 questions).
_layouts: dict[int, PaperLayout] = {}
LAYOUTS_KEPT = 5000


def paper_layout(attempt_id: int) -> PaperLayout | None:
    """The attempt's layout (None if there is no such attempt with questions): one query the
    first time in this process, none after."""
    layout = _layouts.get(attempt_id)
    if layout is not None:
        return layout
    # `attempt__pk`, not `attempt_id`: the same SQL, but an id past the column's range (from a URL)
    # finds nothing instead of overflowing the driver (SQLite).
    rows = list(
        AttemptItem.objects.filter(attempt__pk=attempt_id).values_list(
            "position",
            "pk",
            "option_order",
            "version_id",
            "version__type",
            "version__options",
            "version__key",
            "attempt__member_id",
            "attempt__online__id",
            "attempt__paper__mode",
            "attempt__paper__question_time_s",
        )
    )
    if not rows:
        return None
    member_id, online_id, mode, question_time_s = rows[0][7:]
    layout = PaperLayout(
        member_id=member_id,
        online_id=online_id,
        mode=mode,
        question_time_s=question_time_s,
        items={row[0]: row[1:7] for row in rows},
    )
    if len(_layouts) >= LAYOUTS_KEPT:
        _layouts.clear()
    _layouts[attempt_id] = layout
    return layout


def draft_save(
    *,
    attempt_id: int,
    item: AttemptItem,
    response: object,
    at: datetime | None = None,
    guard: SaveGuard | None = None,
    revision: int | None = None,
    page: str = "",
) -> AttemptItem:
    """Store an exam's draft answer, refused (with the reason read afterwards) unless the attempt
    is open and in time at `at` and `guard` holds. For an exam without a time per question
    (`answer_save` decides that); `item` needs its version and option order.

    A self-study save (no `guard`) bumps the attempt's revision, which the returned item carries as
    `revision`; with `revision` given (what the saving page last saw) it is refused with
    `SheetChanged` when another page saved since. `page` is the saving page's token: when the
    attempt's last save came from that same page, its save is accepted though its revision is
    behind, for the page then missed only its own save's answer (the response was lost on the way
    back, as in a network drop), never another page's. An online contest's save (`guard`: the one
    device that holds it) has no other page to tell, and stays the one statement of its hot path."""
    at = at or timezone.now()
    cleaned = _clean(item, response)
    if guard is None:
        saved = _store_study_draft(
            attempt_id=attempt_id, item_id=item.pk, response=cleaned, at=at, revision=revision, page=page
        )
    else:
        saved = _store_draft(attempt_id=attempt_id, item_id=item.pk, response=cleaned, at=at, guard=guard)
    if not saved:
        # Closed (submitted, or the deadline passed) since the client last heard, or the guard failed.
        attempt = Attempt.objects.select_related("paper").filter(pk=attempt_id).first()
        if attempt is None:  # deleted with its member since its layout was read
            _layouts.pop(attempt_id, None)
            raise attempt_ended()
        _check_open(attempt, at)
        if guard is not None:
            raise AttemptRejected(guard.code, guard.message)
        if revision is not None and attempt.revision != revision:
            raise SheetChanged(attempt.revision)
        raise attempt_ended()
    item.saved_response, item.saved_at = cleaned, at
    item.revision = None if saved is True else saved
    return item


def _open_exam_item(attempt: Attempt, item: AttemptItem, at: datetime) -> None:
    """Start the question's own clock, cut at the attempt's deadline. Call holding the attempt's lock."""
    _open_item(item, attempt.paper, at)
    if attempt.deadline_at and item.deadline_at > attempt.deadline_at:
        item.deadline_at = attempt.deadline_at
    item.save(update_fields=["opened_at", "deadline_at"])


def _check_question_time(attempt: Attempt, item: AttemptItem, at: datetime) -> None:
    """A timed question's answer may change only until its own deadline; a save for a question
    never shown starts its clock (the client showed it)."""
    if item.opened_at is None:
        _open_exam_item(attempt, item, at)
    elif item.deadline_at and at > item.deadline_at:
        raise AttemptRejected(
            "question_time_up", _("Time is up for this question: its answer is kept as it was at its deadline.")
        )


def item_open(*, attempt: Attempt, position: int, at: datetime | None = None) -> AttemptItem:
    """Show a question of an exam with a time per question: its clock starts now (once; opening
    it again keeps the first start). Without a time per question, nothing changes."""
    at = at or timezone.now()
    _check_open(attempt, at)
    with transaction.atomic():
        attempt = _locked_open(attempt, at)
        item = _item(attempt, position)
        if attempt.paper.mode == Paper.Mode.EXAM and attempt.paper.question_time_s and item.opened_at is None:
            _open_exam_item(attempt, item, at)
        return item


@transaction.atomic
def _store_study_draft(
    *, attempt_id: int, item_id: int, response: list, at: datetime, revision: int | None, page: str
) -> int | None:
    """Bump the attempt's revision if it is open at `at` (and at `revision`, or last saved by
    `page`, when given), recording `page` as the last saver, then write the draft; the new
    revision, or None when refused. The bump holds the attempt's row for update until the draft
    is written: a submit sees this save or refuses it, and two pages saving at once take turns,
    the second refused if it expected the first's revision."""
    table = Attempt._meta.db_table
    expected, expected_params = "", ()
    if revision is not None and page:
        # Behind only by its own saves (whose answers were lost): the same page made the last one.
        expected, expected_params = " AND (revision = %s OR revision_page = %s)", (revision, page)
    elif revision is not None:
        expected, expected_params = " AND revision = %s", (revision,)
    moment = connection.ops.adapt_datetimefield_value(at)
    with connection.cursor() as cursor:
        # Table names from the models; every value is a parameter.
        cursor.execute(
            f"UPDATE {table} SET revision = revision + 1, revision_page = %s"  # noqa: S608
            f" WHERE id = %s AND status = %s AND (deadline_at IS NULL OR deadline_at >= %s){expected}"
            " RETURNING revision",
            (page, attempt_id, Attempt.Status.IN_PROGRESS, moment, *expected_params),
        )
        bumped = cursor.fetchone()
        if bumped is None:
            return None
        saved = AttemptItem._meta.get_field("saved_response").get_db_prep_value(response, connection)
        cursor.execute(
            f"UPDATE {AttemptItem._meta.db_table} SET saved_response = %s, saved_at = %s"  # noqa: S608
            " WHERE id = %s AND attempt_id = %s",
            (saved, moment, item_id, attempt_id),
        )
    return bumped[0]


def _store_draft(*, attempt_id: int, item_id: int, response: list, at: datetime, guard: SaveGuard | None) -> bool:
    """Write the draft if the attempt is open at `at` (and the guard holds); false otherwise."""
    share = " FOR SHARE" if connection.vendor == "postgresql" else ""  # SQLite: writers take turns anyway
    condition = f"AND ({guard.sql})" if guard else ""
    # Table names from the models; every value is a parameter.
    sql = (
        f"UPDATE {AttemptItem._meta.db_table} SET saved_response = %s, saved_at = %s"  # noqa: S608
        f" WHERE id = %s AND attempt_id IN (SELECT a.id FROM {Attempt._meta.db_table} a"
        f" WHERE a.id = %s AND a.status = %s AND (a.deadline_at IS NULL OR a.deadline_at >= %s) {condition}{share})"
    )
    saved = AttemptItem._meta.get_field("saved_response").get_db_prep_value(response, connection)
    moment = connection.ops.adapt_datetimefield_value(at)
    params = (saved, moment, item_id, attempt_id, Attempt.Status.IN_PROGRESS, moment, *(guard.params if guard else ()))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _grade_item(item: AttemptItem, response: list | None, *, paper: Paper, at: datetime, client_id: str = "") -> Answer:
    version = item.version
    partial = paper.partial_credit_for(version.type)
    fraction = grade(type=version.type, key=version.key, response=response or [], partial=partial) if response else 0
    return Answer(
        item=item,
        response=response,
        is_correct=fraction == 1,
        score=(item.points * Decimal(fraction)).quantize(Decimal("0.01")),
        answered_at=at,
        client_answer_id=client_id,
    )


def _after_answer(attempt: Attempt, answer: Answer, *, notebook_now: bool = True) -> None:
    """Notebook for an answer not fully right (partly right ones too, labelled so), points for a
    right one (each once per source). A question left blank (an exam's, or a challenge question
    whose time ran out) joins no notebook: nothing was answered wrong.

    The notebook shows a question's key when it is reviewed, so a wrong answer of an exam whose
    answers are not shown yet joins it later (`notebook_now=False`, see `notebook_release_due`)."""
    member = attempt.member
    question_id = answer.item.version.question_id
    if not answer.is_correct:
        if notebook_now and notebook.is_answered(answer.response):
            notebook.notebook_add_wrong(
                member=member, question_id=question_id, partly_right=answer.score > 0, at=answer.answered_at
            )
    elif attempt.paper.mode in CORRECT_ACTIVITY:
        points_award(
            member=member,
            activity=CORRECT_ACTIVITY[attempt.paper.mode],
            source_key=f"answer:{answer.item_id}",
            at=answer.answered_at,
        )


def answer_submit(
    *,
    attempt: Attempt,
    position: int,
    response: object,
    client_answer_id: str = "",
    allow_empty_blanks: bool = False,
    at: datetime | None = None,
) -> Answer:
    """Grade one answer now (practice, daily quiz, challenge). A retry with the same id is acknowledged.

    A fill-in answer with a blank left empty beside a filled one is refused (`blanks_empty`) unless
    the member confirmed it (`allow_empty_blanks`): marked at once, it could not be finished later."""
    at = at or timezone.now()
    existing = (
        Answer.objects.filter(item__attempt=attempt, item__position=position).select_related("item__version").first()
    )
    if existing is not None and client_answer_id and existing.client_answer_id == client_answer_id:
        return existing
    if attempt.paper.mode != Paper.Mode.CHALLENGE:
        _check_open(attempt, at)
    if existing is not None:
        # Finishing grades the questions left blank: their answers are the attempt's end, not the
        # member's (read afresh: the attempt may have finished since it was read).
        attempt.refresh_from_db(fields=["status"])
        if attempt.paper.mode == Paper.Mode.CHALLENGE and _timed_out(existing):
            raise question_time_up_in_challenge()
        if not attempt.is_open:
            raise attempt_ended()
        raise AlreadyAnswered(existing)
    with transaction.atomic():
        return _grade_now(attempt, position, response, client_answer_id, allow_empty_blanks, at)


def _grade_now(
    attempt: Attempt, position: int, response: object, client_answer_id: str, allow_empty_blanks: bool, at: datetime
) -> Answer:
    attempt = _locked_open(attempt, at)
    paper = attempt.paper
    if paper.mode == Paper.Mode.EXAM:
        raise AttemptRejected("exam_answers_are_saved", _("In a timed exam, answers are saved and graded at submit."))
    item = _item(attempt, position)
    if paper.mode == Paper.Mode.CHALLENGE and item.opened_at is None:
        raise AttemptRejected("not_current_question", _("Answer the current question first."))
    late = item.deadline_at is not None and at > item.deadline_at
    response = None if late else _clean(item, response)
    if not late and not notebook.is_answered(response):
        # Marked, a blank would be a wrong answer: into the notebook, and the end of a challenge.
        raise AttemptRejected("empty", _("Choose or type an answer first."))
    if not late and not allow_empty_blanks:
        try:
            check_blanks_filled(type=item.version.type, response=response)
        except ResponseInvalid as error:
            raise AttemptRejected(error.code, error.message) from None
    answer = _grade_item(
        item, response, paper=paper, at=min(at, item.deadline_at) if late else at, client_id=client_answer_id
    )
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError:
        raise AlreadyAnswered(Answer.objects.select_related("item__version").get(item=item)) from None
    attempt.score += answer.score
    attempt.save(update_fields=["score"])
    _after_answer(attempt, answer)
    if paper.mode == Paper.Mode.CHALLENGE:
        _challenge_advance(attempt, item, answer, at)
    elif not attempt.items.filter(answer__isnull=True).exists():
        _finish(attempt, at=at, status=Attempt.Status.SUBMITTED)
    return answer


def _timed_out(answer: Answer) -> bool:
    """Whether a challenge's `answer` is the blank its question's own deadline left."""
    deadline = answer.item.deadline_at
    return answer.response is None and deadline is not None and answer.answered_at == deadline


def question_time_up_in_challenge() -> AttemptRejected:
    """The refusal of a challenge answer that came after its question's time: the timeout was
    marked wrong and ended the run, which is what the member needs to hear, not only "ended"."""
    return AttemptRejected(
        "question_time_up",
        _("Time was up for this question before the answer arrived: running out of time ended the challenge."),
    )


def _challenge_advance(attempt: Attempt, item: AttemptItem, answer: Answer, at: datetime) -> None:
    """Sudden death: a right answer opens the next question, a wrong one (or a timeout) ends it."""
    if not answer.is_correct:
        _finish(attempt, at=answer.answered_at, status=Attempt.Status.SUBMITTED)
        return
    attempt.streak += 1
    attempt.save(update_fields=["streak"])
    following = attempt.items.filter(position=item.position + 1).first()
    if following is None:
        _finish(attempt, at=at, status=Attempt.Status.SUBMITTED)
        return
    _open_item(following, attempt.paper, at)
    following.save(update_fields=["opened_at", "deadline_at"])


def _finish(attempt: Attempt, *, at: datetime, status: str) -> Attempt:
    """Grade every unanswered item from its saved draft (or as blank) and close the attempt.

    Call while holding the row lock on `attempt`.
    """
    paper = attempt.paper
    pending = list(attempt.items.filter(answer__isnull=True).select_related("version"))
    if paper.mode == Paper.Mode.CHALLENGE:
        pending = []  # unopened challenge questions were never asked
    answers = [_grade_item(item, item.saved_response, paper=paper, at=at) for item in pending]
    Answer.objects.bulk_create(answers)
    attempt.score = sum((a.score for a in Answer.objects.filter(item__attempt=attempt)), Decimal(0))
    if paper.mode == Paper.Mode.CHALLENGE:
        attempt.max_score = sum((i.points for i in attempt.items.filter(opened_at__isnull=False)), Decimal(0))
    attempt.status = status
    attempt.finished_at = at
    keys_now = paper.mode != Paper.Mode.EXAM or paper.review == Paper.Review.AFTER_SUBMIT
    # Answers shown after the paper closes: the misses join the notebook then. Never shown: never.
    attempt.notebook_pending = (
        not keys_now
        and paper.review == Paper.Review.AFTER_CLOSE
        and any(not a.is_correct and notebook.is_answered(a.response) for a in answers)
    )
    attempt.save(update_fields=["score", "max_score", "status", "finished_at", "notebook_pending"])
    for answer in answers:
        _after_answer(attempt, answer, notebook_now=keys_now)
    if paper.mode == Paper.Mode.EXAM and _answered_any(attempt):
        # Finishing earns points only with at least one question answered: a blank hand-in (or a
        # paper left to time out) is not a completion, and must not use up the day's cap.
        points_award(
            member=attempt.member, activity=_completion_activity(attempt), source_key=f"attempt:{attempt.pk}", at=at
        )
    return attempt


def _completion_activity(attempt: Attempt) -> str:
    """The points activity finishing this timed paper earns: an online contest's attempt has its
    own (its own line in the points history and its own daily cap), any other exam `exam_submit`."""
    online = Attempt.objects.filter(pk=attempt.pk, online__isnull=False).exists()
    return "online_contest_submit" if online else "exam_submit"


def _answered_any(attempt: Attempt) -> bool:
    """Whether the member answered at least one of the attempt's questions (right or wrong)."""
    responses = Answer.objects.filter(item__attempt=attempt).values_list("response", flat=True)
    return any(notebook.is_answered(response) for response in responses)


@transaction.atomic
def attempt_submit(*, attempt: Attempt, at: datetime | None = None) -> Attempt:
    """Submit. After the deadline it counts as submitted at the deadline. Idempotent."""
    at = at or timezone.now()
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("paper", "member").get(pk=attempt.pk)
    if not attempt.is_open:
        return attempt
    if attempt.deadline_at and at > attempt.deadline_at:
        return _finish(attempt, at=attempt.deadline_at, status=Attempt.Status.EXPIRED)
    return _finish(attempt, at=at, status=Attempt.Status.SUBMITTED)


def ensure_current(attempt: Attempt, *, at: datetime | None = None) -> Attempt:
    """Apply any deadline that has passed (an exam's, or a challenge question's) before reading."""
    at = at or timezone.now()
    if not attempt.is_open:
        return attempt
    if attempt.deadline_at and at > attempt.deadline_at:
        return attempt_submit(attempt=attempt, at=at)
    if attempt.paper.mode == Paper.Mode.CHALLENGE:
        timed_out = attempt.items.filter(opened_at__isnull=False, answer__isnull=True, deadline_at__lt=at).first()
        if timed_out is not None:
            with transaction.atomic():
                locked = (
                    Attempt.objects.select_for_update(of=("self",)).select_related("paper", "member").get(pk=attempt.pk)
                )
                if locked.is_open:
                    Answer.objects.get_or_create(
                        item=timed_out,
                        defaults={
                            "response": None,
                            "is_correct": False,
                            "score": 0,
                            "answered_at": timed_out.deadline_at,
                        },
                    )
                    _finish(locked, at=timed_out.deadline_at, status=Attempt.Status.SUBMITTED)
            attempt.refresh_from_db()
    return attempt


def attempts_expire_due(
    *, at: datetime | None = None, paper_ids: Collection[int] | None = None, member: User | None = None
) -> int:
    """Submit every open attempt whose deadline has passed (of these papers, of this member).

    The beat sweep behind the ETA tasks calls it for all; reads that count finished attempts call
    it for what they read, since the embedded default runs no beat.
    """
    at = at or timezone.now()
    due = Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS).filter(
        Q(deadline_at__lt=at)
        | Q(paper__mode=Paper.Mode.CHALLENGE, items__deadline_at__lt=at, items__answer__isnull=True)
    )
    if paper_ids is not None:
        due = due.filter(paper_id__in=paper_ids)
    if member is not None:
        due = due.filter(member=member)
    count = 0
    for attempt in due.select_related("paper").distinct():
        if not ensure_current(attempt, at=at).is_open:
            count += 1
    return count
