"""Two ASGI processes on one Redis and PostgreSQL: any process serves any client, and killing
one mid-question loses nothing."""

import json
import os
import signal

import pytest
import websockets.exceptions
import websockets.sync.client
from django.db import connection

from contests import services
from contests.models import ContestAnswer, Round
from tests import factories
from tests.processes import env_on_test_database, session_cookie, start_web, stop, wait_for
from tests.sockets import FRAME_WAIT_S

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="several processes need Redis and PostgreSQL (CI sets them)"
    ),
]


SERVER_APP_NAME = "quizsite-test-web"


def web_env() -> dict:
    # PGAPPNAME tags the servers' database sessions, so the test can wait for them to end.
    return env_on_test_database(WEB_WORKERS="1", DEBUG="true", PGAPPNAME=SERVER_APP_NAME)


class Player:
    """A socket that reconnects elsewhere, as the player page does, and keeps the last seq."""

    def __init__(self, code: str, cookie: str, role: str = "player") -> None:
        self.code, self.cookie, self.role, self.socket, self.seq = code, cookie, role, None, 0

    def connect(self, port: int) -> dict:
        self.close()
        self.socket = websockets.sync.client.connect(
            f"ws://127.0.0.1:{port}/ws/contests/{self.code}/?role={self.role}",
            additional_headers={"Cookie": self.cookie, "Origin": "http://localhost"},
            open_timeout=FRAME_WAIT_S,
        ).__enter__()
        return self.next()

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()

    def send(self, **frame) -> None:
        self.socket.send(json.dumps(frame))

    def next(self, predicate=lambda frame: True, timeout: float = FRAME_WAIT_S) -> dict:
        while True:
            frame = json.loads(self.socket.recv(timeout=timeout))
            if frame.get("seq"):
                self.seq = frame["seq"]
            if predicate(frame):
                return frame


def test_killing_a_process_mid_question_loses_no_answer(tree, tmp_path):
    host_user = factories.organiser(tree["audit"], username="host")
    red, blue = factories.member(tree["gz1"], username="red"), factories.member(tree["jjj1"], username="blue")
    contest = services.contest_create(title="双进程竞赛", unit=tree["audit"], by=host_user)
    services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=[red])
    services.team_add(contest=contest, name="蓝队", unit=tree["jjj"], legs=[blue])
    bank = factories.bank(tree["audit"])
    services.round_add(
        contest=contest,
        type=Round.Type.COMPULSORY,
        time_limit_s=60,
        versions=[factories.question(bank, "single", key=["A"]).current],
    )
    processes, ports = zip(*(start_web(web_env(), tmp_path / f"web{n}.log") for n in range(2)), strict=True)
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for(lambda port=port: _healthy(port), timeout=60, what=f"bin/web on {port}", process=process)
        host = Player(contest.join_code, session_cookie(host_user), "host")
        red_player, blue_player = (
            Player(contest.join_code, session_cookie(red)),
            Player(contest.join_code, session_cookie(blue)),
        )
        host.connect(ports[0])
        red_player.connect(ports[0])
        blue_player.connect(ports[1])

        host.send(type="host.start", id="s")
        host.next(lambda f: f["type"] == "ack")
        host.send(type="host.open", id="o")
        # Opened on process 0, seen on process 1 through Redis.
        opened = blue_player.next(lambda f: f.get("event") == "question.opened")
        red_player.next(lambda f: f.get("event") == "question.opened")
        opening = opened["question"]["opening"]

        os.killpg(processes[0].pid, signal.SIGKILL)  # mid-question: the host's and red's process
        processes[0].wait(timeout=10)

        snapshot = red_player.connect(ports[1])  # the player page reconnects to another process
        assert snapshot["event"] == "snapshot" and snapshot["question"]["phase"] == "open"
        assert snapshot["seq"] >= red_player.seq
        red_player.send(type="answer.submit", id="r", answer_id="red-1", opening=opening, response="A")
        assert red_player.next(lambda f: f["type"] in ("ack", "error"))["type"] == "ack"
        blue_player.send(type="answer.submit", id="b", answer_id="blue-1", opening=opening, response="B")
        assert blue_player.next(lambda f: f["type"] in ("ack", "error"))["type"] == "ack"

        host.connect(ports[1])
        host.send(type="host.reveal", id="v")
        revealed = red_player.next(lambda f: f.get("event") == "question.revealed")
        scores = {team["name"]: team["score"] for team in revealed["teams"]}
        assert scores == {"红队": 110, "蓝队": 100}  # compulsory: a wrong answer costs nothing
        assert ContestAnswer.objects.filter(opening_id=opening).count() == 2
        for player in (host, red_player, blue_player):
            player.close()
    finally:
        for process in processes:
            stop(process)
        # A killed client's database session ends a moment after the process: wait for it, or
        # the test database could not be dropped at the end of the run.
        wait_for(_server_sessions_gone, timeout=15, what="the stopped servers' database sessions to end")


def test_a_phone_on_another_process_answers_by_the_hand_over_the_host_made(tree, tmp_path):
    """Each process judges answers by a roster it keeps (`playing._ROSTERS`), keyed by the contest's
    `baton_version`: the host hands red0's legs to red1 on process 0, and process 1, which kept
    the roster from blue0's answer before, judges red's phones by the hand-over."""
    host_user = factories.organiser(tree["audit"], username="host")
    red = [factories.member(tree["gz1"], username=f"red{n}") for n in range(2)]
    blue = [factories.member(tree["jjj1"], username=f"blue{n}") for n in range(2)]
    contest = services.contest_create(title="双进程接力", unit=tree["audit"], by=host_user)
    red_team = services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=red)
    services.team_add(contest=contest, name="蓝队", unit=tree["jjj"], legs=blue)
    bank = factories.bank(tree["audit"])
    versions = [factories.question(bank, "true_false", key=[True]).current for _ in range(2)]
    services.round_add(contest=contest, type=Round.Type.RELAY, time_limit_s=60, versions=versions)
    processes, ports = zip(*(start_web(web_env(), tmp_path / f"web{n}.log") for n in range(2)), strict=True)
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for(lambda port=port: _healthy(port), timeout=60, what=f"bin/web on {port}", process=process)
        host = Player(contest.join_code, session_cookie(host_user), "host")
        old, new, blue_runner = (Player(contest.join_code, session_cookie(member)) for member in (*red, blue[0]))
        host.connect(ports[0])
        for phone in (old, new, blue_runner):
            phone.connect(ports[1])
        host.send(type="host.start", id="s")
        host.next(lambda f: f["type"] == "ack")
        host.send(type="host.open", id="o")
        opening = blue_runner.next(lambda f: f.get("event") == "question.opened")["question"]["opening"]
        # Q1 is each team's first runner's leg: blue0's answer has process 1 read the roster.
        blue_runner.send(type="answer.submit", id="b", answer_id="blue0-q1", opening=opening, response=True)
        assert blue_runner.next(lambda f: f["type"] in ("ack", "error"))["type"] == "ack"

        hand_over = {"team": red_team.pk, "from_member": red[0].pk, "to_member": red[1].pk, "command_id": "c-1"}
        host.send(type="host.hand_over", id="h", **hand_over)
        handed = host.next(lambda f: f["type"] in ("ack", "error") and f.get("ref") == "h")
        assert handed["from_question"] == {"round": 1, "position": 1}

        old.send(type="answer.submit", id="r0", answer_id="red0-q1", opening=opening, response=True)
        assert old.next(lambda f: f["type"] in ("ack", "error")).get("code") == "leg_not_yours"
        new.send(type="answer.submit", id="r1", answer_id="red1-q1", opening=opening, response=True)
        assert new.next(lambda f: f["type"] in ("ack", "error"))["type"] == "ack"
        answered = ContestAnswer.objects.filter(opening_id=opening).values_list("member__username", flat=True)
        assert sorted(answered) == ["blue0", "red1"]
        for player in (host, old, new, blue_runner):
            player.close()
    finally:
        for process in processes:
            stop(process)
        wait_for(_server_sessions_gone, timeout=15, what="the stopped servers' database sessions to end")


def _server_sessions_gone() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [SERVER_APP_NAME])
        return cursor.fetchone()[0] == 0


def _healthy(port: int) -> bool:
    import http.client

    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    connection_.request("GET", "/healthz", headers={"Host": "localhost"})
    return connection_.getresponse().status == 200


def test_a_real_server_closes_an_anonymous_socket_with_4401_and_refuses_a_foreign_origin_with_403(tree, tmp_path):
    contest = services.contest_create(title="握手", unit=tree["audit"])
    process, port = start_web(web_env(), tmp_path / "web.log")
    url = f"ws://127.0.0.1:{port}/ws/contests/{contest.join_code}/"
    try:
        wait_for(lambda: _healthy(port), timeout=60, what="bin/web", process=process)
        with websockets.sync.client.connect(url, additional_headers={"Origin": "http://localhost"}) as anonymous:
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                anonymous.recv(timeout=FRAME_WAIT_S)
        assert closed.value.rcvd.code == 4401  # not an HTTP 403, which a browser sees as 1006
        for origin in ({"Origin": "http://evil.example"}, {}):
            with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
                websockets.sync.client.connect(url, additional_headers=origin, open_timeout=FRAME_WAIT_S)
            assert refused.value.response.status_code == 403
    finally:
        stop(process)
        wait_for(_server_sessions_gone, timeout=15, what="the stopped server's database sessions to end")


def _subscribed_processes() -> int:
    """How many clients hold a pattern subscription on the test's Redis database: one per ASGI
    process with a socket (the test process itself has none: it holds no socket)."""
    import redis
    from django.conf import settings
    from redis.connection import parse_url

    db = parse_url(settings.REDIS_URL).get("db", 0)
    clients = redis.Redis.from_url(settings.REDIS_URL).client_list()
    return sum(1 for client in clients if int(client["db"]) == db and int(client.get("psub", 0)) > 0)


def test_deactivating_a_member_closes_their_sockets_in_every_process_and_contest(tree, tmp_path):
    from orgs import services as org_services

    host_user = factories.organiser(tree["audit"], username="host")
    boss = factories.administrator(tree["audit"], username="boss")
    red, blue = factories.member(tree["gz1"], username="red"), factories.member(tree["jjj1"], username="blue")
    contests = []
    for title in ("上午场", "下午场"):
        contest = services.contest_create(title=title, unit=tree["audit"], by=host_user)
        services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=[red])
        services.team_add(contest=contest, name="蓝队", unit=tree["jjj"], legs=[blue])
        contests.append(contest)
    processes, ports = zip(*(start_web(web_env(), tmp_path / f"web{n}.log") for n in range(2)), strict=True)
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for(lambda port=port: _healthy(port), timeout=60, what=f"bin/web on {port}", process=process)
        red_cookie = session_cookie(red) + "; django_language=en"
        morning, afternoon = Player(contests[0].join_code, red_cookie), Player(contests[1].join_code, red_cookie)
        teammate = Player(contests[1].join_code, session_cookie(blue))
        before = morning.connect(ports[0])["you"]  # red in one contest on one process,
        afternoon.connect(ports[1])  # and in another contest on the other
        teammate.connect(ports[1])
        wait_for(lambda: _subscribed_processes() >= 2, timeout=FRAME_WAIT_S, what="both processes' subscriptions")

        # In this (third) process, as the member list's bulk action does.
        org_services.members_bulk_apply(by=boss, members=[red], action=org_services.BulkAction.DEACTIVATE)

        for player in (morning, afternoon):
            ended = player.next(lambda f: f["type"] == "error")
            assert (ended["code"], ended["message"]) == (
                "account_deactivated",
                "This account has been deactivated; this connection has ended.",
            )
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                player.next()
            assert closed.value.rcvd.code == 4401
        teammate.send(type="time.sync", id="t", client_sent_at=1)  # blue's socket on the same process stays
        assert teammate.next(lambda f: f["type"] == "time.synced")["client_sent_at"] == 1

        org_services.members_bulk_apply(by=boss, members=[red], action=org_services.BulkAction.REACTIVATE)
        assert morning.connect(ports[1])["you"] == before  # the same place on the same team
        for player in (morning, teammate):
            player.close()
    finally:
        for process in processes:
            stop(process)
        wait_for(_server_sessions_gone, timeout=15, what="the stopped servers' database sessions to end")


def test_resetting_a_rehearsal_closes_its_phones_in_every_process(tree, tmp_path):
    """The organiser resets a rehearsal (in a third process) while its phones are on two: each
    process forgets the thrown-away rehearsal's roster and tells its phones so (`contest_deleted`,
    then 4403), instead of keeping both until a phone reconnects there."""
    from contests.wizard import services as wizard

    host_user = factories.organiser(tree["audit"], username="host")
    red, blue = factories.member(tree["gz1"], username="red"), factories.member(tree["jjj1"], username="blue")
    contest = services.contest_create(title="排练场", unit=tree["audit"], by=host_user)
    services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=[red])
    services.team_add(contest=contest, name="蓝队", unit=tree["jjj"], legs=[blue])
    bank = factories.bank(tree["audit"])
    question = factories.question(bank, "single").current
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, time_limit_s=60, versions=[question])
    rehearsal = wizard.contest_rehearse(contest=contest, by=host_user)
    services.contest_start(contest=rehearsal, by=host_user)
    processes, ports = zip(*(start_web(web_env(), tmp_path / f"web{n}.log") for n in range(2)), strict=True)
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for(lambda port=port: _healthy(port), timeout=60, what=f"bin/web on {port}", process=process)
        red_phone = Player(rehearsal.join_code, session_cookie(red) + "; django_language=en")
        blue_phone = Player(rehearsal.join_code, session_cookie(blue))
        assert red_phone.connect(ports[0])["contest"]["join_code"] == rehearsal.join_code
        assert blue_phone.connect(ports[1])["contest"]["join_code"] == rehearsal.join_code
        wait_for(lambda: _subscribed_processes() >= 2, timeout=FRAME_WAIT_S, what="both processes' subscriptions")

        fresh = wizard.contest_rehearse(contest=contest, by=host_user, fresh=True)
        assert fresh.join_code != rehearsal.join_code

        told = []
        for phone in (red_phone, blue_phone):
            told.append(phone.next(lambda f: f["type"] == "error"))
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                phone.next()
            assert closed.value.rcvd.code == 4403
        assert [(frame["code"], frame["message"]) for frame in told] == [
            (
                "contest_deleted",
                "This rehearsal has been reset: the new one has a new join code. This connection has ended.",
            ),
            ("contest_deleted", "排练已重置：新的排练有新的加入码。本连接已结束。"),
        ]
        # The new rehearsal's phones sign in on either process as before.
        assert Player(fresh.join_code, session_cookie(red)).connect(ports[0])["contest"]["join_code"] == fresh.join_code
    finally:
        for process in processes:
            stop(process)
        wait_for(_server_sessions_gone, timeout=15, what="the stopped servers' database sessions to end")


def _raw_player_socket(port: int, code: str, cookie: str):
    """A player socket opened by hand over TCP and then never read: a phone that went out of
    signal without closing. Unlike a WebSocket library it answers no ping (libraries answer them
    by themselves, in the background)."""
    import socket

    raw = socket.create_connection(("127.0.0.1", port), timeout=FRAME_WAIT_S)
    raw.sendall(
        (
            f"GET /ws/contests/{code}/?role=player HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://localhost\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += raw.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return raw


def test_a_phone_whose_connection_died_without_a_close_leaves_the_connected_list_once_it_misses_a_ping(tree, tmp_path):
    """bin/web pings every WEB_WS_PING_S seconds and drops a socket that has not answered as long
    after: the console stops showing such a phone connected (uvicorn's default, 20 + 20 s, kept it
    there for up to 40 s). Here 1 s: the phone is off the list in about 2 s (the wait allows 15)."""
    from contests import presence

    host_user = factories.organiser(tree["audit"], username="host")
    red = factories.member(tree["gz1"], username="red")
    contest = services.contest_create(title="掉线", unit=tree["audit"], by=host_user)
    services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=[red])
    process, port = start_web({**web_env(), "WEB_WS_PING_S": "1"}, tmp_path / "web.log")
    raw = None
    try:
        wait_for(lambda: _healthy(port), timeout=60, what="bin/web", process=process)
        raw = _raw_player_socket(port, contest.join_code, session_cookie(red))
        at = (contest.pk, contest.join_code)
        wait_for(lambda: presence.online(*at) == [red.pk], timeout=FRAME_WAIT_S, what="red's phone to be connected")
        wait_for(lambda: presence.online(*at) == [], timeout=15, what="red's silent phone to be dropped")
    finally:
        if raw is not None:
            raw.close()
        stop(process)
        wait_for(_server_sessions_gone, timeout=15, what="the stopped server's database sessions to end")
