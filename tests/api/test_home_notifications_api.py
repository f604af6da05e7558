# ruff: noqa: F811 (the fixtures imported from tests.test_home and tests.calls.conftest)
"""The member's home, notifications and calls over /api/v1/: the values the pages show for the
same data (worked out by hand), nobody else's notifications, and a blind judge never learns the
author."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from calls import services as call_services
from calls.models import Assignment, Call, Entry, Panel
from lessons.models import PointEvent, StudyCredit
from lessons.services.points import point_rules_ensure_defaults, points_award
from notifications.models import Notification
from notifications.services import notify
from orgs.tokens import token_issue
from rankings.models import Snapshot
from tests import factories
from tests.calls import documents
from tests.calls.conftest import essay_call, submitted_essay, upload  # noqa: F401 (fixture)
from tests.test_home import lesson, member, published_board  # noqa: F401 (fixtures)


def api(user) -> APIClient:
    _token, key = token_issue(user=user, device="测试手机")
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_home_answers_what_the_home_page_shows(client, tree, member, published_board):
    point_rules_ensure_defaults()  # practice_correct: 1 a right answer, at most 10 a day; daily_correct at most 5
    for n in range(12):
        points_award(member=member, activity="practice_correct", source_key=f"answer:{n}")
    points_award(member=member, activity="daily_correct", source_key="answer:100")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    PointEvent.objects.create(
        member=member, activity="quiz", points=1, day=yesterday, occurred_at=timezone.now(), source_key="y"
    )
    StudyCredit.objects.create(
        member=member, lesson=lesson(tree["gz"], title="已学"), hours=Decimal("0.75"), granted_at=timezone.now()
    )
    todo = lesson(tree["gz"], title="必修一")
    daily = factories.paper(tree["audit"], mode="daily", title="每日答题")

    # When the board's version was published (a published snapshot cannot change), in local time.
    published = timezone.localtime(Snapshot.objects.get(rule=published_board, status="published").published_at)
    body = api(member).get("/api/v1/home/").json()

    # Tasks: the required lesson not watched (the one credited is not completed either), then the daily quiz.
    assert [(t["kind"], t["title"], t["done"]) for t in body["tasks"]] == [
        ("lesson", "已学", False),
        ("lesson", todo.title, False),
        ("daily", daily.title, False),
    ]
    assert body["tasks_left"] == 3
    caps = {row["activity"]: (row["earned"], row["cap"]) for row in body["points_today"]}
    # 12 right answers, capped at 10; one daily answer of 5 a day.
    assert caps["practice_correct"] == (10, 10) and caps["daily_correct"] == (1, 5)
    assert body["points_today_total"] == 11
    assert body["hours_this_year"] == "0.75"
    # Today and yesterday: two days in a row.
    assert body["streak"] == 2
    # 甲 40, 李党员 30, 乙 20, 丙 10 on the published board: second.
    assert body["places"] == [
        {
            "ranking": published_board.slug,
            "title": "积分榜",
            "title_en": "",
            "label": "李党员",
            "label_en": "",  # a member board: the member's name, as typed
            "rank": 2,
            "tied": False,
            # Ranked overall only: no group, no place within one.
            "group_name": "",
            "group_name_en": "",
            "rank_in_group": None,
            "tied_in_group": False,
            "prize": "",
            # What the My place card shows: the total counted, 30 points, and when it was published.
            "metric": "total",
            "score": "30.0000",
            "published_at": published.isoformat(),
            # The one day the board counted (20 November 2026), as the card's period line says it.
            "period_starts_on": "2026-11-20",
            "period_ends_on": "2026-11-20",
            "corrects": None,
        }
    ]

    client.force_login(member)
    page = client.get(reverse("home")).content.decode()
    assert '<div class="qs-stat" id="points-today-total">11</div>' in page
    assert '<div class="qs-stat" id="streak">2</div>' in page
    assert '<div class="qs-stat" id="hours-this-year">0.75</div>' in page
    assert "第 2 名" in page
    # The page's card shows the same score and date.
    assert '<b class="qs-place-score">30</b>' in page and published.strftime("%m-%d %H:%M") in page


def test_home_needs_credentials(db):
    response = APIClient().get("/api/v1/home/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signed_out"


@pytest.fixture
def inboxes(tree, member):
    other = factories.member(tree["gz1"], username="wang", real_name="王党员")
    first = notify(recipients=[member], kind="contest_invitation", params={"contest": "知识竞赛"})[0]
    second = notify(recipients=[member], kind="results_published", params={"board": "积分榜"}, url="/rankings/x/")[0]
    theirs = notify(recipients=[other], kind="results_published", params={"board": "别人的榜"})[0]
    return {"member": member, "other": other, "first": first, "second": second, "theirs": theirs}


def test_notifications_list_only_mine_newest_first_in_my_language(inboxes):
    client = api(inboxes["member"])

    body = client.get("/api/v1/notifications/").json()

    assert body["count"] == 2
    assert [n["id"] for n in body["results"]] == [inboxes["second"].pk, inboxes["first"].pk]
    assert body["results"][0]["title"] == "排行榜已发布：积分榜"
    assert body["results"][0]["read"] is False and body["results"][0]["url"] == "/rankings/x/"
    assert "别人的榜" not in str(body)
    paged = client.get("/api/v1/notifications/", {"page_size": 1, "page": 2}).json()
    assert [n["id"] for n in paged["results"]] == [inboxes["first"].pk]


def test_page_size_that_is_not_a_number_is_a_400_naming_it(inboxes):
    response = api(inboxes["member"]).get("/api/v1/notifications/", {"page_size": "abc"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "page_size"


def test_mark_one_read_then_all(inboxes):
    client = api(inboxes["member"])
    assert client.get("/api/v1/notifications/unread/").json() == {"unread": 2}

    answer = client.post(f"/api/v1/notifications/{inboxes['first'].pk}/read/").json()

    assert answer == {"marked": 1, "unread": 1}
    # Twice: nothing more to mark.
    assert client.post(f"/api/v1/notifications/{inboxes['first'].pk}/read/").json() == {"marked": 0, "unread": 1}
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1, "unread": 0}
    assert client.get("/api/v1/notifications/unread/").json() == {"unread": 0}
    # The other member's stays unread.
    inboxes["theirs"].refresh_from_db()
    assert inboxes["theirs"].read_at is None


def test_another_members_notification_is_not_found_and_stays_unread(inboxes):
    response = api(inboxes["member"]).post(f"/api/v1/notifications/{inboxes['theirs'].pk}/read/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Notification.objects.get(pk=inboxes["theirs"].pk).read_at is None


# ---------------------------------------------------------------- calls


@pytest.fixture
def judged(tree, essay_call, member):
    """李党员 (第一党支部) submitted an essay that reached judging; a judge of 京津冀 has it, and a
    draft of his waits in the same call."""
    entry = submitted_essay(essay_call, member, title="我的征文")
    Entry.objects.filter(pk=entry.pk).update(status=Entry.Status.FINALIST, at_unit=None)
    judge = factories.member(tree["jjj1"], username="judge", real_name="评委甲")
    panel = Panel.objects.create(call=essay_call, name="评审组")
    panel.judges.set([judge])
    assignment = Assignment.objects.create(entry=entry, judge=judge, panel=panel)
    return {"entry": entry, "judge": judge, "assignment": assignment}


def test_a_member_sees_the_open_calls_of_their_audience_and_their_entries_with_the_receipt(
    tree,
    essay_call,
    member,
    judged,
):
    outsider = factories.member(tree["budget"])
    client = api(member)

    calls = client.get("/api/v1/calls/").json()
    entries = client.get("/api/v1/calls/entries/").json()

    assert [(c["title"], c["file_types"]) for c in calls["results"]] == [("学习二十大征文", ["docx", "pdf"])]
    assert [(e["title"], e["status"], e["status_label"], e["receipt"]) for e in entries["results"]] == [
        ("我的征文", "finalist", "评审中", judged["entry"].receipt)
    ]
    assert api(outsider).get("/api/v1/calls/").json()["count"] == 0
    assert api(outsider).get("/api/v1/calls/entries/").json()["count"] == 0


def test_a_draft_has_no_receipt_yet(essay_call, member):
    call_services.entry_create(call=essay_call, author=member, title="草稿")
    (entry,) = api(member).get("/api/v1/calls/entries/").json()["results"]
    assert (entry["status"], entry["receipt"]) == ("draft", None)


def test_a_judge_gets_the_blind_view_only_never_the_author(judged, member):
    client = api(judged["judge"])

    listed = client.get("/api/v1/calls/assignments/")
    detail = client.get(f"/api/v1/calls/assignments/{judged['assignment'].pk}/")

    assert [a["title"] for a in listed.json()["results"]] == ["我的征文"]
    body = detail.json()
    token = judged["assignment"].token
    assert body["files"] == [{"name": f"entry-{token}-0.docx", "extension": "docx"}]
    assert [(c["name"], c["score"]) for c in body["criteria"]] == [("内容", None), ("文采", None)]
    for text in (listed.content.decode(), detail.content.decode()):
        for secret in ("李党员", member.username, "第一党支部", "广州", "essay.docx"):
            assert secret not in text


def test_anyone_else_asking_for_an_assignment_is_refused(judged, member):
    for someone in (member, factories.member(judged["judge"].unit)):
        response = api(someone).get(f"/api/v1/calls/assignments/{judged['assignment'].pk}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_assigned"
    assert api(member).get("/api/v1/calls/assignments/").json()["count"] == 0


def test_a_member_drafts_attaches_and_submits_an_entry_and_gets_the_receipt(essay_call, member):
    client = api(member)

    draft = client.post(f"/api/v1/calls/{essay_call.pk}/entries/", {"title": "  学习心得 ", "summary": "摘要"})
    entry_id = draft.json()["id"]
    attached = client.post(
        f"/api/v1/calls/entries/{entry_id}/file/",
        {"file": upload("心得.docx", documents.docx(author=member.real_name))},
        format="multipart",
    )
    submitted = client.post(f"/api/v1/calls/entries/{entry_id}/submit/")

    assert draft.status_code == 201
    assert (draft.json()["title"], draft.json()["status"], draft.json()["receipt"]) == ("学习心得", "draft", None)
    assert attached.status_code == 200
    entry = Entry.objects.get(pk=entry_id)
    assert submitted.status_code == 200
    assert (submitted.json()["status"], submitted.json()["receipt"]) == ("submitted", entry.receipt)
    assert entry.files.get().original_name == "心得.docx"


def test_bad_entry_requests_are_refused_and_change_nothing(tree, essay_call, member):
    client = api(member)
    no_title = client.post(f"/api/v1/calls/{essay_call.pk}/entries/", {"summary": "没有标题"})
    assert (no_title.status_code, no_title.json()["error"]["field"]) == (400, "title")
    entry = call_services.entry_create(call=essay_call, author=member, title="草稿")

    # A picture is not an essay: refused, nothing kept.
    picture = client.post(
        f"/api/v1/calls/entries/{entry.pk}/file/", {"file": upload("a.png", documents.picture())}, format="multipart"
    )
    assert (picture.status_code, picture.json()["error"]["code"]) == (400, "type_not_allowed")
    assert picture.json()["error"]["field"] == "file" and not entry.files.exists()
    # Submitting without a file: 409, still a draft.
    no_file = client.post(f"/api/v1/calls/entries/{entry.pk}/submit/")
    assert (no_file.status_code, no_file.json()["error"]["code"]) == (409, "no_file")
    # One entry per member in this call.
    second = client.post(f"/api/v1/calls/{essay_call.pk}/entries/", {"title": "第二篇"})
    assert (second.status_code, second.json()["error"]["code"]) == (409, "too_many")
    # Someone else cannot touch the entry; a member outside the audience does not see the call.
    other = api(factories.member(tree["gz1"]))
    assert other.post(f"/api/v1/calls/entries/{entry.pk}/submit/").status_code == 404
    outsider = api(factories.member(tree["budget"]))
    assert outsider.post(f"/api/v1/calls/{essay_call.pk}/entries/", {"title": "外单位"}).status_code == 404
    entry.refresh_from_db()
    assert (entry.status, entry.submitted_at) == (Entry.Status.DRAFT, None)
    assert Entry.objects.count() == 1


def test_after_the_deadline_a_new_entry_is_refused(essay_call, member):
    Call.objects.filter(pk=essay_call.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    response = api(member).post(f"/api/v1/calls/{essay_call.pk}/entries/", {"title": "迟到"})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "closed")
    assert not Entry.objects.exists()


def test_the_home_schema_documents_the_place_s_score_and_published_date(client, member):
    client.force_login(member)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    place = schema["components"]["schemas"]["Place"]["properties"]
    assert place["published_at"]["format"] == "date-time" and place["published_at"]["nullable"] is True
    assert place["score"]["nullable"] is True and "My place" in place["score"]["description"]
    assert "metric the published version ranked by" in place["metric"]["description"]
