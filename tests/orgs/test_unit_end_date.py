"""A temporary branch's end date may be today but not a day already past, "today" being the local
date (settings.TIME_ZONE) also in the minutes around local midnight, when UTC's date differs."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from orgs.models import Unit

# (TIME_ZONE, the moment in UTC, the local date then, the day before it)
AROUND_MIDNIGHT = [
    # 00:01 on 6 Dec in Shanghai (UTC+8) is 16:01 on 5 Dec in UTC: UTC is still on the day before.
    ("Asia/Shanghai", datetime(2026, 12, 5, 16, 1, tzinfo=UTC), date(2026, 12, 6), date(2026, 12, 5)),
    # 23:59 on 6 Dec in Shanghai is 15:59 on 6 Dec in UTC: the last minute of the local day.
    ("Asia/Shanghai", datetime(2026, 12, 6, 15, 59, tzinfo=UTC), date(2026, 12, 6), date(2026, 12, 5)),
    # 23:59 on 6 Dec in New York (UTC-5) is 04:59 on 7 Dec in UTC: UTC is already on the next day.
    ("America/New_York", datetime(2026, 12, 7, 4, 59, tzinfo=UTC), date(2026, 12, 6), date(2026, 12, 5)),
    # 00:01 on 6 Dec in New York is 05:01 on 6 Dec in UTC.
    ("America/New_York", datetime(2026, 12, 6, 5, 1, tzinfo=UTC), date(2026, 12, 6), date(2026, 12, 5)),
]


@pytest.fixture
def organiser(client, gz_organiser):
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    return client


@pytest.mark.parametrize(("time_zone", "moment", "today", "yesterday"), AROUND_MIDNIGHT)
def test_an_end_date_of_the_local_today_is_taken_near_midnight_and_yesterday_refused(
    organiser, tree, settings, monkeypatch, time_zone, moment, today, yesterday
):
    settings.TIME_ZONE = time_zone
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert timezone.localdate() == today  # the clock as the form reads it
    typed = {"parent": tree["gz"].pk, "name": "审计组临时党支部", "kind": "temporary_branch"}

    refused = organiser.post(reverse("orgs:unit_add"), {**typed, "ends_on": yesterday.isoformat()})

    assert refused.status_code == 200
    message = f"结束日期 {yesterday.isoformat()} 已经过去：请选择今天（{today.isoformat()}）或以后的日期。"
    assert refused.context["form"].errors["ends_on"] == [message]
    assert not Unit.objects.filter(name="审计组临时党支部").exists()
    taken = organiser.post(reverse("orgs:unit_add"), {**typed, "ends_on": today.isoformat()})
    assert taken.status_code == 302
    assert Unit.objects.get(name="审计组临时党支部").ends_on == today


@pytest.mark.parametrize(("time_zone", "moment", "today", "yesterday"), AROUND_MIDNIGHT)
def test_a_units_end_date_can_be_moved_to_the_local_today_near_midnight_but_not_to_yesterday(
    organiser, tree, settings, monkeypatch, time_zone, moment, today, yesterday
):
    settings.TIME_ZONE = time_zone
    monkeypatch.setattr(timezone, "now", lambda: moment)
    Unit.objects.filter(pk=tree["gz2"].pk).update(kind="temporary_branch", ends_on=date(2027, 3, 31))
    url = reverse("orgs:unit_detail", args=[tree["gz2"].pk])
    fields = {"name": "第二党支部", "kind": "temporary_branch", "reason": ""}

    refused = organiser.post(url, {**fields, "ends_on": yesterday.isoformat()})

    assert refused.status_code == 200 and refused.context["form"].errors["ends_on"]
    assert organiser.post(url, {**fields, "ends_on": today.isoformat()}).status_code == 302
    tree["gz2"].refresh_from_db()
    assert tree["gz2"].ends_on == today
