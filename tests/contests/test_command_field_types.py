"""Every field of a host command or a player action is taken only in its documented JSON type:
`"correct": "false"` is not a ruling of right (Python's bool("false") is True), a reason that is
not text is not kept as "None" or "['x']", and an answer's `opening` of "41" is not taken as
absent. Each is refused with `bad_value`, naming the field, and nothing changes."""

import json

import pytest
from asgiref.sync import sync_to_async

from contests import consumers, services
from contests.models import AuditEntry, ContestAnswer, LegHandover, Opening, Round, ScoreEvent
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
    contest = services.contest_create(title="接力赛", unit=audit, by=host)
    red_team = services.team_add(contest=contest, name="红队", unit=gz1, legs=red)
    services.team_add(contest=contest, name="蓝队", unit=gz1, legs=blue)
    versions = [factories.question(bank, "true_false", key=[True]).current for _ in range(3)]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=versions)
    return {
        "contest": contest,
        "red": red_team.pk,
        "ids": [m.pk for m in red],
        "host": session_cookie(host),
        "red0": session_cookie(red[0]),
    }


async def command(socket, ref: str, **fields) -> dict:
    await socket.send_to(text_data=json.dumps({"id": ref, **fields}))
    return await until(socket, lambda f: f["type"] in ("ack", "error") and f.get("ref") == ref)


@sync_to_async
def footprint() -> tuple:
    """What a command that is carried out leaves behind."""
    return (
        list(ScoreEvent.objects.values_list("team_id", "points", "reason", "note")),
        list(AuditEntry.objects.values_list("action", flat=True)),
        list(Opening.objects.values_list("skipped", "closed_at")),
        LegHandover.objects.count(),
        ContestAnswer.objects.count(),
    )


async def test_a_field_of_the_wrong_type_is_refused_as_bad_value_in_every_command_and_nothing_changes(monkeypatch):
    monkeypatch.setattr(consumers, "RATE_BURST", 100)  # more frames than a second's share, and no waiting
    hall = await build()
    code = hall["contest"].join_code
    host = await connect(code, hall["host"], "host", language="en")
    red0 = await connect(code, hall["red0"], language="en")
    await receive(host)
    await receive(red0)
    assert (await command(host, "s", type="host.start"))["type"] == "ack"
    assert (await command(host, "o", type="host.open"))["type"] == "ack"
    opened = await until(red0, lambda f: f.get("event") == "question.opened")
    opening = opened["question"]["opening"]

    # An answer whose `opening` is not a whole number: it was taken as left out, and counted.
    before = await footprint()
    for ref, value in (("a1", str(opening)), ("a2", None), ("a3", float(opening) + 0.5)):
        frame = {"type": "answer.submit", "answer_id": f"x{ref}", "opening": value, "response": True}
        refused = await command(red0, ref, **frame)
        assert (refused["type"], refused["code"]) == ("error", "bad_value"), ref
        assert "opening" in refused["message"]
    assert await footprint() == before

    # A skip whose reason is not text: the question stays open.
    for ref, reason in (("k1", 5), ("k2", None), ("k3", ["读错题"])):
        refused = await command(host, ref, type="host.skip", reason=reason)
        assert (refused["type"], refused["code"]) == ("error", "bad_value"), ref
        assert "reason" in refused["message"]
    assert await footprint() == before

    # A hand-over whose reason is not text: nothing handed over.
    frame = {"type": "host.hand_over", "team": hall["red"], "from_member": hall["ids"][1], "to_member": hall["ids"][0]}
    for ref, reason in (("h1", {"why": "手机没电"}), ("h2", 0)):
        refused = await command(host, ref, **frame, reason=reason)
        assert (refused["type"], refused["code"]) == ("error", "bad_value"), ref
    assert await footprint() == before

    # Red answers right (the key is 对), then the host reveals: red +10 (a relay round's points).
    answered = await command(red0, "a", type="answer.submit", answer_id="right", opening=opening, response=True)
    assert answered["type"] == "ack"
    assert (await command(host, "r", type="host.reveal"))["type"] == "ack"
    # The answer's id as `host.state` lists it (its broadcast may come before the ack, read past).
    answer = await sync_to_async(lambda: ContestAnswer.objects.get(team_id=hall["red"]).pk)()
    before = await footprint()
    assert before[0] == [(hall["red"], 10, "right", "")]

    # A ruling whose `correct` is not JSON true or false: "false" and "yes" ruled it right.
    for ref, correct in (("w1", "false"), ("w2", "yes"), ("w3", 0), ("w4", None), ("w5", "true")):
        refused = await command(host, ref, type="host.override", answer=answer, correct=correct, reason="复核")
        assert (refused["type"], refused["code"]) == ("error", "bad_value"), ref
        assert "correct" in refused["message"]
    refused = await command(host, "w6", type="host.override", answer=answer, reason="复核")  # left out
    assert (refused["type"], refused["code"]) == ("error", "bad_value")
    # A ruling whose reason is not text: a list was kept as "['x']", null as "None".
    for ref, reason in (("w7", ["同义表述"]), ("w8", None), ("w9", {"a": 1})):
        refused = await command(host, ref, type="host.override", answer=answer, correct=False, reason=reason)
        assert (refused["type"], refused["code"]) == ("error", "bad_value"), ref
        assert "reason" in refused["message"]
    # An adjustment whose reason is not text.
    for ref, reason in (("j1", None), ("j2", ["违规"]), ("j3", 12)):
        refused = await command(host, ref, type="host.adjust", team=hall["red"], points=-5, reason=reason)
        assert (refused["type"], refused["code"]) == ("error", "bad_value"), ref
    assert await footprint() == before

    # The same commands with their fields as documented are carried out: the ruling of wrong
    # takes red's 10 points off (-10), the adjustment -5.
    ruled = await command(host, "ok1", type="host.override", answer=answer, correct=False, reason="读题超时")
    assert ruled["type"] == "ack"
    adjusted = await command(host, "ok2", type="host.adjust", team=hall["red"], points=-5, reason="违规")
    assert adjusted["type"] == "ack"
    events = (await footprint())[0]
    assert events == [
        (hall["red"], 10, "right", ""),
        (hall["red"], -10, "override", "读题超时"),
        (hall["red"], -5, "adjustment", "违规"),
    ]
    await host.disconnect()
    await red0.disconnect()
