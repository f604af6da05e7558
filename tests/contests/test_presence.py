"""The host console learns which runners have a phone connected (`presence`), from any process,
on a tick and only when it changes."""

import time

import pytest
from asgiref.sync import sync_to_async

from contests import presence, services
from contests.models import Round
from tests import factories
from tests.contests.test_contest_socket import connect, receive
from tests.processes import session_cookie

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


async def test_a_socket_its_process_stopped_renewing_goes_off_the_list_after_the_ttl(monkeypatch):
    contest, _host, red, _cookies = await relay_hall()
    now = time.time()
    monkeypatch.setattr(presence.time, "time", lambda: now)
    await sync_to_async(presence.join)(contest.pk, contest.join_code, presence.new_token(red[0].pk))
    await sync_to_async(presence.join)(contest.pk, contest.join_code, presence.new_token(red[1].pk))
    assert await sync_to_async(presence.online)(contest.pk, contest.join_code) == sorted([red[0].pk, red[1].pk])
    # 59 s later (TTL 60 s) both still count; red[1]'s process renews at 59 s, red[0]'s has died.
    monkeypatch.setattr(presence.time, "time", lambda: now + 59)
    tokens = [presence.new_token(red[1].pk)]
    await sync_to_async(presence.renew)({(contest.pk, contest.join_code): tokens})
    # At 61 s red[0]'s entry (expiring at 60 s) is gone; red[1]'s lasts until 59 + 60 = 119 s.
    monkeypatch.setattr(presence.time, "time", lambda: now + 61)
    assert await sync_to_async(presence.online)(contest.pk, contest.join_code) == [red[1].pk]
