"""A speech night on two ASGI processes sharing PostgreSQL and Redis: any process serves any
socket, and killing the host's process mid-speaker loses no score."""

import json
import os
import signal

import pytest
import websockets.sync.client

from calls.live.models import NightScore
from tests.contests.test_processes import _healthy, _server_sessions_gone, web_env
from tests.processes import session_cookie, start_web, stop, wait_for
from tests.sockets import FRAME_WAIT_S

from .night import speech_night

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="several processes need Redis and PostgreSQL (CI sets them)"
    ),
]


class Socket:
    """A night socket that reconnects elsewhere, as the pages do."""

    def __init__(self, call_id: int, cookie: str, role: str) -> None:
        self.call_id, self.cookie, self.role, self.socket = call_id, cookie, role, None

    def connect(self, port: int) -> dict:
        self.close()
        self.socket = websockets.sync.client.connect(
            f"ws://127.0.0.1:{port}/ws/nights/{self.call_id}/?role={self.role}",
            additional_headers={"Cookie": self.cookie, "Origin": "http://localhost"},
            open_timeout=FRAME_WAIT_S,
        ).__enter__()
        return self.next()

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()

    def send(self, **frame) -> dict:
        """Send an action; its ack or error."""
        self.socket.send(json.dumps(frame))
        return self.next(lambda f: f["type"] in ("ack", "error") and f.get("ref") == frame["id"])

    def next(self, predicate=lambda frame: True, timeout: float = FRAME_WAIT_S) -> dict:
        while True:
            frame = json.loads(self.socket.recv(timeout=timeout))
            if predicate(frame):
                return frame


def test_killing_the_hosts_process_mid_speaker_loses_no_score(tree, tmp_path):
    setup = speech_night(tree)
    call_id = setup["call"].pk
    keys = [str(pk) for pk in setup["call"].criteria.order_by("position").values_list("pk", flat=True)]
    processes, ports = zip(*(start_web(web_env(), tmp_path / f"web{n}.log") for n in range(2)), strict=True)
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for(lambda port=port: _healthy(port), timeout=60, what=f"bin/web on {port}", process=process)
        host = Socket(call_id, session_cookie(setup["host"]), "host")
        judges = [Socket(call_id, session_cookie(judge), "judge") for judge in setup["judges"]]
        host.connect(ports[0])
        for number, judge in enumerate(judges):
            judge.connect(ports[0] if number < 2 else ports[1])

        assert host.send(type="night.draw", id="d", seed="two-processes")["type"] == "ack"
        while True:  # to the Beijing speaker, whom every judge may score
            host.send(type="night.call", id="c")
            host.send(type="night.open", id="o")
            # Opened on process 0, seen on process 1 through Redis.
            opened = judges[4].next(lambda f: f.get("event") == "scoring.opened")
            if opened["current"]["name"] == "李讲":
                break
            host.send(type="night.lock", id="l")
        speaker = opened["current"]["speaker"]

        def score(judge: Socket, score_id: str, content: int, delivery: int) -> dict:
            values = {keys[0]: content, keys[1]: delivery}
            return judge.send(type="score.submit", id=score_id, score_id=score_id, speaker=speaker, scores=values)

        assert score(judges[0], "j1", 90, 80)["total"] == "86.00"
        assert score(judges[1], "j2", 85, 95)["total"] == "89.00"

        os.killpg(processes[0].pid, signal.SIGKILL)  # the host's and judges 1 and 2's process
        processes[0].wait(timeout=10)

        snapshot = judges[0].connect(ports[1])  # the phone reconnects to the other process
        assert snapshot["event"] == "snapshot" and snapshot["current"]["phase"] == "scoring"
        assert snapshot["you"]["score"]["total"] == "86.00" and snapshot["current"]["scored"] == [1, 2]
        # A phone re-sends what it is unsure of after a reconnect: the same score_id is that
        # score, stored once.
        assert score(judges[0], "j1", 90, 80)["repeat"] is True
        judges[1].connect(ports[1])
        assert score(judges[2], "j3", 70, 60)["total"] == "66.00"
        assert score(judges[3], "j4", 95, 100)["total"] == "97.00"
        assert score(judges[4], "j5", 88, 84)["total"] == "86.40"

        host.connect(ports[1])
        assert host.send(type="night.lock", id="l")["type"] == "ack"
        revealed = judges[1].next(lambda f: f.get("event") == "speaker.revealed")
        assert revealed["current"]["final"] == "87.13"  # (86 + 89 + 86.4) / 3, 97 and 66 dropped
        assert NightScore.objects.filter(speaker_id=speaker).count() == 5
        for socket in (host, *judges):
            socket.close()
    finally:
        for process in processes:
            stop(process)
        wait_for(_server_sessions_gone, timeout=15, what="the stopped servers' database sessions to end")
