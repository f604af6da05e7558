"""What a server process keeps of a contest (its roster, for a hall reconnecting at once) never
outlives the contest: a rehearsal thrown away (reset) lets none of its phones back in."""

import pytest
from asgiref.sync import sync_to_async

from contests import access, fanout, services
from contests.wizard import services as wizard
from orgs.models import User
from tests.contests.test_contest_socket import build_hall, connect, receive

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def rehearse(contest, *, fresh: bool = False):
    host = User.objects.get(username="host")
    rehearsal = wizard.contest_rehearse(contest=contest, by=host, fresh=fresh)
    if not fresh:
        services.contest_start(contest=rehearsal, by=host)
    return rehearsal


async def test_a_phone_of_a_rehearsal_reset_since_is_refused_not_let_into_the_thrown_away_one():
    hall = await build_hall()
    rehearsal = await rehearse(hall["contest"])
    phone = await connect(rehearsal.join_code, hall["red"][0], language="en")
    assert (await receive(phone))["contest"]["join_code"] == rehearsal.join_code
    await phone.disconnect()  # this process keeps the started rehearsal's roster now

    again = await rehearse(hall["contest"], fresh=True)  # the organiser resets the rehearsal
    assert again.join_code != rehearsal.join_code

    late = await connect(rehearsal.join_code, hall["red"][0], language="en")
    frame = await receive(late, kind="error")
    assert frame["code"] == "not_in_contest"
    assert await late.receive_output() == {"type": "websocket.close", "code": 4403}


async def test_resetting_a_rehearsal_tells_its_open_phones_and_forgets_its_roster_in_the_process():
    """The phones of a rehearsal the organiser resets are told (`contest_deleted`, in their
    language, then 4403: nothing to reconnect to), and the process keeping its roster and the
    hot state of their places forget them at once, not when a phone next signs in."""
    hall = await build_hall()
    rehearsal = await rehearse(hall["contest"])
    red, blue = hall["red"][0], hall["blue"][0]
    phones = [await connect(rehearsal.join_code, red, language="en"), await connect(rehearsal.join_code, blue)]
    for phone in phones:
        assert (await receive(phone))["contest"]["join_code"] == rehearsal.join_code
    red_id = await sync_to_async(lambda: User.objects.get(username="red0").pk)()
    assert access.known_place(rehearsal.join_code, red_id) is not None  # kept since the sign-ins
    assert fanout.hot_get(f"place:{rehearsal.join_code}:{red_id}") is not None

    await rehearse(hall["contest"], fresh=True)

    told = [await receive(phone, kind="error") for phone in phones]
    assert [(frame["code"], frame["message"]) for frame in told] == [
        (
            "contest_deleted",
            "This rehearsal has been reset: the new one has a new join code. This connection has ended.",
        ),
        ("contest_deleted", "排练已重置：新的排练有新的加入码。本连接已结束。"),
    ]
    for phone in phones:
        assert await phone.receive_output() == {"type": "websocket.close", "code": 4403}
    assert access.known_place(rehearsal.join_code, red_id) is None
    assert fanout.hot_get(f"place:{rehearsal.join_code}:{red_id}") is None


async def test_a_phone_asking_for_the_picture_just_after_the_reset_is_told_before_the_hub_is(monkeypatch):
    """The phone's `sync` (or an action) reaches its socket after the commit that deleted the
    rehearsal but before the message saying so reaches the process: the socket is told the same
    (`contest_deleted`, then 4403), not torn down by the missing contest (a 1011 the phone would
    reconnect after, to be refused as if it had never been let in)."""
    held = []
    monkeypatch.setattr(fanout, "publish_contests_gone", held.append)  # the message still on its way
    hall = await build_hall()
    rehearsal = await rehearse(hall["contest"])
    phone = await connect(rehearsal.join_code, hall["red"][0], language="en")
    assert (await receive(phone))["contest"]["join_code"] == rehearsal.join_code

    await rehearse(hall["contest"], fresh=True)
    assert [gone["code"] for gone in held[0]] == [rehearsal.join_code]
    fanout.HUB.delivered_seq.pop(rehearsal.pk, None)  # no snapshot kept to answer from
    await phone.send_json_to({"type": "sync"})

    frame = await receive(phone, kind="error")
    assert (frame["code"], frame["message"]) == (
        "contest_deleted",
        "This rehearsal has been reset: the new one has a new join code. This connection has ended.",
    )
    assert await phone.receive_output() == {"type": "websocket.close", "code": 4403}
