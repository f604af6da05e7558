"""Snapshots computed by SQL, checked against hand-worked examples."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contests import services as contest_services
from lessons.models import Attempt, PointEvent
from orgs.models import User
from orgs.services import member_move
from rankings.models import RuleSource, SnapshotRow
from rankings.services import rule_sources_changed, run_execute, run_request
from tests import factories


def compute(rule):
    run, _created = run_request(rule=rule)
    run = run_execute(run_id=run.pk)
    assert run.status == "done", run.outcome
    return run.snapshot


def rows(snapshot):
    return {row.label: row for row in SnapshotRow.objects.filter(snapshot=snapshot)}


@pytest.fixture
def hall(tree):
    people = {
        name: factories.member(unit, username=name)
        for name, unit in [
            ("a1", tree["gz1"]),
            ("a2", tree["gz1"]),
            ("b1", tree["gz2"]),
            ("b2", tree["gz2"]),
            ("c1", tree["jjj1"]),
            ("c2", tree["jjj1"]),
        ]
    }
    contest = factories.scored_contest(
        tree["audit"],
        [
            {
                "name": "A",
                "unit": tree["gz"],
                "members": [
                    {"member": people["a1"], "unit": tree["gz1"], "events": [(10, 3000), (10, 2000)]},
                    {"member": people["a2"], "unit": tree["gz1"], "events": [(10, 4000)]},
                ],
            },
            {
                "name": "B",
                "unit": tree["gz"],
                "members": [
                    {"member": people["b1"], "unit": tree["gz2"], "events": [(20, 5000)]},
                    {"member": people["b2"], "unit": tree["gz2"], "events": [(10, 1000)]},
                ],
            },
            {
                "name": "C",
                "unit": tree["jjj"],
                "members": [
                    {"member": people["c1"], "unit": tree["jjj1"], "events": [(10, 1000), (-5, 500)]},
                    {"member": people["c2"], "unit": tree["jjj1"], "events": []},
                ],
                "adjustments": [5],
            },
        ],
    )
    return {"contest": contest, "people": people, "tree": tree}


def test_team_ranking_sums_base_and_events_and_breaks_ties_by_time(hall):
    rule = factories.ranking_rule(
        hall["tree"]["audit"],
        subject="team",
        tie_breaks=["time_used_asc"],
        sources=[{"kind": "contest", "contest": hall["contest"]}],
    )
    snapshot = compute(rule)
    got = rows(snapshot)
    assert float(got["A"].total) == 130 and float(got["B"].total) == 130 and float(got["C"].total) == 110
    # A used 9 s, B 6 s: B first on the tie-break.
    assert (got["B"].rank, got["A"].rank, got["C"].rank) == (1, 2, 3)


# ---------------------------------------------------------------- the relay-contest scenario (issue 14)
#
# 中央和国家机关 > two ministries' systems > organs > departments > party branches. Dates are China
# time (TIME_ZONE Asia/Shanghai, UTC+8); members joined on 2026-01-01 unless a test says otherwise.

CN = ZoneInfo("Asia/Shanghai")
JOINED = datetime(2026, 1, 1, 9, 0, tzinfo=CN)


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CN)


@pytest.fixture
def central(db):
    paths = {
        "root": ("中央和国家机关", "organ"),
        "audit": ("中央和国家机关/审计署系统", "organ"),
        "gz": ("中央和国家机关/审计署系统/广州特派办", "organ"),
        "gz_fin": ("中央和国家机关/审计署系统/广州特派办/财政审计处", "department"),
        "gz1": ("中央和国家机关/审计署系统/广州特派办/财政审计处/第一党支部", "branch"),
        "jjj": ("中央和国家机关/审计署系统/京津冀特派办", "organ"),
        "jjj_gen": ("中央和国家机关/审计署系统/京津冀特派办/综合处", "department"),
        "jjj1": ("中央和国家机关/审计署系统/京津冀特派办/综合处/机关党支部", "branch"),
        "mof": ("中央和国家机关/财政部系统", "organ"),
        "budget": ("中央和国家机关/财政部系统/预算司", "organ"),
        "budget_gen": ("中央和国家机关/财政部系统/预算司/综合处", "department"),
        "budget1": ("中央和国家机关/财政部系统/预算司/综合处/预算党支部", "branch"),
        "treasury": ("中央和国家机关/财政部系统/国库司", "organ"),
        "treasury_pay": ("中央和国家机关/财政部系统/国库司/支付处", "department"),
        "treasury1": ("中央和国家机关/财政部系统/国库司/支付处/国库党支部", "branch"),
    }
    return {key: factories.unit_at(path, kind=kind) for key, (path, kind) in paths.items()}


def person(units, key: str, name: str, at: datetime = JOINED):
    return factories.member(units[key], username=name, real_name=name, at=at)


def sat(paper, member, unit, score: int, finished: datetime) -> None:
    Attempt.objects.create(
        paper=paper,
        member=member,
        unit_at_start=unit,
        number=1,
        status="submitted",
        started_at=finished - timedelta(minutes=30),
        finished_at=finished,
        score=score,
    )


def test_period_days_are_local_calendar_days(central):
    """A period of 2026-03-01..2026-03-31 China time: 05:10 on 1 March (21:10 UTC on 28 February)
    is inside, 07:00 on 1 April (23:00 UTC on 31 March) is outside."""
    paper = factories.paper(central["root"])
    early, middle, late = (person(central, "gz1", name) for name in ("早", "中", "晚"))
    sat(paper, early, central["gz1"], 80, local(2026, 3, 1, 5, 10))
    sat(paper, middle, central["gz1"], 70, local(2026, 3, 15, 12, 0))
    sat(paper, late, central["gz1"], 90, local(2026, 4, 1, 7, 0))
    assert local(2026, 3, 1, 5, 10).astimezone(UTC) == datetime(2026, 2, 28, 21, 10, tzinfo=UTC)
    assert local(2026, 4, 1, 7, 0).astimezone(UTC) == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    rule = factories.ranking_rule(
        central["root"],
        period_starts_on=date(2026, 3, 1),
        period_ends_on=date(2026, 3, 31),
        sources=[{"kind": "exam", "paper": paper}],
    )
    got = rows(compute(rule))
    assert set(got) == {"早", "中"}
    assert (got["早"].place, got["中"].place) == (1, 2)


def organ_rule(central, paper, **fields):
    """Organs ranked overall and within their ministry's system, on one exam in March 2026."""
    fields = {
        "subject": "unit",
        "unit_level": 3,
        "group_level": 2,
        "period_starts_on": date(2026, 3, 1),
        "period_ends_on": date(2026, 3, 31),
    } | fields
    return factories.ranking_rule(central["root"], sources=[{"kind": "exam", "paper": paper}], **fields)


def test_units_without_participants_or_headcount_take_no_place_prize_or_group_place(central):
    """广州 (2 of 2 sat, 150 points) and 京津冀 (1 of 1, 60) are ranked; 预算司 has two members and
    nobody sat: "no participants"; 国库司 has nobody: "no participants" as well (a ranking by
    total reads no headcount). A 50 % first prize over the
    two eligible organs goes to one (floor of 1.0), not two."""
    paper = factories.paper(central["root"])
    g1, g2, j1 = person(central, "gz1", "广一"), person(central, "gz1", "广二"), person(central, "jjj1", "京一")
    person(central, "budget1", "预一")
    person(central, "budget1", "预二")
    sat(paper, g1, central["gz1"], 80, local(2026, 3, 10, 9, 0))
    sat(paper, g2, central["gz1"], 70, local(2026, 3, 11, 9, 0))
    sat(paper, j1, central["jjj1"], 60, local(2026, 3, 12, 9, 0))
    rule = organ_rule(central, paper, prize_mode="percent", prize_tiers=[{"name": "一等奖", "value": 50}])
    got = rows(compute(rule))
    summary = {
        label: (row.place, row.rank_in_group, row.prize, row.ineligible_reason, row.participants, row.headcount)
        for label, row in got.items()
    }
    assert summary == {
        "广州特派办": (1, 1, "一等奖", "", 2, 2),
        "京津冀特派办": (2, 2, "", "", 1, 1),
        "预算司": (None, None, "", "no_participants", 0, 2),
        # Ranked by the total, which no headcount divides: "no participants" (`headcount_as_credited`).
        "国库司": (None, None, "", "no_participants", 0, 0),
    }


def test_a_mover_is_credited_fact_by_fact_and_counted_once_at_the_cut_off(central):
    """迁 sat the exam on 5 March in 广州 and moved to 京津冀 on 20 March; their points: 10 on
    5 March (广州), 20 on 25 March (京津冀). Facts go to the unit of their time, the headcount to
    the unit at the period's end, and a participant is whoever has a result there: 广州 counts 2
    heads (广一, 广二) but 3 participants (迁 took part there too), so it is counted against 3;
    京津冀 2 heads (京一, 迁), 2 participants (京一 sat, 迁 earned points there)."""
    paper = factories.paper(central["root"])
    g1, g2, j1 = person(central, "gz1", "广一"), person(central, "gz1", "广二"), person(central, "jjj1", "京一")
    mover = person(central, "gz1", "迁")
    sat(paper, g1, central["gz1"], 50, local(2026, 3, 10, 9, 0))
    sat(paper, g2, central["gz1"], 50, local(2026, 3, 11, 9, 0))
    sat(paper, j1, central["jjj1"], 60, local(2026, 3, 12, 9, 0))
    sat(paper, mover, central["gz1"], 90, local(2026, 3, 5, 9, 0))
    member_move(member=mover, unit=central["jjj1"], reason="调动", at=local(2026, 3, 20, 9, 0), as_given=True)
    for day, points in ((5, 10), (25, 20)):
        PointEvent.objects.create(
            member=mover,
            activity="study",
            points=points,
            day=date(2026, 3, day),
            occurred_at=local(2026, 3, day, 20, 0),
            source_key=f"s{day}",
        )
    rule = organ_rule(central, paper)
    RuleSource.objects.create(rule=rule, kind="points")
    rule_sources_changed(rule=rule)
    got = rows(compute(rule))
    summary = {label: (float(row.total), row.participants, row.headcount, row.place) for label, row in got.items()}
    assert summary["广州特派办"] == (50 + 50 + 90 + 10, 3, 3, 1)
    assert summary["京津冀特派办"] == (60 + 20, 2, 2, 2)
    participation = organ_rule(central, paper, metric="participation", slug="participation")
    for row in SnapshotRow.objects.filter(snapshot=compute(participation), eligible=True):
        assert row.participants <= row.headcount and float(row.metric) <= 1, row.label


def test_deactivated_members_count_neither_as_participants_nor_headcount(central):
    """停 (deactivated) scored best: not ranked, no prize; 广一 takes the single first prize. For
    organs, 广州 counts 广一 only: 1 of 1."""
    paper = factories.paper(central["root"])
    g1, gone = person(central, "gz1", "广一"), person(central, "gz1", "停")
    sat(paper, g1, central["gz1"], 70, local(2026, 3, 10, 9, 0))
    sat(paper, gone, central["gz1"], 95, local(2026, 3, 11, 9, 0))
    User.objects.filter(pk=gone.pk).update(is_active=False)
    members = factories.ranking_rule(
        central["root"],
        sources=[{"kind": "exam", "paper": paper}],
        prize_mode="count",
        prize_tiers=[{"name": "一等奖", "value": 1}],
    )
    got = rows(compute(members))
    assert {label: (row.place, row.prize) for label, row in got.items()} == {"广一": (1, "一等奖")}
    organs = rows(compute(organ_rule(central, paper, slug="organs")))
    assert (organs["广州特派办"].participants, organs["广州特派办"].headcount) == (1, 1)
    assert float(organs["广州特派办"].total) == 70


def test_team_time_used_counts_wrong_answers_too(central):
    """A relay of two questions, 10 points a right answer, nothing off a wrong one. 红队: right
    in 5 s, wrong in 1 s; 蓝队: wrong in 4 s, right in 4 s. Both 110 points; time used over
    every answer is 6 s against 8 s, so 红队 wins the tie-break (the right answers alone, 5 s
    against 4 s, would have put 蓝队 first)."""
    host = factories.organiser(central["root"], username="host")
    bank = factories.bank(central["root"])
    contest = contest_services.contest_create(title="接力赛", unit=central["root"], by=host)
    red = [person(central, "gz1", f"红{n}") for n in range(2)]
    blue = [person(central, "jjj1", f"蓝{n}") for n in range(2)]
    contest_services.team_add(contest=contest, name="红队", unit=central["gz"], legs=red)
    contest_services.team_add(contest=contest, name="蓝队", unit=central["jjj"], legs=blue)
    versions = [factories.question(bank, "true_false", key=[True]).current for _ in range(2)]
    contest_services.round_add(contest=contest, type="relay", versions=versions, points=10, penalty=0)
    contest_services.contest_start(contest=contest, by=host)
    for leg, answers in enumerate(((("对", 5), ("错", 4)), (("错", 1), ("对", 4)))):
        opened = contest_services.question_open(contest=contest, by=host).opened_at
        for (response, seconds), team in zip(answers, (red, blue), strict=True):
            contest_services.answer_submit(
                contest=contest,
                member=team[leg],
                response=response,
                client_answer_id=f"{team[leg].username}-{leg}",
                at=opened + timedelta(seconds=seconds),
            )
        contest_services.question_reveal(contest=contest, by=host, at=opened + timedelta(seconds=10))
    rule = factories.ranking_rule(
        central["root"], subject="team", tie_breaks=["time_used_asc"], sources=[{"kind": "contest", "contest": contest}]
    )
    got = rows(compute(rule))
    assert {name: (float(row.total), float(row.time_used_s), row.place) for name, row in got.items()} == {
        "红队": (110, 6, 1),
        "蓝队": (110, 8, 2),
    }


def test_a_team_that_does_not_answer_a_relay_question_is_not_faster(central):
    """A relay question closed and revealed 10 s after it opened. 红队 answers wrong in 4 s,
    蓝队 not at all: both keep the base score of 100. 红队 used 4 s, 蓝队 the whole 10 s, so
    红队 wins the time tie-break, as on the contest's own results page (a team with no answer
    counted no time, and so came first)."""
    host = factories.organiser(central["root"], username="host")
    bank = factories.bank(central["root"])
    contest = contest_services.contest_create(title="接力赛", unit=central["root"], by=host)
    red, blue = person(central, "gz1", "红一"), person(central, "jjj1", "蓝一")
    contest_services.team_add(contest=contest, name="红队", unit=central["gz"], legs=[red])
    contest_services.team_add(contest=contest, name="蓝队", unit=central["jjj"], legs=[blue])
    version = factories.question(bank, "true_false", key=[True]).current
    contest_services.round_add(contest=contest, type="relay", versions=[version], points=10, penalty=0)
    contest_services.contest_start(contest=contest, by=host)
    opened = contest_services.question_open(contest=contest, by=host).opened_at
    contest_services.answer_submit(
        contest=contest, member=red, response="错", client_answer_id="red-1", at=opened + timedelta(seconds=4)
    )
    contest_services.question_reveal(contest=contest, by=host, at=opened + timedelta(seconds=10))
    rule = factories.ranking_rule(
        central["root"], subject="team", tie_breaks=["time_used_asc"], sources=[{"kind": "contest", "contest": contest}]
    )
    got = rows(compute(rule))
    assert {name: (float(row.total), float(row.time_used_s), row.place) for name, row in got.items()} == {
        "红队": (100, 4, 1),
        "蓝队": (100, 10, 2),
    }
    results = {row["name"]: (row["rank"], row["relay_seconds"]) for row in contest_services.team_scores(contest)}
    assert results == {"红队": (1, 4), "蓝队": (2, 10)}
