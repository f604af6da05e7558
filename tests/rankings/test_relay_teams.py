"""Relay teams as a ranking rule's subjects: a team relay over days ranked by its legs (score the
sum of the legs, accuracy, total time, legs run over roster places), with tie-breaks, prize tiers,
places within each system, unit paths wherever results go, and snapshots that verify.

The relay below is shaped like a committee's: six teams from organs of two systems; one team's
last leg was still waiting when the window closed, one team never started, one runner was
deactivated before the baton reached them (skipped) and another after running their leg. Every
expected value is worked out by hand in the comments, not read back from the computation."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contests.relay import selectors as relay_selectors
from contests.relay import services as relay_services
from contests.relay.models import RelayLeg, RelayTeam
from contests.relay.services import TeamPlan
from rankings import compute as ranking_compute
from rankings.models import SnapshotRow
from rankings.services import inputs_fingerprint, snapshot_approve, snapshot_publish, snapshot_recompute
from tests import factories
from tests.contests import test_relay
from tests.contests.test_relay import make_relay, run_leg
from tests.module_rows import ModuleRows
from tests.rankings import pdfs
from tests.rankings.test_compute import compute

pytestmark = pytest.mark.django_db

ROOT = "中央和国家机关工委"
# Team name -> (its organ, below the root; how many runners).
TEAMS = {
    "审计署队": ("审计系统/审计署", 3),
    "广州特派办队": ("审计系统/广州特派办", 3),
    "南京特派办队": ("审计系统/南京特派办", 2),
    "财政部队": ("财政系统/财政部", 3),
    "税务总局队": ("财政系统/税务总局", 3),
    "海关总署队": ("财政系统/海关总署", 2),
}


def leg(teams, runners, name: str, position: int, *, right: int, minute: int, took_s: int) -> None:
    """Run leg `position` of team `name`: `right` of its 2 one-point questions right, started
    `minute` minutes after test_relay.NOW, submitted `took_s` seconds later."""
    run_leg(
        teams[name],
        runners[name][position - 1],
        right=right,
        start=timedelta(minutes=minute),
        took=timedelta(seconds=took_s),
    )


@pytest.fixture(scope="module")
def _relay_of_the_module(request, django_db_setup, django_db_blocker):
    """The relay below, run once for this file's rolled-back tests (tests/module_rows.py): each
    test's rules, snapshots and changed legs roll back."""

    def build() -> dict:
        # The second the relay ran at (tests/conftest.py `_test_clocks` sets it as each test starts,
        # after a module's fixtures): its legs' times are worked out from it.
        test_relay.NOW = timezone.now().replace(microsecond=0)
        return {"now": test_relay.NOW, "run": run_relay()}

    yield from ModuleRows.built(request, django_db_blocker, build)


@pytest.fixture
def relay_run(request, db, _relay_of_the_module):
    built = _relay_of_the_module.copy(request)
    test_relay.NOW = built["now"]  # the relay's, not this test's start
    return built["run"]


def run_relay() -> dict:
    """The relay described above, run to its window's end."""
    root = factories.unit_at(ROOT)
    bank = factories.bank(root)
    organiser = factories.organiser(root)
    setup = {
        "organ": root,
        "bank": bank,
        "singles": [factories.question(bank, "single") for _ in range(4)],
        "by": organiser,
    }
    relay = make_relay(setup, title="党史知识接力赛", audience=[root])
    organs = {name: factories.unit_at(f"{ROOT}/{path}", kind="organ") for name, (path, _n) in TEAMS.items()}
    runners = {
        name: [
            factories.member(factories.unit_at(f"{ROOT}/{TEAMS[name][0]}/第一党支部"), username=f"{name}{n}")
            for n in range(1, size + 1)
        ]
        for name, (_path, size) in TEAMS.items()
    }
    # 税务总局队's second runner leaves before the baton reaches them: their leg is skipped.
    runners["税务总局队"][1].is_active = False
    runners["税务总局队"][1].save(update_fields=["is_active"])
    relay_services.relay_teams_set(
        relay=relay,
        plans=[TeamPlan(name=name, unit=organs[name], roster=runners[name]) for name in TEAMS],
        by=organiser,
        at=test_relay.NOW,
    )
    teams = {team.name: team for team in RelayTeam.objects.filter(relay=relay)}
    # 审计署队: 2 + 2 + 1 right of 6 in 30 + 40 + 50 s.
    leg(teams, runners, "审计署队", 1, right=2, minute=0, took_s=30)
    leg(teams, runners, "审计署队", 2, right=2, minute=10, took_s=40)
    leg(teams, runners, "审计署队", 3, right=1, minute=20, took_s=50)
    # 广州特派办队: 2 + 2 right of 4 in 20 + 25 s; the third runner never starts.
    leg(teams, runners, "广州特派办队", 1, right=2, minute=0, took_s=20)
    leg(teams, runners, "广州特派办队", 2, right=2, minute=10, took_s=25)
    # 财政部队: 2 + 1 + 1 right of 6 in 20 s each; its first runner is deactivated afterwards.
    leg(teams, runners, "财政部队", 1, right=2, minute=0, took_s=20)
    leg(teams, runners, "财政部队", 2, right=1, minute=10, took_s=20)
    leg(teams, runners, "财政部队", 3, right=1, minute=20, took_s=20)
    runners["财政部队"][0].is_active = False
    runners["财政部队"][0].save(update_fields=["is_active"])
    # 税务总局队: 2 right of 2 in 30 s; the second runner skipped; 2 of 2 in 40 s.
    leg(teams, runners, "税务总局队", 1, right=2, minute=0, took_s=30)
    leg(teams, runners, "税务总局队", 3, right=2, minute=10, took_s=40)
    # 海关总署队: 1 + 0 right of 4 in 50 + 50 s.
    leg(teams, runners, "海关总署队", 1, right=1, minute=0, took_s=50)
    leg(teams, runners, "海关总署队", 2, right=0, minute=10, took_s=50)
    # The window closes: the legs still waiting are left unrun.
    relay_services.relay_sync(relay=relay, at=relay.paper.closes_at + timedelta(minutes=1))
    return {"relay": relay, "root": root, "teams": teams, "runners": runners, "organiser": organiser}


def relay_rule(run, **fields):
    fields = {
        "subject": "team",
        "group_level": 2,  # places within each system
        "tie_breaks": ["accuracy_desc", "time_used_asc"],
        "prize_mode": "count",
        "prize_tiers": [
            {"name": "一等奖", "value": 1},
            {"name": "二等奖", "value": 1},
            {"name": "三等奖", "value": 2},
        ],
        **fields,
    }
    return factories.ranking_rule(run["root"], sources=[{"kind": "online", "paper": run["relay"].paper}], **fields)


def by_team(snapshot) -> dict[str, SnapshotRow]:
    return {row.label: row for row in SnapshotRow.objects.filter(snapshot=snapshot)}


def test_the_relay_is_shaped_as_described(relay_run):
    legs = {
        (leg.team.name, leg.position): leg.status
        for leg in RelayLeg.objects.filter(team__relay=relay_run["relay"]).select_related("team")
    }
    assert legs[("广州特派办队", 3)] == "unrun"
    assert legs[("南京特派办队", 1)] == "unrun"
    assert legs[("税务总局队", 2)] == "skipped"
    assert sum(status == "finished" for status in legs.values()) == 12


def test_relay_teams_are_ranked_by_their_legs_with_places_groups_and_prizes_worked_by_hand(relay_run):
    snapshot = compute(relay_rule(relay_run))
    got = by_team(snapshot)
    assert set(got) == set(TEAMS)
    # (total, right, asked, time, legs run = participants, roster places = headcount), by hand:
    assert {
        name: (float(r.total), r.right_count, r.answer_count, float(r.time_used_s), r.participants, r.headcount)
        for name, r in got.items()
    } == {
        "审计署队": (5, 5, 6, 120, 3, 3),
        "广州特派办队": (4, 4, 4, 45, 2, 3),  # keeps its two legs; the unrun third adds nothing
        "南京特派办队": (0, 0, 0, 0, 0, 2),
        "财政部队": (4, 4, 6, 60, 3, 3),  # the runner deactivated after their leg still counts
        "税务总局队": (4, 4, 4, 70, 2, 3),  # the skipped place stays on the roster
        "海关总署队": (1, 1, 4, 100, 2, 2),
    }
    # Score 5 first; then three teams on 4: accuracy puts 财政部队 (4/6) after 广州 and 税务
    # (4/4 each), and time puts 广州 (45 s) before 税务 (70 s). Prizes: 1 first, 1 second, 2 third:
    # the second/third boundary falls inside the tie on score and accuracy, decided by time.
    assert {name: (r.place, r.rank, r.prize) for name, r in got.items()} == {
        "审计署队": (1, 1, "一等奖"),
        "广州特派办队": (2, 2, "二等奖"),
        "税务总局队": (3, 3, "三等奖"),
        "财政部队": (4, 4, "三等奖"),
        "海关总署队": (5, 5, ""),
        "南京特派办队": (None, None, ""),
    }
    assert (got["南京特派办队"].eligible, got["南京特派办队"].ineligible_reason) == (False, "no_participants")
    # Within each system (the group level 2 unit above each team's organ).
    assert {name: (r.group_name, r.rank_in_group) for name, r in got.items()} == {
        "审计署队": ("审计系统", 1),
        "广州特派办队": ("审计系统", 2),
        "南京特派办队": ("审计系统", None),
        "税务总局队": ("财政系统", 1),
        "财政部队": ("财政系统", 2),
        "海关总署队": ("财政系统", 3),
    }
    # The relay's own standings order the teams the same way.
    standings = relay_selectors.team_rows(relay_run["relay"])
    ranked = sorted((r for r in got.values() if r.eligible), key=lambda r: r.place)
    assert [row.team.name for row in standings if row.legs_run] == [r.label for r in ranked]


def test_without_tie_breaks_the_tied_teams_share_the_boundary_place_and_prize(relay_run):
    got = by_team(compute(relay_rule(relay_run, slug="shared", tie_breaks=[])))
    # 广州, 税务 and 财政部 all have 4: they share place 2 (3 tied); "share" gives each the tier
    # of place 2 (二等奖); 海关 is 5th, past the third tier's 1 + 1 + 2 = 4 places.
    assert {name: (r.place, r.tied_count, r.prize) for name, r in got.items() if r.eligible} == {
        "审计署队": (1, 1, "一等奖"),
        "广州特派办队": (2, 3, "二等奖"),
        "税务总局队": (2, 3, "二等奖"),
        "财政部队": (2, 3, "二等奖"),
        "海关总署队": (5, 1, ""),
    }


def test_relay_teams_ranked_by_participation_count_legs_run_over_places(relay_run):
    got = by_team(compute(relay_rule(relay_run, slug="legs-run", metric="participation", prize_mode="none")))
    # 3/3, 3/3, 2/2 (审计署, 财政部, 海关) tie at 1; accuracy: 审计署 5/6, 财政部 4/6, 海关 1/4.
    # Then 2/3 (广州, 税务), both 4/4: time 45 s before 70 s.
    assert {name: (round(float(r.metric), 4), r.place) for name, r in got.items() if r.eligible} == {
        "审计署队": (1, 1),
        "财政部队": (1, 2),
        "海关总署队": (1, 3),
        "广州特派办队": (0.6667, 4),
        "税务总局队": (0.6667, 5),
    }


def test_right_answers_and_finish_time_break_ties_between_relay_teams(relay_run):
    rule = relay_rule(relay_run, slug="finish", tie_breaks=["right_desc", "finished_at_asc"])
    got = by_team(compute(rule))
    # A team finishes with its last leg run: minute m of its last leg plus that leg's seconds.
    finished = {
        "审计署队": timedelta(minutes=20, seconds=50),
        "广州特派办队": timedelta(minutes=10, seconds=25),
        "税务总局队": timedelta(minutes=10, seconds=40),
        "财政部队": timedelta(minutes=20, seconds=20),
        "海关总署队": timedelta(minutes=10, seconds=50),
    }
    assert {name: r.finished_at - test_relay.NOW for name, r in got.items() if r.eligible} == finished
    # On 4 points all three have 4 right answers; the earlier finish goes first: 广州, 税务, 财政部.
    assert {name: r.place for name, r in got.items() if r.eligible} == {
        "审计署队": 1,
        "广州特派办队": 2,
        "税务总局队": 3,
        "财政部队": 4,
        "海关总署队": 5,
    }


def test_a_relay_team_snapshot_keeps_its_inputs_verifies_and_is_frozen_once_published(relay_run):
    rule = relay_rule(relay_run)
    snapshot = compute(rule)
    assert snapshot.inputs_kept and snapshot.parameters["subject"] == "team"
    admin = factories.administrator(relay_run["root"], username="boss")
    snapshot = snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    # A leg changed afterwards does not touch the published result: it verifies from its inputs.
    RelayLeg.objects.filter(team=relay_run["teams"]["海关总署队"], position=1).update(score=9, right=2)
    check = snapshot_recompute(snapshot=snapshot)
    assert check.from_kept_inputs and check.ok
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE rankings_snapshotrow SET prize = '一等奖' WHERE snapshot_id = %s", [snapshot.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM rankings_snapshotteam WHERE snapshot_id = %s", [snapshot.pk])
    assert ranking_compute.rows_hash(snapshot.pk) == snapshot.rows_hash
    # ... and the next computation sees the change: 海关 now has 9 + 0 points and comes first.
    newer = by_team(compute(rule))
    assert (float(newer["海关总署队"].total), newer["海关总署队"].place) == (9, 1)


def test_a_finished_leg_changes_the_rules_fingerprint(relay_run):
    rule = relay_rule(relay_run)
    before = inputs_fingerprint(rule)
    RelayLeg.objects.filter(team=relay_run["teams"]["审计署队"], position=3).update(time_used_s=51)
    assert inputs_fingerprint(rule) != before


def test_board_export_and_certificate_name_teams_with_their_units_paths(client, relay_run, tmp_path):
    rule = relay_rule(relay_run)
    admin = factories.administrator(relay_run["root"], username="boss")
    snapshot_publish(snapshot=snapshot_approve(snapshot=compute(rule), by=admin), by=admin)
    runner = relay_run["runners"]["广州特派办队"][0]
    client.force_login(runner)
    page = client.get(reverse("rankings:board", args=[rule.slug]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for name, (path, _n) in TEAMS.items():
        assert name in page and path in page
    # A runner may fetch their own team's certificate, not another team's.
    team = relay_run["teams"]["广州特派办队"]
    own = client.get(reverse("rankings:certificate", args=[rule.slug, team.pk]))
    other = client.get(reverse("rankings:certificate", args=[rule.slug, relay_run["teams"]["审计署队"].pk]))
    assert own.status_code == 200 and other.status_code in (403, 404)
    words = pdfs.text(own.content, tmp_path)
    # On paper the unit is named the official way, its names run together.
    assert "广州特派办队（审计系统广州特派办）" in words and "二等奖" in words
    client.force_login(relay_run["organiser"])
    sheet = load_workbook(BytesIO(client.get(reverse("rankings:export", args=[rule.slug])).content)).active
    header, *body = sheet.iter_rows(min_row=7, values_only=True)
    team_column, unit_column = header.index("参赛队"), header.index("单位")
    assert {row[team_column]: row[unit_column] for row in body} == {name: path for name, (path, _n) in TEAMS.items()}
    # Relay legs record their time: the column stays, with each team's legs added up by hand.
    time_column = header.index("用时（秒）")
    assert {row[team_column]: row[time_column] for row in body} == {
        "审计署队": 120,  # 30 + 40 + 50
        "广州特派办队": 45,  # 20 + 25
        "南京特派办队": 0,
        "财政部队": 60,
        "税务总局队": 70,  # 30 + 40
        "海关总署队": 100,
    }


def test_publishing_tells_and_certifies_the_members_who_ran_the_relay_teams_legs(client, relay_run):
    """A relay team's people are who ran its finished legs, not its roster places: 广州's third
    runner never started (unrun) and is told nothing; 税务's second was skipped (and left);
    财政部's first ran and then left, and a deactivated account is told nothing. Certificates go
    to the runners of the four prize teams (by hand: 审计署 3 legs, 广州 2, 税务 2, 财政部 2 with
    its first runner gone = 3 + 2 + 2 + 2), each with their own team's, and the home page finds
    the runner's place through the team they ran for."""
    from notifications.models import Notification
    from quizsite.selectors import my_places

    rule = relay_rule(relay_run)
    admin = factories.administrator(relay_run["root"], username="boss")
    snapshot_publish(snapshot=snapshot_approve(snapshot=compute(rule), by=admin), by=admin)
    runners, teams = relay_run["runners"], relay_run["teams"]
    ran = {  # team -> the runners (1-based) of its finished legs who are still active
        "审计署队": [1, 2, 3],
        "广州特派办队": [1, 2],
        "南京特派办队": [],
        "财政部队": [2, 3],
        "税务总局队": [1, 3],
        "海关总署队": [1, 2],
    }
    told = set(Notification.objects.filter(kind="results_published").values_list("recipient__username", flat=True))
    assert told == {f"{team}{n}" for team, numbers in ran.items() for n in numbers}
    certified = set(Notification.objects.filter(kind="certificate_ready").values_list("recipient__username", "url"))
    winners = ("审计署队", "广州特派办队", "税务总局队", "财政部队")
    assert certified == {
        (f"{team}{n}", reverse("rankings:certificate", args=[rule.slug, teams[team].pk]))
        for team in winners
        for n in ran[team]
    }
    assert len(certified) == 9
    # The unrun third runner of 广州 may not fetch the team's certificate; its first runner may.
    certificate = reverse("rankings:certificate", args=[rule.slug, teams["广州特派办队"].pk])
    client.force_login(runners["广州特派办队"][2])
    assert client.get(certificate).status_code in (403, 404)
    client.force_login(runners["广州特派办队"][0])
    assert client.get(certificate).status_code == 200
    places = my_places(runners["广州特派办队"][0])
    assert [(place.rule, place.row.label, place.row.rank) for place in places] == [(rule, "广州特派办队", 2)]
    assert my_places(runners["广州特派办队"][2]) == []
    # The API gives the legs' time, added up as in the export (20 + 25 s).
    rows = client.get(f"/api/v1/rankings/{rule.slug}/").json()["results"]
    assert {row["label"]: row["time_used_s"] for row in rows}["广州特派办队"] == 45


def test_a_relay_ranking_with_a_period_counts_only_the_runners_of_legs_inside_its_local_days(client, relay_run):
    """The period 1-3 March (local calendar days, TIME_ZONE): a leg finished at 23:59 local on
    28 February or at 00:00 local on 4 March lies outside; one at 00:00 on 1 March or 23:59 on
    3 March inside. 审计署's first runner and 广州's first ran only outside the period: they are
    not among the teams' people (told of the results, certified, finding their place at home),
    as their legs are not in the teams' scores."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from notifications.models import Notification
    from quizsite.selectors import my_places

    def local(day: int, hour: int, minute: int, month: int = 3) -> datetime:
        return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))

    teams, runners = relay_run["teams"], relay_run["runners"]
    finished = {
        ("审计署队", 1): local(28, 23, 59, month=2),  # the day before the period: out
        ("审计署队", 2): local(1, 0, 0),  # the period's first instant: in
        ("审计署队", 3): local(3, 23, 59),  # its last day's last minute: in
        ("广州特派办队", 1): local(4, 0, 0),  # the day after: out
        ("广州特派办队", 2): local(1, 0, 0),
    }
    RelayLeg.objects.filter(team__relay=relay_run["relay"], status="finished").update(finished_at=local(2, 12, 0))
    for (name, position), at in finished.items():
        RelayLeg.objects.filter(team=teams[name], position=position).update(finished_at=at)

    rule = relay_rule(relay_run, period_starts_on=date(2026, 3, 1), period_ends_on=date(2026, 3, 3))
    admin = factories.administrator(relay_run["root"], username="boss")
    snapshot = snapshot_publish(snapshot=snapshot_approve(snapshot=compute(rule), by=admin), by=admin)
    got = by_team(snapshot)
    # By hand, the legs inside: 审计署 legs 2 and 3 (2 + 1 right of 4, 40 + 50 s, 2 runners);
    # 广州 leg 2 (2 of 2, 25 s, 1 runner); the others' legs all inside, as before.
    changed = ("审计署队", "广州特派办队")
    assert {
        name: (float(r.total), r.right_count, r.answer_count, float(r.time_used_s), r.participants)
        for name, r in got.items()
        if name in changed
    } == {
        "审计署队": (3, 3, 4, 90, 2),
        "广州特派办队": (2, 2, 2, 25, 1),
    }
    # 4 points: 税务 (4/4) before 财政部 (4/6); then 审计署 3, 广州 2, 海关 1. Prizes 1, 1, 2.
    assert {name: (r.place, r.prize) for name, r in got.items() if r.eligible} == {
        "税务总局队": (1, "一等奖"),
        "财政部队": (2, "二等奖"),
        "审计署队": (3, "三等奖"),
        "广州特派办队": (4, "三等奖"),
        "海关总署队": (5, ""),
    }
    ran = {  # team -> the runners (1-based) of its finished legs inside the period, still active
        "审计署队": [2, 3],
        "广州特派办队": [2],
        "财政部队": [2, 3],
        "税务总局队": [1, 3],
        "海关总署队": [1, 2],
    }
    told = set(Notification.objects.filter(kind="results_published").values_list("recipient__username", flat=True))
    assert told == {f"{team}{n}" for team, numbers in ran.items() for n in numbers}
    certified = set(Notification.objects.filter(kind="certificate_ready").values_list("recipient__username", flat=True))
    prized = ("税务总局队", "财政部队", "审计署队", "广州特派办队")
    assert certified == {f"{team}{n}" for team in prized for n in ran[team]}
    certificate = reverse("rankings:certificate", args=[rule.slug, teams["审计署队"].pk])
    client.force_login(runners["审计署队"][0])
    assert client.get(certificate).status_code in (403, 404)
    client.force_login(runners["审计署队"][1])
    assert client.get(certificate).status_code == 200
    assert my_places(runners["审计署队"][0]) == []
    assert [(p.row.label, p.row.rank) for p in my_places(runners["审计署队"][2])] == [("审计署队", 3)]
