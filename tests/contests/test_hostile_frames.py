"""Frames a hostile client sends (found by a security test): each gets its error, the socket stays
usable, and nobody else's action is refused for it."""

import json

import pytest
from asgiref.sync import sync_to_async

from contests.models import ContestAnswer
from tests.contests.test_contest_socket import answer_frame, build_compulsory_hall, connect, receive

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.mark.parametrize(
    "poison",
    [
        {"answer_id": "p", "opening": 10**20},  # 21 digits: SQLite cannot bind it
        {"answer_id": "p\x00"},  # PostgreSQL's text cannot hold a NUL
        {"answer_id": "p", "opening": 1, "response": ["A", 2**63]},  # one past the largest 64-bit integer
    ],
)
async def test_a_value_no_field_takes_is_refused_by_its_frame_and_another_teams_answer_is_acknowledged(poison):
    contest, opening, (mallory_cookie, alice_cookie) = await build_compulsory_hall(teams=2, size=1)
    mallory, alice = await connect(contest.join_code, mallory_cookie), await connect(contest.join_code, alice_cookie)
    await receive(mallory), await receive(alice)
    frame = {"type": "answer.submit", "id": "p", "opening": opening.pk, "response": "A", **poison}
    for _ in range(3):
        await mallory.send_to(text_data=json.dumps(frame))
    await alice.send_to(text_data=answer_frame("g", opening))

    assert (await receive(alice, kind="ack"))["answer_id"] == "g"
    for _ in range(3):
        refused = await receive(mallory, kind="error")
        assert (refused["code"], refused["ref"]) == ("bad_value", "p")
    assert await sync_to_async(list)(ContestAnswer.objects.values_list("client_answer_id", flat=True)) == ["g"]
    await mallory.send_to(text_data=json.dumps({"type": "sync"}))  # still usable
    assert (await receive(mallory, kind="state"))["event"] == "snapshot"
    for socket in (mallory, alice):
        await socket.disconnect()


@pytest.mark.parametrize(
    ("depth", "code"),
    [
        (1500, "malformed_json"),  # 3,000 brackets: within 4,096 bytes, past the parser's stack (1,000 deep)
        (3000, "frame_too_large"),  # 6 KB: too large, and read for its id (at most 64 KiB), which is too deep
    ],
)
async def test_a_frame_nested_too_deep_gets_its_error_and_the_socket_stays_usable(depth, code):
    contest, _opening, (cookie,) = await build_compulsory_hall(teams=1, size=1)
    player = await connect(contest.join_code, cookie)
    await receive(player)
    await player.send_to(text_data='{"type": "sync", "id": ' + "[" * depth + "]" * depth + "}")
    refused = await receive(player)
    assert (refused["type"], refused["code"], "ref" in refused) == ("error", code, False)
    await player.send_to(text_data=json.dumps({"type": "sync"}))
    assert (await receive(player, kind="state"))["event"] == "snapshot"
    await player.disconnect()


def strict_json(text: str) -> dict:
    """A frame as a browser's JSON.parse reads it: NaN and Infinity are not JSON."""

    def not_json(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=not_json)


@pytest.mark.parametrize(
    ("frame", "code", "ref"),
    [
        ('{"type": "time.sync", "id": "t", "client_sent_at": NaN}', "malformed_json", None),
        ('{"type": "time.sync", "id": "t", "client_sent_at": 1e99999}', "malformed_json", None),  # infinity once read
        ('{"type": "time.sync", "id": "t", "client_sent_at": -Infinity}', "malformed_json", None),
        ('{"type": "no.such", "id": NaN}', "malformed_json", None),  # the id is echoed as ref
        ('{"type": "time.sync", "id": "t", "client_sent_at": "<b>now</b>"}', "bad_client_sent_at", "t"),
        ('{"type": "time.sync", "id": "t"}', "bad_client_sent_at", "t"),
        ('{"type": "time.sync", "id": "t", "client_sent_at": true}', "bad_client_sent_at", "t"),
    ],
)
async def test_a_clock_sync_without_a_finite_number_is_refused_and_nothing_sent_back_is_invalid_json(frame, code, ref):
    contest, _opening, (cookie,) = await build_compulsory_hall(teams=1, size=1)
    player = await connect(contest.join_code, cookie)
    await receive(player)
    await player.send_to(text_data=frame)
    refused = strict_json(await player.receive_from())
    assert (refused["type"], refused["code"], refused.get("ref")) == ("error", code, ref)
    await player.send_to(text_data=json.dumps({"type": "time.sync", "client_sent_at": 1764300000123.5}))
    synced = strict_json(await player.receive_from())
    assert (synced["type"], synced["client_sent_at"]) == ("time.synced", 1764300000123.5)
    await player.disconnect()
