"""On a phone and a desktop, in both languages, on the real ASGI server: a member goes from the
library's series heading to the series' page (its lessons in order with their progress, how many
are done, the next to watch) and on to that lesson; the home lists an exam under way first with
its time left; an office organiser's series list shows the organ's series holding their lesson."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lessons.models import Lesson, Paper, Series, WatchProgress
from lessons.selectors import papers_for_member
from lessons.services import videos
from lessons.services.attempts import attempt_start
from orgs.models import Unit, User

pytestmark = pytest.mark.browser

LAYOUTS = [("zh-CN", True), ("en-US", True), ("zh-CN", False), ("en-US", False)]
DONE = {"zh-CN": "已学完 1 / 3", "en-US": "1 of 3 done"}
UNDER_WAY = {"zh-CN": "作答中：还剩", "en-US": "Under way:"}
ABOVE = {"zh-CN": "上级单位的系列", "en-US": "A series of a unit above yours"}


def layout(locale: str, phone: bool) -> dict:
    return {"phone": phone, "locale": locale, "viewport": None if phone else {"width": 1366, "height": 900}}


def name(locale: str, phone: bool) -> str:
    return f"{locale}-{'phone' if phone else 'desktop'}"


@pytest.fixture
def hall(demo):
    """The demo's lecture hall (of the organ; `seed_demo --no-video` leaves it out, as it does its
    lesson) with three published lessons by 广州特派办."""
    series, _ = Series.objects.get_or_create(
        slug="demo-jiangtang",
        defaults={
            "title": "机关讲堂（演示）",
            "title_en": "Lecture hall (demo)",
            "unit": Unit.objects.get(name="审计署"),
        },
    )
    office = Unit.objects.get(name="广州特派办")
    for title, title_en in (("第一讲", "Lecture 1"), ("第二讲", "Lecture 2"), ("第三讲", "Lecture 3")):
        lesson = videos.lesson_create(title=title, title_en=title_en, unit=office, series=series, speaker="王老师")
        Lesson.objects.filter(pk=lesson.pk).update(
            status=Lesson.Status.READY, duration_s=Decimal(600), publication=Lesson.Publication.PUBLISHED
        )
    return series


@pytest.mark.parametrize(("locale", "phone"), LAYOUTS)
def test_a_member_opens_a_series_from_the_library_and_goes_on_to_its_next_lesson(
    asgi_server, hall, signed_in_page, screenshot, locale, phone
):
    member = User.objects.get(username="member")
    first, second, _third = hall.lessons.order_by("position")
    WatchProgress.objects.create(member=member, lesson=first, watched_s=600, completed_at=timezone.now())
    WatchProgress.objects.create(member=member, lesson=second, watched_s=150)  # 150 of 600 s: 25%
    page = signed_in_page(member, **layout(locale, phone))
    page.goto(f"{asgi_server}/lessons/")
    screenshot(page, f"library-series-link-{name(locale, phone)}")
    page.locator(".qs-series-link").click()

    expect(page).to_have_url(f"{asgi_server}/lessons/series/{hall.pk}/")
    expect(page.locator("#series-done")).to_have_text(DONE[locale])
    expect(page.locator("#series-lessons li .qs-lesson-state")).to_have_text([re.compile(r"\S"), "25%", "0%"])
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the series page is {width}px wide"
    screenshot(page, f"series-member-{name(locale, phone)}")
    page.click("#series-next-link")
    expect(page).to_have_url(f"{asgi_server}/lessons/{second.pk}/")  # the first not completed


@pytest.mark.parametrize(("locale", "phone"), LAYOUTS)
def test_the_home_lists_an_exam_under_way_first_with_its_time_left(
    asgi_server, demo, signed_in_page, screenshot, locale, phone
):
    member = User.objects.get(username="member")
    exam = papers_for_member(member).filter(mode=Paper.Mode.EXAM, time_limit_s__gt=0).order_by("pk").first()
    attempt_start(paper=exam, member=member)
    page = signed_in_page(member, **layout(locale, phone))
    page.goto(f"{asgi_server}/")
    first = page.locator("#today-tasks li").first
    expect(first.locator(".fw-semibold")).to_have_text(exam.display_title if locale == "zh-CN" else re.compile(r".+"))
    expect(first.locator(".qs-time-left")).to_contain_text(UNDER_WAY[locale])
    screenshot(page, f"home-under-way-{name(locale, phone)}")


@pytest.mark.parametrize(("locale", "phone"), LAYOUTS)
def test_an_office_organiser_sees_the_organs_series_holding_their_lessons_and_opens_it(
    asgi_server, hall, signed_in_page, screenshot, locale, phone
):
    page = signed_in_page(User.objects.get(username="organiser"), **layout(locale, phone))
    page.goto(f"{asgi_server}/lessons/series/manage/")
    row = page.locator("#series-table tbody tr", has=page.locator(".qs-series-above"))
    expect(row.locator(".qs-series-above")).to_contain_text(ABOVE[locale])
    screenshot(page, f"series-list-organiser-{name(locale, phone)}")
    row.locator(".qs-series-read-only").click()
    expect(page).to_have_url(f"{asgi_server}/lessons/series/{hall.pk}/")
    expect(page.locator("#series-lessons li")).to_have_count(3)
    expect(page.locator("#series-manage-link")).to_have_count(0)
