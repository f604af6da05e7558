"""A call that has not opened yet says when it opens (local date and time), in the reader's
language, rather than that submissions are closed."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from tests import factories

from .conftest import open_essay_call, signed_in


def test_a_call_not_open_yet_says_when_it_opens(client, tree):
    """Opens in two days at 09:30 Beijing time (the platform's TIME_ZONE, Asia/Shanghai)."""
    day = timezone.now().astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=2)
    opens = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 9, 30), ZoneInfo("Asia/Shanghai"))
    call = open_essay_call(tree["audit"])
    call.opens_at, call.closes_at = opens, opens + timedelta(days=10)
    call.save()
    member = factories.member(tree["gz1"])
    url = reverse("calls:detail", args=[call.pk])

    page = signed_in(client, member).get(url).text
    assert f"将于 {day:%Y-%m-%d} 09:30 开始接收作品。" in page
    assert "提交已截止" not in page and 'id="entry-form"' not in page
    page = signed_in(client, member, "en").get(url).text
    assert f"Submissions open on {day.day} {day:%b %Y} 09:30." in page and "Submissions are closed" not in page

    call.opens_at, call.closes_at = opens - timedelta(days=30), opens - timedelta(days=20)
    call.save()  # one that has closed still says so
    assert "提交已截止。" in signed_in(client, member).get(url).text
