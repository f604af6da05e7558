"""The homes: a member's tasks, caps, streak and places; an organiser's units, worked out by hand."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contests.models import Contest, Team, TeamMember
from lessons.models import Attempt, Heartbeat, Lesson, PointEvent, StudyCredit, WatchProgress
from lessons.services.attempts import attempt_start
from lessons.services.points import point_rules_ensure_defaults, points_award
from quizsite import selectors
from rankings.models import Snapshot
from rankings.services import run_execute, run_request, snapshot_approve, snapshot_publish
from tests import factories

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def local(*args) -> dt.datetime:
    """A wall-clock time in Asia/Shanghai (the settings' TIME_ZONE)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"], username="li", real_name="李党员")


def lesson(unit, *, title: str, required: bool = True, **fields) -> Lesson:
    fields.setdefault("publication", Lesson.Publication.PUBLISHED)
    return Lesson.objects.create(title=title, unit=unit, required=required, status=Lesson.Status.READY, **fields)


def finish(paper, member, *, at: dt.datetime, day=None) -> Attempt:
    return Attempt.objects.create(
        paper=paper,
        member=member,
        number=1,
        status=Attempt.Status.SUBMITTED,
        started_at=at,
        finished_at=at,
        day=day,
    )


def test_tasks_list_unfinished_required_lessons_the_daily_quiz_open_exams_and_running_contests(tree, member):
    now = timezone.now()
    todo = lesson(tree["gz"], title="必修一")
    done = lesson(tree["gz"], title="必修二")
    lesson(tree["gz"], title="选修", required=False)
    lesson(tree["jjj"], title="别的特派办的必修")
    WatchProgress.objects.create(member=member, lesson=done, completed_at=now)
    daily = factories.paper(tree["audit"], mode="daily", title="每日答题")
    exam = factories.paper(tree["gz"], mode="exam", title="党章测验", closes_at=now + dt.timedelta(days=3))
    sat = factories.paper(tree["gz"], mode="exam", title="已考测验")
    finish(sat, member, at=now)
    factories.paper(tree["gz"], mode="practice", title="练习")
    running = Contest.objects.create(title="知识竞赛", unit=tree["gz"], status=Contest.Status.RUNNING)
    team = Team.objects.create(contest=running, name="一队", unit=tree["gz1"], position=0)
    TeamMember.objects.create(contest=running, team=team, member=member, leg=1)
    over = Contest.objects.create(title="去年竞赛", unit=tree["gz"], status=Contest.Status.FINISHED)
    TeamMember.objects.create(
        contest=over, team=Team.objects.create(contest=over, name="二队", unit=tree["gz1"], position=0), member=member
    )

    tasks = selectors.today_tasks(member)

    # What is left to do, then what was done today (ticked, for the rest of the day).
    assert [(t.kind, t.title, t.done) for t in tasks] == [
        ("lesson", todo.title, False),
        ("daily", daily.title, False),
        ("exam", exam.title, False),
        ("contest", "知识竞赛", False),
        ("lesson", done.title, True),
        ("exam", sat.title, True),
    ]
    assert tasks[2].deadline_at == exam.closes_at
    assert tasks[3].url == reverse("contests:play", args=[running.join_code])

    finish(daily, member, at=now, day=timezone.localdate(now))
    assert [t.done for t in selectors.today_tasks(member) if t.kind == "daily"] == [True]


def test_a_lesson_completed_or_an_exam_sat_today_stays_ticked_like_the_daily_quiz_and_is_gone_tomorrow(
    client, tree, member
):
    """One rule for every task: done today, it stays on the list ticked (a required lesson and an
    exam disappeared while the daily quiz stayed), and the count is what is left to do."""
    now = local(2026, 3, 10, 9, 0)
    watched = lesson(tree["gz"], title="必修一")
    exam = factories.paper(tree["gz"], mode="exam", title="党章测验", closes_at=now + dt.timedelta(days=3))
    daily = factories.paper(tree["audit"], mode="daily", title="每日答题")
    WatchProgress.objects.create(member=member, lesson=watched, completed_at=now - dt.timedelta(hours=1))
    finish(exam, member, at=now - dt.timedelta(minutes=30))
    finish(daily, member, at=now - dt.timedelta(minutes=10), day=now.date())

    today = selectors.today_tasks(member, at=now)
    assert [(t.kind, t.done) for t in today] == [("lesson", True), ("daily", True), ("exam", True)]
    # The next morning (local midnight has passed): the lesson and the exam are done and gone; the
    # daily quiz is a new day's, to do.
    tomorrow = selectors.today_tasks(member, at=local(2026, 3, 11, 0, 1))
    assert [(t.kind, t.done) for t in tomorrow] == [("daily", False)]


def test_an_exam_attempt_under_way_is_listed_first_with_its_time_left_and_counted(client, tree, member):
    """A second attempt at an exam running with a minute left was missing from the list (the first,
    finished, hid the paper) and from the count."""
    now = timezone.now()
    bank = factories.bank(tree["audit"])
    lesson(tree["gz"], title="必修一")
    exam = factories.paper(
        tree["gz"], mode="exam", title="党章测验", max_attempts=2, questions=[factories.question(bank)]
    )
    finish(exam, member, at=now - dt.timedelta(days=1))
    Attempt.objects.create(
        paper=exam,
        member=member,
        number=2,
        started_at=now - dt.timedelta(minutes=9),
        deadline_at=now + dt.timedelta(seconds=90),
    )

    tasks = selectors.today_tasks(member, at=now)
    assert [(t.kind, t.title, t.under_way, t.done) for t in tasks] == [
        ("exam", "党章测验", True, False),  # first: it is running
        ("lesson", "必修一", False, False),
    ]
    assert tasks[0].ends_at == now + dt.timedelta(seconds=90)
    client.force_login(member)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 things to do today" in page  # the exam under way and the lesson: 1 + 1
    first = page.index('class="list-group-item')
    assert page.index("党章测验", first) < page.index("必修一", first)
    assert "Under way: 1\xa0minute left" in page  # 90 s to go: timeuntil reads whole minutes
    assert re.search(r'action="[^"]*/start/"><input[^>]*><button[^>]*>Continue</button>', page)
    api = client.get(reverse("api-home")).json()
    assert (api["tasks_left"], api["tasks"][0]["under_way"], api["tasks"][0]["title"]) == (2, True, "党章测验")


def test_an_attempt_past_its_deadline_is_not_under_way_across_local_midnight(tree, member):
    """No worker expired them: yesterday's daily quiz (its deadline local midnight) and an exam
    whose ten minutes ran out at 00:05 were listed as under way with no time left."""
    bank = factories.bank(tree["audit"])
    daily = factories.paper(tree["audit"], mode="daily", title="每日答题", questions=[factories.question(bank)])
    exam = factories.paper(
        tree["gz"], mode="exam", title="党章测验", time_limit_s=600, questions=[factories.question(bank)]
    )
    quiz = attempt_start(paper=daily, member=member, at=local(2026, 3, 10, 23, 58))
    sitting = attempt_start(paper=exam, member=member, at=local(2026, 3, 10, 23, 55))
    assert (quiz.deadline_at, sitting.deadline_at) == (local(2026, 3, 11, 0, 0), local(2026, 3, 11, 0, 5))

    # 00:04: the daily quiz ended at midnight, yesterday's: today's is to do. The exam runs on.
    tasks = selectors.today_tasks(member, at=local(2026, 3, 11, 0, 4))
    assert [(t.kind, t.under_way, t.done, t.ends_at) for t in tasks] == [
        ("exam", True, False, local(2026, 3, 11, 0, 5)),
        ("daily", False, False, None),
    ]
    # 00:06: the exam ended at 00:05, today: done today, ticked; nothing is under way.
    tasks = selectors.today_tasks(member, at=local(2026, 3, 11, 0, 6))
    assert [(t.kind, t.under_way, t.done) for t in tasks] == [("daily", False, False), ("exam", False, True)]
    assert Attempt.objects.get(pk=sitting.pk).finished_at == local(2026, 3, 11, 0, 5)


def test_yesterdays_daily_quiz_does_not_tick_todays(tree, member):
    daily = factories.paper(tree["audit"], mode="daily", title="每日答题")
    yesterday = timezone.now() - dt.timedelta(days=1)
    finish(daily, member, at=yesterday, day=timezone.localdate(yesterday))
    assert [t.done for t in selectors.today_tasks(member) if t.kind == "daily"] == [False]


def test_points_today_stop_at_the_daily_cap_and_the_home_shows_earned_over_cap(client, tree, member):
    point_rules_ensure_defaults()  # practice_correct: 1 a right answer, at most 10 a day
    for n in range(12):
        points_award(member=member, activity="practice_correct", source_key=f"answer:{n}")
    points_award(member=member, activity="daily_correct", source_key="answer:100")
    client.force_login(member)

    page = client.get(reverse("home")).content.decode()

    row = {r.activity: r for r in selectors.lesson_selectors.points_today(member)}
    assert (row["practice_correct"].earned, row["practice_correct"].cap) == (10, 10)
    assert (row["daily_correct"].earned, row["daily_correct"].cap) == (1, 5)
    assert "10 / 10" in page and "1 / 5" in page
    assert '<div class="qs-stat" id="points-today-total">11</div>' in page


def test_streak_counts_local_days_across_midnight(tree, member):
    # 23:30 and 00:30 Shanghai time are one UTC day (15:30 and 16:30 UTC) but two local days.
    for key, at in {"a": local(2026, 3, 10, 23, 30), "b": local(2026, 3, 11, 0, 30)}.items():
        PointEvent.objects.create(
            member=member,
            activity="practice_correct",
            points=1,
            day=timezone.localdate(at),
            occurred_at=at,
            source_key=key,
        )
    watched = lesson(tree["gz"], title="必修")
    # Watching at 23:50 on the 9th local time (15:50 UTC on the 9th) makes the 9th a study day.
    Heartbeat.objects.create(
        member=member,
        lesson=watched,
        tab="t",
        position_s=10,
        playing=True,
        received_at=local(2026, 3, 9, 23, 50),
        credited_from_s=0,
        credited_to_s=10,
    )
    # A refused heartbeat on the 8th is not study.
    Heartbeat.objects.create(
        member=member,
        lesson=watched,
        tab="t",
        position_s=500,
        playing=True,
        received_at=local(2026, 3, 8, 12, 0),
        rejected="too_fast",
    )

    assert selectors.study_streak(member, at=local(2026, 3, 11, 12, 0)) == 3  # 9th, 10th, 11th
    # Before studying on the 12th the streak still stands at 3; a day with none breaks it.
    assert selectors.study_streak(member, at=local(2026, 3, 12, 8, 0)) == 3
    assert selectors.study_streak(member, at=local(2026, 3, 13, 8, 0)) == 0
    # At 00:10 local on the 11th (16:10 UTC on the 10th) the day is the 11th: 9th, 10th, 11th.
    assert selectors.study_streak(member, at=local(2026, 3, 11, 0, 40)) == 3


def test_streak_counts_days_of_wrong_answers_and_notebook_checks_that_earned_no_points(tree, member):
    """By hand: the 14th a daily quiz answered wrong (23:50 local, 15:50 UTC), the 15th a practice
    answer wrong at 00:20 local (16:20 UTC on the 14th), the 16th only a notebook check before its
    entry was due (practice: no points). No point was earned, yet the member studied three days in a
    row; the 17th, an exam left blank at its deadline is no study: the streak stays 3 and is broken on
    the 18th."""
    from lessons.services.attempts import answer_submit, attempt_submit
    from lessons.services.notebook import notebook_review

    def utc(*args) -> dt.datetime:  # the notebook's scheduler takes UTC times
        return local(*args).astimezone(dt.UTC)

    bank = factories.bank(tree["gz"], slug="streak-bank")
    q1, q2, q3 = (factories.question(bank, "single") for _ in range(3))  # key A of 3 options
    # Options in their own order: "C" is wrong, "A" right.
    daily = factories.paper(tree["audit"], mode="daily", questions=[q1], shuffle_options=False)
    practice = factories.paper(tree["audit"], mode="practice", questions=[q2], shuffle_options=False)
    exam = factories.paper(tree["audit"], mode="exam", questions=[q3], time_limit_s=600)

    quiz = attempt_start(paper=daily, member=member, at=utc(2026, 3, 14, 23, 49))
    answer_submit(attempt=quiz, position=1, response="C", at=utc(2026, 3, 14, 23, 50))
    run = attempt_start(paper=practice, member=member, at=utc(2026, 3, 15, 0, 19))
    answer_submit(attempt=run, position=1, response="C", at=utc(2026, 3, 15, 0, 20))
    entry = member.notebook.get(question=q2)
    # Due a few minutes after the miss: checked the next day it would count; a check before it is due
    # is practice, so move the entry's due time past the check.
    entry.due_at = local(2026, 3, 16, 23, 0)
    entry.save(update_fields=["due_at"])
    notebook_review(entry=entry, response="A", at=utc(2026, 3, 16, 9, 0))
    sitting = attempt_start(paper=exam, member=member, at=utc(2026, 3, 17, 9, 0))
    attempt_submit(attempt=sitting, at=utc(2026, 3, 17, 9, 20))  # after its deadline: handed in blank

    assert not PointEvent.objects.filter(member=member).exists()
    assert selectors.study_streak(member, at=local(2026, 3, 16, 12, 0)) == 3  # 14th, 15th, 16th
    assert selectors.study_streak(member, at=local(2026, 3, 17, 12, 0)) == 3  # not extended, not broken
    assert selectors.study_streak(member, at=local(2026, 3, 18, 12, 0)) == 0


def test_study_hours_this_year_start_at_local_new_year(tree, member):
    for title, hours, at in [
        ("去年", "0.50", local(2025, 12, 31, 23, 30)),  # 15:30 UTC on 31 Dec: last year locally
        ("今年一", "0.25", local(2026, 1, 1, 0, 10)),  # 16:10 UTC on 31 Dec: this year locally
        ("今年二", "1.00", local(2026, 6, 1, 9, 0)),
    ]:
        StudyCredit.objects.create(
            member=member, lesson=lesson(tree["gz"], title=title), hours=Decimal(hours), granted_at=at
        )
    assert selectors.study_hours_this_year(member, at=local(2026, 7, 1, 12, 0)) == Decimal("1.25")


@pytest.fixture
def published_board(tree, member):
    """Points on one day for four members; a member board of 审计署, computed and published."""
    admin = factories.administrator(tree["audit"], username="boss")
    others = [factories.member(tree[u], real_name=n) for u, n in [("gz1", "甲"), ("gz2", "乙"), ("jjj1", "丙")]]
    day = dt.date(2026, 11, 20)
    for person, amount in zip([others[0], member, others[1], others[2]], [40, 30, 20, 10], strict=True):
        PointEvent.objects.create(
            member=person,
            activity="quiz",
            points=amount,
            day=day,
            occurred_at=local(2026, 11, 20, 9, 0),
            source_key=f"k{person.pk}",
        )
    rule = factories.ranking_rule(
        tree["audit"],
        title="积分榜",
        subject="member",
        sources=[{"kind": "points"}],
        period_starts_on=day,
        period_ends_on=day,
    )
    run, _created = run_request(rule=rule)
    snapshot = run_execute(run_id=run.pk).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    return rule


def test_my_place_is_the_members_row_on_each_published_board_with_a_highlighting_link(
    client, tree, member, published_board
):
    places = selectors.my_places(member)
    # 甲 40, 李党员 30, 乙 20, 丙 10: second.
    assert [(p.rule.title, p.row.rank) for p in places] == [("积分榜", 2)]
    board_url = reverse("rankings:board", args=[published_board.slug])
    assert places[0].url == f"{board_url}?mine=1&highlight={member.pk}#board-row-{member.pk}"
    client.force_login(member)
    assert "第 2 名" in client.get(reverse("home")).content.decode()
    board = client.get(places[0].url.partition("#")[0]).content.decode()
    assert board.count("qs-mine") == 1 and "李党员" in board.split("qs-mine")[1].split("</tr>")[0]


def test_a_member_outside_every_board_has_no_place(tree, published_board):
    outsider = factories.member(tree["budget"])
    assert selectors.my_places(outsider) == []


def test_organiser_sees_this_weeks_participation_per_unit_counted_once(tree, gz_organiser):
    a, b = factories.member(tree["gz1"]), factories.member(tree["gz1"])
    c = factories.member(tree["gz2"])
    required = lesson(tree["gz"], title="必修")
    now = timezone.now()
    WatchProgress.objects.create(member=a, lesson=required, started_at=now, completed_at=now)
    WatchProgress.objects.create(member=b, lesson=required, started_at=now)
    # Started before this week: not counted as started this week.
    WatchProgress.objects.create(member=c, lesson=required, started_at=selectors.week_start() - dt.timedelta(hours=1))
    daily = factories.paper(tree["audit"], mode="daily")
    finish(daily, a, at=now, day=timezone.localdate(now))

    rows = {row.unit.name: row for row in selectors.participation_this_week(gz_organiser)}

    gz1 = rows["第一党支部"]
    # gz1 holds a and b (the organiser belongs to 广州特派办 itself).
    assert (gz1.headcount, gz1.lesson_started, gz1.lesson_completed, gz1.daily_quiz) == (2, 2, 1, 1)
    assert (rows["第二党支部"].headcount, rows["第二党支部"].lesson_started) == (1, 0)
    assert "京津冀特派办" not in rows


def test_organiser_home_lists_who_has_not_finished_with_a_reminder_button(client, tree, gz_organiser):
    a = factories.member(tree["gz1"], real_name="张三")
    b = factories.member(tree["gz1"], real_name="李四")
    required = lesson(tree["gz"], title="必修课")
    WatchProgress.objects.create(member=a, lesson=required, completed_at=timezone.now())

    unfinished = {(row.unit.name, row.subject.title): row for row in selectors.not_finished(gz_organiser)}

    assert [m.pk for m in unfinished[("第一党支部", "必修课")].members] == [b.pk]
    client.force_login(gz_organiser)
    page = client.get(reverse("home")).content.decode()
    assert "李四" in page and reverse("notifications:remind") in page


@pytest.mark.parametrize(("language", "names"), [("zh-hans", "张三、李四"), ("en", "张三, 李四")])
def test_organiser_home_lists_who_has_not_finished_with_the_pages_list_separator(tree, gz_organiser, language, names):
    """The names are people's as typed; only what joins them follows the page's language."""
    factories.member(tree["gz1"], real_name="张三")
    factories.member(tree["gz1"], real_name="李四")
    lesson(tree["gz"], title="必修课")

    page = factories.client_in(language, gz_organiser).get(reverse("home")).content.decode()

    listing = re.search(r'id="not-finished">(.*?)</ul>', page, re.S).group(1)
    assert names in listing, listing


def test_the_contests_page_lists_joinable_contests_and_past_results_or_says_there_are_none(client, tree, member):
    client.force_login(member)
    empty = client.get(reverse("contests:list")).content.decode()
    assert "现在没有可参加的竞赛" in empty and "您还没有参加过已结束的竞赛" in empty

    mine = factories.member(tree["gz1"])
    rival = factories.member(tree["gz2"])
    factories.scored_contest(
        tree["gz"],
        [
            {"name": "一支部队", "unit": tree["gz1"], "members": [{"member": member, "unit": tree["gz1"]}]},
            {
                "name": "二支部队",
                "unit": tree["gz2"],
                "members": [{"member": rival, "unit": tree["gz2"], "events": [(20, 5000)]}],
            },
            {
                "name": "三支部队",
                "unit": tree["gz2"],
                "members": [{"member": mine, "unit": tree["gz2"], "events": [(-10, 5000)]}],
            },
        ],
        title="党史竞赛",
    )
    running = Contest.objects.create(title="正在进行", unit=tree["gz"], status=Contest.Status.RUNNING)
    TeamMember.objects.create(
        contest=running,
        team=Team.objects.create(contest=running, name="队", unit=tree["gz1"], position=0),
        member=member,
    )

    page = client.get(reverse("contests:list")).content.decode()

    assert "正在进行" in page and reverse("contests:play", args=[running.join_code]) in page
    # 二支部队 120, 一支部队 100 (the base score), 三支部队 90: second of three.
    assert "党史竞赛" in page and "第 2 名 / 共 3 队" in page and "100 分" in page


def test_an_exam_result_shows_the_time_used_and_offers_another_try_while_attempts_are_left(client, tree, member):
    exam = factories.paper(tree["gz"], mode="exam", title="党章测验", max_attempts=2)
    start = timezone.now() - dt.timedelta(minutes=10)
    attempt = Attempt.objects.create(
        paper=exam,
        member=member,
        number=1,
        status=Attempt.Status.SUBMITTED,
        started_at=start,
        finished_at=start + dt.timedelta(minutes=7, seconds=5),
    )
    client.force_login(member)
    page = client.get(reverse("lessons:attempt_result", args=[attempt.pk])).content.decode()
    assert "用时 7 分 5 秒" in page and 'id="try-again"' in page

    Attempt.objects.create(
        paper=exam, member=member, number=2, status=Attempt.Status.SUBMITTED, started_at=start, finished_at=start
    )
    assert 'id="try-again"' not in client.get(reverse("lessons:attempt_result", args=[attempt.pk])).content.decode()


def test_the_daily_quiz_result_does_not_repeat_its_title(client, tree, member):
    daily = factories.paper(tree["audit"], mode="daily", title="每日答题")
    attempt = finish(daily, member, at=timezone.now(), day=timezone.localdate())
    client.force_login(member)
    assert (
        "每日答题 · 每日答题" not in client.get(reverse("lessons:attempt_result", args=[attempt.pk])).content.decode()
    )


def test_points_history_names_every_activity_and_never_shows_a_code(client, tree, member):
    from lessons.models import PointRule

    point_rules_ensure_defaults()
    PointRule.objects.create(activity="essay_read", label="阅读文章", points=1, daily_cap=3)
    now = timezone.now()
    for activity in ("daily_correct", "video_complete", "essay_read", "retired_code"):
        PointEvent.objects.create(
            member=member, activity=activity, points=1, day=timezone.localdate(now), occurred_at=now, source_key="s"
        )
    client.force_login(member)
    page = client.get(reverse("lessons:points")).content.decode()
    history = page.split('id="points-today"')[1]
    for shown in ("每日答题答对", "学完微党课", "阅读文章", "其他活动"):
        assert shown in history
    for code in ("daily_correct", "video_complete", "essay_read", "retired_code"):
        assert code not in history


def test_tasks_list_open_online_contests_not_yet_taken_and_relay_legs_waiting_for_the_member(
    client, tree, member, gz_organiser
):
    from contests.online import services as online_services
    from contests.relay import services as relay_services

    now = timezone.now()
    bank = factories.bank(tree["audit"])
    for _ in range(3):
        factories.question(bank, "single")
    rules = [online_services.DrawRule(bank=bank, type="single", count=2)]

    def online(title, *, unit=tree["gz"], opens=-1, closes=24):
        return online_services.online_contest_create(
            title=title,
            unit=unit,
            audience=[unit],
            opens_at=now + dt.timedelta(hours=opens),
            closes_at=now + dt.timedelta(hours=closes),
            rules=rules,
            by=gz_organiser,
        )

    open_now = online("党史网上答题")
    taken = online("已答过的网上答题")
    online("已截止的网上答题", opens=-48, closes=-1)
    online("还没开始的网上答题", opens=2, closes=48)
    online("别的特派办的网上答题", unit=tree["jjj"])
    finish(taken.paper, member, at=now)
    relay = relay_services.relay_create(
        title="党章接力赛",
        unit=tree["gz"],
        audience=[tree["gz"]],
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=7),
        rules=rules,
        by=gz_organiser,
        leg_time_limit_s=300,
    )
    second = factories.member(tree["gz1"], username="wang", real_name="王二棒")
    relay_services.relay_teams_set(
        relay=relay,
        plans=[relay_services.TeamPlan(name="一支部队", unit=tree["gz1"], roster=[member, second], captain=member)],
        by=gz_organiser,
        at=now,
    )
    leg = relay.teams.get().baton

    tasks = [t for t in selectors.today_tasks(member) if t.kind in ("online", "relay")]

    assert [(t.kind, t.title, t.done) for t in tasks] == [
        ("online", "党史网上答题", False),
        ("relay", "党章接力赛", False),
        ("online", "已答过的网上答题", True),  # taken today: ticked for the rest of the day
    ]
    assert tasks[0].url == reverse("contests:online_home", args=[open_now.pk])
    assert tasks[0].deadline_at == open_now.paper.closes_at
    assert tasks[1].url == reverse("contests:relay_home", args=[relay.pk])
    assert (tasks[1].start_by, tasks[1].deadline_at) == (leg.start_by, None)  # 24 h from the baton
    assert [t.kind for t in selectors.today_tasks(second) if t.kind == "relay"] == []  # not their leg yet
    client.force_login(member)
    page = client.get(reverse("home")).content.decode()
    assert "接力棒到您了" in page and "党章接力赛" in page and "党史网上答题" in page
    relay_task = next(task for task in client.get(reverse("api-home")).json()["tasks"] if task["kind"] == "relay")
    assert relay_task["start_by"] is not None

    relay_services.relay_leg_skip(leg=leg, by=gz_organiser, reason="出差")

    assert [t.kind for t in selectors.today_tasks(member) if t.kind == "relay"] == []
    assert [t.title for t in selectors.today_tasks(second) if t.kind == "relay"] == ["党章接力赛"]


def test_organiser_home_leaves_online_contests_and_relays_to_their_own_dashboards(tree, gz_organiser):
    # Their papers are exams in form only: a relay is run by its teams' runners, an online contest
    # has its own progress page and reminder; listing every member of every branch as not having
    # finished 'the exam' (as the demo's relay was) is wrong and its reminder would reach everyone.
    from contests.online.services import DrawRule, online_contest_create

    factories.member(tree["gz1"], real_name="张三")
    bank = factories.bank(tree["gz"])
    factories.question(bank, "single")
    now = timezone.now()
    online_contest_create(
        title="网上答题",
        unit=tree["gz"],
        audience=[tree["gz"]],
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=7),
        rules=[DrawRule(bank=bank, type="single", count=1)],
        by=gz_organiser,
        time_limit_s=600,
        max_attempts=1,
    )
    factories.paper(tree["gz"], mode="exam", title="党章测验", closes_at=now + dt.timedelta(days=3))
    assert {row.subject.title for row in selectors.not_finished(gz_organiser)} == {"党章测验"}


def test_a_started_online_contest_or_exam_reads_continue_on_the_home_page(client, tree, member, gz_organiser):
    from contests.online import services as online_services

    now = timezone.now()
    bank = factories.bank(tree["audit"])
    for _ in range(3):
        factories.question(bank, "single")
    contest = online_services.online_contest_create(
        title="党史网上答题",
        unit=tree["gz"],
        audience=[tree["gz"]],
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=24),
        rules=[online_services.DrawRule(bank=bank, type="single", count=2)],
        by=gz_organiser,
    )
    exam = factories.paper(tree["audit"], mode="exam", title="党规测验", questions=[factories.question(bank)])
    untouched = factories.paper(tree["audit"], mode="exam", title="未开始的测验", questions=[factories.question(bank)])
    online_services.online_attempt_start(contest=contest, member=member, device="phone-1", at=now)
    attempt_start(paper=exam, member=member)

    tasks = {t.title: t for t in selectors.today_tasks(member)}
    assert (tasks["党史网上答题"].under_way, tasks["党规测验"].under_way, tasks[untouched.title].under_way) == (
        True,
        True,
        False,
    )
    client.force_login(member)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    buttons = dict(
        re.findall(r'fw-semibold text-break">([^<]+)</div>.*?<(?:a|button) class="btn[^>]*>([^<]+)</', page, re.S)
    )
    assert (buttons["党史网上答题"], buttons["党规测验"], buttons["未开始的测验"]) == ("继续作答", "继续作答", "开始")


def test_the_home_start_buttons_begin_the_daily_quiz_and_the_exam_themselves(client, tree, member):
    """Start on the home led to the study page's list, where the member pressed Start again: it
    posts to the paper's start, as the study page's own button does, and Continue resumes."""
    bank = factories.bank(tree["audit"])
    daily = factories.paper(tree["audit"], mode="daily", title="每日答题", questions=[factories.question(bank)])
    exam = factories.paper(tree["audit"], mode="exam", title="党规测验", questions=[factories.question(bank)])
    client.force_login(member)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for paper in (daily, exam):
        start = reverse("lessons:paper_start", args=[paper.pk])
        assert re.search(rf'<form method="post" action="{start}"><input[^>]*><button[^>]*>Start</button>', page)
    response = client.post(reverse("lessons:paper_start", args=[exam.pk]))
    attempt = Attempt.objects.get(member=member, paper=exam)
    assert response.status_code == 302 and response.url == reverse("lessons:attempt", args=[attempt.pk])
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    start = reverse("lessons:paper_start", args=[exam.pk])
    assert re.search(rf'<form method="post" action="{start}"><input[^>]*><button[^>]*>Continue</button>', page)
    assert client.post(start).url == reverse("lessons:attempt", args=[attempt.pk])  # the same attempt


@pytest.fixture
def publishing_at_1340_utc(monkeypatch):
    """The clock at 13:40 UTC on 6 December 2026 (a published snapshot cannot be changed after)."""
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 6, 13, 40, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    ("language", "basis", "hint"),
    [
        ("zh-hans", '总分 <b class="qs-place-score">30</b> · 2026-12-06 21:40 发布', "榜单下次发布时才会更新。"),
        (
            "en",
            'Total <b class="qs-place-score">30</b> · as published 6 Dec 2026 21:40',
            "It changes when the board is next published.",
        ),
    ],
)
def test_my_place_says_which_board_its_date_and_the_score_it_counted_without_my_name(
    publishing_at_1340_utc, tree, member, published_board, language, basis, hint
):
    """李党员 scored 30 on 积分榜, published at 13:40 UTC on 6 December: 21:40 in Shanghai (UTC+8)."""
    assert Snapshot.objects.get(rule=published_board).published_at == dt.datetime(2026, 12, 6, 13, 40, tzinfo=dt.UTC)
    page = factories.client_in(language, member).get(reverse("home")).content.decode()
    places = page[page.index('id="my-places"') :].split("</ul>")[0]
    assert "积分榜" in places and basis in places and hint in places
    assert "李党员" not in places  # the card's own name, said in the greeting above
