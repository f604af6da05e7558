"""Rankings on the real runtime: beat's sweep finds a rule whose facts changed and a Celery
worker computes it, on Redis and PostgreSQL; a worker killed mid-run loses no run."""

import contextlib
import os
import signal
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from rankings.models import RankingRun, Snapshot
from rankings.services import run_request
from rankings.tasks import ranking_run
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


# Short, so the test waits seconds, not the production minute.
GRACE_S = 3


def start_worker(tmp_path: Path, name: str):
    log = tmp_path / f"{name}.log"
    env = env_on_test_database(WORKER_CONCURRENCY="1", HOSTNAME=name, RANKINGS_RUN_GRACE_S=str(GRACE_S))
    worker = start("worker", env, log)
    wait_for(lambda: "ready" in log.read_text(), timeout=60, what=f"the Celery worker {name}", process=worker)
    return worker


def pool_child(worker) -> int:
    """The pid of the worker's one pool process, the one running tasks (concurrency 1)."""
    children = [
        int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit() and _parent(entry) == worker.pid
    ]
    assert len(children) == 1, children
    return children[0]


def _parent(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


@contextlib.contextmanager
def snapshots_locked():
    """Another session holds a lock that stops any new snapshot, so a computation stops at its
    write (after collecting and hashing, holding the rule's lock) and waits there: mid-run,
    deterministically."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    ) as other:
        other.execute("LOCK TABLE rankings_snapshot IN SHARE MODE")
        yield
        other.rollback()


def computation_waits_on_the_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def slow_rule(transactional_db, tree, settings):
    settings.RANKINGS_RUN_GRACE_S = GRACE_S
    for n in range(3):
        points(factories.member(tree["gz1"], username=f"k{n}"), 10 * (n + 1), f"k{n}")
    return factories.ranking_rule(
        tree["audit"], subject="member", sources=[{"kind": "points"}], period_starts_on=DAY, period_ends_on=DAY
    )


def computed(run: RankingRun) -> bool:
    run.refresh_from_db()
    return run.status == RankingRun.Status.DONE


@pytest.mark.skipif(not services_configured(), reason="a worker needs Redis and PostgreSQL (CI sets them)")
def test_a_run_whose_pool_process_is_killed_mid_computation_is_redelivered_and_taken_over(slow_rule, tmp_path):
    worker = start_worker(tmp_path, "pytest-kill-child")
    try:
        with snapshots_locked():
            run, _ = run_request(rule=slow_rule)
            ranking_run.delay(run.pk)
            wait_for(
                computation_waits_on_the_lock, timeout=60, what="the computation to reach its write", process=worker
            )
            os.kill(pool_child(worker), signal.SIGKILL)
            killed_at = time.monotonic()
        wait_for(lambda: computed(run), timeout=120, what="the redelivered task to take the run over", process=worker)
        recovery = time.monotonic() - killed_at
        print(f"\nrun recovered {recovery:.1f} s after its pool process was killed (grace {GRACE_S} s)")
        assert (run.outcome, run.attempt) == ("computed", 2)
        assert Snapshot.objects.filter(rule=slow_rule).count() == 1
        assert "WorkerLostError" in (tmp_path / "pytest-kill-child.log").read_text()
    finally:
        stop(worker)


@pytest.mark.skipif(not services_configured(), reason="a worker needs Redis and PostgreSQL (CI sets them)")
def test_compute_now_takes_over_a_run_whose_whole_worker_was_killed(slow_rule, tmp_path):
    worker = start_worker(tmp_path, "pytest-kill-all")
    try:
        with snapshots_locked():
            stuck, _ = run_request(rule=slow_rule)
            ranking_run.delay(stuck.pk)
            wait_for(
                computation_waits_on_the_lock, timeout=60, what="the computation to reach its write", process=worker
            )
            os.killpg(worker.pid, signal.SIGKILL)  # parent and pool: no one is left to requeue the task
            killed_at = time.monotonic()
            worker.wait(timeout=10)
    finally:
        stop(worker)  # also when a wait fails: a worker left behind would take the next tests' tasks
    replacement = start_worker(tmp_path, "pytest-replacement")
    try:
        # An organiser presses "Compute now" until the dead run is replaced, within about the grace.
        wait_for(lambda: run_request(rule=slow_rule)[1], timeout=60, what="compute now to replace the dead run")
        fresh = RankingRun.objects.filter(rule=slow_rule).exclude(pk=stuck.pk).get()
        ranking_run.delay(fresh.pk)
        wait_for(lambda: computed(fresh), timeout=120, what="the new worker to compute", process=replacement)
        print(f"\nrun replaced and computed {time.monotonic() - killed_at:.1f} s after its worker was killed")
        stuck.refresh_from_db()
        assert stuck.status == "failed" and stuck.outcome.startswith("abandoned")
        assert fresh.outcome == "computed" and Snapshot.objects.filter(rule=slow_rule).count() == 1
    finally:
        stop(replacement)
