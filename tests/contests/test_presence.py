"""The host console learns which runners have a phone connected (`presence`), from any process,
on a tick and only when it changes."""

import asyncio
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from contests import consumers, fanout, presence, services
from contests.models import Round
from tests import factories
from tests.contests.test_contest_socket import connect, receive
from tests.processes import session_cookie
from tests.sockets import FRAME_WAIT_S

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def relay_hall():
    audit = factories.unit_at("审计署", kind="organ")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    bank = factories.bank(audit)
    host = factories.organiser(audit, username="host")
    red = [factories.member(gz1, username=f"red{n}", real_name=name) for n, name in enumerate(["谭振辉", "李红"])]
    contest = services.contest_create(title="接力赛", unit=audit, by=host)
    services.team_add(contest=contest, name="红队", unit=gz1, legs=red)
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=[factories.question(bank, "single").current])
    services.contest_start(contest=contest, by=host)
    return contest, session_cookie(host), red, [session_cookie(member) for member in red]


async def test_the_console_is_told_when_a_runner_connects_and_when_he_leaves():
    contest, host_cookie, red, red_cookies = await relay_hall()
    code = contest.join_code
    host = await connect(code, host_cookie, "host")
    snapshot = await receive(host, kind="host.state")
    assert snapshot["online"] == []  # nobody's phone is there yet
    # Every runner with name and leg, in relay order, so the console can say who is missing.
    (team,) = snapshot["runners"]
    assert snapshot["runners"][team] == [
        {"member": red[0].pk, "name": "谭振辉", "leg": 1},
        {"member": red[1].pk, "name": "李红", "leg": 2},
    ]

    phone = await connect(code, red_cookies[0])
    await receive(phone, kind="state")
    told = await receive(host, kind="presence")
    while told["online"] != [red[0].pk]:  # a tick may have read the set before the phone joined
        told = await receive(host, kind="presence")
    assert told == {"type": "presence", "v": 9, "online": [red[0].pk]}

    await phone.disconnect()  # he closed his phone
    assert (await receive(host, kind="presence"))["online"] == []
    await host.disconnect()


async def online_becomes(at: tuple[int, str], members: list[int]) -> None:
    """Until the contest's set says `members` are connected (a process writes on its ticker's turn)."""

    async def wait():
        while await sync_to_async(presence.online)(*at) != members:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), FRAME_WAIT_S)


async def test_the_last_phone_to_leave_a_process_is_written_off_before_its_ticker_stops(monkeypatch):
    await last_phone_leaves(monkeypatch)


async def test_the_sockets_of_a_server_whose_loop_ended_do_not_keep_the_next_one_s_ticker_turning(monkeypatch):
    """A server stopped without closing its sockets (its event loop ended with them still in the
    hub's groups, as a test's server may): the next loop's ticker still stops once its own last
    socket has left."""

    class Abandoned:
        base_send = None

    async def join():
        await fanout.HUB.join("999999:players", Abandoned())

    server = threading.Thread(target=asyncio.run, args=(join(),))  # its own loop, closed when done
    server.start()
    server.join()
    assert "999999:players" in fanout.HUB.groups
    await last_phone_leaves(monkeypatch)
    assert "999999:players" not in fanout.HUB.groups


async def last_phone_leaves(monkeypatch) -> None:
    contest, _host, red, red_cookies = await relay_hall()
    at = (contest.pk, contest.join_code)
    written = []  # every batch of joins and leaves the process wrote
    write = presence.write
    monkeypatch.setattr(presence, "write", lambda batch, renewed: written.append(batch) or write(batch, renewed))
    phone = await connect(contest.join_code, red_cookies[0])
    await receive(phone, kind="state")
    await online_becomes(at, [red[0].pk])
    (joined,) = [batch[at] for batch in written if at in batch]  # his join, in a batch of the ticker's
    assert list(joined.values()) == [True]
    await phone.disconnect()  # no socket is left in this process: its ticker stops once it has written that
    await asyncio.wait_for(consumers._ticker, FRAME_WAIT_S)
    assert written[-1] == {at: dict.fromkeys(joined, False)}  # the same socket's entry, left
    assert await sync_to_async(presence.online)(*at) == []


async def test_a_socket_whose_task_is_cancelled_leaves_the_hub_and_is_written_off(monkeypatch):
    """The server gives up on a socket (its task is cancelled, no disconnect is dispatched): it
    leaves its groups and its presence is written off, as if it had closed."""
    contest, _host, red, red_cookies = await relay_hall()
    at = (contest.pk, contest.join_code)
    phone = await connect(contest.join_code, red_cookies[0])
    await receive(phone, kind="state")
    await online_becomes(at, [red[0].pk])
    groups = fanout.HUB.groups.items()
    (socket,) = {member for name, members in groups if name.startswith(f"{contest.pk}:") for member in members}
    phone.future.cancel()
    with pytest.raises(asyncio.CancelledError):
        await phone.future
    assert [name for name, members in fanout.HUB.groups.items() if socket in members] == []
    await online_becomes(at, [])


def write_turn() -> None:
    """One turn of a process's ticker: write what its sockets did since the last."""
    assert presence.write(presence.take(), {})


async def test_joins_and_leaves_wait_for_their_process_s_next_write_which_takes_one_round_trip(monkeypatch):
    contest, _host, red, _cookies = await relay_hall()
    at = (contest.pk, contest.join_code)
    calls = []  # commands sent to Redis, one list per round trip
    if settings.REDIS_URL:
        client = fanout.hot_client()
        command, execute = type(client).execute_command, type(client.pipeline()).execute

        def counted_command(self, *args, **options):
            calls.append([args[0]])
            return command(self, *args, **options)

        def counted_pipeline(self, *args, **options):
            calls.append([args[0] for args, _options in self.command_stack])
            return execute(self, *args, **options)

        monkeypatch.setattr(type(client), "execute_command", counted_command)
        monkeypatch.setattr(type(client.pipeline()), "execute", counted_pipeline)
    presence.take()  # what other tests' sockets left unwritten
    first, second, brief = (presence.new_token(member.pk) for member in (red[0], red[1], red[0]))
    # Two phones join (on the event loop: no I/O), and a third joins and leaves again before the write.
    presence.join(*at, first)
    presence.join(*at, second)
    presence.join(*at, brief)
    presence.leave(*at, brief)
    assert calls == []
    assert await sync_to_async(presence.online)(*at) == []  # not written yet
    calls.clear()
    await sync_to_async(write_turn)()
    if settings.REDIS_URL:  # one pipeline; the brief phone was never written (a remove would come first)
        (pipeline,) = calls
        assert pipeline == ["ZADD", "EXPIRE", "SET"], pipeline
        added = fanout.hot_client().zrange(presence._key(*at), 0, -1)
        assert sorted(added) == sorted([first.encode(), second.encode()])
    assert await sync_to_async(presence.online)(*at) == sorted([red[0].pk, red[1].pk])
    presence.leave(*at, first)  # red[0] closes his phone
    await sync_to_async(write_turn)()
    assert await sync_to_async(presence.online)(*at) == [red[1].pk]


async def test_a_process_s_entries_go_off_the_list_after_the_ttl_once_it_stops_renewing(monkeypatch):
    contest, _host, red, _cookies = await relay_hall()
    at = (contest.pk, contest.join_code)
    now = time.time()
    monkeypatch.setattr(presence.time, "time", lambda: now)
    dead, alive = presence.new_token(red[0].pk), presence.new_token(red[1].pk)  # two processes' sockets
    presence.join(*at, dead)
    presence.join(*at, alive)
    await sync_to_async(write_turn)()
    assert await sync_to_async(presence.online)(*at) == sorted([red[0].pk, red[1].pk])
    # 59 s later (TTL 60 s) both still count; red[1]'s process renews at 59 s, red[0]'s has died.
    monkeypatch.setattr(presence.time, "time", lambda: now + 59)
    assert await sync_to_async(presence.write)({}, {at: [alive]})
    assert await sync_to_async(presence.online)(*at) == sorted([red[0].pk, red[1].pk])
    # At 61 s red[0]'s entry (expiring at 60 s) is gone, with no write since the last read (the
    # set's version unchanged); red[1]'s lasts until 59 + 60 = 119 s.
    monkeypatch.setattr(presence.time, "time", lambda: now + 61)
    assert await sync_to_async(presence.online)(*at) == [red[1].pk]
    monkeypatch.setattr(presence.time, "time", lambda: now + 119.5)
    assert await sync_to_async(presence.online)(*at) == []


async def test_a_batch_that_could_not_be_written_is_written_on_the_next_turn_under_what_came_after(monkeypatch):
    contest, _host, red, _cookies = await relay_hall()
    at = (contest.pk, contest.join_code)
    first, second = presence.new_token(red[0].pk), presence.new_token(red[1].pk)
    presence.join(*at, first)
    presence.join(*at, second)
    batch = presence.take()  # on its way to Redis, which is unreachable
    presence.leave(*at, second)  # meanwhile red[1]'s phone closes
    presence.restore(batch)
    await sync_to_async(write_turn)()
    assert await sync_to_async(presence.online)(*at) == [red[0].pk]
