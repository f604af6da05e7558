"""Host commands under a client's command id: carried out once, remembered for a bounded while."""

import itertools
import random

import pytest
from django.db import OperationalError

from contests import commands
from contests.errors import ContestRejected

# Contest ids no test database has: the store is keyed by contest id (in Redis, when configured).
_contests = itertools.count(random.randrange(10**9, 2 * 10**9))


def counting():
    runs = []

    def run():
        runs.append(1)
        return {}

    return run, runs


def test_only_the_latest_commands_of_a_contest_are_remembered(monkeypatch):
    monkeypatch.setattr(commands, "COMMANDS_KEPT", 2)
    contest = next(_contests)
    run, runs = counting()
    for command_id in ("a", "b", "c"):
        assert commands.run_once(contest_id=contest, command_id=command_id, kind="host.adjust", run=run) == ({}, False)
    assert commands.run_once(contest_id=contest, command_id="c", kind="host.adjust", run=run) == ({}, True)
    assert len(runs) == 3
    # "a" was the oldest of three with room for two: forgotten, so it is a new command now.
    assert commands.run_once(contest_id=contest, command_id="a", kind="host.adjust", run=run) == ({}, False)
    assert len(runs) == 4
    # Another contest's id is its own.
    assert commands.run_once(contest_id=next(_contests), command_id="c", kind="host.adjust", run=run)[1] is False


def test_a_command_that_failed_on_the_database_is_forgotten_and_a_refused_one_is_remembered():
    contest = next(_contests)

    def lost():
        raise OperationalError("the database went away")

    with pytest.raises(OperationalError):
        commands.run_once(contest_id=contest, command_id="x", kind="host.reveal", run=lost)
    run, runs = counting()
    assert commands.run_once(contest_id=contest, command_id="x", kind="host.reveal", run=run) == ({}, False)
    assert runs == [1]

    def refused():
        raise ContestRejected("not_running", "The contest is not running.")

    with pytest.raises(ContestRejected):
        commands.run_once(contest_id=contest, command_id="y", kind="host.open", run=refused)
    with pytest.raises(ContestRejected) as again:
        commands.run_once(contest_id=contest, command_id="y", kind="host.open", run=run)
    assert (again.value.code, str(again.value.message), runs) == ("not_running", "The contest is not running.", [1])
