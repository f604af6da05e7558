"""Each pytest-xdist worker gets its own Redis database (tests/conftest.py), as it gets its own
test database from pytest-django."""

import subprocess
import sys

import pytest
from execnet import XSpec

from tests.conftest import pytest_xdist_setupnodes


def test_each_worker_uses_the_next_redis_database_from_redis_url(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://:secret@127.0.0.1:6379/1")
    specs = [XSpec("popen"), XSpec("popen"), XSpec("popen")]

    pytest_xdist_setupnodes(config=None, specs=specs)

    assert [spec.env["REDIS_URL"] for spec in specs] == [
        "redis://:secret@127.0.0.1:6379/1",
        "redis://:secret@127.0.0.1:6379/2",
        "redis://:secret@127.0.0.1:6379/3",
    ]


def test_workers_past_the_servers_sixteen_databases_are_refused(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    with pytest.raises(pytest.UsageError, match="2 workers from Redis database 15"):
        pytest_xdist_setupnodes(config=None, specs=[XSpec("popen"), XSpec("popen")])


def test_without_redis_the_workers_environment_is_left_alone(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    specs = [XSpec("popen"), XSpec("popen")]

    pytest_xdist_setupnodes(config=None, specs=specs)

    assert [spec.env for spec in specs] == [{}, {}]


def test_every_collected_item_has_its_own_node_id_so_the_workers_run_every_api_operation():
    """pytest-xdist hands out items by node id: Schemathesis's seventy items a fuzz file shared
    one under pytest 9, and the workers ran one of them (tests/conftest.py)."""
    collected = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/api/test_schema_fuzz_member.py",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ids = [line for line in collected.splitlines() if "::" in line]
    assert len(ids) > 50 and len(set(ids)) == len(ids)
    assert (
        "tests/api/test_schema_fuzz_member.py::test_every_operation_keeps_to_the_schema_as_member[GET /api/v1/me/]"
        in ids
    )
