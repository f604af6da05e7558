"""People and units list in pinyin order (拼音顺序): surnames read as surnames, Latin names
alphabetically among them without regard to case, kept by every write that names someone."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from orgs import services
from orgs.importing import members_import
from orgs.models import Unit, User
from orgs.sorting import name_sort_key, person_sort_key
from tests import factories

# Each with its key worked out by hand: the surname's reading as a surname, then the given
# name's syllables, each closed by its tone (neutral 5).
PEOPLE = {
    "曾国藩": "zeng1guo2fan1",  # not ceng2
    "单雄信": "shan4xiong2xin4",  # not dan1
    "解缙": "xie4jin4",  # not jie3
    "仇英": "qiu2ying1",  # not chou2
    "朴志远": "piao2zhi4yuan3",  # not pu3
    "区志强": "ou1zhi4qiang2",  # not qu1
    "查良镛": "zha1liang2yong1",  # not cha2
    "盖叫天": "ge3jiao4tian1",  # not gai4
    "尉迟恭": "yu4chi2gong1",  # the compound surname, not wei4
    "张三": "zhang1san1",
    "李四": "li3si4",
    "林一": "lin2yi1",
    "Alice Smith": "alice0smith",
    "bob Lee": "bob0lee",
}

# The list by hand: Latin names where their letters fall among the syllables; 李四 before 林一
# (li before lin, syllable by syllable, though "lisi" > "linyi" letter by letter); 曾 before 查
# before 张 (zeng < zha < zhang).
IN_ORDER = [
    "Alice Smith",
    "bob Lee",
    "盖叫天",
    "李四",
    "林一",
    "区志强",
    "朴志远",
    "仇英",
    "单雄信",
    "解缙",
    "尉迟恭",
    "曾国藩",
    "查良镛",
    "张三",
]


@pytest.mark.parametrize(("name", "key"), PEOPLE.items())
def test_a_persons_key_reads_the_surname_as_a_surname(name, key):
    assert person_sort_key(name) == key


def test_a_unit_name_is_not_read_as_a_surname():
    assert name_sort_key("解放路支部") == "jie3fang4lu4zhi1bu4"
    assert person_sort_key("解放") == "xie4fang4"


def test_keys_ignore_case_accents_and_the_spaces_that_line_names_up():
    assert person_sort_key("ALICE smith") == person_sort_key("Alice Smith")
    assert person_sort_key("Émile") == "emile"
    assert person_sort_key("王　五") == person_sort_key("王五") == "wang2wu3"
    # Digits are padded so that 第2 lists before 第10.
    assert name_sort_key("第2党支部") < name_sort_key("第10党支部")
    assert name_sort_key("") == person_sort_key("   ") == ""


@pytest.fixture
def branch(tree):
    """The people of PEOPLE in 第一党支部, created out of order; one added by the Excel import."""
    for name in reversed(list(PEOPLE)):
        if name != "区志强":
            factories.member(tree["gz1"], real_name=name)
    return tree["gz1"]


def _import_ou(organiser):
    book = factories.workbook(
        [["姓名", "工号", "单位"], ["区志强", "900001", "审计署/广州特派办/第一党支部"]],
    )
    report = members_import(file=book, by=organiser)
    assert report.ok and report.created == 1, report.errors


def _names(client, **query) -> list[str]:
    response = client.get(reverse("orgs:member_list"), query)
    assert response.status_code == 200
    return [member.real_name for member in response.context["page"]]


def test_the_member_list_sorts_by_pinyin_with_an_imported_member_in_place(client, tree, gz_organiser, branch):
    _import_ou(gz_organiser)
    assert User.objects.get(employee_no="900001").name_sort == "ou1zhi4qiang2"
    client.force_login(gz_organiser)
    assert _names(client, sort="name", unit=branch.pk) == IN_ORDER
    assert _names(client, sort="-name", unit=branch.pk) == IN_ORDER[::-1]
    # By unit: the office's organiser (广州组织者) first, then the branch, each by name.
    assert _names(client, sort="unit", unit=tree["gz"].pk) == ["广州组织者", *IN_ORDER]


def test_a_rename_moves_the_member_to_their_new_place(client, gz_organiser, branch):
    _import_ou(gz_organiser)
    li = User.objects.get(real_name="李四")
    services.member_update(member=li, real_name="万俟卨", by=gz_organiser)  # mo4qi2xie4
    li.refresh_from_db()
    assert li.name_sort == "mo4qi2xie4"
    client.force_login(gz_organiser)
    expected = [name for name in IN_ORDER if name != "李四"]
    expected.insert(expected.index("林一") + 1, "万俟卨")
    assert _names(client, sort="name", unit=branch.pk) == expected


def test_saving_only_the_name_keeps_the_key(tree):
    member = factories.member(tree["gz1"], real_name="张三")
    member.real_name = "曾三"
    member.save(update_fields=["real_name"])
    member.refresh_from_db()
    assert member.name_sort == "zeng1san1"


def test_a_member_without_a_real_name_sorts_by_user_name(tree):
    member = User.objects.create_user(username="Zoe", password=factories.PASSWORD)
    assert member.name_sort == "zoe"


def test_a_unit_keeps_its_key_through_a_rename(tree):
    unit = tree["gz2"]
    assert unit.name_sort == "di4er4dang3zhi1bu4"
    services.unit_update(unit=unit, name="长沙党支部", kind=unit.kind)
    assert Unit.objects.get(pk=unit.pk).name_sort == "chang2sha1dang3zhi1bu4"


def test_the_migration_fills_the_keys_of_people_and_units_already_there(tree):
    factories.member(tree["gz1"], real_name="单雄信")
    User.objects.create_user(username="Bob", password=factories.PASSWORD)
    User.objects.update(name_sort="")
    Unit.objects.update(name_sort="")
    migration = importlib.import_module("orgs.migrations.0004_name_sort_keys")
    migration.fill_sort_keys(apps, None)
    assert User.objects.get(real_name="单雄信").name_sort == "shan4xiong2xin4"
    assert User.objects.get(username="Bob").name_sort == "bob"
    assert Unit.objects.get(pk=tree["gz1"].pk).name_sort == "di4yi1dang3zhi1bu4"
    assert not User.objects.filter(name_sort="").exists()


def test_the_temporary_passwords_sheet_lists_members_by_unit_then_pinyin(tree, gz_organiser, branch):
    from io import BytesIO

    from openpyxl import load_workbook

    from .test_password_reset import signed_in_browser

    _import_ou(gz_organiser)
    other = factories.member(tree["gz2"], real_name="阿明")  # a1ming2, but in the next branch
    picked = [*User.objects.filter(unit=branch), other]
    browser = signed_in_browser(gz_organiser)
    response = browser.post(
        reverse("orgs:member_bulk"), {"member": [m.pk for m in reversed(picked)], "action": "passwords"}
    )
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    _header, *body = sheet.iter_rows(values_only=True)
    assert [row[0] for row in body] == [*IN_ORDER, "阿明"]
