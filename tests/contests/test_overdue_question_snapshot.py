"""A question whose deadline passed while no process had a socket of its contest (a restart) is
closed by the first snapshot, not shown open until the ticker's first turn."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from contests import consumers, services
from contests.models import Opening
from tests.contests.test_contest_socket import build_hall, connect, receive

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def open_first_question_80_s_ago(contest) -> Opening:
    """Started and opened 80 s ago: the relay round's 20 s ran out 60 s ago."""
    at = timezone.now() - timedelta(seconds=80)
    services.contest_start(contest=contest, by=None, at=at)
    opening = services.question_open(contest=contest, by=None, at=at)
    assert opening.deadline_at == at + timedelta(seconds=20) and opening.closed_at is None
    return opening


async def test_the_first_snapshots_after_a_restart_close_a_question_60_s_past_its_deadline(monkeypatch):
    # Freshly restarted: no ticker has turned yet in this process (it starts with a socket).
    monkeypatch.setattr(consumers, "ensure_ticker", lambda: None)
    hall = await build_hall()
    contest = hall["contest"]
    opening = await open_first_question_80_s_ago(contest)
    host = await connect(contest.join_code, hall["host"], "host")
    console = await receive(host)
    assert console["type"] == "host.state" and console["event"] == "snapshot"
    assert console["question"]["phase"] == "closed"
    await opening.arefresh_from_db()
    assert opening.closed_at == opening.deadline_at  # closed at its deadline, as the ticker closes
    phone = await connect(contest.join_code, hall["red"][0])
    screen = await connect(contest.join_code, hall["screen"], "screen")
    for socket in (phone, screen):
        snapshot = await receive(socket, kind="state")
        assert snapshot["event"] == "snapshot" and snapshot["question"]["phase"] == "closed"
        assert snapshot["seq"] == console["seq"]  # one close, numbered once
    for socket in (host, phone, screen):
        await socket.disconnect()
