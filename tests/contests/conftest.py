import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections


@pytest_asyncio.fixture(autouse=True)
async def _close_socket_thread_connections(request):
    """Consumers reach the database from asgiref's sync thread; close what they opened there.

    With persistent connections (CONN_MAX_AGE) those would outlive the test and stop the test
    database from being dropped.
    """
    yield
    if request.node.get_closest_marker("asyncio"):
        await sync_to_async(connections.close_all, thread_sensitive=True)()
