"""Threads a test starts together end, and fail the test, when one of them fails (tests/threads.py)."""

import threading

import pytest

from tests.threads import run_together


def test_a_thread_failing_before_the_barrier_fails_the_test_with_its_error_instead_of_holding_the_others():
    # A plain Barrier left the other threads waiting for the failed one for ever, and the test
    # joining them: the suite hung there (pytest-timeout ends it at 300 s with every stack).
    def target(n: int, barrier: threading.Barrier) -> None:
        if n == 0:
            raise ValueError("deadlock detected")
        barrier.wait()

    with pytest.raises(ValueError, match="deadlock detected"):
        run_together(target, 4)


def test_threads_that_all_pass_the_barrier_run_at_once():
    arrived: list[int] = []

    def target(n: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        arrived.append(n)

    run_together(target, 4)
    assert sorted(arrived) == [0, 1, 2, 3]
