"""Rankings on the real runtime: beat's sweep finds a rule whose facts changed and a Celery
worker computes it, on Redis and PostgreSQL."""

import pytest

from rankings.models import RankingRun, Snapshot
from tests import factories
from tests.conftest import services_configured
from tests.processes import env_on_test_database, start, stop, wait_for
from tests.rankings.test_services import DAY, points


@pytest.mark.skipif(not services_configured(), reason="beat and a worker need Redis and PostgreSQL (CI sets them)")
def test_beat_sweep_has_the_worker_recompute_rules_whose_facts_changed(
    transactional_db, tree, celery_worker_process, tmp_path
):
    people = [factories.member(tree["gz1"], username=f"w{n}") for n in range(3)]
    for n, person in enumerate(people):
        points(person, 10 * (n + 1), f"w{n}")
    rule = factories.ranking_rule(
        tree["audit"], subject="member", sources=[{"kind": "points"}], period_starts_on=DAY, period_ends_on=DAY
    )
    beat = start("beat", env_on_test_database(RANKINGS_SWEEP_S="2", HOSTNAME="pytest-beat"), tmp_path / "beat.log")
    try:
        wait_for(
            lambda: Snapshot.objects.filter(rule=rule).exists(),
            timeout=90,
            what="beat and the worker to compute the new rule",
            process=beat,
        )
        first = RankingRun.objects.get(rule=rule, snapshot__version=1)
        assert first.task_id  # ran as a Celery task, not inline
        points(people[0], 50, "w0-late")
        wait_for(
            lambda: Snapshot.objects.filter(rule=rule, version=2).exists(),
            timeout=90,
            what="the sweep to notice the new fact and the worker to recompute",
            process=beat,
        )
        second = Snapshot.objects.get(rule=rule, version=2)
        assert second.rows.get(subject_id=people[0].pk).rank == 1
        # Nothing changed since: the next sweeps queue no third version.
        log = tmp_path / "beat.log"
        sent = log.read_text().count("recompute_dirty_rules")
        wait_for(
            lambda: log.read_text().count("recompute_dirty_rules") >= sent + 2,
            timeout=30,
            what="two more sweeps",
            process=beat,
        )
        wait_for(
            lambda: not RankingRun.objects.filter(rule=rule, status__in=["queued", "running"]).exists(),
            timeout=30,
            what="any run to finish",
        )
        assert Snapshot.objects.filter(rule=rule).count() == 2
    finally:
        stop(beat)
