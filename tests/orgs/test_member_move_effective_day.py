"""A member's unit change on their page may be dated: a local calendar day (TIME_ZONE), the move
taking effect from that day's local midnight; empty is now. A day to come, and a day whose start
precedes the member's current placement, are refused."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from orgs.models import MemberPlacement
from tests import factories

# 12:00 on 7 Dec in Shanghai (UTC+8) is 04:00 on 7 Dec in UTC.
NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
# 00:00 on 6 Dec in Shanghai is 16:00 on 5 Dec in UTC: the current placement began exactly then.
PLACED = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)


@pytest.fixture
def page(client, tree, gz_organiser, settings, monkeypatch):
    settings.TIME_ZONE = "Asia/Shanghai"
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    member = factories.member(tree["gz1"], real_name="李调动")
    MemberPlacement.objects.filter(member=member).update(effective_at=PLACED)
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    url = reverse("orgs:member_detail", args=[member.pk])
    fields = {
        "real_name": "李调动",
        "employee_no": member.employee_no,
        "phone": "",
        "is_party_member": "on",
        "unit": tree["gz2"].pk,
        "reason": "",
    }
    return client, url, fields, member


def _placements(member) -> list:
    return list(
        MemberPlacement.objects.filter(member=member).order_by("effective_at").values_list("unit__name", "effective_at")
    )


def test_the_day_the_placement_began_is_taken_from_its_local_midnight(page):
    client, url, fields, member = page

    response = client.post(url, {**fields, "moved_on": "2026-12-06"})

    assert response.status_code == 302
    # 00:00 on 6 Dec in Shanghai = 16:00 on 5 Dec UTC, the same moment the old placement began.
    assert _placements(member)[-1] == ("第二党支部", datetime(2026, 12, 5, 16, 0, tzinfo=UTC))


def test_the_day_before_the_placement_began_is_refused(page):
    client, url, fields, member = page

    response = client.post(url, {**fields, "moved_on": "2026-12-05"})

    assert response.status_code == 200
    # The placement began 00:00 on 6 Dec local: 5 Dec starts a day earlier.
    assert response.context["form"].errors["moved_on"] == [
        "李调动 自 2026-12-06 00:00 起在现单位：调动最早从 2026-12-06 起生效。"
    ]
    assert _placements(member) == [("第一党支部", PLACED)]


def test_a_day_to_come_is_refused_and_empty_is_now(page):
    client, url, fields, member = page

    refused = client.post(url, {**fields, "moved_on": "2026-12-08"})
    assert refused.context["form"].errors["moved_on"] == ["2026-12-08 尚未到来：调动最晚从今天（2026-12-07）起生效。"]
    assert client.post(url, {**fields, "moved_on": ""}).status_code == 302
    assert _placements(member)[-1] == ("第二党支部", NOW)


# The member list's bulk bar takes the same day for every ticked member.

# 10:00 on 6 Dec in Shanghai: a second member came to their unit then, so 6 Dec starts too early.
PLACED_LATER = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


@pytest.fixture
def bulk(page, tree):
    client, _url, _fields, first = page
    second = factories.member(tree["gz1"], real_name="王新来")
    MemberPlacement.objects.filter(member=second).update(effective_at=PLACED_LATER)

    def post(day: str):
        return client.post(
            reverse("orgs:member_bulk"),
            {"member": [first.pk, second.pk], "action": "move", "unit": tree["gz2"].pk, "moved_on": day},
            follow=True,
        )

    return post, first, second


def test_a_bulk_move_dated_takes_effect_for_each_member_from_the_days_local_midnight(bulk):
    post, first, second = bulk

    body = post("2026-12-07").content.decode()

    assert "已将 2 名成员调整到审计署/广州特派办/第二党支部，自 2026-12-07 起生效。" in body
    # 00:00 on 7 Dec in Shanghai = 16:00 on 6 Dec UTC.
    assert _placements(first)[-1] == ("第二党支部", datetime(2026, 12, 6, 16, 0, tzinfo=UTC))
    assert _placements(second)[-1] == ("第二党支部", datetime(2026, 12, 6, 16, 0, tzinfo=UTC))


def test_a_bulk_day_before_one_members_placement_names_them_and_moves_nobody(bulk):
    post, first, second = bulk

    response = post("2026-12-06")
    body = response.content.decode()

    # 李调动 may move from 6 Dec (placed at its start), 王新来 only from 7 Dec (placed 10:00 on 6 Dec).
    assert "王新来 自 2026-12-06 10:00 起在现单位：调动最早从 2026-12-07 起生效。" in body
    assert _placements(first) == [("第一党支部", PLACED)]
    assert _placements(second) == [("第一党支部", PLACED_LATER)]
    # The bar comes back as it was sent, the day included.
    assert 'name="moved_on" id="bulk-moved-on"' in body and 'value="2026-12-06"' in body


def test_a_bulk_day_before_several_placements_gives_the_first_day_for_them_all(bulk):
    post, first, second = bulk

    body = post("2026-12-05").content.decode()

    assert "李调动、王新来 调入现单位晚于该日：所选成员的调动最早从 2026-12-07 起生效。" in body
    assert [_placements(m)[-1][0] for m in (first, second)] == ["第一党支部", "第一党支部"]


def test_a_bulk_day_to_come_is_refused_and_the_bar_offers_the_day_for_moves_only(bulk, client):
    post, first, _second = bulk

    body = post("2026-12-08").content.decode()

    assert "2026-12-08 尚未到来：调动最晚从今天（2026-12-07）起生效。" in body
    assert _placements(first) == [("第一党支部", PLACED)]
    page = client.get(reverse("orgs:member_list")).content.decode()
    # Shown only with "Move to a unit" (member_bulk.js reads data-bulk-for).
    assert 'data-bulk-for="move"><label class="form-label small mb-1" for="bulk-moved-on">生效日期</label>' in page


def test_a_member_placed_today_can_be_moved_from_now_only_and_is_told_so(page, bulk):
    """Placed at 09:00 today (local), the first day allowed would be tomorrow, still to come: the
    message asks for no day rather than naming one the form refuses too."""
    client, url, fields, member = page
    post, _first, second = bulk
    MemberPlacement.objects.filter(member=member).update(effective_at=datetime(2026, 12, 7, 1, 0, tzinfo=UTC))

    refused = client.post(url, {**fields, "moved_on": "2026-12-07"})

    assert refused.context["form"].errors["moved_on"] == [
        "李调动 自 2026-12-07 09:00 起在现单位：请将生效日期留空，即刻调动。"
    ]
    # In bulk: from 7 Dec only 李调动 is late; from 6 Dec 王新来 (placed 10:00 on 6 Dec) is too,
    # named first as placed first.
    assert "李调动 自 2026-12-07 09:00 起在现单位：请将生效日期留空，即刻调动。" in post("2026-12-07").text
    body = post("2026-12-06").text
    assert "王新来、李调动 调入现单位晚于该日：请将生效日期留空，即刻调动。" in body
