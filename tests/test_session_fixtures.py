"""The suite's session fixtures touch only a test database the session made: a run that selects no
database test (one file, `-k` on a pure function) must leave the configured database, often a
developer's own, as it was."""

import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.processes import ROOT

SERVER = urlsplit(os.environ.get("DATABASE_URL", ""))
pytestmark = pytest.mark.skipif(
    not SERVER.scheme.startswith("postgres"), reason="needs a PostgreSQL server (DATABASE_URL; CI sets it)"
)


def _server(dbname):
    return psycopg.connect(
        host=SERVER.hostname,
        port=SERVER.port or 5432,
        user=SERVER.username,
        password=SERVER.password or None,
        dbname=dbname,
        autocommit=True,
    )


@pytest.fixture
def developers_database():
    name = f"quizsite_own_{uuid.uuid4().hex[:8]}"
    with _server("postgres") as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with _server(name) as own:
            own.execute("CREATE TABLE notes (body text)")
            own.execute("INSERT INTO notes VALUES ('mine')")
        yield name
    finally:
        with _server("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_run_without_database_tests_leaves_the_configured_database_untouched(developers_database):
    url = urlunsplit(SERVER._replace(path=f"/{developers_database}"))
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("PYTEST_XDIST_WORKER", None)
    bystander = _server(developers_database)  # the developer's own session, open meanwhile
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            "0",
            "tests/test_order_independence.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with bystander:  # not terminated by the suite's clean-up of lingering connections
        assert bystander.execute("SELECT 1").fetchone() == (1,)
    with _server("postgres") as admin:
        settings = admin.execute(
            "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
            " WHERE d.datname = %s",
            [developers_database],
        ).fetchall()
        made = admin.execute(
            "SELECT datname FROM pg_database WHERE datname = %s", [f"test_{developers_database}"]
        ).fetchall()
    assert settings == []  # no `synchronous_commit = off` left on the developer's database
    assert made == []  # and no test database made for a run that needs none
    with _server(developers_database) as own:
        tables = [row[0] for row in own.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        assert tables == ["notes"]
        assert own.execute("SELECT body FROM notes").fetchall() == [("mine",)]
