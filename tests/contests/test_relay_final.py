"""Qualifying a relay's best teams into a live final: teams ranked by their legs, ties at the cut,
per-group quotas, and the live contest's teams, rosters and captains (member runners, and the
members of units running legs)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from contests.models import AuditEntry, Contest
from contests.online import qualification
from contests.online.qualification import TIES_ALL, TIES_BREAK
from contests.relay import services
from contests.relay.models import RelayTeam
from contests.relay.services import TeamPlan
from tests import factories
from tests.contests import test_relay
from tests.contests.test_relay import make_relay, run_leg

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    """Two ministry systems under the organ: Guangzhou with two party branches, Nanjing with one."""
    organ = factories.unit_at("审计署")
    bank = factories.bank(organ)
    singles = [factories.question(bank, "single") for _ in range(4)]
    return {
        "organ": organ,
        "bank": bank,
        "singles": singles,
        "by": factories.organiser(organ),
        "gz1": factories.unit_at("审计署/广州特派办/第一党支部"),
        "gz2": factories.unit_at("审计署/广州特派办/第二党支部"),
        "nj1": factories.unit_at("审计署/南京特派办/第一党支部"),
    }


@pytest.fixture
def teams(setup):
    """Four teams, legs of two singles at 1 point each:
    甲 (Guangzhou branch 1): a1 2 right in 60 s, a2 1 right in 100 s, a3 not yet: 3 points, 3/4, 160 s.
    乙 (Guangzhou branch 2): b1 2 right in 30 s, b2 1 right in 50 s:             3 points, 3/4, 80 s.
    丙 (Nanjing branch 1):   c1 2 right in 40 s:                                   2 points, 2/2, 40 s.
    丁 (Nanjing branch 1):   d1 has not started: no leg finished, so not ranked."""
    relay = make_relay(setup)
    m = {
        name: factories.member(setup[unit], username=name, real_name=name)
        for name, unit in [
            ("a1", "gz1"),
            ("a2", "gz1"),
            ("a3", "gz1"),
            ("b1", "gz2"),
            ("b2", "gz2"),
            ("c1", "nj1"),
            ("d1", "nj1"),
        ]
    }
    services.relay_teams_set(
        relay=relay,
        plans=[
            TeamPlan(name="甲", unit=setup["gz1"], roster=[m["a1"], m["a2"], m["a3"]], captain=m["a2"]),
            TeamPlan(name="乙", unit=setup["gz2"], roster=[m["b1"], m["b2"]], captain=m["b1"]),
            TeamPlan(name="丙", unit=setup["nj1"], roster=[m["c1"]], captain=m["c1"]),
            TeamPlan(name="丁", unit=setup["nj1"], roster=[m["d1"]], captain=m["d1"]),
        ],
        by=setup["by"],
        at=test_relay.NOW,
    )
    team = {t.name: t for t in RelayTeam.objects.filter(relay=relay)}
    run_leg(team["甲"], m["a1"], right=2, start=timedelta(0), took=timedelta(seconds=60))
    run_leg(team["甲"], m["a2"], right=1, start=timedelta(minutes=5), took=timedelta(seconds=100))
    run_leg(team["乙"], m["b1"], right=2, start=timedelta(0), took=timedelta(seconds=30))
    run_leg(team["乙"], m["b2"], right=1, start=timedelta(minutes=5), took=timedelta(seconds=50))
    run_leg(team["丙"], m["c1"], right=2, start=timedelta(0), took=timedelta(seconds=40))
    return {"relay": relay, "m": m}


def test_teams_are_ranked_by_their_legs_and_a_tie_at_the_cut_is_broken_by_time(setup, teams):
    candidates = qualification.team_candidates(teams["relay"], parent=setup["organ"])
    assert sorted((c.label, c.score, c.right, c.questions, c.time_s) for c in candidates) == [
        ("丙", Decimal(2), 2, 2, 40),
        ("乙", Decimal(3), 3, 4, 80),
        ("甲", Decimal(3), 3, 4, 160),
    ]
    with translation.override("en"):
        result = qualification.qualify(candidates, top_n=1, per_group=False, ties=TIES_BREAK)
    # 甲 and 乙 tie on 3 points and 3 of 4 right; 乙 took 80 s against 甲's 160 s.
    group = result.groups[0]
    assert [(r.candidate.label, r.rank, r.qualifies) for r in group.rows] == [
        ("乙", 1, True),
        ("甲", 2, False),
        ("丙", 3, False),
    ]
    assert group.note == "Tied on score at the cut: accuracy, then time used decided who qualifies."

    with translation.override("en"):
        all_tied = qualification.qualify(candidates, top_n=1, per_group=False, ties=TIES_ALL)
    # On score alone both share the first place, so both go through: 2 for 1 place.
    assert [(r.candidate.label, r.rank, r.tied_at_cut) for r in all_tied.groups[0].qualified] == [
        ("乙", 1, True),
        ("甲", 1, True),
    ]
    assert all_tied.groups[0].note == "2 tied on score at place 1: all of them qualify (1 more than 1)."


def test_per_system_quotas_and_the_final_keeps_rosters_and_captains(setup, teams):
    m = teams["m"]
    candidates = qualification.team_candidates(teams["relay"], parent=setup["organ"])
    result = qualification.qualify(candidates, top_n=1, per_group=True, ties=TIES_ALL)
    # Guangzhou: 乙 and 甲 share the first place on score; Nanjing: 丙 alone (丁 ran no leg).
    assert [(g.group.name, [r.candidate.label for r in g.qualified]) for g in result.groups] == [
        ("广州特派办", ["乙", "甲"]),
        ("南京特派办", ["丙"]),
    ]
    final = qualification.final_create(
        contest=teams["relay"].online,
        result=result,
        parent=setup["organ"],
        team_size=2,
        title="接力赛决赛",
        by=setup["by"],
    )

    def roster(team):
        places = sorted(team.members.all(), key=lambda p: (p.leg is None, p.leg or 0, p.member.username))
        return [(p.member.username, p.leg, p.is_captain) for p in places]

    # Team size 2: 甲's third runner a3 is a substitute; 甲 keeps a2 as captain, not its first runner.
    assert [(t.name, t.unit.name, roster(t)) for t in final.teams.order_by("position")] == [
        ("乙", "第二党支部", [("b1", 1, True), ("b2", 2, False)]),
        ("甲", "第一党支部", [("a1", 1, False), ("a2", 2, True), ("a3", None, False)]),
        ("丙", "第一党支部", [("c1", 1, True)]),
    ]
    assert final.status == Contest.Status.DRAFT and final.unit == setup["organ"]
    assert AuditEntry.objects.get(contest=final, action="qualified_from_online").detail["members"] == 6
    entry = teams["relay"].online.audit.get(action="final_created")
    assert (entry.detail["teams"], entry.detail["members"], entry.detail["final"]) == (3, 6, final.join_code)
    assert not final.roster.filter(member=m["d1"]).exists()


def test_a_unit_relay_fields_who_ran_each_leg_then_the_units_members_up_to_the_team_size(setup):
    relay = make_relay(setup)
    u = {name: factories.member(setup["gz1"], username=name) for name in ("u1", "u2", "u3")}
    v = {name: factories.member(setup["gz2"], username=name) for name in ("v1", "v2")}
    plans = services.plans_from_units(relay=relay, parent=setup["organ"], legs_by_unit=True)
    services.relay_teams_set(relay=relay, plans=plans[:1], by=setup["by"], at=test_relay.NOW)
    team = RelayTeam.objects.get(relay=relay)
    run_leg(team, u["u2"], right=2, start=timedelta(0), took=timedelta(seconds=30))
    run_leg(team, v["v1"], right=1, start=timedelta(minutes=1), took=timedelta(seconds=30))
    u["u3"].is_active = False
    u["u3"].save(update_fields=["is_active"])
    [candidate] = qualification.team_candidates(relay, parent=setup["organ"])
    # u2 and v1 ran the legs; u1 (branch 1) and v2 (branch 2) may fill places; u3 has left.
    assert [x.username for x in candidate.members] == ["u2", "v1"]
    assert [x.username for x in candidate.reserves] == ["u1", "v2"]
    result = qualification.qualify([candidate], top_n=1, per_group=False, ties=TIES_BREAK)
    [plan] = qualification.plan_teams(result, parent=setup["organ"], team_size=3)
    # No captain on a unit relay: the first to run is captain; one reserve fills the third place.
    assert ([x.username for x in plan.legs], plan.substitutes, plan.captain.username) == (["u2", "v1", "u1"], [], "u2")
    [short] = qualification.plan_teams(result, parent=setup["organ"], team_size=1)
    assert ([x.username for x in short.legs], [x.username for x in short.substitutes]) == (["u2"], ["v1"])


def test_the_relay_map_leads_to_a_preview_and_confirming_opens_the_finals_team_builder(setup, teams):
    client = Client()
    client.force_login(setup["by"])
    relay = teams["relay"]
    assert f"/contests/relays/manage/{relay.pk}/qualify/" in client.get(f"/contests/relays/manage/{relay.pk}/").text
    url = f"/contests/relays/manage/{relay.pk}/qualify/"
    form = {
        "top_n": "1",
        "per_group": "1",
        "parent": str(setup["organ"].pk),
        "ties": TIES_BREAK,
        "team_size": "3",
        "title": "接力赛决赛",
    }
    preview = client.get(url, form)
    assert preview.status_code == 200 and 'id="team-rule"' in preview.text and "create-final" in preview.text
    assert not Contest.objects.filter(title="接力赛决赛").exists()  # nothing until confirmed
    # Per system, top 1 with ties broken: 乙 (80 s) in Guangzhou, 丙 in Nanjing.
    assert [(p.name, p.captain.username) for p in preview.context["plans"]] == [("乙", "b1"), ("丙", "c1")]
    created = client.post(url, form)
    final = Contest.objects.get(title="接力赛决赛")
    assert created.url == f"/contests/{final.join_code}/setup/teams/"
    assert list(final.teams.values_list("name", flat=True)) == ["乙", "丙"]
    with translation.override("en"):
        relay_map = client.get(f"/contests/relays/manage/{relay.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "qualified teams into the live final “接力赛决赛”" in relay_map.text


def test_only_the_relays_organisers_may_qualify(setup, teams):
    client = Client()
    client.force_login(factories.organiser(factories.unit_at("海关总署")))  # another organ: not there
    assert client.get(f"/contests/relays/manage/{teams['relay'].pk}/qualify/").status_code == 404
