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
