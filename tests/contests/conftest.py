from types import SimpleNamespace

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connection, connections

from contests import services
from tests import factories
from tests.module_rows import ModuleRows


@pytest_asyncio.fixture(autouse=True)
async def _close_socket_thread_connections(request):
    """Consumers reach the database from asgiref's threads (player actions from the pool, the
    rest from one sync thread). Close what they open, or with persistent connections (CONN_MAX_AGE)
    they would outlive the test and stop the test database from being dropped."""
    if not request.node.get_closest_marker("asyncio"):
        yield
        return
    persistent, connection.settings_dict["CONN_MAX_AGE"] = connection.settings_dict["CONN_MAX_AGE"], 0
    try:
        yield
        await sync_to_async(connections.close_all, thread_sensitive=True)()
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = persistent


@pytest.fixture
def hall(tree):
    """A contest in the audit office: a host, two teams of three (red from a Guangzhou branch,
    blue from a Beijing one), and twelve true/false questions whose key is 对."""
    return build_hall(tree)


@pytest.fixture(scope="module")
def _hall_of_the_module(request, django_db_setup, django_db_blocker):
    """`hall`'s rows and tree, built once for a module's rolled-back tests (tests/module_rows.py)."""
    yield from ModuleRows.built(request, django_db_blocker, lambda: build_hall(factories.org_tree()))


@pytest.fixture
def module_hall(request, db, _hall_of_the_module):
    """`hall` as a module built it: each test plays its rounds in its own savepoint, rolled back,
    and starts from the same draft contest without rounds. A module whose tests do not depend on
    when the hall was made takes it as its `hall` (and the hall's `tree` as its `tree`):

        @pytest.fixture
        def hall(module_hall):
            return module_hall

    The contest's id and join code are the same in each of the module's tests (its id already was
    on SQLite, rolled back): what this process keeps by them without Redis is forgotten here, as
    `cache.clear()` empties Redis's for each test (tests/conftest.py `_empty_cache`)."""
    from contests import broadcast, fanout

    fanout._local.clear()
    fanout._published.clear()
    broadcast._progress_built_s.clear()
    return _hall_of_the_module.copy(request)


def build_hall(tree) -> SimpleNamespace:
    """`hall`'s rows in `tree`."""
    bank = factories.bank(tree["audit"])
    host = factories.organiser(tree["audit"], username="host")
    contest = services.contest_create(title="知识竞赛", unit=tree["audit"], by=host)
    red = [factories.member(tree["gz1"], username=f"red{n}") for n in range(3)]
    blue = [factories.member(tree["jjj1"], username=f"blue{n}") for n in range(3)]
    return SimpleNamespace(
        tree=tree,
        contest=contest,
        host=host,
        red=red,
        blue=blue,
        team_red=services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=red),
        team_blue=services.team_add(contest=contest, name="蓝队", unit=tree["jjj"], legs=blue),
        versions=[factories.question(bank, "true_false", key=[True]).current for _ in range(12)],
    )


def start(hall, *rounds):
    """Add `rounds` to the hall's contest ({"type": ..., "count": questions, other round settings};
    3 questions unless told), the questions taken from the hall's, and start it."""
    for spec in rounds:
        count = spec.pop("count", 3)
        versions = [hall.versions.pop() for _ in range(count)]
        services.round_add(contest=hall.contest, versions=versions, **spec)
    services.contest_start(contest=hall.contest, by=hall.host)
    hall.contest.refresh_from_db()
    return hall.contest
