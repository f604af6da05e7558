"""What a walk of the micro-class pages found: the upload page's next steps shown before any
video, an empty player for a lesson with none, two drafts both numbered last in their series,
the report's machine dates, a lesson's quiz result with no way back to the lesson, and the new
lesson form without its English title."""

from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO

import lxml.html
import openpyxl
import pytest

from lessons.models import Attempt, Lesson, Series, WatchProgress
from lessons.services import videos
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(module_tree):
    """`tree`, built once for this file's rolled-back tests (tests/conftest.py `module_tree`)."""
    return module_tree


def ready(lesson: Lesson, *, published: bool = True) -> Lesson:
    """The lesson processed (a video to play), published unless told otherwise."""
    Lesson.objects.filter(pk=lesson.pk).update(
        status=Lesson.Status.READY,
        duration_s=Decimal("60"),
        mp4=f"lessons/{lesson.pk}/video.mp4",
        hls=f"lessons/{lesson.pk}/hls/master.m3u8",
        publication=Lesson.Publication.PUBLISHED if published else Lesson.Publication.DRAFT,
    )
    lesson.refresh_from_db()
    return lesson


def page_of(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return lxml.html.fromstring(response.content)


def test_the_upload_pages_next_steps_show_only_for_a_ready_video(tree, gz_organiser):
    """ "预览" and "设置（在此发布）" showed before any upload and beside "此视频无法使用…":
    the row carried Bootstrap's d-flex (display: flex !important), which beat its hidden attribute.
    Now the hidden element has no display of its own, and is shown from the start only when the
    lesson's video is ready."""
    client = factories.client_in("zh-hans", gz_organiser)
    fresh = videos.lesson_create(title="未上传", unit=tree["gz"])
    failed = videos.lesson_create(title="处理失败", unit=tree["gz"])
    Lesson.objects.filter(pk=failed.pk).update(
        status=Lesson.Status.FAILED, source=f"lessons/{failed.pk}/source.mp4", failure="it is not a video"
    )
    done = ready(videos.lesson_create(title="已就绪", unit=tree["gz"]), published=False)
    for lesson, shown in ((fresh, False), (failed, False), (done, True)):
        (row,) = page_of(client, f"/lessons/{lesson.pk}/upload/").xpath("//*[@id='upload-next']")
        assert (row.get("hidden") is None) == shown, lesson.title
        # Whatever the state, the element the hidden attribute is on never forces a display.
        assert "d-flex" not in row.get("class", "").split()
        assert [link.get("id") for link in row.xpath(".//a")] == ["upload-next-preview", "upload-next-settings"]


def test_previewing_a_lesson_with_no_video_says_so_instead_of_an_empty_player(tree, gz_organiser):
    """An empty black player with a spinner, and no word of why."""
    client = factories.client_in("en", gz_organiser)
    fresh = videos.lesson_create(title="No video", unit=tree["gz"])
    failed = videos.lesson_create(title="Failed", unit=tree["gz"])
    Lesson.objects.filter(pk=failed.pk).update(
        status=Lesson.Status.FAILED, source=f"lessons/{failed.pk}/source.mp4", failure="it is not a video"
    )
    processing = videos.lesson_create(title="Processing", unit=tree["gz"])
    Lesson.objects.filter(pk=processing.pk).update(
        status=Lesson.Status.PROCESSING, source=f"lessons/{processing.pk}/source.mp4"
    )
    expected = {
        fresh: ("No playable video yet: upload one first.", "Upload the video"),
        failed: ("The video could not be processed (it is not a video): upload another.", "Upload another video"),
        processing: ("Its video is still being processed: it plays here once that is done.", None),
    }
    for lesson, (words, button) in expected.items():
        page = page_of(client, f"/lessons/{lesson.pk}/")
        (notice,) = page.xpath("//*[@id='player-unplayable']")
        assert notice.text_content().strip().startswith(words)
        assert page.xpath("//video") == [] and page.xpath("//script[contains(@src, 'player.js')]") == []
        links = notice.xpath(".//a[@id='player-upload']")
        assert [link.text_content().strip() for link in links] == ([button] if button else [])
        if button:
            assert links[0].get("href") == f"/lessons/{lesson.pk}/upload/"

    chinese = page_of(factories.client_in("zh-hans", gz_organiser), f"/lessons/{failed.pk}/")
    assert chinese.xpath("string(//*[@id='player-unplayable'])").strip().startswith("视频处理失败")

    # A ready lesson still has its player, and no such notice.
    done = page_of(client, f"/lessons/{ready(videos.lesson_create(title='Ready', unit=tree['gz'])).pk}/")
    assert done.xpath("//video[@id='player']") and not done.xpath("//*[@id='player-unplayable']")

    # A member of its audience never reaches a draft, nor a published lesson with no video.
    member = factories.client_in("en", factories.member(tree["gz1"], username="walker"))
    assert member.get(f"/lessons/{fresh.pk}/").status_code == 404  # a draft never watched: not theirs to know
    Lesson.objects.filter(pk=failed.pk).update(publication=Lesson.Publication.PUBLISHED)
    refused = member.get(f"/lessons/{failed.pk}/")
    assert refused.status_code == 403 and b'id="player"' not in refused.content


def test_previewed_drafts_are_numbered_by_their_own_place_in_the_series(tree, gz_organiser):
    """Two drafts after two published lessons were each "第 3 讲，共 3 讲": the preview added
    only the lesson previewed to the two members see. Now an organiser previewing sees the
    series as they manage it: 2 published + 2 drafts = 4 lessons, the drafts 3rd and 4th."""
    hall = Series.objects.create(slug="walk", title="讲堂", unit=tree["gz"])
    first, second = (ready(videos.lesson_create(title=t, unit=tree["gz"], series=hall)) for t in ("一", "二"))
    third, fourth = (
        ready(videos.lesson_create(title=t, unit=tree["gz"], series=hall), published=False) for t in ("三", "四")
    )
    assert [first.position, second.position, third.position, fourth.position] == [1, 2, 3, 4]
    client = factories.client_in("zh-hans", gz_organiser)
    for lesson, number in ((third, "第 3 讲，共 4 讲"), (fourth, "第 4 讲，共 4 讲")):
        page = page_of(client, f"/lessons/{lesson.pk}/")
        assert page.xpath("string(//*[@id='series-number'])") == number
        items = page.xpath("//ol[@id='series-lessons']/li")
        assert len(items) == 4
        # The drafts are marked as such in the list; the published ones are not.
        assert ["草稿" in item.text_content() for item in items] == [False, False, True, True]

    # A member sees the two published lessons only, numbered among themselves.
    member = factories.client_in("zh-hans", factories.member(tree["gz1"], username="series-walker"))
    page = page_of(member, f"/lessons/{second.pk}/")
    assert page.xpath("string(//*[@id='series-number'])") == "第 2 讲，共 2 讲"
    assert "草稿" not in page.xpath("string(//ol[@id='series-lessons'])")


def test_the_completion_report_writes_its_moments_as_the_other_pages_and_the_export_stays_machine_readable(
    tree, gz_organiser
):
    """English read "2026-12-07 20:28:26" where every other page reads "7 Dec 2026 20:28"."""
    lesson = ready(videos.lesson_create(title="Report", unit=tree["gz"]))
    member = factories.member(tree["gz1"], username="reported")
    # 12:28:26 UTC is 20:28:26 in Asia/Shanghai (UTC+8); completed 13:01:05 UTC = 21:01:05 there.
    WatchProgress.objects.create(
        member=member,
        lesson=lesson,
        watched_s=60,
        started_at=datetime(2026, 12, 7, 12, 28, 26, tzinfo=UTC),
        completed_at=datetime(2026, 12, 7, 13, 1, 5, tzinfo=UTC),
    )
    for language, started, completed in (
        ("en", "7 Dec 2026 20:28", "7 Dec 2026 21:01"),
        ("zh-hans", "2026-12-07 20:28", "2026-12-07 21:01"),
    ):
        page = page_of(factories.client_in(language, gz_organiser), f"/lessons/{lesson.pk}/report/")
        (row,) = page.xpath("//table[@id='member-completion']/tbody/tr")
        cells = row.xpath("./td")
        assert cells[2].text_content().strip() == started
        assert cells[6].text_content().strip().startswith(completed)
        assert "20:28:26" not in row.text_content()

    export = factories.client_in("en", gz_organiser).get(f"/lessons/{lesson.pk}/report.xlsx")
    sheet = openpyxl.load_workbook(BytesIO(b"".join(export.streaming_content) if export.streaming else export.content))
    rows = list(sheet["Members"].iter_rows(values_only=True))
    header, values = rows[0], rows[1]
    assert values[header.index("Started at")] == "2026-12-07 20:28:26"
    assert values[header.index("Completed at")] == "2026-12-07 21:01:05"


def test_a_lesson_quizs_result_leads_back_to_the_lesson_and_its_series(tree):
    """Only "Back to study" was offered after the quiz started from the lesson's player."""
    hall = Series.objects.create(slug="quiz-walk", title="讲堂", title_en="Lecture hall", unit=tree["gz"])
    bank = factories.bank(tree["audit"])
    quiz = factories.paper(tree["gz"], mode="practice", title="第一讲测验", questions=[factories.question(bank)])
    lesson = ready(videos.lesson_create(title="第一讲", title_en="Lesson one", unit=tree["gz"], series=hall))
    Lesson.objects.filter(pk=lesson.pk).update(paper=quiz)
    member = factories.member(tree["gz1"], username="quiz-walker")
    client = factories.client_in("en", member)
    client.post(f"/study/papers/{quiz.pk}/start/")
    attempt = Attempt.objects.get(paper=quiz, member=member)
    client.post(f"/study/attempts/{attempt.pk}/submit/")
    page = page_of(client, f"/study/attempts/{attempt.pk}/result/")
    (back,) = page.xpath("//a[@id='back-to-lesson']")
    assert back.get("href") == f"/lessons/{lesson.pk}/"
    assert back.text_content().strip() == "Back to the lesson: Lesson one"
    (series,) = page.xpath("//a[@id='back-to-series']")
    assert series.get("href") == f"/lessons/series/{hall.pk}/"
    assert series.text_content().strip() == "Series: Lecture hall"

    # A quiz no lesson of the member's uses has only the way back to study.
    other = factories.paper(tree["gz"], mode="practice", title="别的测验", questions=[factories.question(bank)])
    client.post(f"/study/papers/{other.pk}/start/")
    alone = Attempt.objects.get(paper=other, member=member)
    client.post(f"/study/attempts/{alone.pk}/submit/")
    page = page_of(client, f"/study/attempts/{alone.pk}/result/")
    assert page.xpath("//a[@id='back-to-lesson']") == [] and page.xpath("//a[@id='back-to-series']") == []


def test_the_new_lesson_form_takes_an_optional_english_title_as_the_series_form_does(tree, gz_organiser):
    client = factories.client_in("en", gz_organiser)
    page = page_of(client, "/lessons/manage/")
    (field,) = page.xpath("//form[@id='lesson-form']//input[@name='title_en']")
    assert field.get("required") is None
    fields = [f.get("name") for f in page.xpath("//form[@id='lesson-form']//*[@name][not(@type='hidden')]")]
    assert fields[:3] == ["title", "title_en", "unit"]  # beside the title, as on the series form
    for title_en, shown in (("Reading the Party Constitution", "Reading the Party Constitution"), ("", "学习党章")):
        created = client.post("/lessons/manage/", {"title": "学习党章", "title_en": title_en, "unit": tree["gz"].pk})
        assert created.status_code == 302
        lesson = Lesson.objects.filter(title="学习党章").latest("pk")
        assert lesson.title_en == title_en
        assert page_of(client, f"/lessons/{lesson.pk}/upload/").xpath("string(//h1)") == shown


def test_the_player_says_in_both_languages_what_speed_is_not_counted(tree, settings):
    """A member playing at 4x saw the counter stop with no word: the page now carries the notice,
    with the limit the server applies (LESSON_MAX_RATE)."""
    settings.LESSON_MAX_RATE = 3
    lesson = ready(videos.lesson_create(title="快进", unit=tree["gz"]))
    member = factories.member(tree["gz1"], username="speedy")
    for language, words in (
        ("en", "Faster than 3× is not counted: play at 3× or slower."),
        ("zh-hans", "超过 3 倍速播放不计入观看时长，请以 3 倍速或更慢播放。"),
    ):
        page = page_of(factories.client_in(language, member), f"/lessons/{lesson.pk}/")
        assert page.xpath("//*[@id='player-texts']")[0].get("data-too-fast") == words
        assert '"max_rate": 3' in page.xpath("string(//script[@id='player-state'])")


def test_the_players_subtitles_are_named_in_the_pages_language(tree, gz_organiser):
    """The captions menu offered "中文" on an English page."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    lesson = ready(videos.lesson_create(title="第一讲", unit=tree["gz"]))
    lesson.subtitles = SimpleUploadedFile("zh.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\n党章\n".encode())
    lesson.save(update_fields=["subtitles"])
    for language, label in (("en", "Chinese"), ("zh-hans", "中文")):
        page = page_of(factories.client_in(language, gz_organiser), f"/lessons/{lesson.pk}/")
        (track,) = page.xpath("//video[@id='player']/track")
        assert track.get("label") == label and track.get("srclang") == "zh"
