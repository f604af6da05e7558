"""Each pytest-xdist worker gets its own Redis database (tests/conftest.py), as it gets its own
test database from pytest-django."""

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
