"""The clock socket through the real ASGI stack: origin check, session auth, frame errors."""

import json

import pytest

from contests import protocol
from quizsite.asgi import application
from tests import factories, processes
from tests.sockets import Communicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def connect(cookie: str = "", origin: bytes = b"http://localhost"):
    headers = [(b"origin", origin)]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = Communicator(application, "/ws/clock/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.fixture
def session_cookie():
    """A signed-in member's session cookie, as a browser would send it."""
    return processes.session_cookie(factories.member(factories.unit_at("审计署/广州特派办/第一党支部")))


async def test_anonymous_socket_is_accepted_then_closed_with_4401():
    communicator, connected, _subprotocol = await connect()
    assert connected  # closed in the handshake, a client would see an HTTP 403 instead of 4401
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 4401}


async def test_foreign_origin_is_refused(session_cookie):
    communicator, connected, _code = await connect(session_cookie, origin=b"http://evil.example")
    assert not connected


async def test_time_sync_returns_server_timestamps(session_cookie):
    communicator, connected, _ = await connect(session_cookie)
    assert connected
    await communicator.send_to(text_data=json.dumps({"type": "time.sync", "client_sent_at": 1234}))
    reply = json.loads(await communicator.receive_from())
    assert (
        reply["type"] == "time.synced" and reply["v"] == protocol.PROTOCOL_VERSION and reply["client_sent_at"] == 1234
    )
    assert reply["server_received_at"] <= reply["server_sent_at"]
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "malformed_json"),
        (json.dumps([1, 2]), "missing_type"),
        (json.dumps({"type": "contest.explode", "id": "e"}), "unknown_type"),
        (json.dumps({"type": "time.sync", "id": "e", "pad": "x" * 5000}), "frame_too_large"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_usable(session_cookie, frame, code):
    communicator, connected, _ = await connect(session_cookie)
    assert connected
    await communicator.send_to(text_data=frame)
    error = json.loads(await communicator.receive_from())
    assert error["type"] == "error" and error["code"] == code and error["message"]
    assert error.get("ref") == ("e" if '"id"' in frame else None)
    await communicator.send_to(text_data=json.dumps({"type": "time.sync", "client_sent_at": 1}))
    assert json.loads(await communicator.receive_from())["type"] == "time.synced"
    await communicator.disconnect()


async def test_binary_frames_are_refused_politely(session_cookie):
    communicator, connected, _ = await connect(session_cookie)
    await communicator.send_to(bytes_data=b"\x00\x01")
    assert json.loads(await communicator.receive_from())["code"] == "binary_frame"
    await communicator.disconnect()
