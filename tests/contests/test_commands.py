"""Host commands under a client's command id: carried out once, remembered for a bounded while."""

import itertools
import random

import pytest
from django.db import OperationalError

from contests import commands
from contests.errors import ContestRejected

# Contest ids no test database has: the store is keyed by scope (in Redis, when configured).
_ids = itertools.count(random.randrange(10**9, 2 * 10**9))


def new_contest() -> str:
    return f"contest:{next(_ids)}"


def counting():
    runs = []

    def run():
        runs.append(1)
        return {}

    return run, runs


def test_only_the_latest_commands_of_a_contest_are_remembered(monkeypatch):
    monkeypatch.setattr(commands, "COMMANDS_KEPT", 2)
    contest = new_contest()
    run, runs = counting()
    for command_id in ("a", "b", "c"):
        assert commands.run_once(scope=contest, command_id=command_id, kind="host.adjust", run=run) == ({}, False)
    assert commands.run_once(scope=contest, command_id="c", kind="host.adjust", run=run) == ({}, True)
    assert len(runs) == 3
    # "a" was the oldest of three with room for two: forgotten, so it is a new command now.
    assert commands.run_once(scope=contest, command_id="a", kind="host.adjust", run=run) == ({}, False)
    assert len(runs) == 4
    # Another contest's id is its own.
    assert commands.run_once(scope=new_contest(), command_id="c", kind="host.adjust", run=run)[1] is False


def test_a_command_that_failed_on_the_database_is_forgotten_and_a_refused_one_is_remembered():
    contest = new_contest()

    def lost():
        raise OperationalError("the database went away")

    with pytest.raises(OperationalError):
        commands.run_once(scope=contest, command_id="x", kind="host.reveal", run=lost)
    run, runs = counting()
    assert commands.run_once(scope=contest, command_id="x", kind="host.reveal", run=run) == ({}, False)
    assert runs == [1]

    def refused():
        raise ContestRejected("not_running", "The contest is not running.")

    with pytest.raises(ContestRejected):
        commands.run_once(scope=contest, command_id="y", kind="host.open", run=refused)
    with pytest.raises(ContestRejected) as again:
        commands.run_once(scope=contest, command_id="y", kind="host.open", run=run)
    assert (again.value.code, str(again.value.message), runs) == ("not_running", "The contest is not running.", [1])


class NightRefused(Exception):
    """A scope's own refusal, as a speech night's `CallRejected`: a code and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def test_a_nights_ids_are_its_own_and_its_refusals_are_remembered_and_repeated_in_its_own_kind():
    number = next(_ids)
    run, runs = counting()
    assert commands.run_once(scope=f"contest:{number}", command_id="c", kind="night.call", run=run) == ({}, False)
    # The night with the same number is another scope: its "c" is a new command.
    night = f"night:{number}"
    assert commands.run_once(scope=night, command_id="c", kind="night.call", run=run, refusal=NightRefused)[1] is False
    assert len(runs) == 2

    def refused():
        raise NightRefused("speakers_left", "Some speakers have not been scored and locked yet.")

    for attempt in (refused, run):
        with pytest.raises(NightRefused) as again:
            commands.run_once(scope=night, command_id="f", kind="night.finish", run=attempt, refusal=NightRefused)
        assert again.value.code == "speakers_left"
    with pytest.raises(NightRefused) as taken:
        commands.run_once(scope=night, command_id="c", kind="night.lock", run=run, refusal=NightRefused)
    assert (taken.value.code, len(runs)) == ("command_id_taken", 2)
