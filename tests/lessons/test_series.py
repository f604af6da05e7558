"""An organiser's series pages: create a series, put its lessons in order, take one out."""

from decimal import Decimal

import pytest
from django.test import Client

from lessons.models import Lesson, Series
from lessons.services import videos
from tests import factories


@pytest.fixture
def tree(module_tree):
    """`tree`, built once for this file's rolled-back tests (tests/conftest.py `module_tree`)."""
    return module_tree


def ready(lesson: Lesson) -> Lesson:
    """The lesson processed and published, as members see it."""
    Lesson.objects.filter(pk=lesson.pk).update(
        status=Lesson.Status.READY, duration_s=Decimal("60"), publication=Lesson.Publication.PUBLISHED
    )
    lesson.refresh_from_db()
    return lesson


@pytest.fixture
def organiser_client(gz_organiser):
    client = Client()
    client.force_login(gz_organiser)
    return client


def order(series: Series) -> list[str]:
    return list(series.lessons.order_by("position").values_list("title", flat=True))


def test_an_organiser_creates_a_series_in_the_product_and_empty_or_duplicate_titles_are_refused(organiser_client, tree):
    page = organiser_client.get("/lessons/series/manage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/admin/" not in html
    # The unit is asked right after the titles, as a lesson's is after its title (it came last).
    assert html.index('id="id_title_en"') < html.index('id="id_unit"') < html.index('id="id_description"')
    lesson_form = organiser_client.get("/lessons/manage/").content.decode()
    assert lesson_form.index('id="id_title"') < lesson_form.index('id="id_unit"') < lesson_form.index('id="id_speaker"')
    created = organiser_client.post(
        "/lessons/series/manage/", {"title": "  廉政 讲堂 ", "unit": tree["gz"].pk, "title_en": "Integrity hall"}
    )
    series = Series.objects.get(title="廉政 讲堂")
    assert created.status_code == 302 and created["Location"] == f"/lessons/series/{series.pk}/manage/"
    assert series.unit == tree["gz"] and series.title_en == "Integrity hall" and series.slug
    # The new series says it has no lessons, without numbering that sentence as its lesson 1.
    empty = organiser_client.get(created["Location"]).content.decode()
    assert 'id="series-empty">还没有课程。在微党课的设置中选择该系列，即可把课加入。</div>' in empty
    assert 'id="series-lessons"' not in empty

    blank = organiser_client.post("/lessons/series/manage/", {"title": "   ", "unit": tree["gz"].pk})
    duplicate = organiser_client.post(
        "/lessons/series/manage/", {"title": "廉政讲堂".replace("政", "政 "), "unit": tree["gz"].pk}
    )
    assert blank.status_code == 200 and duplicate.status_code == 200
    assert "已有同名系列" in duplicate.content.decode() or "already has a series" in duplicate.content.decode()
    assert Series.objects.count() == 1
    # The same title in another unit the organiser manages is another series.
    other = organiser_client.post("/lessons/series/manage/", {"title": "廉政 讲堂", "unit": tree["gz1"].pk})
    assert other.status_code == 302 and Series.objects.count() == 2


def test_lessons_are_put_in_order_and_one_taken_out_closes_the_gap(organiser_client, tree):
    series = Series.objects.create(slug="hall", title="讲堂", unit=tree["gz"])
    first, second, third = (
        ready(videos.lesson_create(title=title, unit=tree["gz"], series=series)) for title in ("一", "二", "三")
    )
    page = organiser_client.get(f"/lessons/series/{series.pk}/manage/")
    assert page.status_code == 200 and page.content.decode().index("一") < page.content.decode().index("三")

    organiser_client.post(f"/lessons/series/{series.pk}/manage/lessons/{third.pk}/", {"action": "up"})
    assert order(series) == ["一", "三", "二"]
    organiser_client.post(f"/lessons/series/{series.pk}/manage/lessons/{first.pk}/", {"action": "up"})
    assert order(series) == ["一", "三", "二"]
    organiser_client.post(f"/lessons/series/{series.pk}/manage/lessons/{first.pk}/", {"action": "down"})
    assert order(series) == ["三", "一", "二"]

    organiser_client.post(f"/lessons/series/{series.pk}/manage/lessons/{first.pk}/", {"action": "remove"})
    first.refresh_from_db()
    assert first.series is None and first.status == Lesson.Status.READY
    assert list(series.lessons.order_by("position").values_list("title", "position")) == [("三", 1), ("二", 2)]
    # A lesson added afterwards goes last, not onto a number already taken.
    fourth = videos.lesson_create(title="四", unit=tree["gz"], series=series)
    assert fourth.position == 3


def test_a_lesson_moved_to_another_series_in_its_settings_goes_last_there(organiser_client, tree):
    hall = Series.objects.create(slug="hall", title="讲堂", unit=tree["gz"])
    other = Series.objects.create(slug="other", title="另一个", unit=tree["gz"])
    a, b = (ready(videos.lesson_create(title=title, unit=tree["gz"], series=hall)) for title in ("甲", "乙"))
    videos.lesson_create(title="丙", unit=tree["gz"], series=other)
    response = organiser_client.post(
        f"/lessons/{a.pk}/settings/", {"title": "甲", "series": other.pk, "poster_choice": "keep"}
    )
    assert response.status_code == 302
    assert list(other.lessons.order_by("position").values_list("title", "position")) == [("丙", 1), ("甲", 2)]
    assert list(hall.lessons.order_by("position").values_list("title", "position")) == [("乙", 1)]


def test_another_offices_organiser_cannot_open_or_reorder_the_series(tree):
    series = Series.objects.create(slug="hall", title="讲堂", unit=tree["gz"])
    lesson = videos.lesson_create(title="一", unit=tree["gz"], series=series)
    outsider = Client()
    outsider.force_login(factories.organiser(tree["jjj"], username="jjj-organiser"))
    assert outsider.get(f"/lessons/series/{series.pk}/").status_code == 404  # not there for them
    assert outsider.get(f"/lessons/series/{series.pk}/manage/").status_code == 404
    removed = outsider.post(f"/lessons/series/{series.pk}/manage/lessons/{lesson.pk}/", {"action": "remove"})
    assert removed.status_code == 404
    lesson.refresh_from_db()
    assert lesson.series == series
    assert "讲堂" not in outsider.get("/lessons/series/manage/").content.decode()


def test_saving_a_lessons_settings_keeps_an_organs_series_quiz_and_audience_the_organiser_does_not_manage(
    organiser_client, tree
):
    """The demo's case: the organ's lecture-hall series holds an office's lesson. The office's
    organiser saw the series field empty, and saving any setting took the lesson out of it."""
    hall = Series.objects.create(slug="hall", title="机关讲堂", unit=tree["audit"])
    quiz = factories.paper(tree["audit"], title="全署测验")
    lesson = ready(videos.lesson_create(title="第一讲", unit=tree["gz"], series=hall, audience=[tree["audit"]]))
    Lesson.objects.filter(pk=lesson.pk).update(paper=quiz)
    url = f"/lessons/{lesson.pk}/settings/"
    page = organiser_client.get(url).content.decode()
    assert f'<option value="{hall.pk}" selected>' in page
    assert f'<option value="{quiz.pk}" selected>' in page
    assert f'<option value="{tree["audit"].pk}" selected>审计署</option>' in page
    saved = organiser_client.post(
        url,
        {
            "title": "第一讲（修订）",
            "series": hall.pk,
            "paper": quiz.pk,
            "audience": [tree["audit"].pk],
            "poster_choice": "keep",
        },
    )
    assert saved.status_code == 302
    lesson.refresh_from_db()
    assert lesson.title == "第一讲（修订）" and lesson.series == hall and lesson.paper == quiz
    assert list(lesson.audience.all()) == [tree["audit"]] and lesson.position == 1


def test_the_player_shows_the_series_in_order_what_is_next_and_the_hours_the_lesson_earns(tree):
    from django.utils import timezone

    from lessons.models import StudyCredit, WatchProgress

    hall = Series.objects.create(slug="hall", title="讲堂", title_en="Lecture hall", unit=tree["gz"])
    first, second, third = (
        ready(videos.lesson_create(title=title, unit=tree["gz"], series=hall))
        for title in ("第一讲", "第二讲", "第三讲")
    )
    # Another branch's lesson in the same series is not this member's to watch or count.
    ready(videos.lesson_create(title="二支部专讲", unit=tree["gz"], series=hall, audience=[tree["gz2"]]))
    member = factories.member(tree["gz1"], username="watcher")
    WatchProgress.objects.create(member=member, lesson=second, completed_at=timezone.now())
    StudyCredit.objects.create(member=member, lesson=second, hours=Decimal("0.25"), granted_at=timezone.now())
    client = Client()
    client.force_login(member)

    page = client.get(f"/lessons/{first.pk}/").content.decode()
    assert "第 1 讲，共 3 讲" in page and "二支部专讲" not in page
    # The series' name leads to its page (its lessons, progress and hours), which the member may open.
    assert f'<a class="qs-tap" href="/lessons/series/{hall.pk}/" id="series-link">讲堂</a>' in page
    assert client.get(f"/lessons/series/{hall.pk}/").status_code == 200
    # The next lesson is the first one after this not yet finished: the third, not the second.
    assert f'href="/lessons/{third.pk}/" id="next-lesson"' in page
    assert "完成可得 0.25 学时。" in page

    client.cookies["django_language"] = "en"
    page = client.get(f"/lessons/{second.pk}/").content.decode()
    assert "Lesson 2 of 3" in page and "0.25 study hours credited for this lesson." in page
    assert f'href="/lessons/{third.pk}/" id="next-lesson"' in page

    page = client.get(f"/lessons/{third.pk}/").content.decode()
    assert "Lesson 3 of 3" in page and 'id="next-lesson"' not in page
    # A series of one lesson (as this member sees it) says nothing of its place.
    alone = Series.objects.create(slug="alone", title="单讲", unit=tree["gz"])
    single = ready(videos.lesson_create(title="唯一一讲", unit=tree["gz"], series=alone))
    page = client.get(f"/lessons/{single.pk}/").content.decode()
    assert "of 1" not in page and 'id="series-number"' not in page


def test_completion_report_counts_members_where_they_are_now_and_leaves_deactivated_ones_out(tree, gz_organiser):
    """By hand: 第一党支部 has two active members, one finished. A member who finished there and
    moved to 第二党支部 counted as 第一党支部's completion (2 of 2: 100% with one still to
    watch), and a deactivated member's completion counted too, while neither was in its
    headcount; 第二党支部 showed 0 completed with its new member's completion left out."""
    from django.utils import timezone

    from lessons.models import WatchProgress
    from orgs.services import member_move

    lesson = ready(videos.lesson_create(title="必修课", unit=tree["gz"], required=True))
    now = timezone.now()
    finished = factories.member(tree["gz1"], username="finished", real_name="已完成")
    factories.member(tree["gz1"], username="idle", real_name="未观看")
    mover = factories.member(tree["gz1"], username="mover", real_name="调走的")
    gone = factories.member(tree["gz1"], username="gone", real_name="已停用")
    factories.member(tree["gz2"], username="gz2-idle")
    for person in (finished, mover, gone):
        WatchProgress.objects.create(
            member=person, lesson=lesson, unit_at_start=tree["gz1"], watched_s=60, started_at=now, completed_at=now
        )
    member_move(member=mover, unit=tree["gz2"])
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    client = Client()
    client.force_login(gz_organiser)
    page = client.get(f"/lessons/{lesson.pk}/report/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = {row["unit"].name: row for row in page.context["units"]}
    assert (rows["第一党支部"]["headcount"], rows["第一党支部"]["completed"], rows["第一党支部"]["rate"]) == (
        2,
        1,
        50.0,
    )
    assert (rows["第二党支部"]["headcount"], rows["第二党支部"]["completed"], rows["第二党支部"]["rate"]) == (
        2,
        1,
        50.0,
    )
    assert (rows["广州特派办"]["headcount"], rows["广州特派办"]["completed"]) == (5, 2)  # its organiser too
    html = page.content.decode()
    # The watchers' list still shows everyone who watched, where they are now and where they began.
    assert "开始观看时在 第一党支部" in html and "已停用" in html
    # The way back: the micro-class list and the lesson's settings.
    assert 'href="/lessons/manage/"' in html and f'href="/lessons/{lesson.pk}/settings/"' in html
    # A remind button for each unit with its own members still to finish (the office: its organiser).
    assert html.count(f'name="subject" value="{lesson.pk}"') == 3


def test_a_member_sees_each_lesson_that_earned_study_hours_from_the_library_and_home(tree):
    from datetime import timedelta

    from django.utils import timezone

    from lessons.models import StudyCredit

    member = factories.member(tree["gz1"], username="learner")
    hall = Series.objects.create(slug="hall", title="讲堂", unit=tree["gz"])
    first = ready(videos.lesson_create(title="第一讲", unit=tree["gz"], series=hall))
    second = ready(videos.lesson_create(title="第二讲", unit=tree["gz"]))
    now = timezone.now()
    StudyCredit.objects.create(member=member, lesson=first, hours=Decimal("0.25"), granted_at=now)
    StudyCredit.objects.create(member=member, lesson=second, hours=Decimal("0.5"), granted_at=now - timedelta(days=400))
    client = Client()
    client.force_login(member)
    for start in ("/lessons/", "/", "/me/"):
        assert 'href="/lessons/hours/"' in client.get(start).content.decode(), start
    page = client.get("/lessons/hours/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert [credit.lesson.title for credit in page.context["credits"]] == ["第一讲", "第二讲"]
    assert page.context["this_year"] == Decimal("0.25") and page.context["total"] == Decimal("0.75")
    assert "学时明细" in html and "讲堂" in html and "+0.5" in html
    assert "/admin/" not in html


def test_the_library_finds_lessons_by_words_and_keeps_required_ones_not_finished_with_their_closing_time(tree):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from lessons.models import WatchProgress

    member = factories.member(tree["gz1"], username="finder")
    hall = Series.objects.create(slug="hall", title="机关讲堂", title_en="Lecture hall", unit=tree["gz"])
    # Closing at 00:30 on 1 January, Beijing time: still 31 December in UTC.
    closes = datetime(2100, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    ready(videos.lesson_create(title="党章必修", unit=tree["gz"], required=True, publish_until=closes))
    done = ready(videos.lesson_create(title="党史必修", unit=tree["gz"], required=True, series=hall))
    ready(videos.lesson_create(title="廉政选修", unit=tree["gz"], speaker="王老师"))
    WatchProgress.objects.create(member=member, lesson=done, completed_at=timezone.now())
    client = Client()
    client.force_login(member)

    def titles(query: str) -> list[str]:
        page = client.get(f"/lessons/{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")
        return sorted(item["lesson"].title for item in page.context["items"])

    assert titles("") == ["党史必修", "党章必修", "廉政选修"]
    assert titles("?q=王老师") == ["廉政选修"]
    assert titles("?q=讲堂") == titles("?q=lecture") == ["党史必修"]
    assert titles("?show=required") == ["党章必修"]
    assert titles("?show=unfinished") == ["党章必修", "廉政选修"]
    assert titles("?show=nonsense") == titles("")
    html = client.get("/lessons/?q=没有这节课", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "没有符合条件的微党课。" in html
    html = client.get("/lessons/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "2100-01-01 00:30 截止" in html


def test_a_publish_window_that_has_already_ended_is_saved_with_a_warning_in_local_time(organiser_client, tree):
    lesson = ready(videos.lesson_create(title="党章第一讲", unit=tree["gz"]))
    url = f"/lessons/{lesson.pk}/settings/"
    # Midnight at the start of 2026 in Beijing: 16:00 on 31 December 2025 in UTC.
    response = organiser_client.post(
        url,
        {"title": "党章第一讲", "publish_until": "2026-01-01T00:00", "poster_choice": "keep"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    lesson.refresh_from_db()
    assert lesson.publish_until.isoformat() == "2025-12-31T16:00:00+00:00"
    html = response.content.decode()
    assert "发布期已于 2026-01-01 00:00 结束：党员已看不到这节课。" in html
    later = organiser_client.post(
        url, {"title": "党章第一讲", "publish_until": "2100-01-01T00:00", "poster_choice": "keep"}, follow=True
    )
    assert "发布期已于" not in later.content.decode()


def test_a_member_following_a_link_to_a_closed_lesson_is_told_it_closed_not_that_it_is_not_for_their_unit(tree):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    closed = ready(
        videos.lesson_create(
            title="已截止",
            unit=tree["gz"],
            required=True,
            publish_until=datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        )
    )
    later = ready(
        videos.lesson_create(title="未开放", unit=tree["gz"], publish_from=timezone.now() + timedelta(days=3))
    )
    pending = videos.lesson_create(title="处理中", unit=tree["gz"], published=True)
    member = factories.member(tree["gz1"], username="late")
    outsider = factories.member(tree["jjj1"], username="outsider")
    client = Client()
    client.force_login(member)

    def refusal(lesson) -> str:
        response = client.get(f"/lessons/{lesson.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 403
        return response.content.decode()

    assert "此微党课已于 2026-01-01 00:00 截止。" in refusal(closed)
    assert "此微党课将于" in refusal(later)
    assert "视频尚未就绪" in refusal(pending)
    client.force_login(outsider)  # another office's member: the lesson is not there for them
    assert client.get(f"/lessons/{closed.pk}/").status_code == 404
    # Addressed to a sibling branch, never watched: not found either. A 403 "not open to your
    # unit" told another unit's lesson from a missing id, so ids could be probed.
    closed.audience.set([tree["gz2"]])
    client.force_login(member)
    assert client.get(f"/lessons/{closed.pk}/").status_code == 404


def test_the_upload_page_states_the_size_limit_before_a_file_is_chosen(organiser_client, tree, settings):
    settings.LESSON_UPLOAD_MAX_BYTES = 500 * 1024 * 1024
    lesson = videos.lesson_create(title="待上传", unit=tree["gz"])
    html = organiser_client.get(f"/lessons/{lesson.pk}/upload/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    limit = "500.0\xa0MB"  # filesizeformat keeps the number and unit together
    assert f"MP4、MOV 等常见视频格式，不超过 {limit}" in html
    assert f'data-too-large="文件超过了 {limit} 的上限。"' in html


@pytest.fixture
def quiz_lesson(tree):
    """A ready lesson of 广州特派办 with a one-question practice quiz, and a member of its first
    branch signed in."""
    bank = factories.bank(tree["audit"])
    quiz = factories.paper(tree["gz"], mode="practice", title="第一讲测验", questions=[factories.question(bank)])
    lesson = ready(videos.lesson_create(title="第一讲", unit=tree["gz"]))
    Lesson.objects.filter(pk=lesson.pk).update(paper=quiz)
    client = Client()
    client.force_login(factories.member(tree["gz1"], username="watcher"))
    return lesson, quiz, client


def test_the_players_quiz_button_starts_the_lessons_quiz_and_comes_back_to_it(quiz_lesson):
    """It led to the study home, where the member had to find the quiz among every paper."""
    from lessons.models import Attempt

    lesson, quiz, client = quiz_lesson
    page = client.get(f"/lessons/{lesson.pk}/").content.decode()
    start = f"/study/papers/{quiz.pk}/start/"
    assert f'<form method="post" action="{start}">' in page and 'id="lesson-quiz"' in page
    started = client.post(start)
    attempt = Attempt.objects.get(paper=quiz, member__username="watcher")
    assert started.status_code == 302 and started["Location"] == f"/study/attempts/{attempt.pk}/"
    assert client.post(start)["Location"] == started["Location"]  # pressed again: the same attempt


def test_a_lessons_quiz_that_cannot_be_taken_now_says_why_instead_of_offering_a_button(quiz_lesson):
    """An unpublished quiz, or one not yet open, led through the button to a refusal."""
    from datetime import timedelta

    from django.utils import timezone

    from lessons.models import Paper

    lesson, quiz, client = quiz_lesson
    Paper.objects.filter(pk=quiz.pk).update(status=Paper.Status.DRAFT)
    page = client.get(f"/lessons/{lesson.pk}/").content.decode()
    assert 'id="lesson-quiz"' not in page and 'id="lesson-quiz-unavailable"' in page and "该试卷尚未发布。" in page
    opens = timezone.now() + timedelta(days=1)
    Paper.objects.filter(pk=quiz.pk).update(status=Paper.Status.PUBLISHED, opens_at=opens)
    page = client.get(f"/lessons/{lesson.pk}/").content.decode()
    assert f"该试卷于 {timezone.localtime(opens):%Y-%m-%d %H:%M} 开放。" in page


@pytest.fixture
def four_series(tree):
    """A series of the organ, of 广州特派办 and of its first branch, and of the sibling 京津冀特派办."""
    from lessons.services.series import series_create

    return {
        key: series_create(title=title, unit=tree[key])
        for key, title in {"audit": "机关讲堂", "gz": "广州讲堂", "gz1": "支部讲堂", "jjj": "京津冀讲堂"}.items()
    }


@pytest.mark.parametrize(
    ("language", "note"), [("zh-hans", "您组织的单位的系列。"), ("en", "The series of the units you organise.")]
)
def test_a_sub_unit_organiser_files_lessons_into_their_own_units_series_only(
    tree, gz_organiser, four_series, language, note
):
    """As with banks and papers, a 广州特派办 organiser works in 广州特派办 and below: its series and
    its branch's are offered, the organ's and the sibling office's are not."""
    client = factories.client_in(language, gz_organiser)
    page = client.get("/lessons/manage/")
    offered = set(page.context["form"].fields["series"].queryset.values_list("title", flat=True))
    assert offered == {"广州讲堂", "支部讲堂"}
    assert note in page.content.decode()
    lesson = videos.lesson_create(title="党章第一讲", unit=tree["gz"])
    settings_page = client.get(f"/lessons/{lesson.pk}/settings/")
    assert set(settings_page.context["form"].fields["series"].queryset.values_list("title", flat=True)) == offered
    assert client.get(f"/lessons/series/{four_series['gz1'].pk}/manage/").status_code == 200
    # The sibling office's series is out of view; the organ's is in view, and refused with a way on.
    assert client.get(f"/lessons/series/{four_series['jjj'].pk}/manage/").status_code == 404
    refused = client.get(f"/lessons/series/{four_series['audit'].pk}/manage/")
    assert refused.status_code == 403
    assert {"zh-hans": "为本单位新建系列", "en": "create a series there"}[language] in (refused.content.decode())
    # Filing into the organ's series by a forged post is refused like any choice not offered.
    post = {"title": "伪造", "unit": tree["gz"].pk, "series": four_series["audit"].pk}
    assert "series" in client.post("/lessons/manage/", post).context["form"].errors
    assert not Lesson.objects.filter(title="伪造").exists()


@pytest.mark.parametrize(
    ("language", "why"),
    [("zh-hans", "您组织的单位还没有系列"), ("en", "No series in the units you organise yet")],
)
def test_an_organiser_with_no_series_is_told_why_the_choice_is_empty_and_where_to_create_one(
    tree, gz_organiser, four_series, language, why
):
    Series.objects.filter(pk__in=[four_series["gz"].pk, four_series["gz1"].pk]).delete()
    page = factories.client_in(language, gz_organiser).get("/lessons/manage/").content.decode()
    assert why in page
    assert 'href="/lessons/series/manage/" id="create-series-link"' in page


def test_a_member_sees_a_series_in_order_with_each_lessons_progress_hours_earned_and_the_next_to_watch(tree):
    """Members had no series page (/lessons/series/N/ refused them as not its organisers): it lists
    the lessons open to them in order with their progress, '3 of 5 done', the study hours its
    lessons granted them and the first lesson in order not completed; the library links to it."""
    from django.utils import timezone

    from lessons.models import StudyCredit, WatchProgress

    hall = Series.objects.create(slug="hall", title="机关讲堂", title_en="Lecture hall", unit=tree["gz"])
    lessons = [
        ready(videos.lesson_create(title=title, unit=tree["gz"], series=hall))
        for title in ("第一讲", "第二讲", "第三讲", "第四讲", "第五讲")
    ]
    videos.lesson_create(title="草稿讲", unit=tree["gz"], series=hall)  # a draft: not the member's
    member = factories.member(tree["gz1"], username="li")
    now = timezone.now()
    for lesson, hours in ((lessons[0], "0.5"), (lessons[2], "0.5"), (lessons[3], "0.25")):
        WatchProgress.objects.create(member=member, lesson=lesson, watched_s=60, completed_at=now)
        StudyCredit.objects.create(member=member, lesson=lesson, hours=Decimal(hours), granted_at=now)
    WatchProgress.objects.create(member=member, lesson=lessons[1], watched_s=15)  # 15 of 60 s: 25%
    client = factories.client_in("en", member)

    page = client.get(f"/lessons/series/{hall.pk}/")
    assert page.status_code == 200
    progress = page.context["progress"]
    assert [row.lesson.title for row in progress.rows] == ["第一讲", "第二讲", "第三讲", "第四讲", "第五讲"]
    assert [(row.done, row.percent) for row in progress.rows] == [
        (True, 100),
        (False, 25),  # 15 / 60 s
        (True, 100),
        (True, 100),
        (False, 0),
    ]
    assert progress.hours_earned == Decimal("1.25")  # 0.5 + 0.5 + 0.25
    assert progress.next_lesson == lessons[1]  # the first in order not completed, not the last watched
    text = page.content.decode()
    assert "3 of 5 done" in text and "1.25 study hours earned here" in text
    assert f'href="/lessons/{lessons[1].pk}/" id="series-next-link"' in text
    assert "series-manage-link" not in text  # a member does not manage it
    assert client.get(f"/lessons/series/{hall.pk}/manage/").status_code == 403
    library = client.get("/lessons/").content.decode()
    assert f'href="/lessons/series/{hall.pk}/">Lecture hall' in library

    zh = factories.client_in("zh-hans", member).get(f"/lessons/series/{hall.pk}/").content.decode()
    assert "已学完 3 / 5" in zh and "本系列已获 1.25 学时" in zh


def test_an_office_organiser_finds_the_organs_series_holding_their_lesson_read_only(tree, gz_organiser):
    """广州特派办's organiser was told 'No series yet' although their lesson sits in the organ's
    lecture hall: it is listed, marked as a series of a unit above, with the members' view."""
    hall = Series.objects.create(slug="hall", title="机关讲堂（演示）", unit=tree["audit"])
    ready(videos.lesson_create(title="广州的一讲", unit=tree["gz"], series=hall))
    Series.objects.create(slug="other", title="别的讲堂", unit=tree["audit"])  # none of their lessons
    client = factories.client_in("en", gz_organiser)

    listing = client.get("/lessons/series/manage/").content.decode()
    assert "机关讲堂（演示）" in listing and "别的讲堂" not in listing
    assert "A series of a unit above yours that holds your lessons" in listing
    assert f'href="/lessons/series/{hall.pk}/"' in listing
    assert f'href="/lessons/series/{hall.pk}/manage/"' not in listing
    page = client.get(f"/lessons/series/{hall.pk}/")
    assert page.status_code == 200 and "series-manage-link" not in page.content.decode()
    assert client.get(f"/lessons/series/{hall.pk}/manage/").status_code == 403


def test_a_member_lists_the_series_open_to_them_with_their_progress_and_an_organiser_keeps_the_management_list(
    tree, gz_organiser
):
    """/lessons/series/ was the organisers' list only (a member was refused). Now it lists, for a
    member of 广州's first branch, the series holding a lesson open to them: 广州讲堂 (their
    office's: 5 published, 1 draft; 3 completed, 1 a quarter watched -> 3 of 5) and 机关讲堂 (the
    organ's: 2 published, both completed -> 2 of 2, completed); not the sibling office's
    京津冀讲堂, nor 支部草稿 whose only lesson is a draft. The organisers' list moved to
    /lessons/series/manage/, as the library's did to /lessons/manage/, and each links the other."""
    from django.utils import timezone

    from lessons.models import WatchProgress

    office = Series.objects.create(slug="gz", title="广州讲堂", title_en="Guangzhou hall", unit=tree["gz"])
    organ = Series.objects.create(slug="audit", title="机关讲堂", title_en="Lecture hall", unit=tree["audit"])
    sibling = Series.objects.create(slug="jjj", title="京津冀讲堂", unit=tree["jjj"])
    drafts = Series.objects.create(slug="draft", title="支部草稿", unit=tree["gz1"])
    office_lessons = [
        ready(videos.lesson_create(title=f"广州第{n}讲", unit=tree["gz"], series=office)) for n in range(1, 6)
    ]
    videos.lesson_create(title="广州草稿", unit=tree["gz"], series=office)
    organ_lessons = [
        ready(videos.lesson_create(title=f"机关第{n}讲", unit=tree["audit"], series=organ)) for n in (1, 2)
    ]
    ready(videos.lesson_create(title="京津冀一讲", unit=tree["jjj"], series=sibling))
    videos.lesson_create(title="支部草稿一讲", unit=tree["gz1"], series=drafts)
    member = factories.member(tree["gz1"], username="li")
    now = timezone.now()
    for lesson in [office_lessons[0], office_lessons[2], office_lessons[4], *organ_lessons]:
        WatchProgress.objects.create(member=member, lesson=lesson, watched_s=60, completed_at=now)
    WatchProgress.objects.create(member=member, lesson=office_lessons[1], watched_s=15)

    zh = factories.client_in("zh-hans", member)
    page = zh.get("/lessons/series/")
    assert page.status_code == 200
    assert [(row.series, row.done, row.total) for row in page.context["rows"]] == [(office, 3, 5), (organ, 2, 2)]
    text = page.content.decode()
    assert f'href="/lessons/series/{office.pk}/">广州讲堂' in text
    assert f'href="/lessons/series/{organ.pk}/">机关讲堂' in text
    assert "已学完 3 / 5" in text and "系列已学完 · 已学完 2 / 2" in text
    assert "京津冀讲堂" not in text and "支部草稿" not in text
    assert "series-manage-list-link" not in text  # a member manages nothing
    assert zh.get("/lessons/series/manage/").status_code == 403
    assert 'href="/lessons/series/" id="library-series-link"' in zh.get("/lessons/").content.decode()
    english = factories.client_in("en", member).get("/lessons/series/").content.decode()
    assert "Guangzhou hall" in english and "3 of 5 done" in english and "Series completed · 2 of 2 done" in english

    organiser = factories.client_in("zh-hans", gz_organiser)
    theirs = organiser.get("/lessons/series/").content.decode()
    assert 'href="/lessons/series/manage/" id="series-manage-list-link"' in theirs
    managed = organiser.get("/lessons/series/manage/")
    assert managed.status_code == 200
    # 广州's organiser manages 广州讲堂 and 支部草稿; the organ's series holds none of 广州's lessons.
    assert sorted(series.title for series in managed.context["series_list"]) == ["广州讲堂", "支部草稿"]
    assert 'href="/lessons/series/" id="series-library-link"' in managed.content.decode()


def test_a_series_description_has_an_english_companion_shown_on_english_pages(organiser_client, tree):
    """A series had a description in one language only, so its English page showed the Chinese."""
    hall = Series.objects.create(slug="hall", title="讲堂", unit=tree["gz"])
    ready(videos.lesson_create(title="一", unit=tree["gz"], series=hall))
    saved = organiser_client.post(
        f"/lessons/series/{hall.pk}/manage/",
        {"title": "讲堂", "title_en": "Hall", "description": "按顺序学习", "description_en": "Study in order"},
    )
    assert saved.status_code == 302
    hall.refresh_from_db()
    assert (hall.description, hall.description_en) == ("按顺序学习", "Study in order")
    member = factories.member(tree["gz1"], username="li")
    english = factories.client_in("en", member).get(f"/lessons/series/{hall.pk}/").content.decode()
    assert 'id="series-description">Study in order</p>' in english and "按顺序学习" not in english
    chinese = factories.client_in("zh-hans", member).get(f"/lessons/series/{hall.pk}/").content.decode()
    assert 'id="series-description">按顺序学习</p>' in chinese
