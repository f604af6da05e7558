"""The effective-day checks of a unit change live in `member_move`, not only in the member page's
and the bulk bar's forms: a move from a day to come, or from before the member's current
placement began, is refused on every path with the forms' words, also when another organiser's
move lands between a form's check and its save."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from orgs import forms as org_forms
from orgs import services
from orgs.models import MemberPlacement
from tests import factories

# 12:00 on 7 Dec in Shanghai (UTC+8) is 04:00 on 7 Dec in UTC.
NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
# 00:00 on 6 Dec in Shanghai is 16:00 on 5 Dec in UTC: the current placement began exactly then.
PLACED = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
# 00:00 on 8 Dec in Shanghai: tomorrow.
TOMORROW = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
# 00:00 on 5 Dec in Shanghai: a day before the placement began.
DAY_BEFORE = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)


@pytest.fixture
def mover(tree, settings, monkeypatch):
    settings.TIME_ZONE = "Asia/Shanghai"
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    member = factories.member(tree["gz1"], real_name="李调动")
    MemberPlacement.objects.filter(member=member).update(effective_at=PLACED)
    return member


def _placements(member) -> list:
    return list(
        MemberPlacement.objects.filter(member=member).order_by("effective_at").values_list("unit__name", "effective_at")
    )


@pytest.mark.parametrize(
    ("at", "code", "english", "chinese"),
    [
        (
            TOMORROW,
            "moved_on_future",
            "2026-12-08 is still to come: a unit change takes effect today (2026-12-07) at the latest.",
            "2026-12-08 尚未到来：调动最晚从今天（2026-12-07）起生效。",
        ),
        (
            DAY_BEFORE,
            "moved_before_placement",
            "李调动 has been in their current unit since 2026-12-06 00:00: a unit change takes effect from"
            " 2026-12-06 at the earliest.",
            "李调动 自 2026-12-06 00:00 起在现单位：调动最早从 2026-12-06 起生效。",
        ),
    ],
)
def test_the_service_refuses_a_move_from_a_day_to_come_or_before_the_placement(mover, tree, at, code, english, chinese):
    for language, said in (("en", english), ("zh-hans", chinese)):
        with translation.override(language), pytest.raises(services.OrgError) as refused:
            services.member_move(member=mover, unit=tree["gz2"], at=at)
        assert (refused.value.code, refused.value.message) == (code, said)
    mover.refresh_from_db()
    assert mover.unit == tree["gz1"] and _placements(mover) == [("第一党支部", PLACED)]


def test_the_service_takes_the_placements_own_day_and_a_history_written_as_given(mover, tree):
    services.member_move(member=mover, unit=tree["gz2"], at=PLACED)
    assert _placements(mover)[-1] == ("第二党支部", PLACED)
    # Tests build past histories at any instant, saying so.
    services.member_move(member=mover, unit=tree["gz1"], at=DAY_BEFORE, as_given=True)
    assert ("第一党支部", DAY_BEFORE) in _placements(mover)


def test_a_move_landing_between_the_member_pages_check_and_its_save_is_refused_beside_the_day(
    client, mover, tree, gz_organiser, monkeypatch
):
    # Another organiser moves the member at 11:00 on 7 Dec local, after this page's form checked
    # 6 Dec against the placement from 6 Dec: the form's check alone let 6 Dec through.
    real_check = org_forms.moved_before_placement

    def check_then_another_move(members, at):
        problem = real_check(members, at)
        MemberPlacement.objects.filter(member=mover).update(effective_at=datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
        return problem

    monkeypatch.setattr(org_forms, "moved_before_placement", check_then_another_move)
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "en"
    fields = {
        "real_name": "李调动",
        "employee_no": mover.employee_no,
        "phone": "",
        "is_party_member": "on",
        "unit": tree["gz2"].pk,
        "reason": "",
        "moved_on": "2026-12-06",
    }
    response = client.post(reverse("orgs:member_detail", args=[mover.pk]), fields)
    assert response.status_code == 200
    # Placed at 11:00 on 7 Dec: no day can be given any more, only now.
    assert response.context["form"].errors["moved_on"] == [
        "李调动 has been in their current unit since 2026-12-07 11:00: leave the day empty to move them from now."
    ]
    mover.refresh_from_db()
    assert mover.unit == tree["gz1"]
