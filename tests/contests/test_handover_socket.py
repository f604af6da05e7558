"""`host.hand_over` over the contest socket: the new holder's phone may answer at once, the old
holder's is refused, and every bad command is refused with its own code, changing nothing."""

import json

import pytest
from asgiref.sync import sync_to_async

from contests import services
from contests.models import Contest, LegHandover, Round
from tests import factories
from tests.contests.test_contest_socket import connect, receive, until
from tests.processes import session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def build(round_type: str = Round.Type.RELAY) -> dict:
    tree = {
        "audit": factories.unit_at("审计署", kind="organ"),
        "gz": factories.unit_at("审计署/广州特派办", kind="office"),
        "gz1": factories.unit_at("审计署/广州特派办/第一党支部"),
    }
    bank = factories.bank(tree["audit"])
    host = factories.organiser(tree["audit"], username="host")
    red = [factories.member(tree["gz1"], username=f"red{n}", real_name=f"红{n}") for n in range(2)]
    spare = factories.member(tree["gz1"], username="spare")
    blue = [factories.member(tree["gz1"], username=f"blue{n}") for n in range(2)]
    contest = services.contest_create(title="接力赛", unit=tree["audit"], by=host)
    team = services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=red, substitutes=[spare])
    services.team_add(contest=contest, name="蓝队", unit=tree["gz"], legs=blue)
    versions = [factories.question(bank, "true_false", key=[True]).current for _ in range(3)]
    services.round_add(contest=contest, type=round_type, versions=versions)
    return {
        "contest": contest,
        "team": team.pk,
        "ids": {m.username: m.pk for m in [*red, spare, *blue]},
        "host": session_cookie(host),
        "red": [session_cookie(m) for m in red],
    }


async def command(host, ref: str, **fields) -> dict:
    """Send a host command; its ack or error."""
    await host.send_to(text_data=json.dumps({"id": ref, **fields}))
    return await until(host, lambda f: f["type"] in ("ack", "error") and f.get("ref") == ref)


def hand_over(hall: dict, from_member: str, to_member: str, **fields) -> dict:
    ids = hall["ids"]
    frame = {"type": "host.hand_over", "team": hall["team"], "from_member": ids[from_member]}
    return {**frame, "to_member": ids[to_member], **fields}


async def nothing_handed_over(contest: Contest) -> bool:
    await sync_to_async(contest.refresh_from_db)()
    return contest.baton_version == 0 and not await sync_to_async(LegHandover.objects.exists)()


async def test_the_new_holders_phone_answers_at_once_and_the_old_holders_is_refused():
    hall = await build()
    code = hall["contest"].join_code
    host = await connect(code, hall["host"], "host")
    old, new = await connect(code, hall["red"][0]), await connect(code, hall["red"][1])
    for socket in (host, old, new):
        await receive(socket)
    assert (await command(host, "s", type="host.start"))["type"] == "ack"
    assert (await command(host, "o", type="host.open"))["type"] == "ack"
    opened = await until(new, lambda f: f.get("event") == "question.opened")
    opening = opened["question"]["opening"]  # Q1: red0's leg

    done = await command(host, "h", **hand_over(hall, "red0", "red1", reason="手机没电"), command_id="c-1")
    assert done["type"] == "ack" and done["action"] == "host.hand_over"
    assert done["from_question"] == {"round": 1, "position": 1} and done["repeat"] is False
    handed = await until(new, lambda f: f.get("event") == "baton.handed")
    assert handed["v"] == 9
    assert handed["handovers"] == [
        {
            "team": hall["team"],
            "from": hall["ids"]["red0"],
            "from_name": "红0",
            "to": hall["ids"]["red1"],
            "to_name": "红1",
            "round": 1,
            "position": 1,
        }
    ]
    # The host's own broadcast may come before the ack (no promised order): its picture, asked for.
    await host.send_to(text_data=json.dumps({"type": "sync"}))
    on_host = await until(host, lambda f: f["type"] == "host.state" and f["event"] == "snapshot")
    assert on_host["question"]["baton"][str(hall["team"])]["handed_from"] == {
        "member": hall["ids"]["red0"],
        "name": "红0",
    }
    assert on_host["audit"][0]["action"] == "hand_over"

    # The same command again (a resend after a dropped connection) is not carried out twice.
    again = await command(host, "h2", **hand_over(hall, "red0", "red1"), command_id="c-1")
    assert again["repeat"] is True and await sync_to_async(LegHandover.objects.count)() == 1

    submit = {"type": "answer.submit", "opening": opening, "response": True}
    await old.send_to(text_data=json.dumps({**submit, "id": "a0", "answer_id": "old"}))
    assert (await receive(old, kind="error"))["code"] == "leg_not_yours"
    await new.send_to(text_data=json.dumps({**submit, "id": "a1", "answer_id": "new"}))
    assert (await receive(new, kind="ack"))["answer_id"] == "new"
    for socket in (host, old, new):
        await socket.disconnect()


async def test_every_bad_hand_over_is_refused_with_its_code_and_changes_nothing():
    hall = await build()
    contest = hall["contest"]
    host = await connect(contest.join_code, hall["host"], "host")
    await receive(host)
    refusals = [(await command(host, "before", **hand_over(hall, "red0", "red1")))["code"]]
    await command(host, "s", type="host.start")
    await command(host, "o", type="host.open")
    bad = [
        ("no-team", {**hand_over(hall, "red0", "red1"), "team": 999999}),
        ("no-id", {**hand_over(hall, "red0", "red1"), "to_member": "红1"}),
        ("same", hand_over(hall, "red0", "red0")),
        ("other-team", hand_over(hall, "red0", "blue0")),
        ("not-runner", hand_over(hall, "spare", "red1")),
        ("too-long", hand_over(hall, "red0", "red1", reason="长" * 201)),
    ]
    for ref, frame in bad:
        refusals.append((await command(host, ref, **frame))["code"])
    assert await nothing_handed_over(contest)
    await command(host, "f", type="host.finish")
    refusals.append((await command(host, "after", **hand_over(hall, "red0", "red1")))["code"])
    assert refusals == [
        "not_started",
        "no_such_team",
        "bad_member",
        "same_member",
        "not_on_team",
        "not_a_runner",
        "reason_too_long",
        "results_final",
    ]
    assert await nothing_handed_over(contest)
    await host.disconnect()


async def test_a_hand_over_in_a_contest_without_relay_rounds_is_refused_as_not_a_relay():
    hall = await build(Round.Type.COMPULSORY)
    host = await connect(hall["contest"].join_code, hall["host"], "host")
    await receive(host)
    await command(host, "s", type="host.start")
    assert (await command(host, "h", **hand_over(hall, "red0", "red1")))["code"] == "not_a_relay"
    assert await nothing_handed_over(hall["contest"])
    await host.disconnect()


async def test_only_a_host_may_hand_legs_over():
    hall = await build()
    phone = await connect(hall["contest"].join_code, hall["red"][1])
    await receive(phone)
    assert (await command(phone, "h", **hand_over(hall, "red0", "red1")))["code"] == "unknown_type"
    assert await nothing_handed_over(hall["contest"])
    await phone.disconnect()
