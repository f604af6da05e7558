"""What a server process keeps of a contest (its roster, for a hall reconnecting at once) never
outlives the contest: a rehearsal thrown away (reset) lets none of its phones back in."""

import pytest
from asgiref.sync import sync_to_async

from contests import services
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
