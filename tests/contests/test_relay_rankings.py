"""A ranking rule reads a relay's legs through the online contest source (a relay's legs are
attempts at its online contest's paper): units ranked by the relay's score and participation."""

from datetime import timedelta

import pytest

from contests.relay.services import TeamPlan, relay_teams_set
from rankings.models import SnapshotRow
from tests import factories
from tests.contests import test_relay
from tests.contests.test_relay import make_relay, run_leg, setup  # noqa: F401  (the fixture)
from tests.rankings.test_compute import compute

pytestmark = pytest.mark.django_db


def test_a_ranking_rule_ranks_branches_by_relay_score_and_participation(setup):  # noqa: F811
    relay = make_relay(setup)
    a, b, c = setup["runners"]
    d, idle = factories.member(setup["second"]), factories.member(setup["second"])
    relay_teams_set(
        relay=relay,
        plans=[
            TeamPlan(name="一支部", unit=setup["branch"], roster=[a, b, c]),
            TeamPlan(name="二支部", unit=setup["second"], roster=[d, idle]),
        ],
        by=setup["by"],
        at=test_relay.NOW,
    )
    teams = {t.name: t for t in relay.teams.all()}
    run_leg(teams["一支部"], a, right=2, start=timedelta(0), took=timedelta(seconds=30))
    run_leg(teams["一支部"], b, right=1, start=timedelta(minutes=1), took=timedelta(seconds=30))
    run_leg(teams["二支部"], d, right=2, start=timedelta(0), took=timedelta(seconds=30))
    paper = relay.online.paper
    total = factories.ranking_rule(
        setup["organ"], subject="unit", unit_level=3, sources=[{"kind": "online", "paper": paper}]
    )
    got = {row.label: row for row in SnapshotRow.objects.filter(snapshot=compute(total))}
    # 一支部: legs of 2 + 1 = 3 points, 2 of its 3 members ran; 二支部: 2 points, 1 of 2 ran.
    assert (float(got["第一党支部"].total), got["第一党支部"].participants, got["第一党支部"].headcount) == (3, 2, 3)
    assert (float(got["第二党支部"].total), got["第二党支部"].participants, got["第二党支部"].headcount) == (2, 1, 2)
    assert (got["第一党支部"].place, got["第二党支部"].place) == (1, 2)
    rate = factories.ranking_rule(
        setup["organ"],
        subject="unit",
        unit_level=3,
        metric="participation",
        slug="rate",
        sources=[{"kind": "online", "paper": paper}],
    )
    got = {row.label: row for row in SnapshotRow.objects.filter(snapshot=compute(rate))}
    # 2 of 3 (66.7 %) against 1 of 2 (50 %).
    assert (got["第一党支部"].place, got["第二党支部"].place) == (1, 2)
