"""The speech night's socket through the real ASGI stack: a host, a big screen and five judges;
scores arriving on the screen, the lock revealing the final with the extremes struck out, a judge
reconnecting mid-speaker, bad frames and people who may not join."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from calls.live.models import Night, NightScore, NightSpeaker
from contests import fanout
from orgs.models import User
from quizsite.asgi import application
from tests import factories
from tests.processes import session_cookie
from tests.sockets import FRAME_WAIT_S, Communicator

from .night import speech_night

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def build():
    tree = factories.org_tree()
    setup = speech_night(tree)
    criteria = list(setup["call"].criteria.order_by("position").values_list("pk", flat=True))
    screen_member = factories.member(tree["gz1"], username="watcher")
    return {
        **setup,
        "criteria": [str(pk) for pk in criteria],
        "cookies": {
            "host": session_cookie(setup["host"]),
            "judges": [session_cookie(judge) for judge in setup["judges"]],
            "outsider": session_cookie(setup["outsider"]),
            "screen": session_cookie(screen_member),
        },
        "screen_member": screen_member,
    }


async def connect(call_id: int, cookie: str, role: str):
    socket = Communicator(
        application,
        f"/ws/nights/{call_id}/?role={role}",
        headers=[(b"origin", b"http://localhost"), (b"cookie", cookie.encode())],
    )
    connected, _ = await socket.connect()
    assert connected
    return socket


async def until(socket, predicate, timeout: float = FRAME_WAIT_S) -> dict:
    async def wait():
        while True:
            frame = json.loads(await socket.receive_from(timeout=timeout))
            if predicate(frame):
                return frame

    return await asyncio.wait_for(wait(), timeout)


def event(name):
    return lambda frame: frame.get("event") == name


async def command(host, kind: str, **fields) -> dict:
    await host.send_to(text_data=json.dumps({"type": kind, "id": kind, **fields}))
    reply = await until(host, lambda f: f["type"] in ("ack", "error") and f.get("ref") == kind)
    assert reply["type"] == "ack", reply
    return reply


async def submit(judge, setup, speaker: int, content, delivery, score_id: str) -> dict:
    frame = {
        "type": "score.submit",
        "id": score_id,
        "score_id": score_id,
        "speaker": speaker,
        "scores": {setup["criteria"][0]: content, setup["criteria"][1]: delivery},
    }
    await judge.send_to(text_data=json.dumps(frame))
    return await until(judge, lambda f: f["type"] in ("ack", "error") and f.get("ref") == score_id)


async def test_a_speaker_from_call_to_revealed_final_with_a_judge_reconnecting():
    setup = await build()
    call_id, cookies = setup["call"].pk, setup["cookies"]
    host = await connect(call_id, cookies["host"], "host")
    screen = await connect(call_id, cookies["screen"], "screen")
    judges = [await connect(call_id, cookie, "judge") for cookie in cookies["judges"]]
    first = await until(judges[0], event("snapshot"))
    assert first["type"] == "night.state" and first["you"]["seat"] == 1 and first["night"]["status"] == "draft"
    assert first["entrants"] == 3 and first["speakers"] == []
    for socket in (host, screen, *judges[1:]):
        await until(socket, event("snapshot"))

    await command(host, "night.draw", seed="hall-A")
    drawn = await until(screen, event("order.drawn"))
    assert drawn["night"]["seed"] == "hall-A" and [s["position"] for s in drawn["speakers"]] == [1, 2, 3]
    order = [s["name"] for s in drawn["speakers"]]
    # Lock speakers until the Beijing one (no judge conflicted with him) is on stage.
    while True:
        await command(host, "night.call")
        called = await until(screen, event("speaker.called"))
        await command(host, "night.open")
        opened = await until(judges[0], event("scoring.opened"))
        if called["current"]["name"] == "李讲":
            break
        await command(host, "night.lock")
    speaker = opened["current"]["speaker"]
    assert opened["current"]["phase"] == "scoring" and opened["current"]["deadline_at"]
    assert opened["current"]["position"] == order.index("李讲") + 1

    scores = [(90, 80), (85, 95), (70, 60), (95, 100), (88, 84)]  # 86, 89, 66, 97, 86.4
    for seat, (content, delivery) in enumerate(scores[:2], start=1):
        ack = await submit(judges[seat - 1], setup, speaker, content, delivery, f"s{seat}")
        assert ack["type"] == "ack" and ack["score_id"] == f"s{seat}" and ack["repeat"] is False
    arrived = await until(screen, lambda f: f.get("event") == "score.received" and len(f["current"]["scores"]) == 2)
    assert arrived["current"]["scores"] == [{"seat": 1, "value": "86.00"}, {"seat": 2, "value": "89.00"}]
    assert arrived["current"]["final"] is None

    # Judge 3 loses the connection mid-speaker and comes back: the snapshot has the speaker on
    # stage, the open window, and the judge's own score to correct.
    await submit(judges[2], setup, speaker, 50, 50, "s3-first")
    await judges[2].disconnect()
    judges[2] = await connect(call_id, cookies["judges"][2], "judge")
    snapshot = await until(judges[2], event("snapshot"))
    assert snapshot["current"]["speaker"] == speaker and snapshot["current"]["phase"] == "scoring"
    assert snapshot["you"]["score"]["values"] == {setup["criteria"][0]: "50.00", setup["criteria"][1]: "50.00"}
    assert snapshot["current"]["scores"] == []  # a judge sees no other judge's score before the lock
    assert (await submit(judges[2], setup, speaker, 70, 60, "s3-fixed"))["total"] == "66.00"
    for seat in (4, 5):
        await submit(judges[seat - 1], setup, speaker, *scores[seat - 1], f"s{seat}")

    await command(host, "night.lock")
    revealed = await until(screen, event("speaker.revealed"))
    # (86.00 + 89.00 + 86.40) / 3 = 87.13; 66.00 and 97.00 struck out
    assert revealed["current"]["final"] == "87.13"
    assert [(s["seat"], s["value"], s["dropped"]) for s in revealed["current"]["scores"]] == [
        (1, "86.00", False),
        (2, "89.00", False),
        (3, "66.00", True),
        (4, "97.00", True),
        (5, "86.40", False),
    ]
    on_phone = await until(judges[0], event("speaker.revealed"))
    assert on_phone["current"]["final"] == "87.13"

    late = await submit(judges[0], setup, speaker, 100, 100, "late")
    assert late["type"] == "error" and late["code"] == "locked"
    await command(host, "night.board")
    board = await until(screen, event("board.shown"))
    assert board["night"]["stage"] == "board" and board["board"][0]["name"] == "李讲"
    assert await sync_to_async(NightScore.objects.count)() == 6  # five judges, one correction
    for socket in (host, screen, *judges):
        await socket.disconnect()


async def test_bad_frames_are_refused_with_a_reason_and_the_socket_stays_usable():
    setup = await build()
    call_id, cookies = setup["call"].pk, setup["cookies"]
    host = await connect(call_id, cookies["host"], "host")
    judge = await connect(call_id, cookies["judges"][0], "judge")
    conflicted = await connect(call_id, cookies["judges"][4], "judge")
    screen = await connect(call_id, cookies["screen"], "screen")
    for socket in (host, judge, conflicted, screen):
        await until(socket, event("snapshot"))
    await command(host, "night.draw", seed="x")
    while True:  # to a Guangzhou speaker, whom judge 5 (of the Guangzhou office) may not score
        await command(host, "night.call")
        await command(host, "night.open")
        state = await until(judge, event("scoring.opened"))
        if state["current"]["conflicted"] == [5]:
            break
        await command(host, "night.lock")
    speaker = state["current"]["speaker"]

    await judge.send_to(text_data=json.dumps({"type": "night.lock", "id": "j1"}))
    refused = await until(judge, lambda f: f["type"] == "error")
    assert refused["code"] == "unknown_type" and refused["ref"] == "j1"
    await screen.send_to(text_data=json.dumps({"type": "score.submit", "id": "sc"}))
    assert (await until(screen, lambda f: f["type"] == "error"))["code"] == "unknown_type"
    await judge.send_to(text_data="{not json")
    assert (await until(judge, lambda f: f["type"] == "error"))["code"] == "malformed_json"
    assert (await submit(judge, setup, speaker, 101, 50, "a"))["code"] == "out_of_range"
    assert (await submit(judge, setup, speaker, "abc", 50, "b"))["code"] == "bad_score"
    assert (await submit(judge, setup, speaker + 1000, 50, 50, "c"))["code"] == "not_current_speaker"
    twice = [await submit(judge, setup, speaker, 80, 80, "same") for _ in range(2)]
    assert [reply["repeat"] for reply in twice] == [False, True]
    assert (await submit(conflicted, setup, speaker, 80, 80, "d"))["code"] == "conflicted"
    assert await sync_to_async(NightScore.objects.count)() == 1
    for socket in (host, judge, conflicted, screen):
        await socket.disconnect()


async def reply_to(host, frame: dict) -> dict:
    await host.send_to(text_data=json.dumps(frame))
    return await until(host, lambda f: f["type"] in ("ack", "error") and f.get("ref") == frame["id"])


async def test_a_night_command_sent_again_with_its_command_id_is_answered_with_its_first_result_once():
    setup = await build()
    call_id, cookies = setup["call"].pk, setup["cookies"]
    host = await connect(call_id, cookies["host"], "host")
    await until(host, event("snapshot"))
    await command(host, "night.draw", seed="hall-A", command_id="d-1")
    call = {"type": "night.call", "command_id": "c-1"}
    first = await reply_to(host, {**call, "id": "h1"})
    assert (first["type"], first["action"], first["command_id"], first["repeat"]) == ("ack", "night.call", "c-1", False)
    await command(host, "night.open", command_id="o-1")
    await command(host, "night.lock", command_id="l-1")

    # The call again after the lock (a frame re-sent after a dropped connection, on a new
    # socket): carried out again it would bring the second speaker on stage.
    await host.disconnect()
    host = await connect(call_id, cookies["host"], "host")
    await until(host, event("snapshot"))
    second = await reply_to(host, {**call, "id": "h2"})
    assert (second["type"], second["command_id"], second["repeat"]) == ("ack", "c-1", True)
    called = await sync_to_async(list)(NightSpeaker.objects.filter(called_at__isnull=False).values_list("position"))
    assert called == [(1,)]

    # A refused command's repeat gets the same refusal, even once it could be carried out.
    finish = {"type": "night.finish", "command_id": "f-1"}
    assert (await reply_to(host, {**finish, "id": "h3"}))["code"] == "speakers_left"
    for _position in (2, 3):
        await command(host, "night.call")
        await command(host, "night.open")
        await command(host, "night.lock")
    assert (await reply_to(host, {**finish, "id": "h4"}))["code"] == "speakers_left"
    assert (await sync_to_async(Night.objects.get)(pk=setup["night"].pk)).finished_at is None

    for ref, frame, code in [
        ("h5", {"type": "night.board", "command_id": "c-1"}, "command_id_taken"),
        ("h6", {"type": "night.board", "command_id": ""}, "bad_command_id"),
        ("h7", {"type": "night.board", "command_id": 7}, "bad_command_id"),
    ]:
        assert (await reply_to(host, {**frame, "id": ref}))["code"] == code
    assert (await sync_to_async(Night.objects.get)(pk=setup["night"].pk)).stage != Night.Stage.BOARD

    # Without a command id (clients before protocol 8) a command is carried out each time.
    for ref in ("h8", "h9"):
        assert "repeat" not in await reply_to(host, {"type": "night.board", "id": ref})
        assert (await until(host, event("board.shown")))["night"]["stage"] == "board"
    await host.disconnect()


@pytest.mark.parametrize(
    ("who", "role", "code"),
    [("outsider", "judge", "not_judge"), ("outsider", "screen", "not_in_audience"), ("screen", "host", "not_host")],
)
async def test_people_who_may_not_join_are_refused_with_a_reason(who, role, code):
    setup = await build()
    socket = await connect(setup["call"].pk, setup["cookies"][who], role)
    refused = json.loads(await socket.receive_from())
    assert refused["type"] == "error" and refused["code"] == code
    assert (await socket.receive_output())["code"] == 4403


async def test_an_anonymous_socket_is_closed_with_4401():
    setup = await build()
    socket = Communicator(
        application, f"/ws/nights/{setup['call'].pk}/?role=screen", headers=[(b"origin", b"http://localhost")]
    )
    await socket.connect()
    assert (await socket.receive_output())["code"] == 4401


async def test_a_judge_account_still_on_its_printed_password_is_refused_until_it_chooses_its_own():
    """As on its pages and in the API: whoever holds the printed password (the organiser who
    printed it) must not score on the judge's behalf without the judge ever choosing one."""
    setup = await build()

    @sync_to_async
    def printed_judge() -> str:
        from calls import judges

        account, _password = judges.judge_account_create(by=setup["host"], unit=setup["call"].unit, name="外聘评委")
        setup["night"].panel.judges.add(account.user)
        return session_cookie(account.user)

    socket = await connect(setup["call"].pk, await printed_judge(), "judge")
    refused = json.loads(await socket.receive_from())
    assert (refused["type"], refused["code"]) == ("error", "password_change_required")
    assert (await socket.receive_output())["code"] == 4403


async def test_a_judge_or_screen_with_a_temporary_password_to_replace_is_refused():
    setup = await build()
    judge = setup["judges"][0]
    await sync_to_async(User.objects.filter(pk__in=[judge.pk, setup["screen_member"].pk]).update)(
        must_change_password=True
    )

    for cookie, role in ((setup["cookies"]["judges"][0], "judge"), (setup["cookies"]["screen"], "screen")):
        socket = await connect(setup["call"].pk, cookie + "; django_language=en", role)
        refused = json.loads(await socket.receive_from())
        assert (refused["type"], refused["code"]) == ("error", "password_change_required")
        assert "temporary password" in refused["message"]
        assert (await socket.receive_output())["code"] == 4403


async def test_a_new_printed_password_closes_the_judges_open_night_socket_and_no_other():
    """An organiser reprints a judge-only account's password: the sign-in its phone holds ends
    (docs/protocol.md, "A sign-in that ends"); the other judges go on scoring."""
    setup = await build()

    @sync_to_async
    def judge_who_chose_a_password():
        from calls import judges

        account, _printed = judges.judge_account_create(by=setup["host"], unit=setup["call"].unit, name="外聘评委")
        account.user.set_password("their-own-horse-battery-3")
        account.user.save(update_fields=["password", "must_change_password"])
        setup["night"].panel.judges.add(account.user)
        return account, session_cookie(account.user)

    account, cookie = await judge_who_chose_a_password()
    judge = await connect(setup["call"].pk, cookie + "; django_language=en", "judge")
    other = await connect(setup["call"].pk, setup["cookies"]["judges"][0], "judge")
    for socket in (judge, other):
        await until(socket, event("snapshot"))
    if settings.REDIS_URL:  # this process's subscription is in place: the ending reaches it
        await asyncio.wait_for(fanout.HUB.subscribed.wait(), FRAME_WAIT_S)

    from calls import judges

    await sync_to_async(judges.judge_account_reset)(account=account, by=setup["host"])

    ended = await until(judge, lambda f: f["type"] == "error")
    assert (ended["code"], ended["message"]) == (
        "password_reset",
        "An organiser set a temporary password for this account; sign in with it to continue.",
    )
    assert await judge.receive_output() == {"type": "websocket.close", "code": 4401}
    await other.send_to(text_data=json.dumps({"type": "time.sync", "client_sent_at": 7}))
    assert (await until(other, lambda f: f["type"] == "time.synced"))["client_sent_at"] == 7
    await other.disconnect()
