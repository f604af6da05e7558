"""A real Redis restarted mid-question: what was committed meanwhile reaches every socket, and the
sequence goes on from PostgreSQL's numbering."""

import json
import shutil
import subprocess

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings

from contests import fanout
from tests.contests.test_contest_socket import build_hall, connect, receive, until
from tests.processes import free_port, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


class RedisServer:
    """A redis-server of this test's own (never the shared one), without persistence: a restart
    loses every key, as a restarted cache or a new container would."""

    def __init__(self, directory) -> None:
        self.port, self.directory, self.process = free_port(), directory, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command line)
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: redis.Redis(port=self.port).ping(), timeout=10, what="redis-server", process=self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path, settings, monkeypatch):
    server = RedisServer(tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    monkeypatch.setattr(fanout, "_redis", None)  # the process's client, pointed at this server
    try:
        yield server
    finally:
        if fanout.HUB._subscriber is not None:
            fanout.HUB._subscriber.cancel()
        server.stop()


async def test_a_reveal_made_while_redis_is_down_reaches_every_socket_once_it_is_back(own_redis):
    assert settings.REDIS_URL == own_redis.url
    hall = await build_hall()
    code = hall["contest"].join_code
    host = await connect(code, hall["host"], "host")
    screen = await connect(code, hall["screen"], "screen")
    player = await connect(code, hall["red"][0])
    for socket in (host, screen, player):
        await receive(socket)
    await host.send_to(text_data=json.dumps({"type": "host.start", "id": "s"}))
    assert (await receive(host, kind="ack"))["ref"] == "s"
    await host.send_to(text_data=json.dumps({"type": "host.open", "id": "o"}))
    opened = await until(player, lambda f: f.get("event") == "question.opened")
    await until(screen, lambda f: f.get("event") == "question.opened")
    await until(host, lambda f: f.get("event") == "question.opened")

    await sync_to_async(own_redis.stop)()
    # Meanwhile a phone signs in (its place is not in the hot state now: read from PostgreSQL)
    # and answers, and the answer is kept.
    late = await connect(code, hall["blue"][0])
    assert (await receive(late))["question"]["phase"] == "open"
    answer = {"type": "answer.submit", "id": "a", "answer_id": "blue-1", "opening": opened["question"]["opening"]}
    await late.send_to(text_data=json.dumps({**answer, "response": "A"}))
    assert (await receive(late, kind="ack"))["answer_id"] == "blue-1"
    await host.send_to(text_data=json.dumps({"type": "host.reveal", "id": "v"}))
    reply = await until(host, lambda f: f["type"] in ("ack", "error") and f["ref"] == "v", timeout=15)
    assert reply["type"] == "ack" or reply["code"] == "unavailable"

    await sync_to_async(own_redis.start)()
    if reply["type"] == "error":  # nothing was done: the page sends it again
        await host.send_to(text_data=json.dumps({"type": "host.reveal", "id": "v2"}))
    for socket in (player, screen, host, late):
        revealed = await until(socket, lambda f: (f.get("question") or {}).get("phase") == "revealed", timeout=15)
        assert revealed["seq"] > opened["seq"]  # numbering goes on after the restart
    assert revealed["question"]["reveal"]["results"] == {str(revealed["you"]["team"]): True}

    # And the contest goes on: the next change is numbered after the reveal and broadcast as usual.
    await host.send_to(text_data=json.dumps({"type": "host.open", "id": "o2"}))
    next_opened = await until(player, lambda f: f.get("event") == "question.opened", timeout=15)
    assert next_opened["seq"] > revealed["seq"]
    for socket in (host, screen, player, late):
        await socket.disconnect()


async def test_a_change_this_process_alone_could_not_publish_reaches_its_sockets_once_redis_takes_it(
    own_redis, monkeypatch
):
    hall = await build_hall()
    code = hall["contest"].join_code
    host = await connect(code, hall["host"], "host")
    player = await connect(code, hall["red"][0])
    for socket in (host, player):
        await receive(socket)
    await host.send_to(text_data=json.dumps({"type": "host.start", "id": "s"}))
    await host.send_to(text_data=json.dumps({"type": "host.open", "id": "o"}))
    opened = await until(player, lambda f: f.get("event") == "question.opened")

    client, failures = fanout._client(), []

    class ResetOnce:
        """The process's client losing its connection for one publish (the subscription stays)."""

        def pipeline(self, **kwargs):
            if not failures:
                failures.append(True)
                raise redis.exceptions.ConnectionError("Connection reset by peer")
            return client.pipeline(**kwargs)

        def __getattr__(self, name):
            return getattr(client, name)

    monkeypatch.setattr(fanout, "_redis", ResetOnce())
    await host.send_to(text_data=json.dumps({"type": "host.reveal", "id": "v"}))
    assert (await until(host, lambda f: f.get("ref") == "v"))["type"] == "ack"
    revealed = await until(player, lambda f: (f.get("question") or {}).get("phase") == "revealed", timeout=15)
    assert failures and revealed["event"] == "snapshot" and revealed["seq"] > opened["seq"]
    for socket in (host, player):
        await socket.disconnect()
