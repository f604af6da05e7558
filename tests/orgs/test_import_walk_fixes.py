"""What a tester walking the administrator's pages found in the member import, the unit forms and
the phone check: blank cells that changed stored data, a 2,000-row preview listing every row, an
end date already past, "12345" taken for a phone."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from orgs.importing import members_import
from orgs.models import Unit, User, phone_validator
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "工号", "单位", "角色", "手机", "党员"]
GZ1 = "审计署/广州特派办/第一党支部"


def preview(client, rows):
    book = factories.workbook([HEADER, *rows])
    return client.post(reverse("orgs:member_import"), {"action": "preview", "file": book})


def test_blank_party_and_phone_cells_keep_an_existing_members_values(client, tree, gz_organiser):
    """The tester's sheet: 邓 (not a party member, phone 13943837345) with 党员 and 手机 blank
    previewed "党员：否 → 是" and "手机：13943837345 → —", and importing did both."""
    deng = factories.member(
        tree["gz1"], employee_no="100001", real_name="邓丽", phone="13943837345", is_party_member=False
    )
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"

    page = preview(client, [["邓丽", "100001", GZ1, "", "", ""]])

    report = page.context["report"]
    assert report.ok and [p.changes for p in report.planned] == [[]]
    assert (report.new_count, report.update_count, report.unchanged_count) == (0, 0, 1)
    assert "空白单元格保留现有值" in page.text and "<del>" not in page.text
    done = client.post(reverse("orgs:member_import"), {"action": "confirm", "token": page.context["token"]})
    assert done.status_code == 302
    deng.refresh_from_db()
    assert (deng.phone, deng.is_party_member) == ("13943837345", False)


def test_filled_cells_still_change_an_existing_member(tree, gz_organiser):
    deng = factories.member(tree["gz1"], employee_no="100001", real_name="邓丽", phone="13943837345")
    report = members_import(
        file=factories.workbook([HEADER, ["邓丽", "100001", GZ1, "", "13800000001", "否"]]), by=gz_organiser
    )
    assert report.ok and report.updated == 1
    deng.refresh_from_db()
    assert (deng.phone, deng.is_party_member) == ("13800000001", False)


def test_a_new_members_blank_party_cell_is_the_stated_default_and_the_preview_names_the_rows(
    client, tree, gz_organiser
):
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    rows = [
        ["甲", "200001", GZ1, "", "", ""],
        ["乙", "200002", GZ1, "", "", "否"],
        ["丙", "200003", GZ1, "", "", ""],
    ]

    page = preview(client, rows)

    assert page.context["report"].party_by_default == [2, 4]
    assert "有 2 名新成员的“党员”单元格为空，将按默认记为党员。" in page.text and "行：2, 4" in page.text
    client.post(reverse("orgs:member_import"), {"action": "confirm", "token": page.context["token"]})
    assert dict(User.objects.filter(employee_no__startswith="2000").values_list("real_name", "is_party_member")) == {
        "甲": True,
        "乙": False,
        "丙": True,
    }


def test_a_big_sheets_preview_counts_first_and_lists_the_first_hundred_rows_but_imports_all(client, tree, gz_organiser):
    """A 2,000-row sheet rendered every row (an 89,000-px page). Here 150 new, 30 changed (one of
    them renamed, on row 182, past the first hundred listed) and 20 unchanged."""
    for n in range(50):
        factories.member(tree["gz1"], employee_no=f"3{n:05}", real_name=f"老{n}", phone="13900000000")
    rows = [[f"新{n}", f"4{n:05}", GZ1, "", "", "是"] for n in range(150)]
    rows += [[f"老{n}", f"3{n:05}", GZ1, "", "13800000001", ""] for n in range(29)]
    rows += [["改名", "300029", GZ1, "", "", ""]]
    rows += [[f"老{n}", f"3{n:05}", GZ1, "", "", ""] for n in range(30, 50)]
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "en"

    page = preview(client, rows)

    html = page.text
    assert [p.row for p in page.context["rows_shown"]] == [*range(2, 101), 181]
    assert 'data-count="new">150 new' in html and 'data-count="update">30 to update' in html
    assert 'data-count="unchanged">20 unchanged' in html
    assert "…and 80 more new or changed rows, not listed here" in html
    assert html.count("data-renamed") == 1
    done = client.post(
        reverse("orgs:member_import"), {"action": "confirm", "token": page.context["token"], "renames_confirmed": "1"}
    )
    assert done.status_code == 302
    assert User.objects.filter(employee_no__startswith="4").count() == 150
    assert User.objects.filter(employee_no__startswith="3", phone="13800000001").count() == 29
    assert User.objects.get(employee_no="300029").real_name == "改名"


@pytest.mark.parametrize(
    "phone",
    ["13800000001", "138 0000 0001", "+86 138 0000 0001", "010-12345678", "0755 1234 5678", "(021)6234567",
     "010-12345678-123", "010-12345678转8", "+852 2123 4567", "+1 202 555 0143"],
)  # fmt: skip
def test_plausible_phone_numbers_pass(phone):
    phone_validator(phone)


@pytest.mark.parametrize(
    "phone", ["12345", "1234567", "12345678901", "1380000000", "138000000011", "+123456", "010-123", "abc"]
)
def test_implausible_phone_numbers_are_refused(phone):
    with pytest.raises(ValidationError):
        phone_validator(phone)


def test_the_import_and_the_add_member_form_refuse_12345_with_an_example(client, tree, gz_organiser):
    with translation.override("en"):
        book = factories.workbook([HEADER, ["甲", "200001", GZ1, "", "12345", "是"]])
        report = members_import(file=book, by=gz_organiser)
        assert [(e.row, e.message) for e in report.errors] == [
            (
                2,
                "“12345” is not a phone number: write a mobile like 13800000001, a landline with its area code"
                " like 010-12345678, or + and the country code like +852 2123 4567.",
            )
        ]
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    typed = {"real_name": "张三", "employee_no": "700003", "unit": tree["gz1"].pk, "phone": "12345"}
    page = client.post(reverse("orgs:member_new"), typed)
    assert page.status_code == 200 and "手机号（如 13800000001）" in page.text and 'value="12345"' in page.text
    assert not User.objects.filter(employee_no="700003").exists()


def test_a_temporary_branch_cannot_be_added_with_an_end_date_already_past(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    typed = {"parent": tree["gz"].pk, "name": "审计组临时党支部", "kind": "temporary_branch"}

    page = client.post(reverse("orgs:unit_add"), {**typed, "ends_on": yesterday.isoformat()})

    assert page.status_code == 200
    assert f"结束日期 {yesterday.isoformat()} 已经过去：请选择今天（{today.isoformat()}）或以后的日期。" in page.text
    assert 'value="审计组临时党支部"' in page.text and f'value="{yesterday.isoformat()}"' in page.text
    assert not Unit.objects.filter(name="审计组临时党支部").exists()
    assert client.post(reverse("orgs:unit_add"), {**typed, "ends_on": today.isoformat()}).status_code == 302
    assert Unit.objects.get(name="审计组临时党支部").ends_on == today


def test_a_branch_that_has_ended_can_still_be_renamed_but_not_given_another_past_date(client, tree, gz_organiser):
    ended_on = timezone.localdate() - timedelta(days=30)
    Unit.objects.filter(pk=tree["gz2"].pk).update(kind="temporary_branch", ends_on=ended_on)
    client.force_login(gz_organiser)
    url = reverse("orgs:unit_detail", args=[tree["gz2"].pk])
    fields = {"name": "审计组临时党支部", "kind": "temporary_branch", "reason": "更名"}

    assert client.post(url, {**fields, "ends_on": ended_on.isoformat()}).status_code == 302
    tree["gz2"].refresh_from_db()
    assert (tree["gz2"].name, tree["gz2"].ends_on) == ("审计组临时党支部", ended_on)

    earlier = ended_on - timedelta(days=1)
    page = client.post(url, {**fields, "name": "又一名", "ends_on": earlier.isoformat()})
    assert page.status_code == 200 and page.context["form"].errors["ends_on"]
    tree["gz2"].refresh_from_db()
    assert (tree["gz2"].name, tree["gz2"].ends_on) == ("审计组临时党支部", ended_on)


def test_the_problems_table_stacks_its_rows_labelled_on_a_phone(client, tree, gz_organiser):
    """On a 390 px phone in English the Problem column was squeezed to 70 px beside a wide,
    unwrapped Column column: each problem is now a stacked row (qs-problems-table) whose row and
    column carry their labels and whose text takes the card's width."""
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "en"
    html = preview(client, [["甲", "200001", GZ1, "", "12345", "是"]]).text
    table = html[html.index('id="import-errors"') - 80 : html.index("</table>", html.index('id="import-errors"'))]
    assert "qs-problems-table" in table and '<thead class="d-none d-sm-table-header-group">' in table
    assert '<td class="qs-problem-column" data-label="Column">Phone (手机)</td>' in table
    assert '<td class="qs-problem-text">“12345” is not a phone number' in table
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    assert ".qs-problems-table > tbody > tr > td.qs-problem-text { flex-basis: 100%; }" in css


def test_a_phone_stored_before_the_stricter_check_does_not_block_an_import_or_an_edit(client, tree, gz_organiser):
    """ "12345" passed the earlier check; a member holding it is still updated by an import with a
    blank 手机 cell (the phone kept) and on their page, where a new phone is checked."""
    old = factories.member(tree["gz1"], employee_no="100001", real_name="邓丽")
    User.objects.filter(pk=old.pk).update(phone="12345")
    report = members_import(file=factories.workbook([HEADER, ["邓丽", "100001", GZ1, "", "", "否"]]), by=gz_organiser)
    assert report.ok and report.updated == 1, report.file_error
    old.refresh_from_db()
    assert (old.phone, old.is_party_member) == ("12345", False)
