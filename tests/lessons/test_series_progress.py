"""A series' progress for its organisers: each lesson's completed / expected on the series' page,
and per unit (and per member) who completed all the series' required lessons, some or none."""

import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from lessons.models import Lesson, Series, WatchProgress
from orgs.services import member_move
from tests import factories


def ready(lesson: Lesson) -> Lesson:
    Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.READY, duration_s=Decimal("60"))
    lesson.refresh_from_db()
    return lesson


def complete(member, lesson: Lesson) -> None:
    now = timezone.now()
    WatchProgress.objects.create(
        member=member,
        lesson=lesson,
        unit_at_start=member.unit,
        intervals=[[0, 60]],
        watched_s=60,
        furthest_s=60,
        started_at=now - timedelta(minutes=5),
        completed_at=now,
    )


@pytest.fixture
def hall(tree, gz_organiser):
    """广州特派办 (its organiser placed in the office itself) with two branches and a series of a
    required and an optional lesson (and a required draft, which nobody can watch yet):

    甲 (第一党支部) completed both; 乙 (第一党支部) only the optional; 丙 (第二党支部) nothing;
    丁 (第一党支部) completed both, then was deactivated; 戊 completed the required lesson in
    第一党支部, then moved to 第二党支部."""
    series = Series.objects.create(slug="hall", title="廉政讲堂", unit=tree["gz"])
    required = ready(videos_lesson("必修课", tree["gz"], series, required=True))
    optional = ready(videos_lesson("选学课", tree["gz"], series, required=False))
    draft = videos_lesson("草稿课", tree["gz"], series, required=True, published=False)
    people = {
        name: factories.member(tree[unit], username=username, real_name=name)
        for name, unit, username in (
            ("甲", "gz1", "jia"),
            ("乙", "gz1", "yi"),
            ("丙", "gz2", "bing"),
            ("丁", "gz1", "ding"),
            ("戊", "gz1", "wu"),
        )
    }
    complete(people["甲"], required)
    complete(people["甲"], optional)
    complete(people["乙"], optional)
    complete(people["丁"], required)
    complete(people["丁"], optional)
    complete(people["戊"], required)
    member_move(member=people["戊"], unit=tree["gz2"])
    people["丁"].is_active = False
    people["丁"].save(update_fields=["is_active"])
    return {"series": series, "required": required, "optional": optional, "draft": draft, **people}


def videos_lesson(title, unit, series, *, required, published=True, audience=()):
    from lessons.services import videos

    return videos.lesson_create(
        title=title, unit=unit, series=series, required=required, published=published, audience=list(audience)
    )


def test_the_series_page_shows_each_lessons_completed_of_expected_with_a_link_to_its_report(hall, gz_organiser):
    client = factories.client_in("en", gz_organiser)
    page = client.get(f"/lessons/series/{hall['series'].pk}/manage/")
    html = page.content.decode()
    figures = dict(re.findall(r'data-lesson="(\d+)".*?data-completion="(\d+/\d+)"', html, re.S))
    # Expected: the active members placed now in 广州特派办's subtree: the organiser, 甲, 乙 (第一),
    # 丙, 戊 (第二, moved there) = 5; 丁 is deactivated.
    # 必修课: 甲 and 戊 (丁's completion no longer counts) = 2; 选学课: 甲 and 乙 = 2; the draft: 0.
    assert figures == {
        str(hall["required"].pk): "2/5",
        str(hall["optional"].pk): "2/5",
        str(hall["draft"].pk): "0/5",
    }
    assert "2 of 5 completed" in html
    for lesson in ("required", "optional", "draft"):
        assert f'href="/lessons/{hall[lesson].pk}/report/"' in html
    assert f'href="/lessons/series/{hall["series"].pk}/progress/"' in html
    # The figure is the lesson report's own top row.
    report = client.get(f"/lessons/{hall['required'].pk}/report/").context["units"][0]
    assert (report["unit"].name, report["completed"], report["headcount"]) == ("广州特派办", 2, 5)
    chinese = factories.client_in("zh-hans", gz_organiser).get(f"/lessons/series/{hall['series'].pk}/manage/")
    assert "5 人中 2 人已完成" in chinese.content.decode() and "成员学习进度" in chinese.content.decode()
    listing = client.get("/lessons/series/manage/").content.decode()
    assert f'href="/lessons/series/{hall["series"].pk}/progress/"' in listing


def test_series_progress_counts_per_unit_who_completed_all_required_lessons_some_or_none(hall, gz_organiser, tree):
    client = factories.client_in("zh-hans", gz_organiser)
    page = client.get(f"/lessons/series/{hall['series'].pk}/progress/")
    assert page.status_code == 200
    rows = {
        row.unit.name: (row.headcount, row.counts["all"], row.counts["some"], row.counts["none"])
        for row in page.context["report"].units
    }
    # The published lessons only (the draft would leave nobody finished): 必修课 required, 选学课 optional.
    # 第一党支部: 甲 (all: the required one), 乙 (some: only the optional) = 2; 丁 deactivated, 戊 moved out.
    # 第二党支部: 丙 (none), 戊 (all: completed the required one before moving) = 2.
    # 广州特派办: those 4 and its organiser (none) = 5: all 甲 戊 = 2, some 乙 = 1, none 丙 and the organiser = 2.
    assert rows == {"广州特派办": (5, 2, 1, 2), "第一党支部": (2, 1, 1, 0), "第二党支部": (2, 1, 0, 1)}
    html = page.content.decode()
    assert "已完成全部必修课" in html and "成员（3 人未学完）" in html

    members = client.get(f"/lessons/series/{hall['series'].pk}/progress/", {"unit": tree["gz2"].pk})
    listed = [(row.member.real_name, row.status) for row, _cells in members.context["members"]]
    # 丙 has not finished, so comes before 戊.
    assert listed == [("丙", "none"), ("戊", "all")]
    table = members.content.decode().split('id="series-member-progress"')[1]
    assert 'data-member="bing" data-status="none"' in table and "丁" not in table and "甲" not in table
    english = factories.client_in("en", gz_organiser).get(
        f"/lessons/series/{hall['series'].pk}/progress/", {"unit": tree["gz1"].pk}
    )
    text = english.content.decode()
    assert "Members of 第一党支部" in text and "Completed all required lessons" in text
    assert [row.member.real_name for row, _cells in english.context["members"]] == ["乙", "甲"]


def test_series_progress_exports_every_member_with_when_they_completed_each_lesson(hall, gz_organiser):
    client = factories.client_in("zh-hans", gz_organiser)
    export = client.get(f"/lessons/series/{hall['series'].pk}/progress.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    book = load_workbook(BytesIO(export.content))
    units = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
    assert units == [("广州特派办", 5, 2, 1, 2), ("第一党支部", 2, 1, 1, 0), ("第二党支部", 2, 1, 0, 1)]
    people = book.worksheets[1]
    header = [cell.value for cell in people[1]]
    assert header[:4] == ["姓名", "单位", "进度", "已完成必修课"] and header[4:] == ["必修课 (必修)", "选学课"]
    rows = {row[0]: row for row in people.iter_rows(min_row=2, values_only=True)}
    # The five active members (丁 left out): 甲 1 of 1 required, 乙 0 of 1, 戊 1 of 1.
    assert set(rows) == {"广州组织者", "甲", "乙", "丙", "戊"}
    assert rows["甲"][2:4] == ("已完成全部必修课", "1 / 1") and rows["甲"][4] and rows["甲"][5]
    assert rows["乙"][2:4] == ("完成部分", "0 / 1") and not rows["乙"][4] and rows["乙"][5]
    assert rows["戊"][1] == "第二党支部" and rows["戊"][3] == "1 / 1"


def test_another_units_organiser_sees_no_series_progress(hall, tree):
    """A branch's secretary may not read the office's series; another office's is not told it exists."""
    series = hall["series"].pk
    branch = factories.client_in("en", factories.organiser(tree["gz1"], username="gz1-org"))
    other = factories.client_in("en", factories.organiser(tree["jjj"], username="jjj-org"))
    for url in (f"/lessons/series/{series}/progress/", f"/lessons/series/{series}/progress.xlsx"):
        refused = branch.get(url)
        assert refused.status_code == 403 and "甲" not in refused.content.decode()
        assert other.get(url).status_code == 404
    assert other.get(f"/lessons/series/{series}/progress/", {"unit": tree["gz1"].pk}).status_code == 404


def test_an_organ_wide_lesson_counts_only_the_units_its_series_organiser_manages(tree, gz_organiser):
    """A lesson of 广州特派办's series open to the whole 审计署: its organiser counts and lists their
    own branches, never 京津冀's; the organ's organiser counts both."""
    series = Series.objects.create(slug="organ-hall", title="全署讲堂", unit=tree["gz"])
    lesson = ready(videos_lesson("全署必修课", tree["gz"], series, required=True, audience=[tree["audit"]]))
    complete(factories.member(tree["gz1"], username="gz-done", real_name="广州学员"), lesson)
    complete(factories.member(tree["jjj1"], username="jjj-done", real_name="京津冀学员"), lesson)
    client = factories.client_in("en", gz_organiser)
    page = client.get(f"/lessons/series/{series.pk}/progress/")
    # 广州特派办: its organiser and 广州学员 = 2, 1 finished.
    assert [(row.unit.name, row.headcount, row.counts["all"]) for row in page.context["report"].units] == [
        ("广州特派办", 2, 1),
        ("第一党支部", 1, 1),
        ("第二党支部", 0, 0),
    ]
    assert "京津冀" not in page.content.decode()
    assert client.get(f"/lessons/series/{series.pk}/progress/", {"unit": tree["jjj1"].pk}).status_code == 404
    manage = client.get(f"/lessons/series/{series.pk}/manage/").content.decode()
    assert 'data-completion="1/2"' in manage
    organ = factories.client_in("en", factories.organiser(tree["audit"], username="audit-org"))
    rows = {
        row.unit.name: row.counts["all"]
        for row in organ.get(f"/lessons/series/{series.pk}/progress/").context["report"].units
    }
    # 审计署: 广州学员 and 京津冀学员 finished; the two organisers did not.
    assert rows["审计署"] == 2 and rows["机关党支部"] == 1


def test_series_progress_takes_the_same_queries_however_many_members(hall, gz_organiser, tree):
    from lessons import completion

    with CaptureQueriesContext(connection) as few:
        completion.series_completion(hall["series"], gz_organiser)
    for n in range(6):
        member = factories.member(tree["gz2"], username=f"more{n}")
        complete(member, hall["required"])
    gz_organiser = type(gz_organiser).objects.get(pk=gz_organiser.pk)  # its grants fetched afresh, as in a request
    with CaptureQueriesContext(connection) as many:
        report = completion.series_completion(hall["series"], gz_organiser)
    assert len(report.members) == 5 + 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_series_progress_lists_a_units_members_a_page_at_a_time(hall, gz_organiser, tree, monkeypatch):
    """An organ's thousands of members were one page (10,000 rows, 11 s on a ministry's data)."""
    from lessons.views import series as series_views

    monkeypatch.setattr(series_views, "PROGRESS_PAGE_SIZE", 1, raising=False)
    client = factories.client_in("zh-hans", gz_organiser)
    url = f"/lessons/series/{hall['series'].pk}/progress/"
    first = client.get(url, {"unit": tree["gz2"].pk})
    second = client.get(url, {"unit": tree["gz2"].pk, "page": 2})
    assert [row.member.real_name for row, _cells in first.context["members"]] == ["丙"]
    assert [row.member.real_name for row, _cells in second.context["members"]] == ["戊"]
    # The next page keeps the unit: 第二党支部's members, not the whole series'.
    assert f"?unit={tree['gz2'].pk}&amp;page=2" in first.content.decode()
