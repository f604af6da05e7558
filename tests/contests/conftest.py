from types import SimpleNamespace

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connection, connections

from contests import services
from tests import factories


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
