"""Team relays over days: setup, the baton's order, legs graded by the attempt engine, skips and
replacements with reasons, deactivated runners, late starts, the window's end and the standings."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contests.online import services as online_services
from contests.online.models import OnlineAuditEntry
from contests.online.services import ContestSetupRejected, DrawRule
from contests.relay import selectors, services
from contests.relay.models import RelayContest, RelayLeg, RelayTeam
from contests.relay.services import TeamPlan
from lessons.models import Attempt, Paper
from lessons.services.attempts import AttemptRejected
from notifications.models import Notification
from tests import factories
from tests.contests.test_online import key_of

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)  # set again as each test starts (tests/conftest.py)


@pytest.fixture
def setup():
    return make_setup()


def make_setup() -> dict:
    organ = factories.unit_at("审计署")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    second = factories.unit_at("审计署/广州特派办/第二党支部")
    bank = factories.bank(organ)
    singles = [factories.question(bank, "single") for _ in range(4)]
    organiser = factories.organiser(organ)
    runners = [factories.member(branch, username=f"runner{n}") for n in (1, 2, 3)]
    return {
        "organ": organ,
        "branch": branch,
        "second": second,
        "bank": bank,
        "singles": singles,
        "by": organiser,
        "runners": runners,
    }


def make_relay(setup, **fields) -> RelayContest:
    defaults = {
        "title": "党史知识接力赛",
        "unit": setup["organ"],
        "audience": [setup["organ"]],
        "opens_at": NOW - timedelta(hours=1),
        "closes_at": NOW + timedelta(days=7),
        "rules": [DrawRule(bank=setup["bank"], type="single", count=2)],
        "by": setup["by"],
        "leg_time_limit_s": 600,
    }
    defaults.update(fields)
    return services.relay_create(**defaults)


def make_team(setup, relay, roster=None, name="第一党支部", captain=None) -> RelayTeam:
    roster = roster or setup["runners"]
    services.relay_teams_set(
        relay=relay,
        plans=[TeamPlan(name=name, unit=setup["branch"], roster=roster, captain=captain or roster[0])],
        by=setup["by"],
        at=NOW,
    )
    return RelayTeam.objects.get(relay=relay, name=name)


def roster_rows(*rows) -> list[dict]:
    """Rows of (team, username, captain?) as the roster import reads them, from the sheet's row 2."""
    return [
        {"number": n, "team": team, "member": member, "name": "", "captain": "是" if captain else "", "leg": ""}
        for n, (team, member, captain) in enumerate(rows, start=2)
    ]


def wrong_of(item) -> str:
    return "A" if key_of(item) != "A" else "B"


def run_leg(team, member, *, right: int, start: timedelta, took: timedelta) -> RelayLeg:
    """Start the member's leg at NOW + start, answer `right` of its 2 questions right and submit
    `took` later."""
    leg = services.relay_leg_start(team=team, member=member, device="phone", at=NOW + start)
    online = leg.online_attempt
    for item in online.attempt.items.order_by("position"):
        response = key_of(item) if item.position <= right else wrong_of(item)
        online_services.online_answer_save(
            online=online, device="phone", position=item.position, response=response, at=NOW + start
        )
    online_services.online_attempt_submit(online=online, device="phone", at=NOW + start + took)
    leg.refresh_from_db()
    return leg


def relay_of_tenths(setup) -> tuple[RelayContest, dict[str, RelayTeam]]:
    """Two teams of three, every leg 1 of 2 right: 十分之九 runs three legs of 10.9 s (32.7 s in
    all), 整秒 legs of 10, 10 and 11 s (31 s)."""
    relay = make_relay(setup)
    fast = [factories.member(setup["second"], username=f"whole{n}") for n in (1, 2, 3)]
    services.relay_teams_set(
        relay=relay,
        plans=[
            TeamPlan(name="十分之九", unit=setup["branch"], roster=setup["runners"]),
            TeamPlan(name="整秒", unit=setup["second"], roster=fast),
        ],
        by=setup["by"],
        at=NOW,
    )
    teams = {t.name: t for t in RelayTeam.objects.filter(relay=relay)}
    for n, (tenths, whole) in enumerate(zip(setup["runners"], fast, strict=True)):
        run_leg(teams["十分之九"], tenths, right=1, start=timedelta(minutes=n), took=timedelta(milliseconds=10_900))
        run_leg(teams["整秒"], whole, right=1, start=timedelta(minutes=n), took=timedelta(seconds=(10, 10, 11)[n]))
    return relay, teams


def baton(team) -> RelayLeg | None:
    team.refresh_from_db()
    return team.baton


# ---------------------------------------------------------------- setup


def test_a_leg_draw_the_bank_cannot_fill_is_refused_at_setup_naming_the_shortfall(setup):
    with pytest.raises(ContestSetupRejected) as refused:
        make_relay(setup, rules=[DrawRule(bank=setup["bank"], type="single", count=5)])
    # 5 singles per leg, the bank has 4: 1 short.
    assert refused.value.code == "draw_shortfall"
    assert "要抽 5 道题，但只有 4 道符合：缺 1 道。" in refused.value.message
    assert not RelayContest.objects.exists() and not Paper.objects.exists()


def test_teams_are_made_one_per_party_branch_with_the_first_holder_told(setup):
    relay = make_relay(setup)
    lone = factories.member(setup["second"], username="a-second")
    plans = services.plans_from_units(relay=relay, parent=setup["organ"])
    # The organiser (in the organ itself, not a branch) runs for no team.
    assert [(p.name, [m.username for m in p.roster]) for p in plans] == [
        ("第一党支部", ["runner1", "runner2", "runner3"]),
        ("第二党支部", ["a-second"]),
    ]
    services.relay_teams_set(relay=relay, plans=plans, by=setup["by"], at=NOW)
    first = RelayTeam.objects.get(name="第一党支部")
    assert (first.captain, baton(first).holder, baton(first).position) == (setup["runners"][0], setup["runners"][0], 1)
    assert Notification.objects.filter(kind="relay_baton", recipient__in=[setup["runners"][0], lone]).count() == 2
    assert not Notification.objects.filter(recipient=setup["runners"][1]).exists()


LEFT_OUT_NOTE = {
    "zh-hans": "以下成员所在单位未组队，未编入任何队伍：张书记（第一党总支）。如需他们参赛，请导入编入他们的名单。",
    "en": "On no team, as no team was made from the unit they are placed in: 张书记 (第一党总支)."
    " To have them run, import a roster that places them.",
}


def test_members_placed_in_a_general_branch_run_for_it_when_it_holds_no_branch_and_are_named_otherwise(client, setup):
    """广州特派办 > 第一党总支 (its secretary 张书记 placed in it) > 总支第一党支部 (王五), and
    第二党总支 holding no branch (李四, 赵六): 第二党总支 makes a team of its own members; 张书记
    sits on none, and the page names him."""
    first = factories.unit_at("审计署/广州特派办/第一党总支", kind="general_branch")
    factories.member(first, real_name="张书记", username="secretary")
    factories.member(factories.unit_at("审计署/广州特派办/第一党总支/总支第一党支部"), username="wangwu")
    second = factories.unit_at("审计署/广州特派办/第二党总支", kind="general_branch")
    factories.member(second, real_name="赵六", username="zhaoliu")
    factories.member(second, real_name="李四", username="lisi")
    relay = make_relay(setup)
    plans = services.plans_from_units(relay=relay, parent=setup["organ"])
    # In tree order; 第二党支部 has no member, 第一党总支 holds a branch; 李四 before 赵六 by pinyin.
    assert [(p.name, [m.username for m in p.roster]) for p in plans] == [
        ("第一党支部", ["runner1", "runner2", "runner3"]),
        ("总支第一党支部", ["wangwu"]),
        ("第二党总支", ["lisi", "zhaoliu"]),
    ]
    # The organiser, placed in the organ itself, makes the teams and is not named.
    left_out = services.members_left_out(relay=relay, parent=None, by=setup["by"])
    assert [m.username for m in left_out] == ["secretary"]
    client.force_login(setup["by"])
    for language, note in LEFT_OUT_NOTE.items():
        client.cookies["django_language"] = language
        relay = make_relay(setup)
        page = client.post(reverse("contests:relay_teams", args=[relay.pk]), {"parent": ""}, follow=True)
        assert [str(m) for m in page.context["messages"]][1:] == [note]
        assert sorted(relay.teams.values_list("name", flat=True)) == sorted(
            ["第一党支部", "总支第一党支部", "第二党总支"]
        )


def test_legs_by_unit_pass_the_baton_between_party_branches(setup):
    relay = make_relay(setup)
    plans = services.plans_from_units(relay=relay, parent=setup["organ"], legs_by_unit=True)
    assert [(p.name, [u.name for u in p.roster]) for p in plans] == [("广州特派办", ["第一党支部", "第二党支部"])]
    services.relay_teams_set(relay=relay, plans=plans, by=setup["by"], at=NOW)
    team = RelayTeam.objects.get()
    in_second = factories.member(setup["second"])
    with pytest.raises(AttemptRejected) as refused:
        services.relay_leg_start(team=team, member=in_second, device="p", at=NOW)
    assert refused.value.code == "not_baton_holder"
    leg = run_leg(team, setup["runners"][1], right=2, start=timedelta(0), took=timedelta(seconds=30))
    assert (leg.holder, leg.score) == (setup["runners"][1], 2)
    assert (baton(team).holder_unit, baton(team).holder) == (setup["second"], None)
    assert (
        services.relay_leg_start(team=team, member=in_second, device="p", at=NOW + timedelta(minutes=1)).position == 2
    )


# ---------------------------------------------------------------- the baton


def test_relay_of_three_passes_the_baton_in_order_and_sums_the_legs(setup):
    relay = make_relay(setup)
    team = make_team(setup, relay)
    first, second, third = setup["runners"]
    one = run_leg(team, first, right=2, start=timedelta(0), took=timedelta(seconds=60))
    # Both singles right (1 point each) in 60 s; the baton is at once with the second runner, who is told.
    assert (one.status, one.score, one.right, one.questions, one.time_used_s) == ("finished", 2, 2, 2, 60)
    assert baton(team).holder == second
    assert Notification.objects.filter(recipient=second, kind="relay_baton").count() == 1
    two = run_leg(team, second, right=1, start=timedelta(minutes=5), took=timedelta(seconds=100))
    three = run_leg(team, third, right=0, start=timedelta(minutes=10), took=timedelta(seconds=40))
    assert [(leg.score, leg.time_used_s) for leg in (two, three)] == [(1, 100), (0, 40)]
    assert baton(team) is None and team.finished_at == NOW + timedelta(minutes=10, seconds=40)
    [row] = selectors.team_rows(relay, at=NOW + timedelta(hours=1))
    # 2 + 1 + 0 = 3 points; 3 of 6 right = 50 %; 60 + 100 + 40 = 200 s; all 3 legs run.
    assert (row.score, row.right, row.questions, row.accuracy, row.time_used_s, row.participation) == (
        Decimal(3),
        3,
        6,
        50.0,
        200,
        100.0,
    )


def test_relay_rejects_a_leg_started_by_a_member_not_holding_the_baton(setup):
    relay = make_relay(setup)
    team = make_team(setup, relay)
    with pytest.raises(AttemptRejected) as refused:
        services.relay_leg_start(team=team, member=setup["runners"][1], device="phone", at=NOW)
    assert refused.value.code == "not_baton_holder"
    assert "成员" in refused.value.message  # names who holds it (factories name members 成员N)
    assert not Attempt.objects.exists()


def test_submitting_a_leg_twice_passes_the_baton_once(setup):
    relay = make_relay(setup)
    team = make_team(setup, relay)
    leg = run_leg(team, setup["runners"][0], right=1, start=timedelta(0), took=timedelta(seconds=30))
    again = online_services.online_attempt_submit(
        online=leg.online_attempt, device="phone", at=NOW + timedelta(minutes=2)
    )
    assert again.finished_at == NOW + timedelta(seconds=30)
    assert list(team.legs.values_list("position", "status")) == [(1, "finished"), (2, "waiting")]


def test_starting_twice_resumes_the_running_leg(setup):
    relay = make_relay(setup)
    team = make_team(setup, relay)
    first = services.relay_leg_start(team=team, member=setup["runners"][0], device="phone", at=NOW)
    again = services.relay_leg_start(team=team, member=setup["runners"][0], device="tablet", at=NOW)
    assert again.online_attempt.pk == first.online_attempt.pk
    assert again.online_attempt.device == "tablet" and Attempt.objects.count() == 1


def test_a_deactivated_next_runner_is_skipped_with_an_audit_entry(setup):
    relay = make_relay(setup)
    team = make_team(setup, relay)
    first, second, third = setup["runners"]
    second.is_active = False
    second.save(update_fields=["is_active"])
    run_leg(team, first, right=2, start=timedelta(0), took=timedelta(seconds=20))
    skipped = team.legs.get(position=2)
    assert (skipped.status, skipped.holder) == ("skipped", second)
    assert baton(team).holder == third
    entry = OnlineAuditEntry.objects.get(action="leg_auto_skipped")
    assert (entry.actor, entry.detail["leg"], entry.detail["team"]) == (None, 2, "第一党支部")


def test_captain_skips_a_holder_with_a_reason_and_others_may_not(setup):
    relay = make_relay(setup)
    first, second, third = setup["runners"]
    team = make_team(setup, relay, captain=third)
    waiting = baton(team)
    with pytest.raises(AttemptRejected) as refused:
        services.relay_leg_skip(leg=waiting, by=second, reason="出差", at=NOW)
    assert refused.value.code == "not_captain"
    with pytest.raises(AttemptRejected) as refused:
        services.relay_leg_skip(leg=waiting, by=third, reason="  ", at=NOW)
    assert refused.value.code == "reason_needed"
    services.relay_leg_skip(leg=waiting, by=third, reason="出差在外", at=NOW + timedelta(hours=1))
    waiting.refresh_from_db()
    assert (waiting.status, waiting.skip_reason, waiting.skipped_by) == ("skipped", "出差在外", third)
    assert baton(team).holder == second
    entry = OnlineAuditEntry.objects.get(action="leg_skipped")
    assert (entry.actor, entry.detail["reason"], entry.detail["leg"]) == (third, "出差在外", 1)


def test_organiser_replaces_a_holder_who_then_runs_the_leg(setup):
    relay = make_relay(setup)
    team = make_team(setup, relay)
    stand_in = factories.member(setup["second"])
    leg = services.relay_holder_replace(
        leg=baton(team), by=setup["by"], member=stand_in, reason="病假", at=NOW + timedelta(hours=2)
    )
    # The new holder has the full 24 h from the replacement.
    assert (leg.holder, leg.start_by) == (stand_in, NOW + timedelta(hours=26))
    with pytest.raises(AttemptRejected):
        services.relay_leg_start(team=team, member=setup["runners"][0], device="p", at=NOW + timedelta(hours=3))
    ran = run_leg(team, stand_in, right=1, start=timedelta(hours=3), took=timedelta(seconds=10))
    assert (ran.status, ran.score, baton(team).holder) == ("finished", 1, setup["runners"][1])
    assert OnlineAuditEntry.objects.get(action="holder_replaced").detail["reason"] == "病假"


def test_a_holder_is_not_replaced_by_a_member_who_runs_for_another_team(setup):
    """One member runs for one team (the roster import refuses a member on two teams): a captain
    cannot hand the waiting leg to another team's runner, named or holding one of its legs."""
    relay = make_relay(setup)
    rival_runner = factories.member(setup["second"], username="rival1")
    services.relay_teams_set(
        relay=relay,
        plans=[
            TeamPlan(name="第一党支部", unit=setup["branch"], roster=setup["runners"], captain=setup["runners"][0]),
            TeamPlan(name="第二党支部", unit=setup["second"], roster=[rival_runner], captain=rival_runner),
        ],
        by=setup["by"],
        at=NOW,
    )
    team = RelayTeam.objects.get(relay=relay, name="第一党支部")
    with pytest.raises(AttemptRejected) as refused:
        services.relay_holder_replace(leg=baton(team), by=setup["by"], member=rival_runner, reason="病假", at=NOW)
    assert refused.value.code == "replacement_on_other_team"
    assert str(refused.value.message) == f"{rival_runner.display_name}已是本次接力赛「第二党支部」的队员。"
    assert baton(team).holder == setup["runners"][0]
    # A stand-in on no team still may.
    stand_in = factories.member(setup["second"])
    leg = services.relay_holder_replace(leg=baton(team), by=setup["by"], member=stand_in, reason="病假", at=NOW)
    assert leg.holder == stand_in


def test_a_running_leg_cannot_be_skipped(setup):
    relay = make_relay(setup)
    team = make_team(setup, relay)
    leg = services.relay_leg_start(team=team, member=setup["runners"][0], device="p", at=NOW)
    with pytest.raises(AttemptRejected) as refused:
        services.relay_leg_skip(leg=leg, by=setup["by"], reason="太慢", at=NOW)
    assert refused.value.code == "leg_not_waiting"


# ---------------------------------------------------------------- time


def test_a_leg_past_its_limit_is_graded_as_of_the_deadline_and_the_baton_passes(setup):
    relay = make_relay(setup)
    team = make_team(setup, relay)
    leg = services.relay_leg_start(team=team, member=setup["runners"][0], device="phone", at=NOW)
    item = leg.online_attempt.attempt.items.get(position=1)
    online_services.online_answer_save(
        online=leg.online_attempt, device="phone", position=1, response=key_of(item), at=NOW + timedelta(seconds=5)
    )
    with pytest.raises(AttemptRejected) as late:
        online_services.online_answer_save(
            online=leg.online_attempt, device="phone", position=2, response="A", at=NOW + timedelta(seconds=601)
        )
    assert late.value.code == "deadline_passed"
    services.relay_sync(relay=relay, at=NOW + timedelta(minutes=15))
    leg.refresh_from_db()
    # One saved right answer (1 point); finished at the 600 s limit, not when the sweep ran.
    assert (leg.status, leg.score, leg.right, leg.time_used_s) == ("finished", 1, 1, 600)
    assert leg.finished_at == NOW + timedelta(seconds=600)
    assert leg.online_attempt.attempt.status == Attempt.Status.EXPIRED
    assert baton(team).holder == setup["runners"][1]


def test_a_late_holder_is_flagged_and_the_captain_told(setup):
    relay = make_relay(setup, start_within_h=24)
    team = make_team(setup, relay, captain=setup["runners"][2])
    services.relay_sync(relay=relay, at=NOW + timedelta(hours=23))
    assert baton(team).late_flagged_at is None
    services.relay_sync(relay=relay, at=NOW + timedelta(hours=24, seconds=1))
    services.relay_sync(relay=relay, at=NOW + timedelta(hours=25))  # idempotent: flagged once
    leg = baton(team)
    assert (leg.status, leg.late_flagged_at) == ("waiting", NOW + timedelta(hours=24, seconds=1))
    assert Notification.objects.filter(kind="relay_stalled", recipient=setup["runners"][2]).count() == 1
    [row] = selectors.team_rows(relay, at=NOW + timedelta(hours=25))
    assert row.baton.overdue


def test_a_late_holder_is_skipped_automatically_when_the_relay_says_so(setup):
    relay = make_relay(setup, start_within_h=2, late_start=RelayContest.LateStart.SKIP)
    team = make_team(setup, relay)
    # The baton reached the first runner at NOW; the sweep running at NOW + 4 h skips them then,
    # and the second runner, told at that moment, has 2 h from it (until NOW + 6 h 1 min).
    services.relay_sync(relay=relay, at=NOW + timedelta(hours=4, minutes=1))
    assert list(team.legs.values_list("position", "status")) == [(1, "skipped"), (2, "waiting")]
    assert baton(team).start_by == NOW + timedelta(hours=6, minutes=1)
    services.relay_sync(relay=relay, at=NOW + timedelta(hours=6, minutes=2))
    assert list(team.legs.values_list("position", "status")) == [(1, "skipped"), (2, "skipped"), (3, "waiting")]
    assert OnlineAuditEntry.objects.filter(action="leg_auto_skipped").count() == 2
    with pytest.raises(AttemptRejected) as refused:
        services.relay_leg_start(team=team, member=setup["runners"][0], device="p", at=NOW + timedelta(hours=5))
    assert refused.value.code == "not_baton_holder"


def test_the_window_ending_with_legs_unrun_keeps_what_the_team_has(setup):
    closes = NOW + timedelta(hours=2)
    relay = make_relay(setup, closes_at=closes)
    team = make_team(setup, relay)
    run_leg(team, setup["runners"][0], right=2, start=timedelta(0), took=timedelta(seconds=50))
    services.relay_sync(relay=relay, at=closes + timedelta(seconds=1))
    services.relay_sync(relay=relay, at=closes + timedelta(hours=1))
    assert list(team.legs.values_list("position", "status")) == [(1, "finished"), (2, "unrun")]
    team.refresh_from_db()
    assert (team.baton, team.finished_at) == (None, closes)
    [row] = selectors.team_rows(relay, at=closes + timedelta(hours=1))
    assert (row.score, row.legs_run, round(row.participation, 1)) == (2, 1, 33.3)
    with pytest.raises(AttemptRejected) as refused:
        services.relay_leg_start(team=team, member=setup["runners"][1], device="p", at=closes + timedelta(minutes=1))
    assert refused.value.code == "closed"


def test_a_leg_running_at_the_close_is_cut_at_the_close(setup):
    closes = NOW + timedelta(minutes=5)
    relay = make_relay(setup, closes_at=closes)
    team = make_team(setup, relay)
    leg = services.relay_leg_start(team=team, member=setup["runners"][0], device="p", at=NOW)
    assert leg.deadline_at == closes  # the 10-minute leg limit runs past the window
    services.relay_sync(relay=relay, at=closes + timedelta(seconds=1))
    leg.refresh_from_db()
    assert (leg.status, leg.time_used_s, leg.score) == ("finished", 300, 0)
    assert baton(team) is None and not team.legs.filter(position=2).exists()


def test_the_window_moves_only_forward_once_a_leg_ran_and_the_move_is_audited(setup):
    relay = make_relay(setup)
    team = make_team(setup, relay)
    services.relay_leg_start(team=team, member=setup["runners"][0], device="p", at=NOW)
    paper = relay.online.paper
    fields = {
        "title": paper.title,
        "audience": [setup["organ"]],
        "opens_at": paper.opens_at,
        "party_members_only": False,
        "start_within_h": 24,
        "late_start": "flag",
    }
    with pytest.raises(ContestSetupRejected) as refused:
        services.relay_update(relay=relay, by=setup["by"], closes_at=paper.closes_at - timedelta(days=1), **fields)
    assert refused.value.code == "window_only_forward"
    services.relay_update(relay=relay, by=setup["by"], closes_at=paper.closes_at + timedelta(days=1), **fields)
    assert OnlineAuditEntry.objects.filter(action="window_moved", actor=setup["by"]).count() == 1


def test_teams_cannot_change_once_a_leg_has_started(setup):
    relay = make_relay(setup)
    team = make_team(setup, relay)
    services.relay_leg_start(team=team, member=setup["runners"][0], device="p", at=NOW)
    with pytest.raises(ContestSetupRejected) as refused:
        make_team(setup, relay, name="新队")
    assert refused.value.code == "relay_started"


def test_the_relays_online_contest_cannot_be_taken_as_an_individual_contest(setup):
    relay = make_relay(setup)
    with pytest.raises(AttemptRejected) as refused:
        online_services.online_attempt_start(contest=relay.online, member=setup["runners"][0], device="p", at=NOW)
    assert refused.value.code == "relay_leg"


def test_standings_break_a_tie_on_score_by_accuracy_then_time(setup):
    relay = make_relay(setup)
    a, b, c = setup["runners"]
    d = factories.member(setup["second"])
    services.relay_teams_set(
        relay=relay,
        plans=[
            TeamPlan(name="甲", unit=setup["branch"], roster=[a]),
            TeamPlan(name="乙", unit=setup["branch"], roster=[b, c]),
            TeamPlan(name="丙", unit=setup["second"], roster=[d]),
        ],
        by=setup["by"],
        at=NOW,
    )
    teams = {t.name: t for t in RelayTeam.objects.all()}
    run_leg(teams["甲"], a, right=1, start=timedelta(0), took=timedelta(seconds=90))
    run_leg(teams["乙"], b, right=1, start=timedelta(0), took=timedelta(seconds=10))
    run_leg(teams["乙"], c, right=0, start=timedelta(minutes=1), took=timedelta(seconds=10))
    run_leg(teams["丙"], d, right=1, start=timedelta(0), took=timedelta(seconds=30))
    rows = selectors.team_rows(relay, at=NOW + timedelta(hours=1))
    # All score 1. 甲 and 丙: 1 of 2 right (50 %), 乙: 1 of 4 (25 %); 丙 took 30 s, 甲 90 s.
    assert [(r.rank, r.team.name, r.accuracy, r.time_used_s) for r in rows] == [
        (1, "丙", 50.0, 30),
        (2, "甲", 50.0, 90),
        (3, "乙", 25.0, 20),
    ]


def test_a_legs_time_counts_to_the_millisecond_so_the_faster_team_ranks_first(setup):
    relay, teams = relay_of_tenths(setup)
    legs = RelayLeg.objects.filter(team=teams["十分之九"]).order_by("position")
    assert [leg.time_used_s for leg in legs] == [Decimal("10.900")] * 3
    rows = selectors.team_rows(relay, at=NOW + timedelta(hours=1))
    # Both score 3 of 6 (50 %). 整秒 took 10 + 10 + 11 = 31.0 s, 十分之九 3 × 10.9 = 32.7 s: cut to
    # whole seconds they were 31 and 30, and the slower team ranked first.
    assert [(r.rank, r.team.name, r.score, r.accuracy, r.time_used_s) for r in rows] == [
        (1, "整秒", 3, 50.0, Decimal("31.000")),
        (2, "十分之九", 3, 50.0, Decimal("32.700")),
    ]
    client = factories.client_in("en", setup["by"])
    page = client.get(reverse("contests:relay_map", args=[relay.pk])).content.decode()
    # Seconds to a tenth: each leg and each team's total, in the standings and on the map.
    assert page.count("10.9 s") == 3 and "32.7 s" in page and "31.0 s" in page
    assert ">32.7</td>" in page and ">31.0</td>" in page
    chinese = factories.client_in("zh-hans", setup["by"]).get(reverse("contests:relay_map", args=[relay.pk]))
    assert "32.7 秒" in chinese.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_takes_finished_legs_times_again_from_their_attempts(setup):
    """Back before 0012 the legs hold whole seconds, cut as the old service stored them (10.9 s as
    10); forward, each finished leg's time comes again from its attempt: 10.9 s. A leg with no
    attempt to read keeps what it has."""
    relay, teams = relay_of_tenths(setup)
    RelayLeg.objects.filter(team=teams["整秒"], position=3).update(online_attempt=None, time_used_s=7)
    executor = MigrationExecutor(connection)
    executor.migrate([("contests", "0011_leg_handovers")])
    try:
        assert sorted(RelayLeg.objects.values_list("time_used_s", flat=True)) == [7, 10, 10, 10, 10, 10]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate([("contests", "0012_relay_leg_time_to_the_millisecond")])
    times = {(leg.team.name, leg.position): leg.time_used_s for leg in RelayLeg.objects.select_related("team")}
    assert times == {
        ("十分之九", 1): Decimal("10.900"),
        ("十分之九", 2): Decimal("10.900"),
        ("十分之九", 3): Decimal("10.900"),
        ("整秒", 1): Decimal("10.000"),
        ("整秒", 2): Decimal("10.000"),
        ("整秒", 3): Decimal("7.000"),
    }
    assert [r.team.name for r in selectors.team_rows(relay)] == ["整秒", "十分之九"]


def test_import_refuses_an_unknown_username_naming_the_row(setup):
    relay = make_relay(setup)
    with pytest.raises(ContestSetupRejected) as refused:
        services.plans_from_rows(relay=relay, rows=roster_rows(("甲", "runner1", True), ("甲", "nobody", False)))
    assert [(e.row, e.column) for e in refused.value.errors] == [(3, "工号")] and "nobody" in refused.value.message
    plans = services.plans_from_rows(relay=relay, rows=roster_rows(("甲", "runner2", False), ("甲", "runner1", True)))
    assert ([m.username for m in plans[0].roster], plans[0].captain.username) == (["runner2", "runner1"], "runner1")


def test_the_sweep_task_is_idempotent(setup):
    from contests.relay.tasks import relays_sweep

    relay = make_relay(setup, start_within_h=1, late_start=RelayContest.LateStart.SKIP)
    team = make_team(setup, relay)
    RelayLeg.objects.filter(pk=baton(team).pk).update(start_by=timezone.now() - timedelta(minutes=1))
    relays_sweep()
    state = list(team.legs.values_list("position", "status"))
    relays_sweep()
    assert list(team.legs.values_list("position", "status")) == state == [(1, "skipped"), (2, "waiting")]


def test_the_next_holder_is_emailed_when_smtp_is_configured(
    setup, settings, eager_tasks, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.EMAIL_HOST = "smtp.example.cn"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://quiz.example.cn"
    relay = make_relay(setup)
    team = make_team(setup, relay)
    second = setup["runners"][1]
    type(second).objects.filter(pk=second.pk).update(email="second@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        run_leg(team, setup["runners"][0], right=1, start=timedelta(0), took=timedelta(seconds=30))
    (message,) = [m for m in mail.outbox if m.to == ["second@example.cn"]]
    assert message.subject == "接力棒到您了：第一党支部 第 2 棒"
    assert f"https://quiz.example.cn/contests/relays/{relay.pk}/" in message.body


def _window_fields(setup, paper):
    return {
        "title": paper.title,
        "audience": [setup["organ"]],
        "opens_at": paper.opens_at,
        "party_members_only": False,
        "start_within_h": 24,
        "late_start": "flag",
    }


def test_a_closed_relay_whose_window_moves_later_hands_the_unrun_baton_back(setup):
    closes = NOW + timedelta(hours=2)
    relay = make_relay(setup, closes_at=closes)
    team = make_team(setup, relay)
    run_leg(team, setup["runners"][0], right=2, start=timedelta(0), took=timedelta(seconds=50))
    services.relay_sync(relay=relay, at=closes + timedelta(seconds=1))
    assert baton(team) is None
    paper = relay.online.paper
    services.relay_update(
        relay=relay, by=setup["by"], closes_at=closes + timedelta(days=1), **_window_fields(setup, paper)
    )
    leg = baton(team)
    assert (leg.position, leg.status, team.finished_at) == (2, "waiting", None)
    # Told once when the baton first reached them, and again now.
    assert Notification.objects.filter(recipient=setup["runners"][1], kind="relay_baton").count() == 2


def test_a_running_leg_follows_its_attempts_new_deadline_when_the_window_moves(setup):
    relay = make_relay(setup, closes_at=NOW + timedelta(minutes=5))
    team = make_team(setup, relay)
    leg = services.relay_leg_start(team=team, member=setup["runners"][0], device="p", at=NOW)
    assert leg.deadline_at == NOW + timedelta(minutes=5)
    paper = relay.online.paper
    services.relay_update(
        relay=relay, by=setup["by"], closes_at=NOW + timedelta(days=1), **_window_fields(setup, paper)
    )
    leg.refresh_from_db()
    # The 10-minute leg limit now fits inside the window.
    assert leg.deadline_at == NOW + timedelta(minutes=10)


def test_a_page_brings_only_the_members_teams_up_to_date(setup):
    relay = make_relay(setup, start_within_h=1, late_start=RelayContest.LateStart.SKIP)
    d = factories.member(setup["second"])
    services.relay_teams_set(
        relay=relay,
        plans=[
            TeamPlan(name="甲", unit=setup["branch"], roster=setup["runners"]),
            TeamPlan(name="乙", unit=setup["second"], roster=[d]),
        ],
        by=setup["by"],
        at=NOW,
    )
    mine, other = RelayTeam.objects.get(name="甲"), RelayTeam.objects.get(name="乙")
    services.relay_sync(relay=relay, teams=[mine], at=NOW + timedelta(hours=2))
    assert baton(mine).position == 2 and baton(other).status == "waiting"


def test_the_relay_map_orders_teams_by_exact_accuracy_as_qualification_does():
    """83.33 % (5 of 6) and 83.3 % (833 of 1,000) print alike, yet the first is the better team."""
    five_of_six = selectors.TeamRow(team=None, score=Decimal(50), right=5, questions=6, time_used_s=300)
    most_of_a_thousand = selectors.TeamRow(team=None, score=Decimal(50), right=833, questions=1000, time_used_s=300)
    assert five_of_six.accuracy == most_of_a_thousand.accuracy == 83.3
    assert selectors._order(five_of_six) < selectors._order(most_of_a_thousand)


def test_the_baton_notification_writes_its_start_by_time_the_readers_way(setup):
    from django.utils import formats, translation

    relay = make_relay(setup)
    team = make_team(setup, relay)
    with translation.override("zh-hans"):  # the baton passes while a Chinese page is served
        run_leg(team, setup["runners"][0], right=1, start=timedelta(0), took=timedelta(seconds=30))
    told = Notification.objects.get(recipient=setup["runners"][1], kind="relay_baton")
    start_by = timezone.localtime(baton(team).start_by)
    with translation.override("en"):
        assert formats.date_format(start_by, "SHORT_DATETIME_FORMAT") in told.body
        assert "年" not in told.body


def test_the_relay_page_joins_chinese_sentences_without_a_space_and_english_ones_with_one(setup):
    relay = make_relay(setup, start_within_h=1, late_start=RelayContest.LateStart.SKIP)
    services.relay_teams_set(
        relay=relay, plans=[TeamPlan(name="甲", unit=setup["branch"], roster=setup["runners"])], by=setup["by"], at=NOW
    )
    client = Client()
    client.force_login(setup["runners"][0])
    chinese = client.get(f"/contests/relays/{relay.pk}/").text
    english = " ".join(client.get(f"/contests/relays/{relay.pk}/", HTTP_ACCEPT_LANGUAGE="en").text.split())
    bank = setup["bank"].name
    assert f"限时 10 分钟。2 × 单选题（出自“{bank}”）。" in chinese
    assert "请在接棒后 1 小时内开始作答。否则将被跳过。" in chinese
    assert f"10 min to answer. 2 × Single choice (from {bank})." in english
    assert "of the baton reaching you. Otherwise you are skipped." in english


def test_the_baton_notification_names_a_team_named_after_its_unit_in_english_for_english_readers(setup):
    from django.utils import translation

    setup["branch"].name_en = "First Party Branch"
    setup["branch"].save(update_fields=["name_en"])
    relay = make_relay(setup)
    team = make_team(setup, relay)  # named 第一党支部, after its unit
    run_leg(team, setup["runners"][0], right=1, start=timedelta(0), took=timedelta(seconds=30))
    told = Notification.objects.get(recipient=setup["runners"][1], kind="relay_baton")
    with translation.override("en"):
        assert told.title == "The baton is yours: First Party Branch, leg 2"
    with translation.override("zh-hans"):
        assert told.title.startswith("接力棒到您了：第一党支部")


def test_the_relay_map_marks_deactivated_runners_the_baton_holder_and_those_still_to_come(setup):
    """An online relay skips a deactivated runner when the baton arrives, but the organiser's map
    said nothing before that, nor of a holder deactivated while the leg waited."""
    relay = make_relay(setup)
    team = make_team(setup, relay)
    first, second, third = setup["runners"]
    assert baton(team).holder == first
    for member in (first, third):
        member.is_active = False
        member.save(update_fields=["is_active"])
    client = Client()
    client.force_login(setup["by"])
    page = client.get(f"/contests/relays/manage/{relay.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    legs = {n: page.split(f'data-leg="{n}"')[1].split("</li>")[0] for n in (1, 2, 3)}
    assert "已停用：无法登录跑这一棒，请跳过或更换持棒人。" in legs[1]
    assert "已停用" not in legs[2]
    assert "已停用：接力棒到达时将跳过这一棒。" in legs[3]
