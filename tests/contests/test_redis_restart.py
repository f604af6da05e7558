"""A real Redis restarted mid-question: what was committed meanwhile reaches every socket, and the
sequence goes on from PostgreSQL's numbering."""

import asyncio
import json
import os
import shutil
import subprocess

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings

from contests import fanout, services
from contests.consumers import ContestConsumer
from contests.models import Round
from tests import factories
from tests.contests.test_contest_socket import build_hall, connect, receive, until
from tests.contests.test_processes import Player, _healthy, _server_sessions_gone, web_env
from tests.contests.test_sign_in_sockets import assert_ended, deactivate
from tests.processes import free_port, session_cookie, start_web, stop, wait_for
from tests.sockets import FRAME_WAIT_S

pytestmark = [
    pytest.mark.django_db(transaction=True),
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


@pytest.mark.asyncio
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
    reply = await until(host, lambda f: f["type"] in ("ack", "error") and f["ref"] == "v")
    assert reply["type"] == "ack" or reply["code"] == "unavailable"

    await sync_to_async(own_redis.start)()
    if reply["type"] == "error":  # nothing was done: the page sends it again
        await host.send_to(text_data=json.dumps({"type": "host.reveal", "id": "v2"}))
    for socket in (player, screen, host, late):
        revealed = await until(socket, lambda f: (f.get("question") or {}).get("phase") == "revealed")
        assert revealed["seq"] > opened["seq"]  # numbering goes on after the restart
    assert revealed["question"]["reveal"]["results"] == {str(revealed["you"]["team"]): True}

    # And the contest goes on: the next change is numbered after the reveal and broadcast as usual.
    await host.send_to(text_data=json.dumps({"type": "host.open", "id": "o2"}))
    next_opened = await until(player, lambda f: f.get("event") == "question.opened")
    assert next_opened["seq"] > revealed["seq"]
    for socket in (host, screen, player, late):
        await socket.disconnect()


@pytest.mark.asyncio
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
        """The process's client losing its connection for one publish (the subscription stays).
        Only a pipeline that publishes fails: the same client's other pipelines (the presence
        ticker's writes, hot state) may run meanwhile, and one taking the reset left the reveal's
        publish to go through (it failed so twice in a whole suite's run)."""

        def pipeline(self, **kwargs):
            pipe = client.pipeline(**kwargs)
            publish = pipe.publish

            def reset_once(*args, **kwargs):
                if not failures:
                    failures.append(True)
                    raise redis.exceptions.ConnectionError("Connection reset by peer")
                return publish(*args, **kwargs)

            pipe.publish = reset_once
            return pipe

        def __getattr__(self, name):
            return getattr(client, name)

    monkeypatch.setattr(fanout, "_redis", ResetOnce())
    await host.send_to(text_data=json.dumps({"type": "host.reveal", "id": "v"}))
    assert (await until(host, lambda f: f.get("ref") == "v"))["type"] == "ack"
    revealed = await until(player, lambda f: (f.get("question") or {}).get("phase") == "revealed")
    assert failures and revealed["event"] == "snapshot" and revealed["seq"] > opened["seq"]

    for socket in (host, player):
        await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.parametrize("redis_after", ["up", "stopped"])
async def test_the_subscription_cancelled_mid_resync_ends_even_if_a_command_swallowed_the_cancellation(
    own_redis, monkeypatch, redis_after
):
    """On Python 3.11 a redis-py command can swallow a cancellation that lands as its send
    completes (3.11's asyncio.wait_for returns the result): the subscription, cancelled in the
    middle of a resync, carried on -- back to listening, or with Redis gone into reconnecting --
    and the event loop's shutdown waited for it for ever. Here the resync is held at a socket's
    snapshot, which swallows the cancellation as such a command does."""
    hall = await build_hall()
    host = await connect(hall["contest"].join_code, hall["host"], "host")
    await receive(host)
    await asyncio.wait_for(fanout.HUB.subscribed.wait(), FRAME_WAIT_S)
    held, sent = asyncio.Event(), ContestConsumer.send_snapshot

    async def swallowing_snapshot(consumer):
        held.set()
        try:
            await asyncio.Event().wait()  # until cancelled
        except asyncio.CancelledError:
            pass  # as redis-py's command under 3.11's wait_for, sometimes
        return await sent(consumer)

    monkeypatch.setattr(ContestConsumer, "send_snapshot", swallowing_snapshot)
    watcher = redis.Redis.from_url(own_redis.url)
    watcher.publish(f"{fanout.channel_prefix()}{hall['contest'].pk}{fanout.RESYNC}", 10**9)
    await asyncio.wait_for(held.wait(), FRAME_WAIT_S)

    subscription = fanout.HUB._subscriber
    subscription.cancel()
    if redis_after == "stopped":  # as at the end of a test (own_redis), or Redis going away meanwhile
        await sync_to_async(own_redis.stop)()
    done, _pending = await asyncio.wait({subscription}, timeout=FRAME_WAIT_S)  # a guard, not a pace
    assert subscription in done and subscription.cancelled()
    if redis_after == "up":  # and its connection is closed: nobody is subscribed any more

        async def unsubscribed():
            while watcher.pubsub_numpat():
                await asyncio.sleep(0.01)

        await asyncio.wait_for(unsubscribed(), FRAME_WAIT_S)
    await host.disconnect()


@pytest.mark.asyncio
async def test_a_deactivation_while_redis_is_down_still_closes_the_members_sockets_in_this_process(own_redis):
    hall = await build_hall()
    socket = await connect(hall["contest"].join_code, hall["red"][0], language="en")
    await receive(socket)
    await asyncio.wait_for(fanout.HUB.subscribed.wait(), FRAME_WAIT_S)

    await sync_to_async(own_redis.stop)()
    await deactivate("red0")  # committed; its message cannot be published

    await assert_ended(socket, "account_deactivated")


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="several processes need PostgreSQL"
)
def test_two_server_processes_bring_a_reveal_made_while_redis_was_down_to_every_socket(tree, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    host_user = factories.organiser(tree["audit"], username="host")
    red, blue = factories.member(tree["gz1"], username="red"), factories.member(tree["jjj1"], username="blue")
    watcher = factories.member(tree["gz1"], username="watcher")
    contest = services.contest_create(title="重启竞赛", unit=tree["audit"], by=host_user)
    services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=[red])
    services.team_add(contest=contest, name="蓝队", unit=tree["jjj"], legs=[blue])
    bank = factories.bank(tree["audit"])
    services.round_add(
        contest=contest,
        type=Round.Type.COMPULSORY,
        time_limit_s=60,
        versions=[factories.question(bank, "single", key=["A"]).current for _ in range(2)],
    )
    processes, ports = zip(
        *(start_web({**web_env(), "REDIS_URL": server.url}, tmp_path / f"web{n}.log") for n in range(2)), strict=True
    )
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for(lambda port=port: _healthy(port), timeout=60, what=f"bin/web on {port}", process=process)
        host = Player(contest.join_code, session_cookie(host_user), "host")
        screen = Player(contest.join_code, session_cookie(watcher), "screen")
        phones = [Player(contest.join_code, session_cookie(member)) for member in (red, blue)]
        host.connect(ports[0])
        screen.connect(ports[1])
        phones[0].connect(ports[0])
        phones[1].connect(ports[1])
        host.send(type="host.start", id="s")
        host.next(lambda f: f.get("ref") == "s")
        host.send(type="host.open", id="o")
        for client in (screen, *phones):
            opened = client.next(lambda f: f.get("event") == "question.opened")

        server.stop()
        host.send(type="host.reveal", id="v")
        assert host.next(lambda f: f.get("ref") == "v")["type"] == "ack"
        server.start()
        for client in (screen, *phones, host):
            revealed = client.next(lambda f: (f.get("question") or {}).get("phase") == "revealed")
            assert revealed["seq"] > opened["seq"]
        host.send(type="host.open", id="o2")
        assert phones[1].next(lambda f: f.get("event") == "question.opened")["seq"] > revealed["seq"]
        for client in (host, screen, *phones):
            client.close()
    finally:
        for process in processes:
            stop(process)
        server.stop()
        wait_for(_server_sessions_gone, timeout=15, what="the stopped servers' database sessions to end")
