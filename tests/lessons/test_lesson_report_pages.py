"""A lesson's completion report lists its watchers a page at a time (an organ-wide lesson has
thousands: one page of them all was 75,000 pixels tall on a phone); its xlsx lists them all."""

from decimal import Decimal
from io import BytesIO

import lxml.html
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lessons.models import Lesson, WatchProgress
from lessons.views import videos
from tests import factories


@pytest.mark.django_db
def test_the_report_shows_its_watchers_a_page_at_a_time_and_the_xlsx_all_of_them(tree, monkeypatch):
    monkeypatch.setattr(videos, "REPORT_PAGE_SIZE", 2, raising=False)
    lesson = Lesson.objects.create(title="必修课", unit=tree["gz"], status=Lesson.Status.READY, duration_s=Decimal(60))
    for seconds, name in ((50, "甲"), (40, "乙"), (30, "丙")):
        WatchProgress.objects.create(
            member=factories.member(tree["gz1"], real_name=name), lesson=lesson, watched_s=seconds
        )
    client = factories.client_in("zh-hans", factories.organiser(tree["gz"]))
    url = reverse("lessons:lesson_report", args=[lesson.pk])

    first = client.get(url)
    second = client.get(url, {"page": 2})

    assert [p.member.real_name for p in first.context["members"]] == ["甲", "乙"]
    assert [p.member.real_name for p in second.context["members"]] == ["丙"]
    assert "第 1 页，共 2 页" in first.content.decode() or "Page 1 of 2" in first.content.decode()
    book = load_workbook(BytesIO(client.get(reverse("lessons:lesson_report_xlsx", args=[lesson.pk])).content))
    names = [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert names == ["甲", "乙", "丙"]


def test_the_reports_unit_table_is_paged_apart_from_its_watchers_and_the_xlsx_lists_every_unit(tree, monkeypatch):
    """An organ-wide lesson's unit table had a row for each of 245 units on one page. Its units go
    a page at a time in tree order, by `units_page`; each table's links keep the other's page."""
    monkeypatch.setattr(videos, "REPORT_PAGE_SIZE", 2, raising=False)
    lesson = Lesson.objects.create(title="必修课", unit=tree["gz"], status=Lesson.Status.READY, duration_s=Decimal(60))
    for seconds, name in ((50, "甲"), (40, "乙"), (30, "丙")):
        WatchProgress.objects.create(
            member=factories.member(tree["gz1"], real_name=name), lesson=lesson, watched_s=seconds
        )
    client = factories.client_in("en", factories.organiser(tree["gz"]))
    url = reverse("lessons:lesson_report", args=[lesson.pk])

    first = client.get(url)
    second = client.get(url, {"units_page": 2, "page": 2})

    # 广州特派办 and its two branches, in tree order; the watchers' page is its own.
    assert [row["unit"].name for row in first.context["units"]] == ["广州特派办", "第一党支部"]
    assert [row["unit"].name for row in second.context["units"]] == ["第二党支部"]
    assert [p.member.real_name for p in second.context["members"]] == ["丙"]
    page = lxml.html.fromstring(first.content)
    assert page.xpath("//nav[@aria-label='Pages of units']//a/@href") == ["?units_page=2#unit-completion"]
    assert page.xpath("//nav[@aria-label='Pages of members']//a/@href") == ["?page=2#member-completion"]
    links = lxml.html.fromstring(second.content).xpath("//nav[starts-with(@aria-label, 'Pages of')]//a/@href")
    assert links == ["?units_page=1&page=2#unit-completion", "?units_page=2&page=1#member-completion"]
    book = load_workbook(BytesIO(client.get(reverse("lessons:lesson_report_xlsx", args=[lesson.pk])).content))
    units = [row[0] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)]
    assert units == ["广州特派办", "第一党支部", "第二党支部"]


@pytest.mark.parametrize(
    ("asked", "units", "watchers"),
    [
        ({"units_page": "0", "page": "0"}, ["第二党支部"], ["丙"]),  # below the first: the last, as get_page does
        ({"units_page": "-1", "page": "-1"}, ["第二党支部"], ["丙"]),
        ({"units_page": "abc", "page": "abc"}, ["广州特派办", "第一党支部"], ["甲", "乙"]),
        ({"units_page": "99999", "page": "99999"}, ["第二党支部"], ["丙"]),
    ],
)
def test_a_reports_page_number_that_is_not_one_lands_on_a_page(tree, monkeypatch, asked, units, watchers):
    monkeypatch.setattr(videos, "REPORT_PAGE_SIZE", 2, raising=False)
    lesson = Lesson.objects.create(title="必修课", unit=tree["gz"], status=Lesson.Status.READY, duration_s=Decimal(60))
    for seconds, name in ((50, "甲"), (40, "乙"), (30, "丙")):
        WatchProgress.objects.create(
            member=factories.member(tree["gz1"], real_name=name), lesson=lesson, watched_s=seconds
        )
    response = factories.client_in("en", factories.organiser(tree["gz"])).get(
        reverse("lessons:lesson_report", args=[lesson.pk]), asked
    )
    assert response.status_code == 200
    assert [row["unit"].name for row in response.context["units"]] == units
    assert [p.member.real_name for p in response.context["members"]] == watchers
