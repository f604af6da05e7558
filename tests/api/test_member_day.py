"""A member's day through a client generated, at run time, from the OpenAPI schema the server
publishes: every call is made by operationId, so an operation renamed or moved in the schema
breaks this test as it would break a phone app. Sign in, watch a lesson to completion by
heartbeats, take the daily quiz, join a live contest and answer over the socket, read the board."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone
from rest_framework.test import APIClient

from contests import services as contest_services
from contests.models import Round
from lessons.models import Lesson, Series
from lessons.services import videos
from quizsite.asgi import application
from tests import factories
from tests.sockets import Communicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

RIGHT_OPTION = "实现共产主义"  # the right option of the factories' single-choice questions


class SchemaClient:
    """Calls API operations by operationId: `client.lessons_heartbeat(lesson_id=3, body={...})`.
    Method and path come from the schema; path parameters are the keywords the path names."""

    def __init__(self, transport: APIClient, schema: dict) -> None:
        self.transport = transport
        self.operations = {
            operation["operationId"]: (method, path)
            for path, item in schema["paths"].items()
            for method, operation in item.items()
        }

    def __getattr__(self, operation_id: str):
        method, template = self.operations[operation_id]

        def call(*, body: dict | None = None, query: dict | None = None, expect: int = 200, **path_params):
            wanted = set(re.findall(r"{(\w+)}", template))
            assert wanted == set(path_params), f"{operation_id} takes {wanted}"
            path = template.format(**path_params)
            send = getattr(self.transport, method)
            response = send(path, query) if method == "get" else send(path, body or {}, format="json")
            assert response.status_code == expect, (operation_id, response.status_code, response.content)
            return response.json() if response.content else None

        return call


@sync_to_async
def build_day():
    audit = factories.unit_at("审计署", kind="organ")
    gz = factories.unit_at("审计署/广州特派办", kind="office")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    member = factories.member(gz1, username="zhang", real_name="张三")
    teammate = factories.member(gz1, username="li", real_name="李四")
    host = factories.organiser(audit, username="host")
    series = Series.objects.create(slug="dangzhang", title="党章讲堂", unit=audit)
    lesson = videos.lesson_create(title="党章第一讲", unit=gz, series=series, required=True, published=True)
    Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.READY, duration_s=Decimal("60.00"))
    bank = factories.bank(audit)
    factories.paper(audit, mode="daily", questions=[factories.question(bank) for _ in range(3)], title="每日一练")
    contest = contest_services.contest_create(title="知识竞赛", unit=audit, by=host)
    contest_services.team_add(contest=contest, name="红队", unit=gz, legs=[member, teammate])
    contest_services.round_add(
        contest=contest, type=Round.Type.RELAY, versions=[factories.question(bank, "single", key=["A"]).current]
    )
    return contest.join_code


def schema_for(key: str) -> dict:
    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def signed_in(username: str) -> SchemaClient:
    """Sign in through the schema's own sign-in operation, then read the schema as the app would."""
    anonymous = SchemaClient(APIClient(), {"paths": {"/api/v1/auth/token/": {"post": {"operationId": "auth_sign_in"}}}})
    issued = anonymous.auth_sign_in(body={"username": username, "password": factories.PASSWORD, "device": "手机"})
    transport = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    transport.credentials(HTTP_AUTHORIZATION=f"Token {issued['token']}")
    return SchemaClient(transport, schema_for(issued["token"]))


def watch_a_lesson(api: SchemaClient, monkeypatch) -> None:
    """Heartbeats every 10 s of a clock moved by hand, from 0 to the end of a 60 s lesson."""
    lesson = next(row for row in api.lessons_list()["results"] if row["title"] == "党章第一讲")
    detail = api.lessons_retrieve(lesson_id=lesson["id"])
    assert detail["required"] and detail["resume_s"] == 0 and detail["heartbeat_interval_s"] == 10
    start = timezone.now()
    with monkeypatch.context() as patched:
        for position in range(0, 61, 10):
            patched.setattr(timezone, "now", lambda position=position: start + timedelta(seconds=position))
            beat = api.lessons_heartbeat(
                lesson_id=lesson["id"], body={"tab": "app", "position": position, "playing": position < 60}
            )
    assert beat["watched_s"] == 60 and beat["percent"] == 100 and beat["completed"]
    assert api.lessons_study_hours() == {"hours": 0.25, "lessons_completed": 1}  # up to 15 minutes: 0.25 h


def take_the_daily_quiz(api: SchemaClient) -> None:
    paper = next(p for p in api.study_papers_retrieve()["results"] if p["mode"] == "daily")
    attempt = api.study_papers_attempts_create(paper_id=paper["id"], expect=201)
    for item in attempt["items"]:
        letter = next(o["letter"] for o in item["options"] if o["text"] == RIGHT_OPTION)
        feedback = api.study_attempts_items_answer_create(
            attempt_id=attempt["id"], position=item["position"], body={"response": letter}
        )
        assert feedback["is_correct"]
    finished = api.study_attempts_submit_create(attempt_id=attempt["id"])
    assert finished["status"] != "open" and Decimal(finished["score"]) == Decimal(finished["max_score"]) > 0


async def open_socket(url: str) -> Communicator:
    socket = Communicator(application, url.removeprefix("ws://testserver"), headers=[(b"origin", b"http://localhost")])
    connected, _ = await socket.connect()
    assert connected
    return socket


async def next_frame(socket, predicate) -> dict:
    while True:
        frame = json.loads(await socket.receive_from())
        if predicate(frame):
            return frame


async def test_a_members_day_through_the_schema_generated_client(monkeypatch):
    code = await build_day()
    member = await sync_to_async(signed_in)("zhang")
    await sync_to_async(watch_a_lesson)(member, monkeypatch)
    await sync_to_async(take_the_daily_quiz)(member)

    joined = await sync_to_async(member.contests_join)(body={"code": code.lower()})
    assert joined["team"]["name"] == "红队" and [m["you"] for m in joined["team"]["members"]] == [True, False]
    host = await sync_to_async(signed_in)("host")
    host_ticket = await sync_to_async(host.contests_ticket)(code=code, body={"role": "host"})
    player_ticket = await sync_to_async(member.contests_ticket)(code=code, body={"role": "player"})
    console = await open_socket(host_ticket["url"])
    phone = await open_socket(player_ticket["url"])
    snapshot = await next_frame(phone, lambda f: f["type"] == "state")
    assert snapshot["you"]["team_name"] == "红队" and snapshot["you"]["leg"] == 1

    await console.send_to(text_data=json.dumps({"type": "host.start", "id": "h1"}))
    await next_frame(console, lambda f: f["type"] == "ack" and f["ref"] == "h1")
    await console.send_to(text_data=json.dumps({"type": "host.open", "id": "h2"}))
    opened = await next_frame(phone, lambda f: f.get("event") == "question.opened")
    question = opened["question"]
    right = next(o["letter"] for o in question["options"] if o["text"] == RIGHT_OPTION)
    answer = {"type": "answer.submit", "id": "a1", "answer_id": "zhang-1", "opening": question["opening"]}
    await phone.send_to(text_data=json.dumps({**answer, "response": right}))
    assert (await next_frame(phone, lambda f: f["type"] in ("ack", "error")))["type"] == "ack"
    await console.send_to(text_data=json.dumps({"type": "host.reveal", "id": "h3"}))
    await next_frame(phone, lambda f: f.get("event") == "question.revealed")
    await phone.disconnect()
    await console.disconnect()

    board = await sync_to_async(member.contests_results)(code=code)
    assert [(t["rank"], t["name"], t["score"]) for t in board["teams"]] == [(1, "红队", 110)]  # 100 + 10
