"""The demo read in English: its series and calls had Chinese texts only (the series no English
description at all), so their English pages showed Chinese. Names of people and the entries
members wrote stay as typed."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.utils import translation

from calls import demo as calls_demo
from calls.models import Call
from lessons import demo as lessons_demo
from lessons import video
from lessons.models import Lesson, Series
from lessons.services import videos
from orgs import demo as orgs_demo
from orgs.models import User
from orgs.selectors import unit_by_path
from tests.factories import client_in

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def between(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


@pytest.fixture
def demo(db, monkeypatch):
    """The demo's units and logins, and its calls and lecture hall as `seed_demo` seeds them
    without video (the hall's lesson skipped as without ffmpeg)."""
    orgs_demo.seed(StringIO())
    monkeypatch.setattr(video, "tools_missing", lambda: True)


@pytest.mark.parametrize("seeded_before", [False, True])
def test_the_demo_series_page_in_english_has_an_english_description(demo, seeded_before):
    if seeded_before:  # a demo seeded before series had English descriptions: seeding again fills it
        Series.objects.create(
            slug="demo-jiangtang",
            title="机关讲堂（演示）",
            title_en="Lecture hall (demo)",
            unit=unit_by_path("审计署"),
            description="演示系列",
        )
    lessons_demo.seed_lessons(StringIO())
    hall = Series.objects.get(slug="demo-jiangtang")
    # A published lesson of the hall for the whole organ, as the demo's lesson is with ffmpeg.
    lesson = videos.lesson_create(title="学习党章：第一讲（演示）", unit=hall.unit, series=hall, published=True)
    Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.READY, duration_s=Decimal(30))
    member = User.objects.get(username="member")

    english = client_in("en", member).get(f"/lessons/series/{hall.pk}/").content.decode()
    description = between(english, 'id="series-description"', "</p>")
    assert "lecture hall" in description and not CJK.search(description), description
    assert "<h1" in english and "Lecture hall (demo)</h1>" in english
    listed = client_in("en", member).get("/lessons/series/").content.decode()
    assert not CJK.search(between(listed, 'class="small mb-2 text-break qs-series-description"', "</p>"))
    chinese = client_in("zh-hans", member).get(f"/lessons/series/{hall.pk}/").content.decode()
    assert "审计署机关讲堂的演示系列" in between(chinese, 'id="series-description"', "</p>")


def test_the_demo_calls_read_in_english_have_english_titles_rules_criteria_and_prizes(demo):
    calls_demo.seed(StringIO(), video=False)
    member = User.objects.get(username="member")
    essay = Call.objects.get(kind=Call.Kind.ESSAY)
    client = client_in("en", member)
    listed = client.get("/calls/").content.decode()
    assert "Essays on the spirit of the Fourth Plenary Session" in listed and essay.title not in listed
    page = client.get(f"/calls/{essay.pk}/").content.decode()
    rules = between(page, 'class="qs-rules"', "</div>")
    assert "One essay each, up to 3,000 characters" in rules and not CJK.search(rules), rules
    assert [(c.display_name, c.name) for c in essay.criteria.all()] == [
        ("思想性", "思想性"),
        ("结合实际", "结合实际"),
        ("文字表达", "文字表达"),
    ]  # in Chinese when read in Chinese (the default language here)
    with translation.override("en"):
        assert [c.display_name for c in essay.criteria.all()] == ["Ideas", "Bearing on the work", "Writing"]
        assert [t.display_name for t in essay.prize_tiers.all()] == ["First prize", "Second prize", "Third prize"]
    calls_demo.seed(StringIO(), video=False)  # seeding again changes nothing
    essay.refresh_from_db()
    assert essay.title_en.startswith("Essays on the spirit") and essay.criteria.count() == 3
