import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # PBKDF2 at production strength costs ~0.3 s a hash; tests make hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: ids repeat between tests, and cached answers keyed by
    them (who may watch a lesson, a contest's snapshot) must not leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()


# The test modules whose NOW the others read as `module.NOW` (never `from module import NOW`).
_CLOCK_MODULES = ("tests.contests.test_relay", "tests.contests.test_online")


@pytest.fixture(autouse=True)
def _test_clocks():
    """The relay and online tests' NOW is the second their test starts, not when the module was
    imported: the services compare it with the real clock (eager Celery runs a relay leg's close
    task at once; the online dashboards expire attempts past their deadline first), so a NOW older
    than a leg's or an attempt's time limit (a long suite, or a worker reaching these files late)
    found every leg closed, or an attempt still under way counted as finished."""
    import sys

    from django.utils import timezone

    now = timezone.now().replace(microsecond=0)
    for name in _CLOCK_MODULES:
        module = sys.modules.get(name)
        if module is not None:
            module.NOW = now


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the site's default language: one that activates another (or a page
    rendered in English through the test client, before quizsite.middleware) would leave it active
    in this thread, and a later test of the same process would read messages in that language."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tree(db):
    """A small organisation: two organs, offices, branches."""
    return factories.org_tree()


@pytest.fixture(scope="module")
def _tree_of_the_module(request, django_db_setup, django_db_blocker):
    """`tree`'s units, built once for a module's rolled-back tests (tests/module_rows.py)."""
    from tests.module_rows import ModuleRows

    yield from ModuleRows.built(request, django_db_blocker, factories.org_tree)


@pytest.fixture
def module_tree(request, db, _tree_of_the_module):
    """`tree` as a module built it. A module whose every database test takes `tree` (directly or
    through `gz_organiser` and the like) may take it as its `tree`:

        @pytest.fixture
        def tree(module_tree):
            return module_tree
    """
    return _tree_of_the_module.copy(request)


@pytest.fixture
def gz_organiser(tree):
    return factories.organiser(tree["gz"], username="gz-organiser", real_name="广州组织者")


@pytest.fixture
def processed_once(monkeypatch):
    """Lessons processed by lesson_process as it is, ffmpeg's steps in it (probe, poster, MP4, HLS)
    run for real once a session for the same video and copied after that: for tests of what a
    processed lesson does, not of the processing (which other tests run for real every time)."""
    from tests.lessons.videos import ffmpeg_steps_once

    ffmpeg_steps_once(monkeypatch)


@pytest.fixture
def eager_tasks():
    """Run Celery tasks inline in this test even with a broker configured (CI): for tests of what
    a task does, not of the worker, which has tests of its own."""
    from quizsite.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def services_configured() -> bool:
    return bool(os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))


REDIS_DATABASES = 16  # a Redis server's default `databases`


def pytest_xdist_setupnodes(config, specs):
    """With pytest-xdist (`-n N`), worker N uses REDIS_URL's database plus N: REDIS_URL=.../1 and
    `-n 2` use databases 1 and 2. Tests flush the database REDIS_URL names, and the cache, the
    channel layer, the Celery broker and the live contests' hot state live in it; pub/sub channels,
    which a Redis server shares between its databases, carry the database number in their names
    (settings.CHANNEL_LAYERS, contests/fanout.py). Set in each worker's environment before its
    pytest starts, so its settings and the servers and workers its tests start all see it. Test
    databases get a suffix per worker from pytest-django, media directories and ports are per
    test (tmp_path, tests/processes.py `free_port`)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return
    parts = urlsplit(url)
    first = int(parts.path.strip("/") or 0)
    if first + len(specs) > REDIS_DATABASES:
        raise pytest.UsageError(f"{len(specs)} workers from Redis database {first} need more than {REDIS_DATABASES}")
    for number, spec in enumerate(specs):
        spec.env["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{first + number}"))


def _in_a_rolled_back_transaction(item: pytest.Item) -> bool:
    """Whether `item` is a database test that pytest-django rolls back (not a transactional one)."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if (marker and marker.kwargs.get("transaction")) or "transactional_db" in fixtures or "live_server" in fixtures:
        return False
    return bool(marker) or "db" in fixtures


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """On pytest-xdist's workers, the database tests that roll back last. `make test` hands test
    files out in collection order as workers free up (`--dist loadfile --no-loadscope-reorder`):
    the longest files are the transactional ones (browsers, servers, Celery workers, sockets) and
    the ones starting processes without the test database (deploy scripts, benchmark smoke);
    after pytest-django's order they left one worker running alone at the end, while the many
    short rolled-back tests fill both workers to the end. Every test passes in either order (the
    flush puts back what the migrations made: tests/flush.py)."""
    _operations_told_apart(items)
    if hasattr(config, "workerinput"):
        items.sort(key=_in_a_rolled_back_transaction)


def _operations_told_apart(items) -> None:
    """Give each Schemathesis item (one per API operation, named `test[GET /api/v1/...]`) its own
    node id. Under pytest 9 its id is the test function's alone (pytest takes an id's brackets
    from a parametrize call, which Schemathesis does not make), and pytest-xdist, which keys items
    by id, ran one operation of the seventy in each fuzz file (tests/api/fuzz.py)."""
    for item in items:
        base, bracket, operation = item.name.partition("[")
        if bracket and item.id.params is None:
            item._id = item.parent.id.child(base).with_params(operation.removesuffix("]"))


def _shared_chromium():
    """The browser tests' shared Chromium (tests/browser/conftest.py), if that conftest is loaded."""
    import sys

    module = sys.modules.get("tests.browser.conftest")
    return getattr(module, "SHARED", None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Stop the browser tests' shared Chromium before a test that does not use it: no test but a
    browser test runs beside Playwright's event loop (async tests could not) or with Django's
    async-safety check lifted. And roll back the rows built once for a module (tests/module_rows.py)
    before a test that is not rolled back: it commits, or its processes read, outside them."""
    from tests import module_rows

    if not _in_a_rolled_back_transaction(item):
        module_rows.roll_back_all()
    elif unasked := module_rows.unasked(item):
        raise RuntimeError(f"{item.nodeid} would find the rows of {', '.join(unasked)} without asking for them")
    shared = _shared_chromium()
    if shared is not None and shared.running and "browser" not in getattr(item, "fixturenames", ()):
        shared.stop()


def pytest_sessionfinish(session):
    shared = _shared_chromium()
    if shared is not None:
        shared.stop()


@pytest.fixture(scope="session", autouse=True)
def _own_redis_database():
    """Tests own the Redis database named by REDIS_URL: start it empty (no stale Celery tasks)."""
    url = os.environ.get("REDIS_URL")
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()


@pytest.fixture
def celery_worker_process(settings, tmp_path):
    """A real Celery worker (bin/worker) on the test database, when a broker is configured.

    With no broker, tasks run inline (eager) and no worker is needed. Use with a transactional
    test, so the worker sees committed rows.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    from tests.processes import env_on_test_database, start, stop, wait_for

    env = env_on_test_database(MEDIA_ROOT=str(settings.MEDIA_ROOT), WORKER_CONCURRENCY="1", HOSTNAME="pytest")
    worker = start("worker", env, tmp_path / "worker.log")
    try:
        wait_for(
            lambda: "ready" in (tmp_path / "worker.log").read_text(),
            timeout=60,
            what="the Celery worker",
            process=worker,
        )
        yield worker
    finally:
        stop(worker)


@pytest.fixture(scope="session", autouse=True)
def _release_lingering_connections(request, django_db_setup, django_db_blocker):
    """After the last test, end sessions that pooled threads (asgiref's, uvicorn's) still hold, so
    the test database can be dropped. Runs before pytest-django's teardown, when no test needs
    them any more; never on a database the session did not make (a developer's own, whose other
    sessions are theirs)."""
    yield
    from django.db import connection

    if not _test_database_made(request):
        return
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The throwaway test database on PostgreSQL commits without waiting for its WAL to reach the
    disk: a test never outlives a crash of the server, and the migrations and every test's
    commits stop queueing behind other projects' fsyncs. Set on this process's connections
    here, and on the database itself (below) for the servers and workers tests start."""
    from django.conf import settings

    for database in settings.DATABASES.values():
        if database["ENGINE"].endswith("postgresql"):
            options = database.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


def _test_database_made(request) -> bool:
    """Whether this session made a test database. pytest-django makes one only when a collected
    test uses it; otherwise the connection still names the configured database (a developer's
    own), which the session fixtures below must not touch."""
    from pytest_django.fixtures import _get_databases_for_setup  # pinned in requirements-dev.txt

    aliases, _serialized = _get_databases_for_setup(request.session.items)
    return "default" in aliases


@pytest.fixture(scope="session", autouse=True)
def _test_database_tuned(request, django_db_setup, django_db_blocker):
    """On PostgreSQL: commits that do not wait for the disk in every session of the test database
    (the processes tests start too), and transactional tests that end by emptying only the tables
    they filled (tests/flush.py)."""
    from django.db import connection

    if connection.vendor != "postgresql" or not _test_database_made(request):
        yield
        return
    from tests import flush

    with django_db_blocker.unblock():
        database = connection.ops.quote_name(connection.settings_dict["NAME"])
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {database} SET synchronous_commit = off")
        undo = flush.install()
    yield
    undo()


@pytest.fixture(scope="session", autouse=True)
def _sqlite_guards_lifted_for_flush(request, django_db_setup, django_db_blocker):
    """Transactional tests end with a flush, which on SQLite is DELETE FROM every table: the
    triggers keeping published snapshots frozen (rankings migration 0006) would refuse it. Each
    flush drops those triggers first and creates them again after, in the same transaction, and
    puts back the default point rules as migrated (tests/flush.py `restore_statements`)."""
    from django.db import connection

    if connection.vendor != "sqlite" or not _test_database_made(request):
        yield
        return
    from tests import flush

    with django_db_blocker.unblock():
        flush.save_as_migrated()
    operations = type(connection.ops)
    original = operations.sql_flush

    def sql_flush(self, style, tables, **options):
        statements = original(self, style, tables, **options)
        if not statements:
            return statements
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'rankings_snapshot%'"
            )
            guards = cursor.fetchall()
        dropped = [f'DROP TRIGGER "{name}"' for name, _sql in guards]
        return dropped + statements + [sql for _name, sql in guards] + flush.restore_statements(tables)

    operations.sql_flush = sql_flush
    yield
    operations.sql_flush = original
