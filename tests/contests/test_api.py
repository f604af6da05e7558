"""Live contests over the API: mine, join by code, team and legs, results, and the hand-off to
the socket with a one-time ticket."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from rest_framework.test import APIClient

from contests import services
from contests.models import Round
from quizsite.asgi import application
from tests import factories
from tests.sockets import Communicator


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def build(tree):
    bank = factories.bank(tree["audit"])
    host = factories.organiser(tree["audit"], username="host")
    red = [factories.member(tree["gz1"], username=f"red{n}", real_name=f"红{n}") for n in range(2)]
    contest = services.contest_create(title="知识竞赛", unit=tree["audit"], by=host)
    services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=red)
    services.round_add(
        contest=contest, type=Round.Type.RELAY, versions=[factories.question(bank, "single", key=["A"]).current]
    )
    return contest, host, red


def test_a_player_finds_the_contest_by_code_in_any_case_with_team_and_legs(tree):
    contest, _host, red = build(tree)
    joined = client_for(red[1]).post("/api/v1/contests/join/", {"code": contest.join_code.lower()})
    assert joined.status_code == 200
    body = joined.json()
    assert body["title"] == "知识竞赛" and body["role"] == "player" and body["team"]["name"] == "红队"
    assert body["team"]["members"] == [
        {"name": "红0", "leg": 1, "you": False},
        {"name": "红1", "leg": 2, "you": True},
    ]
    mine = client_for(red[1]).get("/api/v1/contests/").json()["results"]
    assert [(c["join_code"], c["role"], c["team"]) for c in mine] == [(contest.join_code, "player", "红队")]


def test_rehearsals_are_not_listed_as_contests_to_play_or_host(tree):
    from contests.wizard.services import contest_rehearse

    contest, host, red = build(tree)
    rehearsal = contest_rehearse(contest=contest, by=host)
    assert rehearsal.join_code != contest.join_code
    mine = client_for(red[0]).get("/api/v1/contests/").json()["results"]
    assert [c["join_code"] for c in mine] == [contest.join_code]
    hosting = client_for(host).get("/api/v1/contests/").json()["results"]
    assert [(c["join_code"], c["role"]) for c in hosting] == [(contest.join_code, "host")]


def test_wrong_codes_are_refused_like_the_socket_and_then_every_code_for_a_while(tree):
    contest, _host, _red = build(tree)
    guesser = factories.member(tree["mof"])
    outsider = client_for(guesser)
    for _ in range(10):
        refused = outsider.post("/api/v1/contests/join/", {"code": "NOPE00"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_in_contest"
    locked = outsider.post("/api/v1/contests/join/", {"code": contest.join_code}, HTTP_ACCEPT_LANGUAGE="en")
    assert locked.json()["error"]["code"] == "too_many_attempts"
    assert locked.json()["error"]["message"] == "Too many wrong join codes. Wait 10 minutes, then try again."
    # The window runs from the first refusal: 7.5 minutes later, 2.5 minutes are left.
    since_key = f"join-refusals-since:{guesser.pk}"
    cache.set(since_key, cache.get(since_key) - 450, 600)
    later = outsider.post("/api/v1/contests/join/", {"code": contest.join_code}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert later.json()["error"]["message"] == "错误的加入码尝试次数过多，请 3 分钟后再试。"


def test_results_for_players_organisers_and_the_audience_not_outsiders(tree):
    contest, host, red = build(tree)
    rows = client_for(red[0]).get(f"/api/v1/contests/{contest.join_code}/results/").json()
    assert rows["teams"] == [
        {"rank": 1, "id": contest.teams.get().pk, "name": "红队", "score": 100, "relay_seconds": 0}
    ]
    assert client_for(host).get(f"/api/v1/contests/{contest.join_code}/results/").json()["contest"]["role"] == "host"
    audience = client_for(factories.member(tree["jjj1"]))
    assert audience.get(f"/api/v1/contests/{contest.join_code}/results/").json()["contest"]["role"] == "screen"
    outsider = client_for(factories.member(tree["mof"]))
    refused = outsider.get(f"/api/v1/contests/{contest.join_code}/results/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_in_audience"


def test_a_ticket_is_given_only_for_a_role_the_user_may_take(tree):
    contest, host, red = build(tree)
    refused = client_for(red[0]).post(f"/api/v1/contests/{contest.join_code}/ticket/", {"role": "host"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_host"
    ticket = client_for(host).post(f"/api/v1/contests/{contest.join_code}/ticket/", {"role": "host"}).json()
    assert ticket["url"].startswith(f"ws://testserver/ws/contests/{contest.join_code}/?role=host&ticket=")
    assert ticket["protocol_version"] == 9


async def open_socket(url: str):
    path = url.removeprefix("ws://testserver")
    socket = Communicator(application, path, headers=[(b"origin", b"http://localhost")])
    connected, _ = await socket.connect()
    assert connected
    return socket


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_ticket_signs_in_one_socket_on_its_own_contest_only():
    tree = await sync_to_async(
        lambda: {
            "audit": factories.unit_at("审计署", kind="organ"),
            "gz": factories.unit_at("审计署/广州特派办", kind="office"),
            "gz1": factories.unit_at("审计署/广州特派办/第一党支部"),
        }
    )()
    contest, _host, red = await sync_to_async(build)(tree)
    api = client_for(red[0])
    ticket = await sync_to_async(api.post)(f"/api/v1/contests/{contest.join_code}/ticket/", {"role": "player"})
    url = ticket.json()["url"]
    socket = await open_socket(url)
    snapshot = json.loads(await socket.receive_from())
    assert snapshot["type"] == "state" and snapshot["you"]["team_name"] == "红队"
    await socket.disconnect()
    replayed = await open_socket(url)  # the same ticket again: nobody is signed in
    assert (await replayed.receive_output())["code"] == 4401
    other = await sync_to_async(services.contest_create)(title="另一场", unit=tree["audit"], by=None)
    fresh = (await sync_to_async(api.post)(f"/api/v1/contests/{contest.join_code}/ticket/", {})).json()["url"]
    elsewhere = await open_socket(fresh.replace(contest.join_code, other.join_code))
    assert (await elsewhere.receive_output())["code"] == 4401


def test_organisers_download_the_results_workbook_and_outsiders_are_refused(tree):
    from io import BytesIO

    from openpyxl import load_workbook

    contest, host, _red = build(tree)
    download = client_for(host).get(f"/api/v1/contests/{contest.join_code}/results/export/")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(download.content)).worksheets[0].values)
    # Rank, team, score, relay time, then the score's parts: base 100 + 0 from answers + 0 adjusted.
    assert rows[0][0] == "知识竞赛" and rows[2] == (1, "红队", 100, 0, 100, 0, 0)
    outsider = client_for(factories.member(tree["mof"]))
    refused = outsider.get(f"/api/v1/contests/{contest.join_code}/results/export/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_host"
    # A member of the contest's unit (and a player) is refused too: the workbook has every
    # answer, each adjustment's reason and who made it (an attacker walk downloaded it).
    for member in (factories.member(tree["audit"]), _red[0]):
        refused = client_for(member).get(f"/api/v1/contests/{contest.join_code}/results/export/")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_host"


@pytest.mark.parametrize("code", ["%00", "AB%00CD", "%E4%B8%AD", "AB-CD"])
def test_a_code_no_contest_can_have_is_refused_like_a_wrong_one_not_a_server_error(tree, client, code):
    """Codes are letters and digits. A NUL byte in the URL reached PostgreSQL, which refuses it in
    a query: every page, download and API call taking a code answered 500 (on SQLite this passed
    before the fix too)."""
    contest, host, red = build(tree)
    refused = client_for(red[0]).get(f"/api/v1/contests/{code}/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_in_contest"
    results = client_for(red[0]).get(f"/api/v1/contests/{code}/results/")
    assert results.status_code == 403 and results.json()["error"]["code"] == "not_in_audience"
    client.force_login(host)
    for page in ("play", "results.xlsx", "setup", "duplicate"):
        assert client.get(f"/contests/{code}/{page}/".replace("xlsx/", "xlsx")).status_code in (403, 404)
