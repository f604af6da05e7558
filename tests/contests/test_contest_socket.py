"""The contest socket through the real ASGI stack: roles, actions, broadcasts and bad input."""

import asyncio
import json
import re
import threading

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import OperationalError

from contests import broadcast, consumers, fanout, presenters, services
from contests.consumers import ContestConsumer
from contests.models import Contest, ContestAnswer, Round, ScoreEvent
from orgs.models import User
from quizsite.asgi import application
from tests import factories
from tests.processes import session_cookie
from tests.sockets import FRAME_WAIT_S, Communicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def build_hall():
    tree = {
        "audit": factories.unit_at("审计署", kind="organ"),
        "gz": factories.unit_at("审计署/广州特派办", kind="office"),
        "gz1": factories.unit_at("审计署/广州特派办/第一党支部"),
        "mof": factories.unit_at("财政部", kind="organ"),
    }
    bank = factories.bank(tree["audit"])
    host = factories.organiser(tree["audit"], username="host")
    red = [factories.member(tree["gz1"], username=f"red{n}") for n in range(2)]
    blue = [factories.member(tree["gz1"], username=f"blue{n}") for n in range(2)]
    outsider = factories.member(tree["mof"], username="outsider")
    contest = services.contest_create(title="知识竞赛", unit=tree["audit"], by=host)
    services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=red)
    services.team_add(contest=contest, name="蓝队", unit=tree["gz"], legs=blue)
    versions = [factories.question(bank, "single", key=["A"]).current for _ in range(2)]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=versions)
    return {
        "contest": contest,
        "host": session_cookie(host),
        "red": [session_cookie(m) for m in red],
        "blue": [session_cookie(m) for m in blue],
        "outsider": session_cookie(outsider),
        "screen": session_cookie(factories.member(tree["gz1"], username="watcher")),
    }


async def connect(code: str, cookie: str, role: str = "player", language: str = ""):
    if language:  # as the site's language switch leaves it
        cookie += f"; {settings.LANGUAGE_COOKIE_NAME}={language}"
    socket = Communicator(
        application,
        f"/ws/contests/{code}/?role={role}",
        headers=[(b"origin", b"http://localhost"), (b"cookie", cookie.encode())],
    )
    connected, _ = await socket.connect()
    assert connected
    return socket


async def receive(socket, *, kind: str | None = None, timeout: float = FRAME_WAIT_S) -> dict:
    """The next frame (of `kind`, skipping others)."""
    while True:
        frame = json.loads(await socket.receive_from(timeout=timeout))
        if kind is None or frame["type"] == kind:
            return frame


async def until(socket, predicate, timeout: float = FRAME_WAIT_S) -> dict:
    async def wait():
        while True:
            frame = json.loads(await socket.receive_from(timeout=timeout))
            if predicate(frame):
                return frame

    return await asyncio.wait_for(wait(), timeout)


async def delivered(contest_id: int, seq: int, timeout: float = FRAME_WAIT_S) -> None:
    """Until this process's hub has delivered the contest's frame `seq` (to its sockets, or to
    the backlog of a socket whose snapshot is on the way)."""

    async def wait():
        while fanout.HUB.delivered_seq.get(contest_id, 0) < seq:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), timeout)


async def test_a_relay_question_from_open_to_reveal_over_sockets():
    hall = await build_hall()
    code = hall["contest"].join_code
    host = await connect(code, hall["host"], "host")
    screen = await connect(code, hall["screen"], "screen")
    red0 = await connect(code, hall["red"][0])
    red1 = await connect(code, hall["red"][1])
    assert (await receive(host))["type"] == "host.state"
    snapshot = await receive(red0)
    assert snapshot["type"] == "state" and snapshot["you"]["team_name"] == "红队" and snapshot["you"]["leg"] == 1
    await receive(red1), await receive(screen)

    await host.send_to(text_data=json.dumps({"type": "host.start", "id": "h1"}))
    assert (await receive(host, kind="ack"))["ref"] == "h1"
    await host.send_to(text_data=json.dumps({"type": "host.open", "id": "h2"}))
    opened = await until(red0, lambda f: f.get("event") == "question.opened")
    question = opened["question"]
    assert question["phase"] == "open" and question["deadline_at"] and "key" not in json.dumps(opened)
    assert question["round"]["time_limit_s"] == 20 and question["round"]["early_buzz_penalty"] == 5
    frames_before_reveal = [opened, await until(screen, lambda f: f.get("event") == "question.opened")]

    # The second leg's member may not answer the first question.
    await red1.send_to(
        text_data=json.dumps(
            {"type": "answer.submit", "id": "c1", "answer_id": "r1-1", "opening": question["opening"], "response": "A"}
        )
    )
    error = await receive(red1, kind="error")
    assert error["code"] == "leg_not_yours" and error["ref"] == "c1"

    await red0.send_to(
        text_data=json.dumps(
            {"type": "answer.submit", "id": "c2", "answer_id": "r0-1", "opening": question["opening"], "response": "A"}
        )
    )
    ack = await receive(red0, kind="ack")
    assert ack["ref"] == "c2" and ack["answer_id"] == "r0-1"
    await red0.send_to(
        text_data=json.dumps(
            {"type": "answer.submit", "id": "c3", "answer_id": "r0-1", "opening": question["opening"], "response": "A"}
        )
    )
    assert (await receive(red0, kind="ack"))["answer_id"] == "r0-1"  # a retry is acknowledged, not counted twice
    # The host's frame of the start (no question yet) may arrive after the start's acknowledgement
    # (the broadcast and the reply are separate writes, in no promised order): skipped here.
    on_host = await until(host, lambda f: f["type"] == "host.state" and (f["question"] or {}).get("answers"))
    assert on_host["question"]["answers"][0]["member"] == snapshot["you"]["member"]  # an id, as in `you`
    assert on_host["question"]["answers"][0]["name"] == snapshot["you"]["legs"][0]["name"]
    progress = await until(screen, lambda f: f.get("event") == "answer.received")
    frames_before_reveal.append(progress)
    assert progress["question"]["answered"] and "key" not in json.dumps(progress)

    await host.send_to(text_data=json.dumps({"type": "host.reveal", "id": "h3"}))
    revealed = await until(red1, lambda f: f.get("event") == "question.revealed")
    assert revealed["question"]["reveal"]["key"] == ["A"]
    assert next(t for t in revealed["teams"] if t["name"] == "红队")["score"] == 110
    assert all("reveal" not in f["question"] for f in frames_before_reveal)
    assert await sync_to_async(ContestAnswer.objects.count)() == 1
    for socket in (host, screen, red0, red1):
        await socket.disconnect()


async def test_players_cannot_send_host_commands_and_bad_frames_leave_the_socket_usable():
    hall = await build_hall()
    red0 = await connect(hall["contest"].join_code, hall["red"][0])
    await receive(red0)
    for frame, code, ref in [
        ('{"type": "host.open", "id": "h1"}', "unknown_type", "h1"),
        ('{"type": 7, "id": 8}', "missing_type", 8),
        ("{nope", "malformed_json", None),
        (
            json.dumps({"type": "answer.submit", "answer_id": "x", "response": "A", "pad": "x" * 5000, "id": "big"}),
            "frame_too_large",
            "big",
        ),
        (json.dumps({"type": "answer.submit", "id": "a1", "response": "A"}), "bad_answer_id", "a1"),
        (json.dumps({"type": "answer.submit", "id": "a2", "answer_id": "x", "response": "A"}), "not_running", "a2"),
    ]:
        await red0.send_to(text_data=frame)
        error = await receive(red0, kind="error")
        assert (error["code"], error.get("ref")) == (code, ref)
    await red0.send_to(text_data=json.dumps({"type": "sync"}))
    assert (await receive(red0))["event"] == "snapshot"
    await red0.disconnect()


def frames_not_refilled(monkeypatch) -> None:
    """A socket's budget of frames is its burst, with nothing added as time passes: a flood of 40
    frames read in over three seconds (a busy machine) was given room for all 40."""
    monkeypatch.setattr(consumers, "RATE_PER_SECOND", 0)


async def test_a_flood_of_frames_is_rate_limited_and_each_refusal_names_its_frame(monkeypatch):
    frames_not_refilled(monkeypatch)
    hall = await build_hall()
    red0 = await connect(hall["contest"].join_code, hall["red"][0])
    await receive(red0)
    for number in range(40):
        await red0.send_to(text_data=json.dumps({"type": "time.sync", "id": number, "client_sent_at": 1}))
    replies = [json.loads(await red0.receive_from()) for _ in range(40)]
    limited = [reply for reply in replies if reply.get("code") == "rate_limited"]
    # The first RATE_BURST (16) frames are taken; each one after is refused, naming its frame.
    assert [reply["ref"] for reply in limited] == list(range(consumers.RATE_BURST, 40))
    await red0.disconnect()


@pytest.mark.parametrize(
    ("who", "role", "code"),
    [("outsider", "player", "not_in_contest"), ("outsider", "screen", "not_in_audience"), ("red", "host", "not_host")],
)
async def test_wrong_people_are_refused_with_a_reason(who, role, code):
    hall = await build_hall()
    cookie = hall[who][0] if isinstance(hall[who], list) else hall[who]
    socket = Communicator(
        application,
        f"/ws/contests/{hall['contest'].join_code}/?role={role}",
        headers=[(b"origin", b"http://localhost"), (b"cookie", cookie.encode())],
    )
    await socket.connect()
    assert (await receive(socket))["code"] == code
    assert (await socket.receive_output())["type"] == "websocket.close"


async def test_a_guessed_code_gets_the_same_refusal_as_a_contest_one_is_not_on():
    hall = await build_hall()
    other = await sync_to_async(services.contest_create)(title="别的竞赛", unit=hall["contest"].unit)
    refusals = []
    for code in ("ZZZZZZ", other.join_code):
        socket = await connect(code, hall["red"][0])
        refusal = await receive(socket)
        refusals.append((refusal["code"], refusal["message"]))
        assert (await socket.receive_output())["code"] == 4403
    assert refusals[0] == refusals[1] and refusals[0][0] == "not_in_contest"


async def test_after_ten_refused_codes_every_code_is_refused_but_a_teams_own_players_still_join():
    hall = await build_hall()
    code = hall["contest"].join_code

    async def refusal(code: str, cookie: str, role: str = "player") -> str:
        socket = await connect(code, cookie, role)
        frame = await receive(socket)
        assert (await socket.receive_output())["code"] == 4403
        return frame["code"]

    for guess in range(9):
        assert await refusal(f"ZZZZ{guess:02d}", hall["screen"]) == "not_in_contest"
    screen = await connect(code, hall["screen"], "screen")  # the right code, within the limit
    assert (await receive(screen))["event"] == "snapshot"
    await screen.disconnect()
    assert await refusal("ZZZZ09", hall["screen"]) == "not_in_contest"  # the tenth refusal

    assert await refusal("ZZZZ10", hall["screen"]) == "too_many_attempts"
    assert await refusal(code, hall["screen"], "screen") == "too_many_attempts"  # the right code too
    for guess in range(10):
        await refusal(f"YYYY{guess:02d}", hall["red"][0])
    player = await connect(code, hall["red"][0])  # on a team of this contest: not guessing
    assert (await receive(player))["you"]["team_name"] == "红队"
    await player.disconnect()


async def test_a_socket_without_a_signed_in_session_is_accepted_then_closed_with_4401():
    hall = await build_hall()
    anonymous = Communicator(
        application, f"/ws/contests/{hall['contest'].join_code}/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _subprotocol = await anonymous.connect()
    assert connected  # over a real server: not an HTTP 403, which a browser sees as close code 1006
    assert await anonymous.receive_output() == {"type": "websocket.close", "code": 4401}


async def test_a_socket_from_another_origin_or_with_no_origin_is_refused_at_the_handshake():
    hall = await build_hall()
    for headers in ([(b"origin", b"http://evil.example")], []):
        socket = Communicator(
            application,
            f"/ws/contests/{hall['contest'].join_code}/",
            headers=[*headers, (b"cookie", hall["red"][0].encode())],
        )
        connected, _code = await socket.connect()
        assert not connected


@sync_to_async
def build_compulsory_hall(teams: int, size: int, question_type: str = "single"):
    """`teams` teams of `size` members in a compulsory round, started and with the question open."""
    audit = factories.unit_at("审计署", kind="organ")
    host = factories.organiser(audit, username="host")
    contest = services.contest_create(title="必答赛", unit=audit, by=host)
    players = []
    for team in range(teams):
        legs = [factories.member(audit, username=f"t{team}m{n}") for n in range(size)]
        services.team_add(contest=contest, name=f"队{team}", unit=audit, legs=legs)
        players += legs
    bank = factories.bank(audit)
    services.round_add(
        contest=contest, type=Round.Type.COMPULSORY, versions=[factories.question(bank, question_type).current]
    )
    services.contest_start(contest=contest, by=host)
    opening = services.question_open(contest=contest, by=host)
    return contest, opening, [session_cookie(m) for m in players]


def answer_frame(ref: str, opening, response="A") -> str:
    return json.dumps(
        {"type": "answer.submit", "id": ref, "answer_id": ref, "opening": opening.pk, "response": response}
    )


async def test_a_hall_answering_at_once_is_written_in_batches_and_every_answer_is_acknowledged(monkeypatch):
    contest, opening, cookies = await build_compulsory_hall(teams=6, size=3)
    batches = []
    record = services.answers_submit

    def counted(**kwargs):
        batches.append(len(kwargs["submissions"]))
        return record(**kwargs)

    monkeypatch.setattr(services, "answers_submit", counted)
    sockets = [await connect(contest.join_code, cookie) for cookie in cookies]
    for socket in sockets:
        await receive(socket)
    for number, socket in enumerate(sockets):
        await socket.send_to(text_data=answer_frame(f"a{number}", opening))
    replies = [await until(socket, lambda f: f["type"] in ("ack", "error")) for socket in sockets]

    assert sum(batches) == len(sockets) and len(batches) < len(sockets)  # fewer writes than answers
    assert [r["type"] for r in replies].count("ack") == 6  # the first of each team's three
    assert {r["code"] for r in replies if r["type"] == "error"} == {"already_answered"}
    assert await sync_to_async(ContestAnswer.objects.filter(opening=opening).count)() == 6
    for socket in sockets:
        await socket.disconnect()


async def test_an_answer_the_server_could_not_store_is_refused_as_unavailable_and_counts_once_resent(monkeypatch):
    contest, opening, cookies = await build_compulsory_hall(teams=1, size=1)
    record = services.answers_submit
    failures = iter([True])

    def failing_once(**kwargs):
        if next(failures, False):
            raise OperationalError("the database went away")
        return record(**kwargs)

    monkeypatch.setattr(services, "answers_submit", failing_once)
    player = await connect(contest.join_code, cookies[0])
    await receive(player)
    await player.send_to(text_data=answer_frame("only", opening))
    refused = await receive(player, kind="error")
    assert refused["code"] == "unavailable" and refused["ref"] == "only"
    assert not await sync_to_async(ContestAnswer.objects.exists)()
    await player.send_to(text_data=answer_frame("only", opening))
    assert (await receive(player, kind="ack"))["answer_id"] == "only"
    closed = await until(player, lambda f: f.get("event") == "question.closed")  # the one team has answered
    assert len(closed["question"]["answered"]) == 1
    await player.send_to(text_data=json.dumps({"type": "sync"}))  # the socket is still usable
    assert (await receive(player, kind="state"))["question"]["phase"] == "closed"
    assert await sync_to_async(ContestAnswer.objects.count)() == 1
    await player.disconnect()


async def test_phones_get_the_top_of_the_board_their_standing_and_their_relay_order_screens_everything():
    hall = await build_hall()
    code = hall["contest"].join_code
    host = await connect(code, hall["host"], "host")
    screen = await connect(code, hall["screen"], "screen")
    red1 = await connect(code, hall["red"][1])
    await receive(host), await receive(screen)
    snapshot = await receive(red1)
    assert [leg["member"] for leg in snapshot["you"]["legs"]] == [
        snapshot["you"]["member"] - 1,
        snapshot["you"]["member"],
    ]

    await host.send_to(text_data=json.dumps({"type": "host.start", "id": "s"}))
    started = await until(red1, lambda f: f.get("event") == "contest.started")
    await host.send_to(text_data=json.dumps({"type": "host.open", "id": "o"}))
    on_phone = await until(red1, lambda f: f.get("event") == "question.opened")
    on_screen = await until(screen, lambda f: f.get("event") == "question.opened")

    assert "baton" not in on_phone["question"] and len(on_screen["question"]["baton"]) == 2
    assert [row[0] for row in started["standings"]] == [team["id"] for team in on_screen["teams"]]
    assert "standings" not in on_screen
    # Opening a question changes no score: the phone keeps its board, the screen gets it again.
    assert "teams" not in on_phone and "standings" not in on_phone
    assert len(on_screen["teams"]) == 2
    # The phone works the baton out as the server does: question 1 goes to the first leg.
    holder = snapshot["you"]["legs"][(on_phone["question"]["position"] - 1) % len(snapshot["you"]["legs"])]
    assert on_screen["question"]["baton"][str(snapshot["you"]["team"])]["member"] == holder["member"]
    for socket in (host, screen, red1):
        await socket.disconnect()


async def test_players_of_a_started_contest_sign_in_from_the_hot_state_and_of_a_draft_from_the_database():
    hall = await build_hall()
    contest = hall["contest"]
    red0 = await sync_to_async(User.objects.get)(username="red0")
    key = f"place:{contest.join_code}:{red0.pk}"

    before_start = await connect(contest.join_code, hall["red"][0])
    assert (await receive(before_start))["you"]["team_name"] == "红队"
    await before_start.disconnect()
    assert fanout.hot_get(key) is None  # a roster may still change before the start

    await sync_to_async(services.contest_start)(contest=contest, by=None)
    assert fanout.hot_get(key).team.name == "红队"  # every place is kept from the start on
    again = await connect(contest.join_code, hall["red"][0])  # from the hot state
    snapshot = await receive(again)
    assert snapshot["you"]["team_name"] == "红队" and snapshot["contest"]["status"] == "running"
    await again.disconnect()


async def test_frames_delivered_while_a_sockets_snapshot_is_built_follow_the_snapshot(monkeypatch):
    hall = await build_hall()
    contest = hall["contest"]
    built, release = threading.Event(), threading.Event()
    real = ContestConsumer._snapshot

    def slow_snapshot(consumer):  # the snapshot of the draft, sent only once the start went out
        text = real(consumer)
        built.set()
        release.wait(FRAME_WAIT_S)
        return text

    monkeypatch.setattr(ContestConsumer, "_snapshot", slow_snapshot)
    monkeypatch.setattr(ContestConsumer, "_cached_snapshot", lambda consumer: None)
    player = await connect(contest.join_code, hall["red"][0])
    assert await sync_to_async(built.wait)(FRAME_WAIT_S)  # so the process's subscription is in place
    await sync_to_async(services.contest_start)(contest=contest, by=None)
    started = await sync_to_async(Contest.objects.values_list("seq", flat=True).get)(pk=contest.pk)
    await delivered(contest.pk, started)  # the start frame has reached this process's hub
    release.set()

    first, second = await receive(player), await receive(player)
    assert (first["event"], first["contest"]["status"]) == ("snapshot", "draft")
    assert second["event"] == "contest.started" and second["seq"] > first["seq"]
    await player.disconnect()


REDIS_ONLY = pytest.mark.skipif(not settings.REDIS_URL, reason="without Redis, a process delivers its frames itself")


def subscription_held_back(monkeypatch) -> asyncio.Event:
    """Hold this process's subscription to every process's frames back until the returned event
    is set (a freshly started process subscribes as its first socket joins)."""
    subscribing, real = asyncio.Event(), fanout.Hub._subscribe

    async def late_subscription(hub):
        await subscribing.wait()
        await real(hub)

    monkeypatch.setattr(fanout.Hub, "_subscribe", late_subscription)
    return subscribing


@REDIS_ONLY
async def test_the_first_socket_of_a_process_is_sent_its_snapshot_once_the_process_hears_every_frame(monkeypatch):
    # Its snapshot was read at once: a start published before the subscription was in place
    # reached neither, and the big screen stayed on the draft (a hall test, under load).
    hall = await build_hall()
    contest = hall["contest"]
    subscribing, real_listening = subscription_held_back(monkeypatch), fanout.Hub.listening

    async def listening(hub):  # the socket waits for the subscription: let it come now
        subscribing.set()
        return await real_listening(hub)

    monkeypatch.setattr(fanout.Hub, "listening", listening)
    subscribed_when_read, real_snapshot = [], ContestConsumer._snapshot

    def snapshot(consumer):
        subscribed_when_read.append(fanout.HUB.subscribed.is_set())
        return real_snapshot(consumer)

    monkeypatch.setattr(ContestConsumer, "_snapshot", snapshot)
    screen = await connect(contest.join_code, hall["screen"], "screen")
    assert (await receive(screen))["contest"]["status"] == "draft"
    assert subscribed_when_read == [True]
    await sync_to_async(services.contest_start)(contest=contest, by=None)
    assert (await receive(screen))["event"] == "contest.started"
    await screen.disconnect()


@REDIS_ONLY
async def test_a_socket_that_stopped_waiting_for_the_subscription_is_resynced_once_it_is_in_place(monkeypatch):
    hall = await build_hall()
    contest = hall["contest"]
    monkeypatch.setattr(fanout, "SUBSCRIBE_WAIT_S", 0.2)
    subscribing, loop = subscription_held_back(monkeypatch), asyncio.get_running_loop()
    real_snapshot, started = ContestConsumer._snapshot, []

    def snapshot_then_start(consumer):  # the draft is read; the start is published before anyone listens
        text = real_snapshot(consumer)
        if not started:
            started.append(services.contest_start(contest=contest, by=None))
            loop.call_soon_threadsafe(subscribing.set)
        return text

    monkeypatch.setattr(ContestConsumer, "_snapshot", snapshot_then_start)
    screen = await connect(contest.join_code, hall["screen"], "screen")
    assert (await receive(screen))["contest"]["status"] == "draft"
    resynced = await receive(screen)
    assert (resynced["event"], resynced["contest"]["status"]) == ("snapshot", "running")
    await asyncio.wait_for(fanout.HUB.subscribed.wait(), FRAME_WAIT_S)  # the resync is over
    await screen.disconnect()


async def test_a_true_false_question_refuses_a_response_that_is_not_true_or_false():
    contest, opening, cookies = await build_compulsory_hall(teams=1, size=1, question_type="true_false")
    player = await connect(contest.join_code, cookies[0])
    await receive(player)
    for ref, response in (("x", "X"), ("ab", ["A", "B"])):
        await player.send_to(text_data=answer_frame(ref, opening, response=response))
        error = await receive(player, kind="error")
        assert (error["code"], error["ref"]) == ("not_true_false", ref)
    assert not await sync_to_async(ContestAnswer.objects.exists)()
    await player.send_to(text_data=answer_frame("yes", opening, response=True))
    assert (await receive(player, kind="ack"))["ref"] == "yes"
    await player.disconnect()


async def test_an_adjustment_for_a_team_not_in_the_contest_is_refused_as_no_such_team():
    hall = await build_hall()
    host = await connect(hall["contest"].join_code, hall["host"], "host")
    await receive(host)
    for ref, frame, code in [
        ("t", {"team": 999999, "points": 5}, "no_such_team"),
        ("s", {"team": "red", "points": 5}, "no_such_team"),
        ("p", {"team": 999999, "points": "5"}, "bad_adjustment"),
    ]:
        await host.send_to(text_data=json.dumps({"type": "host.adjust", "id": ref, "reason": "测试", **frame}))
        error = await receive(host, kind="error")
        assert (error["code"], error["ref"]) == (code, ref)
    await host.disconnect()


async def test_an_adjustment_beyond_1000_points_is_refused_with_its_own_code_and_nothing_changes():
    hall = await build_hall()
    red = await sync_to_async(hall["contest"].teams.get)(name="红队")
    host = await connect(hall["contest"].join_code, hall["host"], "host", language="zh-hans")
    await receive(host)
    frame = {"type": "host.adjust", "id": "big", "team": red.pk, "points": 2147483648, "reason": "录入"}
    await host.send_to(text_data=json.dumps(frame))
    error = await receive(host, kind="error")
    assert (error["code"], error["ref"]) == ("adjustment_too_large", "big")
    assert error["message"] == "每次调整最多加减 1000 分。"
    assert not await sync_to_async(ScoreEvent.objects.exists)()
    await host.disconnect()


async def test_a_reason_over_200_characters_is_refused_whole_not_cut_and_200_are_kept_as_typed():
    hall = await build_hall()
    await sync_to_async(services.contest_start)(contest=hall["contest"], by=None)  # adjusted while it runs
    red = await sync_to_async(hall["contest"].teams.get)(name="红队")
    host = await connect(hall["contest"].join_code, hall["host"], "host", language="zh-hans")
    await receive(host)
    reason = "第三题选项印刷有误，经裁判组合议，" * 12  # 17 characters, 12 times: 204
    assert len(reason) == 204
    frame = {"type": "host.adjust", "id": "long", "team": red.pk, "points": 5, "reason": reason}
    await host.send_to(text_data=json.dumps(frame))
    error = await receive(host, kind="error")
    assert (error["code"], error["ref"]) == ("reason_too_long", "long")
    assert error["message"] == "理由请控制在 200 个字以内（当前 204 个字）。"
    assert not await sync_to_async(ScoreEvent.objects.exists)()

    frame |= {"id": "fits", "reason": reason[:200]}
    await host.send_to(text_data=json.dumps(frame))
    assert (await receive(host, kind="ack"))["ref"] == "fits"
    kept = await sync_to_async(ScoreEvent.objects.get)()
    assert (kept.points, kept.note) == (5, reason[:200])
    await host.disconnect()


async def test_an_adjustment_after_the_finish_is_refused_as_results_final_and_nothing_changes():
    hall = await build_hall()
    red = await sync_to_async(hall["contest"].teams.get)(name="红队")
    await sync_to_async(services.contest_start)(contest=hall["contest"], by=None)  # finished once started
    await sync_to_async(services.contest_finish)(contest=hall["contest"], by=None)
    host = await connect(hall["contest"].join_code, hall["host"], "host", language="zh-hans")
    await receive(host)
    frame = {"type": "host.adjust", "id": "late", "team": red.pk, "points": -60, "reason": "赛后改分"}
    await host.send_to(text_data=json.dumps(frame))
    error = await receive(host, kind="error")
    assert (error["code"], error["ref"]) == ("results_final", "late")
    assert error["message"] == "竞赛已结束，成绩已是最终结果，分数不能再更改。"
    assert not await sync_to_async(ScoreEvent.objects.exists)()
    await host.disconnect()


CHINESE = re.compile(r"[\u4e00-\u9fff]")


async def test_a_chinese_speaking_socket_gets_every_protocol_error_in_chinese(monkeypatch):
    frames_not_refilled(monkeypatch)
    contest, opening, cookies = await build_compulsory_hall(teams=1, size=1)
    player = await connect(contest.join_code, cookies[0], language="zh-hans")
    await receive(player)
    frames = [
        ("{nope", "malformed_json"),
        ("[1]", "missing_type"),
        (json.dumps({"type": "host.open", "id": "h"}), "unknown_type"),
        (json.dumps({"type": "sync", "pad": "x" * 5000}), "frame_too_large"),
        (json.dumps({"type": "answer.submit", "id": "n"}), "bad_answer_id"),
        (json.dumps({"type": "risk.pick", "id": "r", "value": "all"}), "bad_stake"),
        (answer_frame("d", opening, response="D"), "no_such_option"),
        (answer_frame("m", opening, response="AB"), "one_option_only"),
    ]
    for text, code in frames:
        await player.send_to(text_data=text)
        error = await receive(player, kind="error")
        assert error["code"] == code and CHINESE.search(error["message"]), error
    await player.send_to(bytes_data=b"\x00")
    error = await receive(player, kind="error")
    assert error["code"] == "binary_frame" and CHINESE.search(error["message"]), error
    for _ in range(40):
        await player.send_to(text_data=json.dumps({"type": "time.sync", "client_sent_at": 1}))
    replies = [json.loads(await player.receive_from()) for _ in range(40)]
    limited = next(reply for reply in replies if reply.get("code") == "rate_limited")
    assert CHINESE.search(limited["message"])
    await player.disconnect()


async def test_an_english_speaking_socket_gets_refusals_in_english_each_in_its_own_language():
    contest, opening, cookies = await build_compulsory_hall(teams=2, size=1)
    english = await connect(contest.join_code, cookies[0], language="en")
    chinese = await connect(contest.join_code, cookies[1], language="zh-hans")
    await receive(english), await receive(chinese)
    for socket in (english, chinese):  # possibly in one batch of answers
        await socket.send_to(text_data=answer_frame("d", opening, response="D"))
    in_english, in_chinese = await receive(english, kind="error"), await receive(chinese, kind="error")
    assert in_english["message"] == "Choose from A, B, C." and CHINESE.search(in_chinese["message"])
    await english.send_to(text_data=json.dumps({"type": "host.open", "id": "h"}))
    assert (await receive(english, kind="error"))["message"] == "Unknown message type 'host.open'."
    for socket in (english, chinese):
        await socket.disconnect()


async def test_a_progress_tick_never_reaches_a_screen_before_the_change_it_follows(monkeypatch):
    hall = await build_hall()
    contest = hall["contest"]
    screen = await connect(contest.join_code, hall["screen"], "screen")
    await receive(screen)
    await sync_to_async(services.contest_start)(contest=contest, by=None)
    await sync_to_async(services.question_open)(contest=contest, by=None)
    await until(screen, lambda f: f.get("event") == "question.opened")  # the process's subscription is in place
    building, release, ticked = threading.Event(), threading.Event(), threading.Event()
    real_player_state, real_send_now = presenters.player_state, broadcast.send_now

    def slow_player_state(state, **kwargs):  # the close's frames take a while to build
        if state["event"] == "question.closed":
            building.set()
            release.wait(FRAME_WAIT_S)
        return real_player_state(state, **kwargs)

    def send_now(contest_id, event, **kwargs):
        sent = real_send_now(contest_id, event, **kwargs)
        if event == "answer.received":
            ticked.set()
        return sent

    monkeypatch.setattr(presenters, "player_state", slow_player_state)
    monkeypatch.setattr(broadcast, "send_now", send_now)
    closing = asyncio.create_task(
        sync_to_async(services.question_close, thread_sensitive=False)(contest=contest, by=None)
    )
    assert await sync_to_async(building.wait)(FRAME_WAIT_S)
    # A tick comes due meanwhile (the last answers): built after the close was committed.
    await sync_to_async(broadcast._progress_soon)(contest.pk, "answer.received")
    assert await sync_to_async(ticked.wait)(FRAME_WAIT_S)
    release.set()
    await closing

    closed = await until(screen, lambda f: f.get("event") in ("question.closed", "answer.received"))
    assert closed["event"] == "question.closed"  # not a tick already showing the closed question
    tick = await until(screen, lambda f: f.get("event") == "answer.received")  # the tick follows it
    assert tick["seq"] == closed["seq"] and tick["question"]["phase"] == "closed"
    await screen.disconnect()


async def test_a_host_action_that_fails_on_a_lost_server_is_refused_as_unavailable_and_the_socket_stays(
    monkeypatch,
):
    hall = await build_hall()
    contest = hall["contest"]
    await sync_to_async(services.contest_start)(contest=contest, by=None)
    host = await connect(contest.join_code, hall["host"], "host")
    await receive(host)

    def lost(**kwargs):
        raise redis.exceptions.ConnectionError("Connection refused")

    monkeypatch.setattr(services, "question_open", lost)
    await host.send_to(text_data=json.dumps({"type": "host.open", "id": "h1"}))
    error = await receive(host, kind="error")
    assert (error["code"], error["ref"]) == ("unavailable", "h1")
    await host.send_to(text_data=json.dumps({"type": "time.sync", "client_sent_at": 1}))
    assert (await receive(host, kind="time.synced"))["client_sent_at"] == 1  # still open and usable
    await host.disconnect()


async def test_a_teams_answer_reaches_its_own_phones_only_and_every_snapshot_after_it():
    contest, opening, cookies = await build_compulsory_hall(teams=2, size=2)
    answering, teammate, rival, rival_teammate = [await connect(contest.join_code, c) for c in cookies]
    snapshots = [await receive(socket) for socket in (answering, teammate, rival, rival_teammate)]
    assert all(s["you"]["team_answer"] is None for s in snapshots)

    await answering.send_to(text_data=answer_frame("a1", opening, response="a"))
    assert (await receive(answering, kind="ack"))["ref"] == "a1"
    told = await receive(teammate, kind="team.answered")
    assert told == {
        "type": "team.answered",
        "v": 9,
        "opening": opening.pk,
        "team": snapshots[0]["you"]["team"],
        "member": snapshots[0]["you"]["member"],
        "name": snapshots[0]["you"]["legs"][0]["name"],
        "response": ["A"],
        "received_at": told["received_at"],
    }  # who sent what, never whether it is right
    assert (await receive(answering, kind="team.answered")) == told  # the one who answered too

    # The other team's phones were not told: the first such frame they get is their own team's.
    await rival.send_to(text_data=answer_frame("b1", opening, response="B"))
    assert (await receive(rival_teammate, kind="team.answered"))["team"] == snapshots[2]["you"]["team"]

    # A phone asking for a snapshot, or reconnecting, finds its team's answer in `you`.
    await teammate.send_to(text_data=json.dumps({"type": "sync"}))
    resynced = await until(teammate, lambda f: f.get("event") == "snapshot")
    assert resynced["you"]["team_answer"] == {k: v for k, v in told.items() if k not in ("type", "v")}
    await teammate.disconnect()
    again = await connect(contest.join_code, cookies[1])
    assert (await receive(again))["you"]["team_answer"]["name"] == told["name"]
    await again.disconnect()
    # Also from the database alone, as a process that saw none of it builds the snapshot.
    fanout.HUB.team_answers.clear()
    consumers._snapshots.clear()
    fresh = await connect(contest.join_code, cookies[1])
    assert (await receive(fresh))["you"]["team_answer"] == resynced["you"]["team_answer"]
    for socket in (fresh, answering, rival, rival_teammate):
        await socket.disconnect()


async def test_a_host_command_sent_again_with_its_command_id_is_answered_and_not_carried_out_twice():
    hall = await build_hall()
    contest = hall["contest"]
    host = await connect(contest.join_code, hall["host"], "host")
    red = next(t for t in (await receive(host))["teams"] if t["name"] == "红队")
    adjust = {"type": "host.adjust", "team": red["id"], "points": 5, "reason": "补记", "command_id": "c-1"}

    # A refused command's repeat gets the same refusal, even once it could be carried out.
    await host.send_to(text_data=json.dumps({"type": "host.open", "id": "h3", "command_id": "c-2"}))
    assert (await until(host, lambda f: f.get("ref") == "h3"))["code"] == "not_running"
    await sync_to_async(services.contest_start)(contest=contest, by=None)
    await host.send_to(text_data=json.dumps({"type": "host.open", "id": "h4", "command_id": "c-2"}))
    assert (await until(host, lambda f: f.get("ref") == "h4"))["code"] == "not_running"
    assert (await sync_to_async(Contest.objects.get)(pk=contest.pk)).current_id is None  # nothing opened

    # Started (c-2's refusal stands), the adjustment is carried out once, however often it comes.
    await host.send_to(text_data=json.dumps({**adjust, "id": "h1"}))
    first = await until(host, lambda f: f.get("ref") == "h1")
    assert (first["type"], first["command_id"], first["repeat"]) == ("ack", "c-1", False)
    # The same command again (a frame re-sent after a dropped connection, on a new socket).
    await host.disconnect()
    host = await connect(contest.join_code, hall["host"], "host")
    await host.send_to(text_data=json.dumps({**adjust, "id": "h2"}))
    second = await until(host, lambda f: f.get("ref") == "h2")
    assert (second["type"], second["command_id"], second["repeat"]) == ("ack", "c-1", True)
    scores = await sync_to_async(services.team_scores)(contest)
    assert next(t for t in scores if t["name"] == "红队")["score"] == 105  # counted once

    for ref, frame, code in [
        ("h5", {"type": "host.close", "command_id": "c-1"}, "command_id_taken"),
        ("h6", {"type": "host.close", "command_id": ""}, "bad_command_id"),
    ]:
        await host.send_to(text_data=json.dumps({**frame, "id": ref}))
        assert (await until(host, lambda f, ref=ref: f.get("ref") == ref))["code"] == code

    # Without a command id (clients before protocol 7) a command is carried out each time.
    plain = {key: value for key, value in adjust.items() if key != "command_id"}
    for ref in ("h7", "h8"):
        await host.send_to(text_data=json.dumps({**plain, "id": ref}))
        assert "repeat" not in await until(host, lambda f, ref=ref: f.get("ref") == ref)
    scores = await sync_to_async(services.team_scores)(contest)
    assert next(t for t in scores if t["name"] == "红队")["score"] == 115
    await host.disconnect()


async def test_a_host_whose_grant_is_revoked_mid_contest_commands_nothing_more_on_the_open_console():
    """Asked at every command, as a speech night's host is: a console opened before the grant was
    revoked must not go on starting, scoring or adjusting."""
    hall = await build_hall()
    host = await connect(hall["contest"].join_code, hall["host"], "host")
    assert (await receive(host))["type"] == "host.state"
    await sync_to_async(lambda: User.objects.get(username="host").role_grants.all().delete())()
    await host.send_to(text_data=json.dumps({"type": "host.start", "id": "h1"}))
    refused = await until(host, lambda frame: frame.get("ref") == "h1")
    assert (refused["type"], refused["code"]) == ("error", "not_host")
    assert (await sync_to_async(Contest.objects.get)(pk=hall["contest"].pk)).status == Contest.Status.DRAFT
    await host.disconnect()
