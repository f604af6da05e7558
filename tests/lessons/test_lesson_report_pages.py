"""A lesson's completion report lists its watchers a page at a time (an organ-wide lesson has
thousands: one page of them all was 75,000 pixels tall on a phone); its xlsx lists them all."""

from decimal import Decimal
from io import BytesIO

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
