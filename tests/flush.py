"""A cheaper end for transactional tests on PostgreSQL: empty only the tables that have rows.

Django ends every transactional test (sockets, servers, workers, browsers) with a flush, which on
PostgreSQL is one TRUNCATE of every table: a new file for each of some 110 tables and their
indexes, several seconds a test on a busy machine, though a test fills a dozen tables at most.
Here the flush deletes the rows of the tables that have any, in the same transaction, so every
table is as empty afterwards as before. The exceptions keep the same outcome by other means:

- tables whose rows a trigger refuses to delete (published ranking snapshots) are truncated, as
  before, with the tables that reference them;
- content types and permissions, which the flush's post_migrate signal would create again, are
  kept while they are exactly as the migrations left them (compared by a digest of their rows),
  and then the signal is not sent: its receivers (contenttypes' and auth's, which only create
  what is missing) would find every row there, after a query or two per app for each test; when
  the signal did make them again, the rows it made are those kept from then on;
- the default point rules, which only a data migration creates, are kept likewise, and put back
  as migrated when a test changed or deleted them (`restore_statements`, on SQLite too).
"""

from contextlib import contextmanager

from django.core.management.commands import flush as flush_command
from django.db import OperationalError, connection

# Filled by post_migrate (contenttypes, auth) after every flush: kept while unchanged.
RECREATED_AFTER_FLUSH = ("django_content_type", "auth_permission")
# Filled by a data migration only (the default point rules, lessons 0002): kept while unchanged,
# and put back as migrated after a flush that emptied them, so no test depends on which tests its
# process ran before (a test that seeds the demo adds a rule, one changes a cap, `flush` with
# sequences reset truncates them). The rows as migrated are copied aside once a session.
RESTORED_AFTER_FLUSH = ("lessons_pointrule",)
KEPT_AS_MIGRATED = RECREATED_AFTER_FLUSH + RESTORED_AFTER_FLUSH

# How long the flush waits for a lock that another session of the test database holds, before it
# fails naming that session. PostgreSQL waits forever by default: a request or worker left in a
# transaction (or waiting on this process) held the end of a CI run until its limit, silently.
# The flush's own statements take milliseconds; a server's last request ends well within this.
LOCK_TIMEOUT_S = 60
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout that ran out


def _quoted(table: str) -> str:
    return connection.ops.quote_name(table)


def tables_with_rows(tables: list[str]) -> set[str]:
    """Which of `tables` hold at least one row (one query)."""
    if not tables:
        return set()
    query = " UNION ALL ".join(f"SELECT %s WHERE EXISTS (SELECT 1 FROM {_quoted(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(query, tables)
        return {table for (table,) in cursor.fetchall()}


def tables_guarded_against_delete() -> set[str]:
    """Tables with a trigger of our own that may refuse a DELETE (TRUNCATE fires none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger"
            " WHERE NOT tgisinternal AND tgtype & 8 <> 0"  # 8: TRIGGER_TYPE_DELETE
        )
        return {table.strip('"') for (table,) in cursor.fetchall()}


def digest(table: str) -> str:
    """A digest of every row of `table`, in id order."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) FROM {_quoted(table)} t")
        return cursor.fetchone()[0]


def _as_migrated_copy(table: str) -> str:
    return _quoted(f"test_flush_{table}_as_migrated")


def save_as_migrated() -> None:
    """Copy aside the rows of RESTORED_AFTER_FLUSH, as the migrations left them."""
    with connection.cursor() as cursor:
        for table in RESTORED_AFTER_FLUSH:
            cursor.execute(f"DROP TABLE IF EXISTS {_as_migrated_copy(table)}")
            cursor.execute(f"CREATE TABLE {_as_migrated_copy(table)} AS SELECT * FROM {_quoted(table)}")


def restore_statements(tables) -> list[str]:
    """The statements, to run after a flush's own, that put back the rows saved by
    `save_as_migrated` in those of `tables` the flush emptied, with their ids as migrated. On
    PostgreSQL the id sequence moves to the highest of them: a flush that restarts sequences
    would otherwise hand out an id again (SQLite's AUTOINCREMENT follows by itself)."""
    statements = []
    for table in RESTORED_AFTER_FLUSH:
        if table not in tables:
            continue
        statements.append(f"INSERT INTO {_quoted(table)} SELECT * FROM {_as_migrated_copy(table)};")
        if connection.vendor == "postgresql":
            statements.append(
                f"SELECT setval(pg_get_serial_sequence('{_quoted(table)}', 'id'), max(id)) FROM {_quoted(table)};"
            )
    return statements


def other_sessions() -> str:
    """The other sessions of this database, one a line, with what each waits for or runs: who
    holds the lock a flush waited for."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, wait_event_type, pg_blocking_pids(pid),"
            " now() - xact_start, left(query, 300)"
            " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " ORDER BY pid"
        )
        rows = cursor.fetchall()
    return (
        "\n".join(
            f"pid {pid} ({application or '-'}): {state}, waiting on {wait or 'nothing'}, blocked by {blockers or '-'},"
            f" transaction open {age}, last query: {query}"
            for pid, application, state, wait, blockers, age, query in rows
        )
        or "(none)"
    )


@contextmanager
def _lock_waits_bounded():
    """Within: this session's lock waits end after LOCK_TIMEOUT_S with an error that names the
    other sessions (for the flush's reads, which run outside its transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT_S}s'")
    try:
        with _naming_the_lock_holders():
            yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


@contextmanager
def _naming_the_lock_holders():
    try:
        yield
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise OperationalError(
            f"The flush waited {LOCK_TIMEOUT_S}s for a lock another session of the test database holds"
            f" ({error}). The other sessions:\n{other_sessions()}"
        ) from error


def install():
    """Make the flush command cheap on this connection's PostgreSQL; return the undo."""
    operations = type(connection.ops)
    truncate_all = operations.sql_flush
    save_as_migrated()
    guarded = tables_guarded_against_delete()
    as_migrated = {table: digest(table) for table in KEPT_AS_MIGRATED}
    # Whether the flush being run keeps every table its post_migrate signal would fill again.
    recreated_kept = False

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        with _lock_waits_bounded():
            return statements_for(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)

    def statements_for(self, style, tables, *, reset_sequences, allow_cascade):
        nonlocal recreated_kept
        recreated_kept = False
        if reset_sequences:  # restarting sequences needs the TRUNCATE ... RESTART IDENTITY
            statements = truncate_all(self, style, tables, reset_sequences=True, allow_cascade=allow_cascade)
            return statements + restore_statements(tables)
        changed = {table for table, rows in as_migrated.items() if table in tables and digest(table) != rows}
        recreated_kept = all(table in tables and table not in changed for table in RECREATED_AFTER_FLUSH)
        filled = tables_with_rows([table for table in tables if table not in as_migrated]) | changed
        truncated = sorted(filled & guarded)
        # Truncate first: PostgreSQL refuses to truncate a table with pending trigger events.
        statements = truncate_all(self, style, truncated, allow_cascade=True) if truncated else []
        # Foreign keys are checked at commit (Django makes them DEFERRABLE INITIALLY DEFERRED), so
        # the order of the deletes does not matter.
        deletes = [f"DELETE FROM {_quoted(table)};" for table in sorted(filled - guarded)]
        return statements + deletes + restore_statements(changed)

    execute_flush = operations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        # In the flush's transaction (SET LOCAL ends with it): its TRUNCATE and DELETEs wait for
        # a lock at most LOCK_TIMEOUT_S.
        with _naming_the_lock_holders():
            execute_flush(self, [f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_S}s'", *sql_list])

    emit_post_migrate = flush_command.emit_post_migrate_signal

    def emit_post_migrate_unless_kept(*args, **kwargs):
        nonlocal recreated_kept
        kept, recreated_kept = recreated_kept, False
        if kept:
            return
        emit_post_migrate(*args, **kwargs)
        # What its receivers made again is the new reference (the same rows under new ids): or
        # every later flush of the process would find them changed and empty them again.
        as_migrated.update({table: digest(table) for table in RECREATED_AFTER_FLUSH})

    operations.sql_flush = sql_flush
    operations.execute_sql_flush = execute_sql_flush
    flush_command.emit_post_migrate_signal = emit_post_migrate_unless_kept

    def undo():
        operations.sql_flush = truncate_all
        operations.execute_sql_flush = execute_flush
        flush_command.emit_post_migrate_signal = emit_post_migrate

    return undo
