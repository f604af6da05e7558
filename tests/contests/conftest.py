import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connection, connections


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
