"""Unit names and end dates as the QA walk found them: "一 处" was taken beside 一处, Ｘ处 beside X处
(one path then named two units), and an end date was kept on a 处室 although only temporary
branches have one."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from orgs import services
from orgs.models import Unit

pytestmark = pytest.mark.django_db


def test_spaces_in_a_chinese_name_are_dropped_and_between_latin_words_kept_one(tree):
    one = services.unit_create(name=" 一　 处 ", kind="department", parent=tree["gz"])
    team = services.unit_create(name="Audit   Team 2", kind="department", parent=tree["gz"])
    assert (one.name, team.name) == ("一处", "Audit Team 2")


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("一处", "一 处"), ("X处", "Ｘ处"), ("Ｘ处", "x处"), ("审计组（临时）", "审计组(临时)")],
)
def test_a_sibling_whose_name_reads_the_same_is_refused(tree, stored, typed):
    services.unit_create(name=stored, kind="department", parent=tree["gz"])
    with translation.override("en"), pytest.raises(services.OrgError) as refused:
        services.unit_create(name=typed, kind="department", parent=tree["gz"])
    assert refused.value.code == "unit_name_taken"
    assert f"“{stored}”" in refused.value.message
    # Elsewhere in the tree the same name is free.
    assert services.unit_create(name=typed, kind="department", parent=tree["jjj"]).name == typed.replace(" ", "")
    assert tree["gz"].child_units().filter(name=stored).count() == 1


def test_a_rename_to_a_siblings_folded_name_is_refused_on_the_page(client, tree, gz_organiser):
    services.unit_create(name="Ｘ处", kind="department", parent=tree["gz"])
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    page = client.post(
        reverse("orgs:unit_detail", args=[tree["gz2"].pk]), {"name": "X处", "kind": "branch", "ends_on": ""}
    )
    assert page.status_code == 200
    assert page.context["form"].errors["name"] == [
        "“X处”与此处已有的“Ｘ处”读作同一名称（全角与半角字符、汉字旁的空格和字母大小写不作区分）。"
    ]
    tree["gz2"].refresh_from_db()
    assert tree["gz2"].name == "第二党支部"


def test_an_end_date_is_refused_for_a_unit_that_is_not_a_temporary_branch(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    typed = {"parent": tree["gz"].pk, "name": "三处", "kind": "department", "ends_on": later}

    for language, message in (
        ("zh-hans", "只有临时党支部有结束日期。请留空；要结束此单位，请在其页面上使用“今天撤销”。"),
        (
            "en",
            "Only a temporary party branch has an end date. Leave it empty; to end this unit, use"
            " “Close as of today” on its page.",
        ),
    ):
        client.cookies["django_language"] = language
        page = client.post(reverse("orgs:unit_add"), typed)
        assert page.status_code == 200 and page.context["form"].errors["ends_on"] == [message]
    assert not Unit.objects.filter(name="三处").exists()
    edited = client.post(
        reverse("orgs:unit_detail", args=[tree["gz2"].pk]), {"name": "第二党支部", "kind": "branch", "ends_on": later}
    )
    assert edited.status_code == 200 and edited.context["form"].errors["ends_on"]
    tree["gz2"].refresh_from_db()
    assert tree["gz2"].ends_on is None

    # A unit closed before (its end date set by closing) is still renamed with that date kept.
    services.unit_close(unit=tree["gz2"])
    closed_on = timezone.localdate()
    saved = client.post(
        reverse("orgs:unit_detail", args=[tree["gz2"].pk]),
        {"name": "原第二党支部", "kind": "branch", "ends_on": closed_on.isoformat(), "reason": ""},
    )
    assert saved.status_code == 302
    tree["gz2"].refresh_from_db()
    assert (tree["gz2"].name, tree["gz2"].ends_on) == ("原第二党支部", closed_on)
