"""The demo data (`seed_demo --no-video`) for browser tests: seeded once a session, then copied back.

Seeding runs some 20,000 queries (a fortnight of points through the points service); browser tests
that start from the demo would pay that each. On PostgreSQL the first seeding in a session (and
on each new local day, since the demo is dated from today) is copied out table by table with
COPY, and later tests, which start on a database their flush emptied, get the same rows copied
back in one transaction. Elsewhere, or when the database is not empty, it seeds as before.
`tests/orgs/test_seed.py` tests the command itself.
"""

from io import StringIO

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from tests import flush

_copies: dict = {}  # local day -> ({table: COPY data}, digests of the kept reference tables)


def _copied_tables() -> list[str]:
    """The tables the demo's copy holds: all but content types and permissions, which the
    migrations made and the copy is checked against (the default point rules, which the demo
    extends, are copied and replaced)."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    return [table for table in tables if table not in flush.RECREATED_AFTER_FLUSH]


def _filled_by_tests() -> set[str]:
    """Tables holding rows that no migration put there."""
    return flush.tables_with_rows([table for table in _copied_tables() if table not in flush.RESTORED_AFTER_FLUSH])


def _references() -> dict[str, str]:
    return {table: flush.digest(table) for table in flush.RECREATED_AFTER_FLUSH}


def _tables_with_triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        return {table.strip('"') for (table,) in cursor.fetchall()}


def _copy_out(tables: set[str]) -> dict[str, bytes]:
    copies = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            # COPY (SELECT ...): a partitioned table (snapshot rows, rankings 0020) has no COPY TO.
            query = f"SELECT * FROM {connection.ops.quote_name(table)}"
            with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)") as copy:
                copies[table] = b"".join(bytes(block) for block in copy)
    return copies


@transaction.atomic
def _copy_in(copies: dict[str, bytes]) -> None:
    """Write the copied rows back, in place of the default point rules as migrated. The snapshot
    guards' triggers would refuse the rows of a published snapshot; they are off for this
    transaction only (foreign keys still hold)."""
    guarded = sorted(_tables_with_triggers() & set(copies))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in flush.RESTORED_AFTER_FLUSH:
            cursor.execute(f"DELETE FROM {quote(table)}")
        for table in guarded:
            cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
        for table, data in copies.items():
            with cursor.copy(f"COPY {quote(table)} FROM STDIN (FORMAT binary)") as copy:
                copy.write(data)
        # Every row is back: check the foreign keys now, as the triggers cannot be turned on
        # again while checks are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in guarded:
            cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
        # A sequence restarted since (a flush that resets them) must not hand out a copied id.
        for table in copies:
            for sequence in connection.introspection.get_sequences(cursor, table):
                highest = f"SELECT max({quote(sequence['column'])}) AS max_id FROM {quote(table)}"
                cursor.execute(
                    f"SELECT setval(%s::regclass, max_id) FROM ({highest}) AS copied"
                    " WHERE max_id >= nextval(%s::regclass)",
                    [sequence["name"], sequence["name"]],
                )


def seed_demo() -> None:
    """The demo data, as `manage.py seed_demo --no-video` leaves it on an empty database."""
    if connection.vendor != "postgresql" or _filled_by_tests():
        call_command("seed_demo", "--no-video", stdout=StringIO())
        return
    day = timezone.localdate()
    saved = _copies.get(day)
    if saved and saved[1] == _references():
        _copy_in(saved[0])
        return
    call_command("seed_demo", "--no-video", stdout=StringIO())
    _copies[day] = (_copy_out(flush.tables_with_rows(_copied_tables())), _references())
