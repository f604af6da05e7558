"""A team ranking of a relay breaks ties on its teams' leg times to the millisecond (not on
their legs cut to whole seconds)."""

from decimal import Decimal

import pytest

from rankings.models import SnapshotRow
from tests import factories
from tests.contests import test_relay
from tests.rankings.test_compute import compute

pytestmark = pytest.mark.django_db


def test_a_team_ranking_breaks_a_tie_on_the_legs_time_to_the_millisecond():
    setup = test_relay.make_setup()
    relay, _teams = test_relay.relay_of_tenths(setup)
    rule = factories.ranking_rule(
        setup["organ"],
        sources=[{"kind": "online", "paper": relay.paper}],
        subject="team",
        tie_breaks=["time_used_asc"],
    )
    got = {row.label: row for row in SnapshotRow.objects.filter(snapshot=compute(rule))}
    # Both 3 points; 整秒 took 10 + 10 + 11 = 31.0 s, 十分之九 3 × 10.9 = 32.7 s (cut to whole
    # seconds: 31 against 30, the wrong way round).
    assert {name: (float(r.total), r.time_used_s, r.place) for name, r in got.items()} == {
        "整秒": (3.0, Decimal("31.000"), 1),
        "十分之九": (3.0, Decimal("32.700"), 2),
    }
