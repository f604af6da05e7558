"""What a tester met walking the micro-class pages as an organiser and as a member on a phone."""

import lxml.html
import pytest
from django.urls import reverse

from lessons.services import videos

pytestmark = pytest.mark.django_db


def _row_of(page: bytes, lesson_id: int):
    tree = lxml.html.fromstring(page)
    (row,) = tree.xpath(f"//table[@id='lesson-table']//tr[.//a[@id='settings-{lesson_id}']]")
    return row


def test_manage_list_shows_no_bare_duration_label_for_a_lesson_without_video(organiser, tree):
    """The phone list read "时长" with nothing after it for a lesson with no video: the cell now
    says "—" on a wide screen and is hidden on a phone, as the other empty cells of the product."""
    lesson = videos.lesson_create(title="未上传视频的课", unit=tree["gz"])
    row = _row_of(organiser.get(reverse("lessons:lesson_manage")).content, lesson.pk)
    assert row.xpath(".//td[@data-label='Duration']") == []
    (cell,) = row.xpath(".//td[contains(@class, 'lesson-duration-empty')]")
    assert cell.text_content().strip() == "—"
    assert "d-none" in cell.get("class").split() and "d-sm-table-cell" in cell.get("class").split()


def test_a_lesson_never_sent_a_video_reads_no_video_yet_not_uploading(organiser, tree, gz_organiser):
    """A new lesson read "Uploading / 上传中" for ever in the list (and on the home's work in
    progress) though no upload was ever started; an open upload still reads "Uploading"."""
    from lessons.models import Lesson
    from quizsite.selectors import work_in_progress

    lesson = videos.lesson_create(title="未上传视频的课", unit=tree["gz"])
    assert lesson.status == "no_video"
    row = _row_of(organiser.get(reverse("lessons:lesson_manage")).content, lesson.pk)
    assert row.xpath(".//span[@data-status]")[0].text_content() == "No video yet"
    organiser.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    row = _row_of(organiser.get(reverse("lessons:lesson_manage")).content, lesson.pk)
    assert row.xpath(".//span[@data-status]")[0].text_content() == "尚未上传视频"
    assert lesson not in work_in_progress(gz_organiser)["lessons"]

    videos.upload_start(lesson=lesson, filename="课.mp4", size=1000, by=gz_organiser)
    lesson.refresh_from_db()
    assert lesson.status == Lesson.Status.UPLOADING
    assert lesson in work_in_progress(gz_organiser)["lessons"]


def test_an_abandoned_first_upload_leaves_the_lesson_with_no_video_yet(tree, gz_organiser):
    """The sweep that deletes an upload given up on puts a lesson that has no video back to "No
    video yet"; a lesson with a ready video keeps its status through an upload of a new one."""
    from datetime import timedelta

    from django.utils import timezone

    from lessons.models import Lesson

    lesson = videos.lesson_create(title="放弃上传的课", unit=tree["gz"])
    videos.upload_start(lesson=lesson, filename="课.mp4", size=1000, by=gz_organiser)
    ready = videos.lesson_create(title="已有视频的课", unit=tree["gz"])
    Lesson.objects.filter(pk=ready.pk).update(status=Lesson.Status.READY, source="lessons/x/source.mp4")
    videos.upload_start(lesson=ready, filename="新.mp4", size=1000, by=gz_organiser)
    assert videos.uploads_sweep(at=timezone.now() + timedelta(days=4)) == 2
    lesson.refresh_from_db()
    ready.refresh_from_db()
    assert (lesson.status, ready.status) == (Lesson.Status.NO_VIDEO, Lesson.Status.READY)


def _published_lesson(unit, *, duration_s=40, title="换过视频的课", **fields):
    """A published lesson with a processed video of `duration_s`, written as rows (the pages read
    only these)."""
    from lessons.models import Lesson

    lesson = videos.lesson_create(title=title, unit=unit, published=True, **fields)
    Lesson.objects.filter(pk=lesson.pk).update(
        status=Lesson.Status.READY, source=f"lessons/{lesson.pk}/source.mp4", duration_s=duration_s
    )
    lesson.refresh_from_db()
    return lesson


def test_a_lesson_completed_before_its_video_was_replaced_reads_100_percent(client, tree):
    """Finished on a 30 s video later replaced by a 40 s one: the player said "Watched 75%"
    beside "Completed" and the library card showed a 75% bar. A completion is 100%; the seconds
    counted and the hours stay as they were."""
    import json

    from django.utils import timezone

    from lessons.models import WatchProgress
    from tests import factories

    member = factories.member(tree["gz1"], username="viewer")
    lesson = _published_lesson(tree["gz"], duration_s=40)
    WatchProgress.objects.create(
        member=member, lesson=lesson, intervals=[[0, 30]], watched_s=30, furthest_s=30, completed_at=timezone.now()
    )
    unfinished = _published_lesson(tree["gz"], duration_s=40, title="看了一半的课")
    WatchProgress.objects.create(member=member, lesson=unfinished, intervals=[[0, 10]], watched_s=10, furthest_s=10)
    client.force_login(member)

    page = lxml.html.fromstring(client.get(reverse("lessons:library")).content)
    bars = {
        card.xpath(".//a/@href")[0]: card.xpath(".//div[@data-percent]/@data-percent")[0]
        for card in page.xpath("//*[.//div[@data-percent]][.//a[starts-with(@href, '/lessons/')]]")
        if len(card.xpath(".//div[@data-percent]")) == 1
    }
    assert bars[f"/lessons/{lesson.pk}/"] == "100"
    assert bars[f"/lessons/{unfinished.pk}/"] == "25"  # 10 of 40 s

    player = lxml.html.fromstring(client.get(reverse("lessons:player", args=[lesson.pk])).content)
    (state,) = player.xpath("//script[@id='player-state']/text()")
    assert (json.loads(state)["percent"], json.loads(state)["watched_s"]) == (100, 30.0)

    answer = client.post(
        reverse("lessons:heartbeat", args=[lesson.pk]),
        data=json.dumps({"tab": "t1", "position": 0, "playing": False}),
        content_type="application/json",
    )
    assert (answer.json()["percent"], answer.json()["completed"], answer.json()["watched_s"]) == (100, True, 30.0)


def test_a_lesson_a_member_cannot_see_answers_like_a_missing_id_in_their_language(client, tree):
    """Another unit's lesson answered 403 "not open to your unit" where a missing id answered 404
    (ids could be probed), and a draft never watched 403 "What you have watched is kept" of
    nothing watched. Both now answer the 404 of a missing id, on the page, its media, its
    heartbeats and the API; the "kept" message stays for a draft the member did watch."""
    from rest_framework.test import APIClient

    from lessons.models import Lesson, WatchProgress
    from tests import factories

    member = factories.member(tree["gz1"], username="viewer")
    client.force_login(member)
    api = APIClient()
    api.force_authenticate(member)
    others = _published_lesson(tree["gz"], title="第二支部的课", audience=[tree["gz2"]])
    never_watched = _published_lesson(tree["gz"], title="没看过的草稿")
    watched = _published_lesson(tree["gz"], title="看过的草稿")
    WatchProgress.objects.create(member=member, lesson=watched, intervals=[[0, 12]], watched_s=12, furthest_s=12)
    Lesson.objects.filter(pk__in=[never_watched.pk, watched.pk]).update(publication=Lesson.Publication.DRAFT)
    missing = Lesson.objects.order_by("-pk").first().pk + 1000

    not_found_heading = {"en": "This page does not exist", "zh-hans": "页面不存在"}
    for language, message in (
        ("en", "No such micro-class, or it is not open to you."),
        ("zh-hans", "未找到该微党课，或它未向您开放。"),
    ):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        for lesson_id in (others.pk, never_watched.pk, missing):
            page = client.get(f"/lessons/{lesson_id}/")
            assert page.status_code == 404, (language, lesson_id)
            assert page.content.decode().count(not_found_heading[language]) == 1
            assert client.get(f"/lessons/{lesson_id}/media/video.mp4").status_code == 404
            beat = client.post(f"/lessons/{lesson_id}/heartbeat/", {"tab": "A", "position": 0}, "application/json")
            assert beat.status_code == 404
            assert api.get(f"/api/v1/lessons/{lesson_id}/", HTTP_ACCEPT_LANGUAGE=language).status_code == 404
            beat = api.post(
                f"/api/v1/lessons/{lesson_id}/heartbeats/",
                {"tab": "p", "position": 0},
                format="json",
                HTTP_ACCEPT_LANGUAGE=language,
            )
            assert (beat.status_code, beat.json()["error"]["code"]) == (404, "not_found")
            assert beat.json()["error"]["message"] == message

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/lessons/{watched.pk}/")
    assert page.status_code == 403
    assert "This micro-class is not available at the moment. What you have watched is kept." in page.content.decode()
    beat = client.post(f"/lessons/{watched.pk}/heartbeat/", {"tab": "A", "position": 0}, "application/json")
    assert (beat.status_code, beat.json()["error"]["code"]) == (403, "not_published")


def test_a_draft_paper_attached_as_a_lessons_quiz_is_named_as_such_and_warned_of(organiser, tree):
    """The quiz list offered draft papers among the rest, and saving said only "Lesson settings
    saved." while members met a greyed quiz button and "This paper is not published.". Published
    papers now come first, a draft says members can't take it, and saving or publishing the lesson
    with a draft (or since closed) quiz says so; the lesson is saved and published all the same."""
    from datetime import timedelta
    from html import unescape

    from django.utils import timezone

    from lessons.models import Lesson, Paper
    from tests import factories

    draft_paper = factories.paper(tree["gz"], mode="practice", title="Amber weekly practice", status="draft")
    factories.paper(tree["gz"], mode="practice", title="Zinc quiz")
    lesson = _published_lesson(tree["gz"], title="Lesson with a quiz")
    Lesson.objects.filter(pk=lesson.pk).update(publication=Lesson.Publication.DRAFT)
    url = f"/lessons/{lesson.pk}/settings/"

    page = lxml.html.fromstring(organiser.get(url).content)
    options = [o.text_content() for o in page.xpath("//select[@name='paper']/option") if o.get("value")]
    assert options == [
        "Zinc quiz",
        "Amber weekly practice (draft: members can't take it until it is published)",
    ]
    assert page.xpath("//*[@id='quiz-warning']") == []

    draft_said = "Its quiz “Amber weekly practice” is a draft: members can't take it until the paper is published."
    saved = organiser.post(url, {"title": lesson.title, "paper": draft_paper.pk, "poster_choice": "keep"}, follow=True)
    html = unescape(saved.content.decode())
    assert "Lesson settings saved." in html
    assert html.count(draft_said) == 2  # the message, and the warning under the quiz until it is fixed
    assert Lesson.objects.get(pk=lesson.pk).paper == draft_paper

    published_page = unescape(
        organiser.post(
            f"/lessons/{lesson.pk}/publication/", {"action": "publish", "next": url}, follow=True
        ).content.decode()
    )
    assert Lesson.objects.get(pk=lesson.pk).is_published
    assert published_page.count(draft_said) == 2

    organiser.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = lxml.html.fromstring(organiser.get(url).content)
    assert page.xpath("//*[@id='quiz-warning']")[0].text_content().strip() == (
        "其课后测验“Amber weekly practice”是草稿：试卷发布之前，党员无法参加。"
    )

    # Published, then closed since: the organiser is told members can no longer take it.
    Paper.objects.filter(pk=draft_paper.pk).update(status="published", closes_at=timezone.now() - timedelta(hours=1))
    organiser.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = lxml.html.fromstring(organiser.get(url).content)
    warning = page.xpath("//*[@id='quiz-warning']")[0].text_content()
    assert "Its quiz “Amber weekly practice” closed on" in warning and "members can no longer take it." in warning
    Paper.objects.filter(pk=draft_paper.pk).update(closes_at=None)
    assert lxml.html.fromstring(organiser.get(url).content).xpath("//*[@id='quiz-warning']") == []


def test_a_second_lesson_of_the_same_title_in_a_unit_is_warned_of_not_refused(organiser, tree):
    """Two lessons of one title in one unit were made silently (a series' title must be unique in
    its unit). Creating or renaming one to a title its unit already has now warns, and keeps both:
    organisers re-record lessons. Another unit's lesson of that title is no clash."""
    from html import unescape

    from lessons.models import Lesson

    old = videos.lesson_create(title="学习党章", unit=tree["gz"])
    videos.lesson_create(title="Other unit's", unit=tree["gz1"])
    hint = "Another micro-class of 广州特派办 is also titled “学习党章”"

    made = organiser.post(reverse("lessons:lesson_manage"), {"title": " 学习党章 ", "unit": tree["gz"].pk}, follow=True)
    assert unescape(made.content.decode()).count(hint) == 1
    assert Lesson.objects.filter(unit=tree["gz"], title="学习党章").count() == 2
    new = Lesson.objects.exclude(pk=old.pk).get(unit=tree["gz"], title="学习党章")
    page = lxml.html.fromstring(organiser.get(f"/lessons/{new.pk}/settings/").content)
    assert hint in page.xpath("//*[@id='title-taken']")[0].text_content()

    fresh = organiser.post(
        reverse("lessons:lesson_manage"), {"title": "Other unit's", "unit": tree["gz"].pk}, follow=True
    )
    assert "Another micro-class of" not in unescape(fresh.content.decode())

    renamed = videos.lesson_create(title="第二讲", unit=tree["gz"])
    saved = organiser.post(
        f"/lessons/{renamed.pk}/settings/", {"title": "学习党章", "poster_choice": "keep"}, follow=True
    )
    assert unescape(saved.content.decode()).count(hint) == 2  # the message, and the note under the title
    organiser.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = lxml.html.fromstring(organiser.get(f"/lessons/{renamed.pk}/settings/").content)
    assert "广州特派办已有一个同名微党课“学习党章”" in page.xpath("//*[@id='title-taken']")[0].text_content()
