"""Snapshots computed by SQL, checked against hand-worked examples."""

import pytest

from rankings.models import SnapshotRow
from rankings.services import run_execute, run_request
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
