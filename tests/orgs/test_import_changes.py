"""What a member import changes on existing members: the preview names every change (old → new),
and a new name on an existing employee number, usually a wrong number, imports only once the
organiser confirms it. Found when the template's example rows overwrote two real members."""

import pytest
from django.urls import reverse

from orgs.importing import members_import
from orgs.models import RoleGrant, User
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "工号", "单位", "角色", "手机", "党员"]
GZ1, GZ2 = "审计署/广州特派办/第一党支部", "审计署/广州特派办/第二党支部"


@pytest.fixture
def people(tree):
    judge = factories.member(tree["gz1"], employee_no="100001", real_name="郭秋菊", phone="13900000001")
    other = factories.member(tree["gz2"], employee_no="100002", real_name="朱燕", is_party_member=False)
    return judge, other


def sheet():
    return factories.workbook(
        [
            HEADER,
            ["张伟", "100001", GZ2, "党员", "13900000001", "是"],
            ["李娜", "100002", GZ2, "组织者", "", "是"],
            ["朱燕", "100002x", GZ1, "", "", "否"],
        ]
    )


def test_the_preview_names_each_change_old_to_new_and_flags_the_renames(client, tree, people):
    admin = factories.administrator(tree["audit"])
    client.force_login(admin)
    client.cookies["django_language"] = "zh-hans"

    response = client.post(reverse("orgs:member_import"), {"action": "preview", "file": sheet()})

    report = response.context["report"]
    changes = {p.row: [(c.key, c.old, c.new) for c in p.changes] for p in report.planned}
    assert changes == {
        2: [("real_name", "郭秋菊", "张伟"), ("unit", GZ1, GZ2)],
        3: [("real_name", "朱燕", "李娜"), ("role", "成员", f"组织者 · {GZ2}"), ("party", "否", "是")],
        4: [],
    }
    assert [p.row for p in report.renamed] == [2, 3]
    body = response.content.decode()
    assert "<del>郭秋菊</del> → <strong>张伟</strong>" in body and "姓名：" in body
    assert "有 2 名已有成员的姓名将被改掉" in body and body.count("data-renamed") == 2
    assert 'name="renames_confirmed"' in body


def test_the_preview_in_english_says_the_same(client, tree, people):
    client.force_login(factories.administrator(tree["audit"]))
    client.cookies["django_language"] = "en"
    body = client.post(reverse("orgs:member_import"), {"action": "preview", "file": sheet()}).content.decode()
    assert "2 existing members would get a new name" in body
    assert "<del>no</del> → <strong>yes</strong>" in body and "(check the employee number" in body


def test_confirming_without_ticking_the_renames_imports_nothing_then_ticking_imports(client, tree, people):
    judge, other = people
    client.force_login(factories.administrator(tree["audit"]))
    preview = client.post(reverse("orgs:member_import"), {"action": "preview", "file": sheet()})
    token = preview.context["token"]

    refused = client.post(reverse("orgs:member_import"), {"action": "confirm", "token": token})

    assert refused.status_code == 200 and 'id="import-renames-refused"' in refused.content.decode()
    judge.refresh_from_db()
    assert (judge.real_name, judge.unit_id) == ("郭秋菊", tree["gz1"].pk)
    assert not User.objects.filter(employee_no="100002x").exists()

    done = client.post(reverse("orgs:member_import"), {"action": "confirm", "token": token, "renames_confirmed": "1"})

    assert done.status_code == 302
    judge.refresh_from_db()
    other.refresh_from_db()
    assert (judge.real_name, judge.unit_id) == ("张伟", tree["gz2"].pk)
    assert other.real_name == "李娜" and RoleGrant.objects.filter(user=other, role="organiser").exists()


def test_the_service_applies_renames_only_when_told_they_were_confirmed(tree, people):
    admin = factories.administrator(tree["audit"])
    report = members_import(file=sheet(), by=admin)
    assert report.renames_unconfirmed and (report.created, report.updated) == (0, 0)
    assert User.objects.get(employee_no="100001").real_name == "郭秋菊"
    report = members_import(file=sheet(), by=admin, renames_confirmed=True)
    assert (report.created, report.updated) == (1, 2)


@pytest.mark.parametrize("number", ["-5", -5, "1.5", "10 01", "A--1", "示例001"])
def test_an_employee_number_not_of_letters_and_digits_is_a_row_problem(tree, gz_organiser, number):
    book = factories.workbook([HEADER, ["张伟", number, GZ1, "", "", ""], ["李娜", "GZ-0012", GZ1, "", "", ""]])
    report = members_import(file=book, by=gz_organiser)
    assert [(e.row, e.column) for e in report.errors] == [(2, "工号")]
    assert "不是有效的工号" in report.errors[0].message
    assert not User.objects.filter(real_name__in=["张伟", "李娜"]).exists()


def test_role_party_member_with_party_column_no_is_a_row_problem(tree, gz_organiser):
    book = factories.workbook(
        [HEADER, ["张伟", "100011", GZ1, "党员", "", "否"], ["李娜", "100012", GZ1, "", "", "否"]]
    )
    report = members_import(file=book, by=gz_organiser)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "党员", "角色写的是“党员”，这是“成员”角色的旧称，本栏却是“否”：不是党员的成员，请把角色写成“成员”。")
    ]
