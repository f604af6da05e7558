"""A member who must replace a temporary password (orgs.passwords) is refused on every live
socket: one `error` frame `password_change_required`, then close 4403 (docs/protocol.md,
"Refusals"), whichever way the socket signed in and however its place was found. (The speech
night's socket: tests/calls/test_night_socket.py.)"""

import json

import pytest
from asgiref.sync import sync_to_async

from contests import access, services
from orgs.models import User
from orgs.services import member_password_reset
from quizsite.asgi import application
from tests.contests.test_api import client_for, open_socket
from tests.contests.test_contest_socket import build_hall, connect, receive
from tests.processes import session_cookie
from tests.sockets import Communicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

MESSAGE = "This account has a temporary password: choose your own on the website first."


@sync_to_async
def mark(username: str) -> None:
    """As `orgs.services.member_password_reset` leaves the account, keeping its session (a reset
    also changes the password, which ends the sessions; the member then signs in with the new one:
    `reset_and_sign_in`)."""
    User.objects.filter(username=username).update(must_change_password=True)


@sync_to_async
def reset_and_sign_in(username: str) -> str:
    """The organiser `host` gives the member a temporary password; the member signs in with it:
    the new session's cookie."""
    member_password_reset(member=User.objects.get(username=username), by=User.objects.get(username="host"))
    return session_cookie(User.objects.get(username=username))


async def assert_refused(socket) -> None:
    frame = json.loads(await socket.receive_from())
    assert (frame["type"], frame["code"], frame["message"]) == ("error", "password_change_required", MESSAGE)
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4403}


@pytest.mark.parametrize(("who", "role"), [("red", "player"), ("screen", "screen"), ("host", "host")])
async def test_each_role_of_a_contest_socket_is_refused(who, role):
    hall = await build_hall()
    cookie = hall["red"][0] if who == "red" else hall[who]
    await mark({"red": "red0", "screen": "watcher", "host": "host"}[who])

    socket = await connect(hall["contest"].join_code, cookie, role, language="en")

    await assert_refused(socket)


async def test_a_member_signed_in_with_the_temporary_password_an_organiser_gave_is_refused():
    """Its pages send it to the password change and the API refuses it: a socket would have let
    whoever holds the temporary password (the organiser who set it) play as the member unseen."""
    hall = await build_hall()

    for username, role in (("red0", "player"), ("watcher", "screen")):
        socket = await connect(hall["contest"].join_code, await reset_and_sign_in(username), role, language="en")

        await assert_refused(socket)


async def test_a_player_whose_place_this_process_keeps_is_refused():
    hall = await build_hall()
    code = hall["contest"].join_code
    await sync_to_async(services.contest_start)(contest=hall["contest"], by=None)
    first = await connect(code, hall["red"][0], language="en")
    assert (await receive(first, kind="state"))["you"]["team_name"] == "红队"
    await first.disconnect()
    member_id = await sync_to_async(lambda: User.objects.get(username="red0").pk)()
    assert access.known_place(code, member_id) is not None  # signs in without a query for its place
    await mark("red0")

    again = await connect(code, hall["red"][0], language="en")

    await assert_refused(again)


async def test_the_clock_socket_is_refused():
    await build_hall()
    cookie = await reset_and_sign_in("red0")
    socket = Communicator(
        application,
        "/ws/clock/",
        headers=[(b"origin", b"http://localhost"), (b"cookie", (cookie + "; django_language=en").encode())],
    )
    connected, _ = await socket.connect()
    assert connected

    await assert_refused(socket)


async def test_a_ticket_taken_before_the_temporary_password_is_refused():
    hall = await build_hall()
    red0 = await sync_to_async(User.objects.get)(username="red0")
    api = client_for(red0)
    ticket = await sync_to_async(api.post)(f"/api/v1/contests/{hall['contest'].join_code}/ticket/", {"role": "player"})
    await mark("red0")

    socket = await open_socket(ticket.json()["url"])

    frame = json.loads(await socket.receive_from())
    assert (frame["type"], frame["code"]) == ("error", "password_change_required")
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4403}
