"""A ruling after the reveal changes the verdict every screen shows: the big screen's and the
phones' `reveal.results` are the ruled verdict, in the frame after the ruling and on reload."""

import json

import pytest
from asgiref.sync import sync_to_async

from contests import services
from contests.models import Round
from tests import factories
from tests.contests.test_contest_socket import connect, receive, until
from tests.processes import session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def build() -> dict:
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    audit = factories.unit_at("审计署", kind="organ")
    bank = factories.bank(audit)
    host = factories.organiser(audit, username="host")
    red = [factories.member(gz1, username=f"red{n}") for n in range(2)]
    blue = [factories.member(gz1, username=f"blue{n}") for n in range(2)]
    watcher = factories.member(gz1, username="watcher")
    contest = services.contest_create(title="接力赛", unit=audit, by=host)
    red_team = services.team_add(contest=contest, name="红队", unit=gz1, legs=red)
    blue_team = services.team_add(contest=contest, name="蓝队", unit=gz1, legs=blue)
    versions = [factories.question(bank, "true_false", key=[True]).current for _ in range(2)]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=versions)
    return {
        "code": contest.join_code,
        "red": str(red_team.pk),
        "blue": str(blue_team.pk),
        "host": session_cookie(host),
        "red0": session_cookie(red[0]),
        "blue0": session_cookie(blue[0]),
        "screen": session_cookie(watcher),
    }


async def command(host, ref: str, **fields) -> dict:
    await host.send_to(text_data=json.dumps({"id": ref, **fields}))
    return await until(host, lambda f: f["type"] in ("ack", "error") and f.get("ref") == ref)


async def test_a_ruling_after_the_reveal_changes_the_verdict_on_the_big_screen_and_phones_live_and_on_reload():
    hall = await build()
    code = hall["code"]
    host = await connect(code, hall["host"], "host")
    screen = await connect(code, hall["screen"], "screen")
    red0, blue0 = await connect(code, hall["red0"]), await connect(code, hall["blue0"])
    for socket in (host, screen, red0, blue0):
        await receive(socket)
    assert (await command(host, "s", type="host.start"))["type"] == "ack"
    assert (await command(host, "o", type="host.open"))["type"] == "ack"
    opened = await until(red0, lambda f: f.get("event") == "question.opened")
    opening = opened["question"]["opening"]
    # Red answers 对 (right by the key), blue 错 (wrong).
    for phone, response in ((red0, True), (blue0, False)):
        answer = {"type": "answer.submit", "id": "a", "opening": opening, "response": response}
        await phone.send_to(text_data=json.dumps({**answer, "answer_id": f"x{response}"}))
        assert (await until(phone, lambda f: f.get("ref") == "a"))["type"] == "ack"
    await host.send_to(text_data=json.dumps({"id": "r", "type": "host.reveal"}))
    revealed = await until(host, lambda f: f.get("event") == "question.revealed")
    assert revealed["question"]["reveal"]["results"] == {hall["red"]: True, hall["blue"]: False}
    red_answer = next(a["id"] for a in revealed["question"]["answers"] if str(a["team"]) == hall["red"])

    await host.send_to(
        text_data=json.dumps(
            {"id": "w", "type": "host.override", "answer": red_answer, "correct": False, "reason": "读题超时"}
        )
    )
    # Both now wrong: the frame after the ruling says so to the screen and to red's phone.
    after = {hall["red"]: False, hall["blue"]: False}
    for socket in (screen, red0):
        frame = await until(socket, lambda f: f.get("event") == "scoreboard")
        assert frame["question"]["reveal"]["results"] == after
    for socket, role, cookie in ((screen, "screen", hall["screen"]), (red0, "player", hall["red0"])):
        await socket.disconnect()
        again = await connect(code, cookie, role)
        assert (await receive(again))["question"]["reveal"]["results"] == after
        await again.disconnect()
    await host.disconnect()
    await blue0.disconnect()
