"""A micro-class's draft state: a new lesson is prepared unseen, previewed by its organisers and
published; members never meet a draft (lists, search, series, a direct link, heartbeats, the API,
the home, reminders); taking a lesson back to a draft keeps what members watched."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from rest_framework.test import APIClient

from lessons.models import Heartbeat, Lesson, Series, StudyCredit, WatchProgress
from lessons.services import videos
from lessons.services.points import point_rules_ensure_defaults
from notifications.services import NotificationRejected, reminder_send
from quizsite.selectors import not_finished, today_tasks
from tests import factories
from tests.lessons.test_videos import ten_minute_lesson


@pytest.fixture
def member(tree):
    point_rules_ensure_defaults()
    return factories.member(tree["gz1"], username="zhang", real_name="张党员")


@pytest.fixture
def member_client(member):
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def organiser_client(gz_organiser):
    client = Client()
    client.force_login(gz_organiser)
    return client


def draft(unit, **extra) -> Lesson:
    """A lesson with its video uploaded and processed, not published."""
    lesson = ten_minute_lesson(unit, published=False, **extra)
    Lesson.objects.filter(pk=lesson.pk).update(source=f"lessons/{lesson.pk}/source.mp4")
    lesson.refresh_from_db()
    return lesson


def post_beat(client, lesson, position, *, tab="A"):
    return client.post(
        f"/lessons/{lesson.pk}/heartbeat/", {"tab": tab, "position": position, "playing": True}, "application/json"
    )


def publish(client, lesson, action="publish"):
    return client.post(f"/lessons/{lesson.pk}/publication/", {"action": action, "next": "/lessons/manage/"})


def test_a_new_lesson_starts_a_draft(tree, gz_organiser, organiser_client):
    made = videos.lesson_create(title="新课", unit=tree["gz"])
    assert made.publication == Lesson.Publication.DRAFT
    # made on the organiser's page, too
    organiser_client.post("/lessons/manage/", {"title": "页面上新建", "unit": tree["gz"].pk})
    assert Lesson.objects.get(title="页面上新建").publication == Lesson.Publication.DRAFT
    # a row stored without saying (a script) is a draft as well
    assert Lesson.objects.create(title="脚本", unit=tree["gz"]).publication == Lesson.Publication.DRAFT


def test_members_meet_a_draft_nowhere_until_it_is_published(tree, member, member_client, clock):
    hall = Series.objects.create(slug="hall", title="机关讲堂", unit=tree["gz"])
    lesson = draft(tree["gz"], title="党章第一讲", series=hall, required=True)
    api = APIClient()
    api.force_authenticate(member)

    library = member_client.get("/lessons/").content.decode()
    assert "党章第一讲" not in library
    assert "党章第一讲" not in member_client.get("/lessons/", {"q": "党章"}).content.decode()
    assert [task.title for task in today_tasks(member)] == []  # the home's required lessons
    assert api.get("/api/v1/lessons/").json()["results"] == []
    assert api.get("/api/v1/lessons/series/").json()["results"] == []  # a series of drafts only
    # A draft they never watched is, for them, no lesson at all: the 404 of a missing id (a 403
    # "what you have watched is kept" told of it, and of watching they never did).
    opened = member_client.get(f"/lessons/{lesson.pk}/")
    assert opened.status_code == 404
    assert "页面不存在" in opened.content.decode()
    assert "该微党课暂不可观看" not in opened.content.decode()
    assert api.get(f"/api/v1/lessons/{lesson.pk}/").status_code == 404
    assert api.get(f"/api/v1/lessons/{lesson.pk}/stream/").status_code == 404
    assert member_client.get(f"/lessons/{lesson.pk}/media/video.mp4").status_code == 404
    assert post_beat(member_client, lesson, 0).status_code == 404
    refused = api.post(f"/api/v1/lessons/{lesson.pk}/heartbeats/", {"tab": "p", "position": 0}, format="json")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert not Heartbeat.objects.filter(lesson=lesson).exists()
    assert not WatchProgress.objects.filter(lesson=lesson).exists()

    videos.lesson_publish(lesson=lesson)
    assert "党章第一讲" in member_client.get("/lessons/", {"q": "党章"}).content.decode()
    assert [task.title for task in today_tasks(member)] == ["党章第一讲"]
    assert [row["title"] for row in api.get("/api/v1/lessons/").json()["results"]] == ["党章第一讲"]
    assert [row["lessons"] for row in api.get("/api/v1/lessons/series/").json()["results"]] == [1]
    assert member_client.get(f"/lessons/{lesson.pk}/").status_code == 200
    assert post_beat(member_client, lesson, 0).status_code == 200


def test_a_draft_in_a_published_series_is_left_out_of_it(tree, member, member_client, organiser_client):
    hall = Series.objects.create(slug="hall", title="机关讲堂", unit=tree["gz"])
    first = ten_minute_lesson(tree["gz"], title="第一讲", series=hall)
    second = draft(tree["gz"], title="第二讲", series=hall)
    third = ten_minute_lesson(tree["gz"], title="第三讲", series=hall)
    assert [lesson.position for lesson in (first, second, third)] == [1, 2, 3]
    page = member_client.get(f"/lessons/{first.pk}/")
    assert [item["lesson"].title for item in page.context["series_items"]] == ["第一讲", "第三讲"]
    assert page.context["next_lesson"].title == "第三讲"
    api = APIClient()
    api.force_authenticate(member)
    assert [row["lessons"] for row in api.get("/api/v1/lessons/series/").json()["results"]] == [2]
    listed = api.get("/api/v1/lessons/", {"series": "hall"}).json()["results"]
    assert [row["title"] for row in listed] == ["第一讲", "第三讲"]
    # its organisers see every lesson in place, each with its state
    page = organiser_client.get(f"/lessons/series/{hall.pk}/manage/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    states = re.findall(r'data-publication="(\w+)">(\w+)<', page)
    assert states == [("published", "Published"), ("draft", "Draft"), ("published", "Published")]


def test_published_and_scheduled_shows_from_its_time_and_a_draft_never(tree, member, member_client, clock):
    later = clock.now + timedelta(hours=2)
    scheduled = ten_minute_lesson(tree["gz"], title="定时课", publish_from=later)
    waiting = draft(tree["gz"], title="草稿课", publish_from=clock.now - timedelta(hours=1))
    assert "定时课" not in member_client.get("/lessons/").content.decode()
    clock.advance(2 * 3600)
    library = member_client.get("/lessons/").content.decode()
    assert "定时课" in library and "草稿课" not in library
    assert member_client.get(f"/lessons/{scheduled.pk}/").status_code == 200
    assert member_client.get(f"/lessons/{waiting.pk}/").status_code == 404  # a draft never watched: none


def test_organisers_preview_a_draft_with_a_banner_and_their_watching_counts_nothing(
    tree, gz_organiser, organiser_client
):
    lesson = draft(tree["gz"], title="预览课", audience=[tree["audit"]])  # the organiser is in the audience too
    page = organiser_client.get(f"/lessons/{lesson.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="preview-banner"' in text and "Preview — members can't see this yet." in text
    assert page.context["state"]["preview"] is True
    refused = post_beat(organiser_client, lesson, 0)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_published"
    assert not WatchProgress.objects.filter(lesson=lesson).exists()
    videos.lesson_publish(lesson=lesson)
    page = organiser_client.get(f"/lessons/{lesson.pk}/")
    assert 'id="preview-banner"' not in page.content.decode() and page.context["state"]["preview"] is False


def test_the_list_and_settings_say_the_state_in_words_with_publish_and_unpublish(tree, organiser_client):
    lesson = draft(tree["gz"], title="状态课")
    listed = organiser_client.get("/lessons/manage/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-publication="draft">Draft<' in listed
    assert "Members can&#x27;t see it until you publish it." in listed
    assert f'id="publish-{lesson.pk}"' in listed and f'id="preview-{lesson.pk}"' in listed
    settings_page = organiser_client.get(f"/lessons/{lesson.pk}/settings/", HTTP_ACCEPT_LANGUAGE="en")
    text = settings_page.content.decode()
    assert 'id="publication-state">Draft<' in text and f'href="/lessons/{lesson.pk}/"' in text

    answer = publish(organiser_client, lesson)
    assert answer.status_code == 302 and answer["Location"] == "/lessons/manage/"
    text = organiser_client.get(f"/lessons/{lesson.pk}/settings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="publication-state">Published<' in text and "Members of its audience can watch it now." in text
    assert f'id="unpublish-{lesson.pk}"' in text
    zh = organiser_client.get("/lessons/manage/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-publication="published">已发布<' in zh and "撤回发布" in zh


def test_another_units_organiser_cannot_publish_or_unpublish(tree, member):
    lesson = draft(tree["gz"], title="广州的课")
    for unit in ("jjj", "gz1"):  # another office; a branch under the lesson's office
        outsider = Client()
        outsider.force_login(factories.organiser(tree[unit]))
        refused = publish(outsider, lesson)
        assert refused.status_code in (403, 404), unit
        assert Lesson.objects.get(pk=lesson.pk).publication == Lesson.Publication.DRAFT
    # the other office does not learn the lesson exists; the branch, its audience, is told why
    jjj = Client()
    jjj.force_login(factories.organiser(tree["jjj"]))
    assert publish(jjj, lesson).status_code == 404
    gz1 = Client()
    gz1.force_login(factories.organiser(tree["gz1"]))
    assert publish(gz1, lesson).status_code == 403
    videos.lesson_publish(lesson=lesson)
    assert publish(gz1, lesson, "unpublish").status_code == 403
    assert Lesson.objects.get(pk=lesson.pk).publication == Lesson.Publication.PUBLISHED
    # a member of the audience cannot either
    members_client = Client()
    members_client.force_login(member)
    assert publish(members_client, lesson, "unpublish").status_code == 403
    assert Lesson.objects.get(pk=lesson.pk).publication == Lesson.Publication.PUBLISHED


def test_publishing_twice_or_unpublishing_a_draft_says_so_and_changes_nothing(tree, organiser_client):
    lesson = draft(tree["gz"], title="两次")
    publish(organiser_client, lesson)
    again = organiser_client.post(
        f"/lessons/{lesson.pk}/publication/", {"action": "publish"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "This micro-class is already published." in again.content.decode()
    assert Lesson.objects.get(pk=lesson.pk).publication == Lesson.Publication.PUBLISHED
    with pytest.raises(videos.LessonRejected) as refused:
        videos.lesson_publish(lesson=lesson)
    assert refused.value.code == "already_published"
    videos.lesson_unpublish(lesson=lesson)
    with pytest.raises(videos.LessonRejected) as refused:
        videos.lesson_unpublish(lesson=lesson)
    assert refused.value.code == "already_draft"
    # an unknown action changes nothing
    organiser_client.post(f"/lessons/{lesson.pk}/publication/", {"action": "delete"})
    assert Lesson.objects.get(pk=lesson.pk).publication == Lesson.Publication.DRAFT


def test_publishing_needs_a_video_that_did_not_fail_and_shows_once_processed(tree, member_client, organiser_client):
    empty = videos.lesson_create(title="没视频", unit=tree["gz"])
    answer = organiser_client.post(
        f"/lessons/{empty.pk}/publication/", {"action": "publish"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Upload its video first, then publish the micro-class." in answer.content.decode()
    failed = videos.lesson_create(title="失败", unit=tree["gz"])
    Lesson.objects.filter(pk=failed.pk).update(
        source="lessons/x/source.mp4", status=Lesson.Status.FAILED, failure="Not a video."
    )
    with pytest.raises(videos.LessonRejected) as refused:
        videos.lesson_publish(lesson=failed)
    assert refused.value.code == "video_failed"
    assert Lesson.objects.filter(publication=Lesson.Publication.PUBLISHED).count() == 0
    # still processing: published now, seen once ready (the page says so)
    processing = videos.lesson_create(title="处理中的课", unit=tree["gz"])
    Lesson.objects.filter(pk=processing.pk).update(source="lessons/y/source.mp4", status=Lesson.Status.PROCESSING)
    settings_page = organiser_client.get(f"/lessons/{processing.pk}/settings/", HTTP_ACCEPT_LANGUAGE="en")
    assert "You may publish it while its video is still being processed" in settings_page.content.decode()
    published = organiser_client.post(
        f"/lessons/{processing.pk}/publication/", {"action": "publish"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Members will see it as soon as its video is processed." in published.content.decode()
    assert "处理中的课" not in member_client.get("/lessons/").content.decode()
    Lesson.objects.filter(pk=processing.pk).update(status=Lesson.Status.READY, duration_s=600)
    assert "处理中的课" in member_client.get("/lessons/").content.decode()


def test_unpublishing_mid_watch_stops_counting_and_keeps_progress(tree, member, member_client, clock):
    lesson = ten_minute_lesson(tree["gz"], title="看到一半")
    Lesson.objects.filter(pk=lesson.pk).update(source="lessons/z/source.mp4")
    post_beat(member_client, lesson, 0)
    for position in (10, 20, 30):
        clock.advance(10)
        watched = post_beat(member_client, lesson, position).json()["watched_s"]
    assert watched == 30
    videos.lesson_unpublish(lesson=lesson)
    clock.advance(10)
    refused = post_beat(member_client, lesson, 40)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_published"
    assert refused.json()["error"]["message"] == "该微党课暂不可观看。您已观看的进度会保留。"
    progress = WatchProgress.objects.get(member=member, lesson=lesson)
    assert (float(progress.watched_s), float(progress.last_position_s)) == (30, 30)
    assert Heartbeat.objects.filter(lesson=lesson).count() == 4  # the refused beat is not one of them
    # published again the next day: the member resumes at 30 s and goes on from there
    videos.lesson_publish(lesson=lesson)
    clock.advance(24 * 3600)
    page = member_client.get(f"/lessons/{lesson.pk}/")
    assert page.context["state"]["resume_s"] == 30.0
    post_beat(member_client, lesson, 30, tab="B")
    for position in (40, 50):
        clock.advance(10)
        watched = post_beat(member_client, lesson, position, tab="B").json()["watched_s"]
    assert watched == 50
    assert not StudyCredit.objects.filter(member=member).exists()


def test_organisers_are_not_asked_to_remind_about_a_draft(tree, gz_organiser, member):
    lesson = draft(tree["gz"], title="必修草稿", required=True)
    assert [row.subject for row in not_finished(gz_organiser)] == []
    with pytest.raises(NotificationRejected) as refused:
        reminder_send(by=gz_organiser, unit=tree["gz1"], subject=lesson)
    assert refused.value.code == "not_published"
    lesson = videos.lesson_publish(lesson=lesson)
    assert [(row.subject.title, row.unit.name) for row in not_finished(gz_organiser)] == [
        ("必修草稿", "广州特派办"),  # the organiser, placed in the office, has not watched it either
        ("必修草稿", "第一党支部"),
    ]
    assert reminder_send(by=gz_organiser, unit=tree["gz1"], subject=lesson) == 1


@pytest.mark.django_db(transaction=True)
def test_lessons_made_before_drafts_stay_published(tree):
    """Migration lessons 0021: every lesson already there was shown as soon as its video was
    ready, and stays so; a lesson made afterwards starts a draft."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("lessons", "0020_new_paper_starts_draft")], [("lessons", "0021_new_lesson_starts_draft")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old_lesson = executor.loader.project_state(before).apps.get_model("lessons", "Lesson")
        made = old_lesson.objects.create(title="旧课", unit_id=tree["gz"].pk, status="ready")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        # Only the column read: later migrations' columns (lessons 0026's) are not there yet.
        publication = Lesson.objects.filter(pk=made.pk).values_list("publication", flat=True).get()
        assert publication == Lesson.Publication.PUBLISHED
    finally:
        # Every later migration back, or the tests after this one in the process find the
        # database without them (lessons 0022's column was missing for the rest of a CI worker).
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    assert Lesson.objects.create(title="新课", unit=tree["gz"]).publication == Lesson.Publication.DRAFT


def test_hours_from_a_lesson_taken_back_to_a_draft_stay_counted_and_lose_only_their_link(
    tree, member, member_client, gz_organiser, clock
):
    """Hours earned stay earned: the member's record, home, profile, library, API and a study-hours
    ranking all count the lesson's hours after it was unpublished; the record lists it as no
    longer available instead of linking to a page that would refuse them."""
    from datetime import datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from tests.lessons.test_study_rules import minute_lesson, watch_through
    from tests.rankings.test_services import by_label, compute

    shanghai = ZoneInfo("Asia/Shanghai")
    clock.now = datetime(2026, 12, 5, 12, 0, tzinfo=shanghai)
    lessons = {}
    # title: (own hours, completed at); the last one in the year before
    for title, hours, finished in (
        ("第一讲", "1.5", datetime(2026, 12, 1, 9, 0, tzinfo=shanghai)),
        ("第二讲", "0.75", datetime(2026, 12, 2, 9, 0, tzinfo=shanghai)),
        ("第三讲", "0.5", datetime(2026, 12, 3, 9, 0, tzinfo=shanghai)),
        ("去年的课", "2", datetime(2025, 12, 20, 9, 0, tzinfo=shanghai)),
    ):
        lesson = minute_lesson(tree["gz"])
        Lesson.objects.filter(pk=lesson.pk).update(title=title, study_hours=Decimal(hours))
        lesson.refresh_from_db()
        assert watch_through(member, lesson, finishing_at=finished).hours == Decimal(hours)
        lessons[title] = lesson
    assert watch_through(gz_organiser, lessons["第二讲"], finishing_at=clock.now).hours == Decimal("0.75")
    gone = videos.lesson_unpublish(lesson=lessons["第二讲"])
    assert member_client.get(f"/lessons/{gone.pk}/").status_code == 403  # the page a link would lead to

    # 1.5 + 0.75 + 0.5 = 2.75 this year; with last year's 2: 4.75 in all
    page = member_client.get("/lessons/hours/")
    text = " ".join(page.content.decode().split())
    assert re.search(r'id="hours-this-year">2\.75<', text) and re.search(r'id="hours-total">4\.75<', text)
    listed = re.findall(r'<span class="fw-semibold text-nowrap">\+([\d.]+)</span>', text)
    assert listed == ["0.50", "0.75", "1.50", "2"] and sum(Decimal(h) for h in listed) == Decimal("4.75")
    for title in ("第一讲", "第三讲", "去年的课"):
        assert f'href="/lessons/{lessons[title].pk}/">{title}</a>' in text
    assert f'href="/lessons/{gone.pk}/"' not in text
    assert f'<span data-gone="{gone.pk}">第二讲 <span class="badge text-bg-secondary">已下线</span>' in text
    assert "该微党课已无法打开，您已获得的学时照常计入。" in text
    member_client.cookies["django_language"] = "en"
    english = " ".join(member_client.get("/lessons/hours/").content.decode().split())
    badge = '<span class="badge text-bg-secondary">No longer available</span>'
    assert f'<span data-gone="{gone.pk}">第二讲 {badge}' in english
    assert "the hours you earned from it still count." in english

    assert member_client.get("/").context["hours_this_year"] == Decimal("2.75")
    assert member_client.get("/me/").context["hours_this_year"] == Decimal("2.75")
    assert member_client.get("/lessons/").context["hours"] == Decimal("4.75")
    api = APIClient()
    api.force_authenticate(member)
    assert api.get("/api/v1/study/hours/").json() == {"hours": 4.75, "lessons_completed": 4}
    rule = factories.ranking_rule(
        tree["audit"],
        subject="member",
        sources=[{"kind": "study_hours"}],
        period_starts_on=datetime(2025, 1, 1).date(),
        period_ends_on=datetime(2026, 12, 31).date(),
    )
    rows = by_label(compute(rule).snapshot)
    assert float(rows["张党员"].total) == 4.75

    # its organiser may still preview it, so their record keeps the link
    organiser = Client()
    organiser.force_login(gz_organiser)
    assert f'href="/lessons/{gone.pk}/">第二讲</a>' in organiser.get("/lessons/hours/").content.decode()
