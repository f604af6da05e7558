"""A run's lease is a heartbeat: a run whose worker died is taken over after the grace, a live one
is not, and an execution that lost its run writes nothing."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from rankings.models import RankingRun, Snapshot
from rankings.services import RUN_MAX_ATTEMPTS, run_claim, run_execute, run_request
from tests import factories
from tests.rankings.test_services import DAY, points


@pytest.fixture
def rule(tree, settings):
    settings.RANKINGS_RUN_GRACE_S = 60
    for n in range(3):
        points(factories.member(tree["gz1"], username=f"m{n}"), 10 * (n + 1), f"m{n}")
    return factories.ranking_rule(
        tree["audit"], subject="member", sources=[{"kind": "points"}], period_starts_on=DAY, period_ends_on=DAY
    )


def started_and_silent_for(run: RankingRun, seconds: float) -> None:
    """The run was claimed by an execution whose last heartbeat was `seconds` ago."""
    assert run_claim(run_id=run.pk, task_id="lost-worker") is not None
    RankingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_a_running_run_whose_heartbeat_lapsed_is_taken_over_and_computed(rule):
    run, _ = run_request(rule=rule)
    started_and_silent_for(run, 61)
    run = run_execute(run_id=run.pk, task_id="redelivered")
    assert (run.status, run.outcome, run.attempt, run.task_id) == ("done", "computed", 2, "redelivered")
    assert Snapshot.objects.filter(rule=run.rule).count() == 1


def test_a_running_run_with_a_fresh_heartbeat_is_left_to_its_execution(rule):
    run, _ = run_request(rule=rule)
    started_and_silent_for(run, 50)
    run = run_execute(run_id=run.pk, task_id="duplicate")
    assert (run.status, run.attempt, run.task_id) == ("running", 1, "lost-worker")
    assert not Snapshot.objects.filter(rule=run.rule).exists()


def test_compute_now_replaces_a_run_whose_worker_died_but_returns_a_live_one(rule):
    live, _ = run_request(rule=rule)
    started_and_silent_for(live, 50)
    assert run_request(rule=rule) == (live, False)

    RankingRun.objects.filter(pk=live.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=61))
    fresh, created = run_request(rule=rule)
    assert created and fresh.pk != live.pk
    live.refresh_from_db()
    assert live.status == "failed" and live.outcome.startswith("abandoned")
    with translation.override("en"):
        assert str(live.outcome_display) == "The worker computing this run stopped; compute again."


def test_an_execution_taken_over_mid_run_writes_no_second_snapshot(rule):
    """A worker that only looked dead (paused past the grace) finds at its write that another
    execution took the run over and finished it: it writes nothing."""
    run, _ = run_request(rule=rule)
    taken_over = []

    def pause_past_the_grace(progress: int, stage: str) -> None:
        if stage == "ranking" and not taken_over:
            RankingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=61))
            taken_over.append(run_execute(run_id=run.pk, task_id="second"))

    first = run_execute(run_id=run.pk, task_id="first", on_progress=pause_past_the_grace)
    assert taken_over[0].snapshot.version == 1
    assert (first.status, first.attempt, first.task_id, first.snapshot_id) == (
        "done",
        2,
        "second",
        taken_over[0].snapshot_id,
    )
    assert Snapshot.objects.filter(rule=run.rule).count() == 1


def test_a_run_that_kills_its_worker_every_time_is_given_up(rule):
    run, _ = run_request(rule=rule)
    for _ in range(RUN_MAX_ATTEMPTS):
        RankingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=61))
        assert run_claim(run_id=run.pk) is not None
    RankingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=61))
    assert run_claim(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == "failed" and run.outcome == f"abandoned: the worker stopped {RUN_MAX_ATTEMPTS} times"
