"""The production database roles (deploy/postgres-init/), made on the real local PostgreSQL: the
owner role migrates; the app role runs the platform but cannot touch what keeps published rankings
immutable."""

import json
import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.processes import ROOT

SERVER = urlsplit(os.environ.get("DATABASE_URL", ""))
pytestmark = pytest.mark.skipif(
    not SERVER.scheme.startswith("postgres"), reason="needs a PostgreSQL server (DATABASE_URL; CI sets it)"
)

# Run as the app role: compute and publish a ranking, then try to change it by every way round.
AS_THE_APP = """
import json

from django.db import DatabaseError, connection, transaction

from rankings.compute import rows_hash
from rankings.models import Snapshot, SnapshotRow
from rankings.services import run_execute, run_request, snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings.test_services import DAY, points

unit = factories.unit_at("审计署", kind="organ")
admin = factories.administrator(unit, username="boss")
for n in range(3):
    points(factories.member(unit, username=f"m{n}"), 10 * (n + 1), f"m{n}")
rule = factories.ranking_rule(
    unit, subject="member", sources=[{"kind": "points"}], period_starts_on=DAY, period_ends_on=DAY
)
run, _ = run_request(rule=rule)
snapshot = run_execute(run_id=run.pk).snapshot
snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)

refused = {}
attempts = {
    "edit_published": lambda: Snapshot.objects.filter(pk=snapshot.pk).update(input_hash="0" * 64),
    "delete_published_rows": lambda: SnapshotRow.objects.filter(snapshot=snapshot).delete(),
    "drop_trigger": "DROP TRIGGER rankings_snapshot_frozen ON rankings_snapshot",
    "disable_triggers": "ALTER TABLE rankings_snapshot DISABLE TRIGGER ALL",
    "replication_role": "SET session_replication_role = replica",
    "truncate": "TRUNCATE rankings_snapshotrow",
    "create_table": "CREATE TABLE sneaky (id int)",
    # The rows' partition (PostgreSQL, rankings 0020): the owner's, reached through the parent only.
    "edit_partition": f"UPDATE rankings_snapshotrow_{snapshot.pk} SET prize = 'x'",
    "delete_from_partition": f"DELETE FROM rankings_snapshotrow_{snapshot.pk}",
    "detach_partition": f"ALTER TABLE rankings_snapshotrow DETACH PARTITION rankings_snapshotrow_{snapshot.pk}",
    "drop_partition": f"DROP TABLE rankings_snapshotrow_{snapshot.pk}",
    "disable_partition_triggers": f"ALTER TABLE rankings_snapshotrow_{snapshot.pk} DISABLE TRIGGER ALL",
    "new_partition": f"SELECT rankings_snapshotrow_partition({snapshot.pk})",
    "attach_again": f"SELECT rankings_snapshotrow_attach({snapshot.pk})",
    "unseal": f"SELECT rankings_snapshotrow_seal('rankings_snapshot'::regclass)",
}
for name, attempt in attempts.items():
    try:
        with transaction.atomic():
            if callable(attempt):
                attempt()
            else:
                with connection.cursor() as cursor:
                    cursor.execute(attempt)
        refused[name] = None
    except DatabaseError as error:
        refused[name] = type(error.__cause__ or error).__name__
with connection.cursor() as cursor:
    cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
    user, superuser = cursor.fetchone()
status = Snapshot.objects.get(pk=snapshot.pk).status
intact = rows_hash(snapshot.pk) == snapshot.rows_hash and snapshot.rows.count() == 3
print(json.dumps({"user": user, "superuser": superuser, "status": status, "intact": intact, "refused": refused}))
"""


def superuser_connection() -> psycopg.Connection:
    return psycopg.connect(
        host=SERVER.hostname,
        port=SERVER.port or 5432,
        user=SERVER.username,
        password=SERVER.password,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def roles():
    """The init script run as the postgres image would, with throwaway names, dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    names = {"db": f"qs_roles_{tag}", "owner": f"qs_owner_{tag}", "app": f"qs_app_{tag}"}
    env = {
        **os.environ,
        "PGHOST": SERVER.hostname,
        "PGPORT": str(SERVER.port or 5432),
        "PGPASSWORD": SERVER.password or "",
        "POSTGRES_USER": SERVER.username,
        "POSTGRES_DB": "postgres",
        "QUIZSITE_DB": names["db"],
        "QUIZSITE_OWNER": names["owner"],
        "QUIZSITE_APP": names["app"],
        "QUIZSITE_OWNER_PASSWORD": "owner-pass",
        "QUIZSITE_APP_PASSWORD": "app-pass",
    }
    script = ROOT / "deploy" / "postgres-init" / "10-quizsite-roles.sh"
    try:
        result = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        yield names
    finally:
        with superuser_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{names["db"]}" WITH (FORCE)')
            for role in ("app", "owner"):
                admin.execute(f'DROP ROLE IF EXISTS "{names[role]}"')


def url(names: dict, role: str) -> str:
    return f"postgres://{names[role]}:{role}-pass@{SERVER.hostname}:{SERVER.port or 5432}/{names['db']}"


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_owner_migrates_and_the_app_role_cannot_undo_the_immutability_of_published_rankings(roles):
    with superuser_connection() as admin:
        flags = admin.execute(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname IN (%s, %s)",
            [roles["owner"], roles["app"]],
        ).fetchall()
    assert sorted(flags) == sorted([(roles["owner"], False, False, False), (roles["app"], False, False, False)])

    migrated = manage(url(roles, "owner"), "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr

    checked = manage(url(roles, "app"), "shell", "-c", AS_THE_APP)
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout.strip().splitlines()[-1])
    assert (report["user"], report["superuser"], report["status"], report["intact"]) == (
        roles["app"],
        False,
        "published",
        True,
    )
    assert report["refused"] == {
        "edit_published": "IntegrityConstraintViolation",  # the trigger
        "delete_published_rows": "IntegrityConstraintViolation",
        "drop_trigger": "InsufficientPrivilege",  # the owner's, not the app's
        "disable_triggers": "InsufficientPrivilege",
        "replication_role": "InsufficientPrivilege",  # would skip triggers: superusers only
        "truncate": "InsufficientPrivilege",  # fires no row trigger: not granted
        "create_table": "InsufficientPrivilege",
        "edit_partition": "InsufficientPrivilege",  # sealed when attached: no privilege but the owner's
        "delete_from_partition": "InsufficientPrivilege",
        "detach_partition": "InsufficientPrivilege",  # the owner's tables
        "drop_partition": "InsufficientPrivilege",
        "disable_partition_triggers": "InsufficientPrivilege",
        "new_partition": "IntegrityConstraintViolation",  # the owner's function refuses a frozen snapshot
        "attach_again": "IntegrityConstraintViolation",
        "unseal": "InsufficientPrivilege",  # not the app's to call
    }
