"""Reads for the home pages: what a member has to do today, and how an organiser's units are doing.

Every "today", "this week" and "this year" is a local calendar period in `TIME_ZONE`, as the
points ledger's days are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from calls.models import Call, Entry
from calls.services import audience_q
from contests.models import Contest, TeamMember
from contests.online.selectors import contests_for_member
from contests.relay.models import RelayLeg
from lessons import selectors as lesson_selectors
from lessons.models import (
    Answer,
    Attempt,
    Heartbeat,
    ImportJob,
    Lesson,
    Paper,
    PointEvent,
    ReviewLog,
    StudyCredit,
    WatchProgress,
)
from lessons.services.attempts import attempts_expire_due
from lessons.services.notebook import is_answered
from lessons.services.videos import lessons_visible_q
from orgs import access
from orgs.models import Unit, User
from quizsite.naming import in_language, listed
from rankings.models import RankingRule, Snapshot, SnapshotRow
from rankings.params import RuleParams
from rankings.selectors import (
    administered_rules,
    member_teams,
    replaced_version,
    unit_english_names,
    visible_rules,
    with_group_ties,
)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _today(at: datetime | None) -> date:
    return timezone.localdate(at or timezone.now())


# ---------------------------------------------------------------- member


@dataclass
class Task:
    """One thing to do today: what, why now, where to go, and whether it is already done."""

    kind: str  # lesson, daily, exam, online, relay, contest
    title: str
    url: str
    done: bool = False
    deadline_at: datetime | None = None
    start_by: datetime | None = None  # a relay leg waiting for the member: when to start it
    under_way: bool = False  # an exam, online contest or relay leg the member has started
    ends_at: datetime | None = None  # when the attempt under way ends (its time limit)
    start_url: str = ""  # where a form posts to start (or resume) it at once: a paper of the study page


def contests_to_join(member: User) -> QuerySet[Contest]:
    """Running or paused contests the member is on the roster of."""
    return (
        Contest.objects.filter(roster__member=member, status__in=[Contest.Status.RUNNING, Contest.Status.PAUSED])
        .distinct()
        .order_by("-started_at")
    )


def batons_held(member: User, *, at: datetime) -> QuerySet[RelayLeg]:
    """Relay legs the member may run now: held by them (waiting or running), or a leg of their
    unit's that nobody has started, in a relay whose window is open."""
    mine = Q(holder=member, status__in=[RelayLeg.Status.WAITING, RelayLeg.Status.RUNNING])
    if member.unit is not None:
        mine |= Q(
            holder__isnull=True, holder_unit__path__in=member.unit.lineage_paths(), status=RelayLeg.Status.WAITING
        )
    return (
        RelayLeg.objects.filter(mine, team__baton=models.F("pk"), team__relay__online__paper__closes_at__gt=at)
        .select_related("team__relay__online__paper")
        .order_by("start_by")
    )


def open_calls(member: User, *, at: datetime | None = None) -> list[Call]:
    """The calls for entries the member may enter now (their audience, inside the window), the
    soonest to close first; each says whether the member has an entry in it (`entered`)."""
    at = at or timezone.now()
    mine = Entry.objects.filter(Q(author=member) | Q(coauthors=member), call=OuterRef("pk"))
    calls = (
        Call.objects.filter(audience_q(member), opens_at__lte=at, closes_at__gt=at, results_published_at__isnull=True)
        .distinct()
        .annotate(entered=Exists(mine))
        .order_by("closes_at", "pk")
    )
    return list(calls)


def today_tasks(member: User, *, at: datetime | None = None) -> list[Task]:
    """Required lessons, the daily quiz, open exams, online contests open now, relay legs waiting
    for the member, contests running now.

    One rule for all: a task done today stays on the list, ticked, until the day is over (a
    lesson completed, a paper submitted today); one done before today is gone. An attempt under
    way (an exam or online contest started, a relay leg running) comes first, soonest end first,
    with the time it ends; then what is left to do; then what is done.
    """
    at = at or timezone.now()
    day = _today(at)
    today_start = _local_midnight(day)
    completed = dict(
        WatchProgress.objects.filter(member=member, completed_at__isnull=False).values_list("lesson_id", "completed_at")
    )
    tasks = [
        Task(
            "lesson",
            lesson.display_title,
            reverse("lessons:player", args=[lesson.pk]),
            done=lesson.pk in completed,
            deadline_at=lesson.publish_until,
        )
        for lesson in Lesson.objects.filter(lessons_visible_q(member), required=True)
        .distinct()
        .order_by("publish_until", "title")
        if lesson.pk not in completed or completed[lesson.pk] >= today_start
    ]
    papers = list(
        lesson_selectors.papers_for_member(member, at=at).filter(mode__in=[Paper.Mode.DAILY, Paper.Mode.EXAM])
    )
    online_now = [c for c in contests_for_member(member) if c.paper.opens_at <= at < c.paper.closes_at]
    paper_ids = [paper.pk for paper in papers] + [contest.paper_id for contest in online_now]
    # An attempt past its deadline has ended, whether or not a worker has submitted it yet: it is
    # not under way (nor shown with no time left), and it ticks the task on the day it ended.
    attempts_expire_due(at=at, paper_ids=paper_ids, member=member)
    attempts = Attempt.objects.filter(member=member, paper__in=paper_ids)
    open_attempts = {a.paper_id: a for a in attempts.filter(status=Attempt.Status.IN_PROGRESS)}
    finished = attempts.exclude(status=Attempt.Status.IN_PROGRESS)
    daily_done = set(finished.filter(day=day).values_list("paper_id", flat=True))
    # The day of each paper's last finished attempt: today's keep the task, ticked; older ones end it.
    last_finished = dict(
        finished.values("paper_id").annotate(last=models.Max("finished_at")).values_list("paper_id", "last")
    )

    def sat(paper_id: int) -> bool | None:
        """Done today (True), still to do (False), or done before today (None: not listed)."""
        if paper_id in open_attempts or paper_id not in last_finished:
            return False
        return True if (last_finished[paper_id] or today_start) >= today_start else None

    def ends_at(paper_id: int) -> datetime | None:
        attempt = open_attempts.get(paper_id)
        return attempt.deadline_at if attempt else None

    for paper in papers:
        start_url = reverse("lessons:paper_start", args=[paper.pk])
        if paper.mode == Paper.Mode.DAILY:
            tasks.append(
                Task(
                    "daily",
                    paper.display_title,
                    reverse("lessons:study_home"),
                    done=paper.pk in daily_done,
                    under_way=paper.pk in open_attempts,
                    ends_at=ends_at(paper.pk),
                    start_url=start_url,
                )
            )
        elif sat(paper.pk) is not None:
            tasks.append(
                Task(
                    "exam",
                    paper.display_title,
                    reverse("lessons:study_home"),
                    done=sat(paper.pk),
                    deadline_at=paper.closes_at,
                    under_way=paper.pk in open_attempts,
                    ends_at=ends_at(paper.pk),
                    start_url=start_url,
                )
            )
    tasks += [
        Task(
            "online",
            contest.paper.display_title,
            reverse("contests:online_home", args=[contest.pk]),
            done=sat(contest.paper_id),
            deadline_at=contest.paper.closes_at,
            under_way=contest.paper_id in open_attempts,
            ends_at=ends_at(contest.paper_id),
        )
        for contest in online_now
        if sat(contest.paper_id) is not None
    ]
    tasks += [
        Task(
            "relay",
            leg.team.relay.online.paper.display_title,
            reverse("contests:relay_home", args=[leg.team.relay.pk]),
            deadline_at=leg.deadline_at,
            start_by=leg.start_by if leg.status == RelayLeg.Status.WAITING else None,
            under_way=leg.status == RelayLeg.Status.RUNNING,
            ends_at=leg.deadline_at if leg.status == RelayLeg.Status.RUNNING else None,
        )
        for leg in batons_held(member, at=at)
    ]
    tasks += [
        Task("contest", contest.display_title, reverse("contests:play", args=[contest.join_code]))
        for contest in contests_to_join(member)
    ]
    far = datetime.max.replace(tzinfo=UTC)
    # Stable: within each group, the kinds' order above.
    return sorted(tasks, key=lambda task: (0, task.ends_at or far) if task.under_way else (2 if task.done else 1, far))


def study_days(member: User, *, since: date) -> set[date]:
    """Local days from `since` on which the member studied: earned points, answered a question
    (right or wrong: a practice, daily quiz, exam or challenge answer, or a notebook review) or
    watched a lesson. Points alone would miss a day of wrong answers, or of an activity whose
    points are capped or turned off: the member studied all the same."""
    local = timezone.get_current_timezone()
    start = _local_midnight(since)
    days = set(PointEvent.objects.filter(member=member, day__gte=since).values_list("day", flat=True))
    watched = (
        Heartbeat.objects.filter(member=member, received_at__gte=start, credited_to_s__isnull=False, rejected="")
        .annotate(local_day=TruncDate("received_at", tzinfo=local))
        .values_list("local_day", flat=True)
        .distinct()
    )
    days |= set(watched)
    reviewed = (
        ReviewLog.objects.filter(entry__member=member, reviewed_at__gte=start)
        .annotate(local_day=TruncDate("reviewed_at", tzinfo=local))
        .values_list("local_day", flat=True)
        .distinct()
    )
    days |= set(reviewed)
    # Only the days not known yet are read, answer by answer: a question left blank (an exam's,
    # or a challenge question whose time ran out) is no study.
    answered = (
        Answer.objects.filter(item__attempt__member=member, answered_at__gte=start, response__isnull=False)
        .annotate(local_day=TruncDate("answered_at", tzinfo=local))
        .exclude(local_day__in=days)
        .values_list("local_day", "response")
    )
    return days | {day for day, response in answered if is_answered(response)}


STREAK_LOOKBACK_DAYS = 366


def study_streak(member: User, *, at: datetime | None = None) -> int:
    """Consecutive local days of study up to today; a streak not yet extended today still counts
    up to yesterday, so it is not broken before the day is over."""
    today = _today(at)
    days = study_days(member, since=today - timedelta(days=STREAK_LOOKBACK_DAYS))
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


def study_hours_this_year(member: User, *, at: datetime | None = None) -> Decimal:
    start = _local_midnight(_today(at).replace(month=1, day=1))
    hours = StudyCredit.objects.filter(member=member, granted_at__gte=start).aggregate(s=Sum("hours"))["s"]
    return hours or Decimal("0")


@dataclass
class Place:
    rule: RankingRule
    row: SnapshotRow
    url: str
    snapshot: Snapshot | None = None  # the published version the row is of: its date and metric
    label_en: str = ""  # on a unit board, the unit's English name as the English board gives it
    group_name_en: str = ""  # the English name of the row's group (its unit at the board's group level)
    replaced: Snapshot | None = None  # the published version `snapshot` corrected, with the reason, if any

    @property
    def display_label(self) -> str:
        """You, your team or your unit as the board names the row, in the page's language."""
        return in_language(self.row.label, self.label_en)

    @property
    def display_group(self) -> str:
        """The unit within which the row has its `rank_in_group`, in the page's language."""
        return in_language(self.row.group_name, self.group_name_en)

    @property
    def names_someone_else(self) -> bool:
        """The row is a unit's or a team's: a member board's row is the member, named at the top."""
        return self.rule.subject != RankingRule.Subject.MEMBER

    @property
    def metric(self) -> str:
        """The metric the published version ranked by (the rule may have changed since)."""
        return (self.snapshot.parameters.get("metric") if self.snapshot else "") or self.rule.metric

    @property
    def tied(self) -> bool:
        """Others share the row's place overall."""
        return self.row.tied_count > 1

    @property
    def tied_in_group(self) -> bool:
        """Others of its group share the row's place there (`with_group_ties`)."""
        return self.row.tied_in_group > 1


def my_places(member: User) -> list[Place]:
    """The member's row on each published board that includes them: as a member, through a
    contest team they played in or a relay team they ran a leg for (team ids of the two kinds
    overlap: each board's own kind), or through their unit or one of its ancestors."""
    unit = member.unit
    ancestor_ids = (
        list(Unit.objects.filter(path__in=_ancestor_paths(unit)).values_list("pk", flat=True)) if unit else []
    )
    subjects = {RankingRule.Subject.MEMBER: [member.pk], RankingRule.Subject.UNIT: ancestor_ids}
    teams: dict[tuple, list[int]] = {}
    places = []
    rules = visible_rules(member).filter(snapshots__status=Snapshot.Status.PUBLISHED).distinct()
    for rule in rules:
        snapshot = rule.snapshots.filter(status=Snapshot.Status.PUBLISHED).first()
        if rule.subject == RankingRule.Subject.TEAM and snapshot:
            params = RuleParams.from_json(snapshot.parameters)
            # A relay's runners are those of the legs inside the board's period.
            key = (params.teams, params.period)
            if key not in teams:
                teams[key] = sorted(member_teams(member, params.teams, period=params.period))
            ids = teams[key]
        else:
            ids = subjects.get(rule.subject) or []
        row = (
            SnapshotRow.objects.filter(snapshot=snapshot, subject_id__in=ids).order_by("-subject_id").first()
            if snapshot and ids
            else None
        )
        if row is not None:
            board = reverse("rankings:board", args=[rule.slug])
            if rule.subject == RankingRule.Subject.MEMBER:
                # The board's page holding the member's row, among the rows around it.
                url = f"{board}?mine=1&highlight={row.subject_id}#board-row-{row.subject_id}"
            else:
                url = f"{board}?q={row.label}&highlight={row.subject_id}"
            unit_board = rule.subject == rule.Subject.UNIT
            english = unit_english_names(rule) if unit_board or row.group_id else {}
            row = with_group_ties(snapshot, [row])[0]
            places.append(
                Place(
                    rule,
                    row,
                    url,
                    label_en=english.get(row.subject_id, "") if unit_board else "",
                    group_name_en=english.get(row.group_id, ""),
                    snapshot=snapshot,
                    replaced=replaced_version(snapshot),
                )
            )
    return places


def _ancestor_paths(unit: Unit | None) -> list[str]:
    if unit is None:
        return []
    return [unit.path[:end] for end in range(unit.steplen, len(unit.path) + 1, unit.steplen)]


# ---------------------------------------------------------------- organiser and administrator


def week_start(at: datetime | None = None) -> datetime:
    """Local Monday 00:00 of the current week."""
    today = _today(at)
    return _local_midnight(today - timedelta(days=today.weekday()))


@dataclass
class UnitWeek:
    unit: Unit
    path: str
    headcount: int
    lesson_started: int = 0
    lesson_completed: int = 0
    daily_quiz: int = 0
    exams: int = 0


def units_looked_after(user: User, *, limit: int = 30) -> list[Unit]:
    """The units in the user's subtrees that have members of their own, shallowest first."""
    return list(
        access.managed_units(user)
        .annotate(headcount=Count("members", filter=Q(members__is_active=True)))
        .filter(headcount__gt=0)
        .order_by("depth", "path")[:limit]
    )


def participation_this_week(user: User, *, at: datetime | None = None) -> list[UnitWeek]:
    """For each unit looked after: members who started or completed a required lesson this week,
    who took a daily quiz, and who finished an exam, counted once per member."""
    since = week_start(at)
    units = units_looked_after(user)
    from orgs.selectors import unit_paths

    paths = unit_paths(units)
    rows = {unit.pk: UnitWeek(unit, paths.get(unit.pk, unit.name), unit.headcount) for unit in units}

    def members_per_unit(qs, member_field: str = "member") -> dict[int, int]:
        return dict(
            qs.filter(**{f"{member_field}__unit__in": list(rows)})
            .values(f"{member_field}__unit")
            .annotate(n=Count(member_field, distinct=True))
            .values_list(f"{member_field}__unit", "n")
        )

    required = WatchProgress.objects.filter(lesson__required=True)
    counts = {
        "lesson_started": members_per_unit(required.filter(started_at__gte=since)),
        "lesson_completed": members_per_unit(required.filter(completed_at__gte=since)),
        "daily_quiz": members_per_unit(
            Attempt.objects.filter(paper__mode=Paper.Mode.DAILY, started_at__gte=since).exclude(
                status=Attempt.Status.IN_PROGRESS
            )
        ),
        "exams": members_per_unit(
            Attempt.objects.filter(paper__mode=Paper.Mode.EXAM, finished_at__gte=since).exclude(
                status=Attempt.Status.IN_PROGRESS
            )
        ),
    }
    for name, per_unit in counts.items():
        for unit_id, n in per_unit.items():
            setattr(rows[unit_id], name, n)
    return list(rows.values())


FIRST_NAMES = 6  # named on the organiser's home; the rest are counted


@dataclass
class Unfinished:
    """Members of one unit who have not finished one required lesson or open exam."""

    unit: Unit
    subject: Lesson | Paper
    kind: str  # lesson or exam
    members: list[User] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def first_names(self) -> str:
        """The first FIRST_NAMES members' names as a list in the page's language: "张三、李四" in
        Chinese, "Zhang San, Li Si" in English (a Chinese enumeration comma read as a typo there)."""
        return listed(member.display_name for member in self.members[:FIRST_NAMES])


def members_not_finished(*, unit: Unit, subject: Lesson | Paper) -> list[User]:
    """Active members of `unit` itself (not its subtree) who may take `subject` and have not finished it."""
    return members_not_finished_by_unit(units=[unit], subject=subject).get(unit.pk, [])


def members_not_finished_by_unit(*, units: Iterable[Unit], subject: Lesson | Paper) -> dict[int, list[User]]:
    """`members_not_finished` for several units in one query: unit id -> its members who have
    not finished `subject`, by name (units where all have finished are left out)."""
    members = User.objects.filter(unit__in=list(units), is_active=True)
    if isinstance(subject, Lesson):
        done = WatchProgress.objects.filter(lesson=subject, completed_at__isnull=False).values("member_id")
    else:
        done = Attempt.objects.filter(paper=subject).exclude(status=Attempt.Status.IN_PROGRESS).values("member_id")
    by_unit: dict[int, list[User]] = {}
    for member in members.exclude(pk__in=done).order_by("real_name", "username"):
        by_unit.setdefault(member.unit_id, []).append(member)
    return by_unit


def subject_reaches(subject: Lesson | Paper, unit: Unit) -> bool:
    """Whether a lesson's audience (or its unit's subtree) or an exam's unit covers `unit`."""
    if isinstance(subject, Paper):
        return unit.path.startswith(subject.unit.path)
    audience = [u.path for u in subject.audience.all()] or [subject.unit.path]
    return any(unit.path.startswith(path) for path in audience)


def not_finished(user: User, *, at: datetime | None = None, limit: int = 20) -> list[Unfinished]:
    """For the units looked after, each published required lesson in its window and each open exam
    that reaches them, with the members who have not finished it (units with none are left out)."""
    at = at or timezone.now()
    units = units_looked_after(user)
    if not units:
        return []
    in_window = (Q(publish_from__isnull=True) | Q(publish_from__lte=at)) & (
        Q(publish_until__isnull=True) | Q(publish_until__gt=at)
    )
    ancestor_paths = {path for unit in units for path in _ancestor_paths(unit)}
    lessons = (
        Lesson.objects.filter(
            in_window, required=True, status=Lesson.Status.READY, publication=Lesson.Publication.PUBLISHED
        )
        .filter(
            Q(unit__path__in=ancestor_paths)
            | Q(audience__path__in=ancestor_paths)
            | access.subtree_q(user, prefix="unit__")
        )
        .prefetch_related("audience")
        .select_related("unit")
        .distinct()
    )
    exams = Paper.objects.filter(
        Q(opens_at__isnull=True) | Q(opens_at__lte=at),
        Q(closes_at__isnull=True) | Q(closes_at__gt=at),
        mode=Paper.Mode.EXAM,
        status=Paper.Status.PUBLISHED,
        unit__path__in=ancestor_paths,
        # An online contest's (or relay's) paper: its dashboard has its own progress and reminder.
        online_contest__isnull=True,
    ).select_related("unit")
    found = []
    for kind, subjects in (("lesson", lessons), ("exam", exams)):
        for subject in subjects:
            reached = [unit for unit in units if subject_reaches(subject, unit)]
            # One query a subject for all its units, not one a unit: up to 30 units a subject.
            unfinished = members_not_finished_by_unit(units=reached, subject=subject) if reached else {}
            for unit in reached:
                if unit.pk in unfinished:
                    found.append(Unfinished(unit, subject, kind, unfinished[unit.pk]))
                if len(found) >= limit:
                    return found
    return found


def contests_for_organiser(user: User) -> dict[str, list[Contest]]:
    contests = Contest.objects.filter(access.subtree_q(user, prefix="unit__"), rehearsal_of=None).select_related("unit")
    return {
        "running": list(contests.filter(status__in=[Contest.Status.RUNNING, Contest.Status.PAUSED])[:10]),
        "upcoming": list(contests.filter(status=Contest.Status.DRAFT).order_by("-created_at")[:10]),
    }


def work_in_progress(user: User) -> dict[str, list]:
    """Question imports and lesson uploads or transcodes not finished yet, in the user's subtrees."""
    return {
        "imports": list(
            ImportJob.objects.filter(
                access.subtree_q(user, prefix="bank__unit__"),
                status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING],
                confirmed_at__isnull=False,  # a preview's job is no import yet
            ).select_related("bank")[:10]
        ),
        "lessons": list(
            Lesson.objects.filter(
                access.subtree_q(user, prefix="unit__"),
                status__in=[Lesson.Status.UPLOADING, Lesson.Status.PROCESSING],
            )[:10]
        ),
    }


def rankings_waiting(user: User) -> dict[str, list[Snapshot]]:
    """For administrators: provisional snapshots to approve, approved ones to publish, and boards
    published in the last 30 days."""
    # The rules they administer: a rule covering several organs only for who holds them all.
    mine = Snapshot.objects.filter(rule__in=administered_rules(user).values("pk")).select_related("rule")
    since = timezone.now() - timedelta(days=30)
    # Only a rule's newest version may be approved or published (`rankings.services`): an older
    # one waits for nothing.
    newer = Snapshot.objects.filter(rule=OuterRef("rule"), version__gt=OuterRef("version"))
    waiting = mine.filter(~Exists(newer), status__in=[Snapshot.Status.DRAFT, Snapshot.Status.APPROVED])
    return {
        "waiting": list(waiting.order_by("-computed_at")[:10]),
        "published": list(
            mine.filter(status=Snapshot.Status.PUBLISHED, published_at__gte=since).order_by("-published_at")[:10]
        ),
    }


@dataclass
class PastResult:
    contest: Contest
    team_name: str
    rank: int
    score: int
    teams: int


def contest_results_for_member(member: User, *, limit: int = 10) -> list[PastResult]:
    """The member's team's place and score in each finished contest they played, newest first
    (rehearsals keep no results)."""
    from contests.services import team_scores

    places = (
        TeamMember.objects.filter(member=member, contest__status=Contest.Status.FINISHED, contest__rehearsal_of=None)
        .select_related("contest")
        .order_by("-contest__finished_at", "-contest_id")[:limit]
    )
    results = []
    for place in places:
        rows = team_scores(place.contest)
        mine = next((row for row in rows if row["id"] == place.team_id), None)
        if mine is not None:
            shown = in_language(mine["name"], mine["name_en"])
            results.append(PastResult(place.contest, shown, mine["rank"], mine["score"], len(rows)))
    return results
