"""Threads a test starts together (a race on a row lock), ended whatever happens in them."""

import threading
import time
from collections.abc import Callable

from django.db import connection

# How long a thread waits at the barrier for the others, and the test for its threads to end: a
# bound, not a pace (threads that pass never wait it out).
WAIT_S = 60


def run_together(target: Callable[[int, threading.Barrier], None], count: int) -> None:
    """Run `target(n, barrier)` for n in range(count), each in a thread, all sharing `barrier`
    (of `count` parties, each wait bounded); raise the first error a thread raised.

    A thread that fails breaks the barrier: the others stop waiting for a party that will never
    come (with a plain Barrier they waited for ever, and the test with them), and the test fails
    with that thread's error instead of a warning. Each thread closes its database connection."""
    barrier = threading.Barrier(count, timeout=WAIT_S)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            target(n, barrier)
        except BaseException as error:
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,), name=f"together-{n}", daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 4 * WAIT_S
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), f"threads still running after {4 * WAIT_S}s"
    # The error that broke the barrier, rather than the others' BrokenBarrierError.
    errors.sort(key=lambda error: isinstance(error, threading.BrokenBarrierError))
    if errors:
        raise errors[0]
