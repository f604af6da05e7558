"""No member is placed in a closed unit: the close page moved members out and the forms stopped
offering it, but the member import still took a closed unit by its path, and a form or API call
naming its id placed a member there too."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from orgs import services
from orgs.importing import members_import
from orgs.models import MemberPlacement, Unit, User
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "工号", "单位", "角色", "手机", "党员"]
TEAM_PATH = "审计署/广州特派办/审计组（临时）"


@pytest.fixture
def closed_team(tree):
    """An audit team's temporary branch someone closed on 30 November 2026 at 10:00 Beijing time."""
    team = services.unit_create(
        name="审计组（临时）",
        name_en="Audit Team (temporary)",
        kind="temporary_branch",
        parent=tree["gz"],
        ends_on=timezone.localdate() + timedelta(days=30),
    )
    services.unit_close(unit=team)
    closed = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    Unit.objects.filter(pk=team.pk).update(closed_at=closed, ends_on=date(2026, 11, 30))
    team.refresh_from_db()
    return team


def test_the_import_refuses_a_closed_unit_naming_the_row_and_the_unit_and_imports_nothing(
    tree, gz_organiser, closed_team
):
    book = factories.workbook(
        [
            HEADER,
            ["张伟", "100001", "审计署/广州特派办/第一党支部", "", "", ""],  # row 2, fine
            ["李娜", "100002", TEAM_PATH, "", "", ""],  # row 3, the closed unit
        ]
    )
    report = members_import(file=book, by=gz_organiser)
    assert not report.ok
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "单位", "单位“审计组（临时）”已于 2026-11-30 撤销。")
    ]
    assert not User.objects.filter(employee_no__in=["100001", "100002"]).exists()


def test_the_import_page_says_it_in_english_too(client, tree, gz_organiser, closed_team):
    book = factories.workbook([HEADER, ["李娜", "100002", TEAM_PATH, "", "", ""]])
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "en"
    page = client.post(reverse("orgs:member_import"), {"action": "preview", "file": book})
    assert page.status_code == 200
    assert "The unit “Audit Team (temporary)” was closed on 2026-11-30." in page.text
    assert not User.objects.filter(employee_no="100002").exists()


def test_the_import_refuses_a_temporary_branch_past_its_end_date(tree, gz_organiser):
    team = services.unit_create(
        name="审计组（临时）", kind="temporary_branch", parent=tree["gz"], ends_on=timezone.localdate()
    )
    Unit.objects.filter(pk=team.pk).update(ends_on=date(2026, 1, 31))  # ended, nobody closed it
    book = factories.workbook([HEADER, ["李娜", "100002", TEAM_PATH, "", "", ""]])
    report = members_import(file=book, by=gz_organiser)
    assert [(e.row, e.message) for e in report.errors] == [(2, "单位“审计组（临时）”已于 2026-01-31 结束。")]


def test_the_import_keeps_a_member_who_stayed_in_the_closed_unit(tree, gz_organiser):
    team = services.unit_create(
        name="审计组（临时）", kind="temporary_branch", parent=tree["gz"], ends_on=timezone.localdate()
    )
    stayed = factories.member(team, real_name="李娜", employee_no="100002")
    services.unit_close(unit=team)
    # Same unit, a new phone: not a placement, so the row is fine.
    book = factories.workbook([HEADER, ["李娜", "100002", TEAM_PATH, "", "13800000002", ""]])
    report = members_import(file=book, by=gz_organiser)
    assert report.ok, report.errors
    stayed.refresh_from_db()
    assert stayed.unit == team and stayed.phone == "13800000002"


def test_the_add_member_form_refuses_a_closed_unit_beside_the_unit(client, tree, gz_organiser, closed_team):
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    page = client.post(
        reverse("orgs:member_new"), {"real_name": "李娜", "employee_no": "100002", "unit": closed_team.pk}
    )
    assert page.status_code == 200
    assert page.context["form"].errors["unit"] == ["单位“审计组（临时）”已于 2026-11-30 撤销。"]
    assert not User.objects.filter(employee_no="100002").exists()


def test_the_member_page_refuses_a_move_to_a_closed_unit(client, tree, gz_organiser, closed_team):
    person = factories.member(tree["gz1"], real_name="王五")
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "en"
    page = client.post(
        reverse("orgs:member_detail", args=[person.pk]),
        {"real_name": "王五", "employee_no": person.employee_no, "unit": closed_team.pk},
    )
    assert page.status_code == 200
    assert page.context["form"].errors["unit"] == ["The unit “Audit Team (temporary)” was closed on 2026-11-30."]
    person.refresh_from_db()
    assert person.unit == tree["gz1"] and MemberPlacement.objects.filter(member=person).count() == 1


def test_the_bulk_move_refuses_a_closed_unit(tree, gz_organiser, closed_team):
    person = factories.member(tree["gz1"])
    with pytest.raises(services.OrgError) as refused:
        services.members_bulk_apply(by=gz_organiser, members=[person], action="move", unit=closed_team)
    assert refused.value.code == "unit_closed"
    person.refresh_from_db()
    assert person.unit == tree["gz1"]


def test_the_api_refuses_a_closed_unit_on_create_and_on_move(tree, gz_organiser, closed_team):
    api = APIClient()
    api.force_authenticate(gz_organiser)
    created = api.post(
        "/api/v1/members/",
        {"username": "new1", "real_name": "新人", "employee_no": "N1", "unit": closed_team.pk},
        format="json",
    )
    assert created.status_code == 400
    assert created.json()["error"] == {
        "code": "unit_closed",
        "message": "单位“审计组（临时）”已于 2026-11-30 撤销。",
        "field": "unit",
    }
    assert not User.objects.filter(username="new1").exists()
    person = factories.member(tree["gz1"])
    moved = api.patch(f"/api/v1/members/{person.pk}/", {"unit": closed_team.pk}, format="json")
    assert moved.status_code == 400 and moved.json()["error"]["code"] == "unit_closed"
    person.refresh_from_db()
    assert person.unit == tree["gz1"]
