"""Names of only invisible characters: an attacker walk saved a unit named U+200B (zero-width
space), a sibling named U+200B U+200B and a roster team named U+200B, each a blank row on every
page. Invisible format characters (Unicode category Cf) are dropped from names, so such a name
is blank and refused like an empty one."""

import pytest
from django.urls import reverse

from contests.services.common import ContestRejected
from contests.wizard import roster
from contests.wizard import services as wizard
from orgs import services
from orgs.models import Unit
from quizsite.naming import visible_text
from tests import factories

pytestmark = pytest.mark.django_db

ZWSP, ZWNJ, ZWJ, WORD_JOINER, BOM = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"


def test_visible_text_drops_format_characters_and_keeps_the_rest():
    assert visible_text(f" {ZWSP}{ZWNJ}{ZWJ}{WORD_JOINER}{BOM} ") == ""
    assert visible_text(f"第{ZWSP}一党支部{BOM}") == "第一党支部"
    assert visible_text("审计组（临时） ") == "审计组（临时）"  # full-width forms are not format characters


@pytest.mark.parametrize("name", [ZWSP, ZWSP + ZWSP, f"{ZWJ} {WORD_JOINER}", BOM])
def test_a_unit_named_only_invisible_characters_is_refused_as_blank(tree, name):
    with pytest.raises(services.OrgError) as refused:
        services.unit_create(name=name, kind="department", parent=tree["gz"])
    assert refused.value.code == "unit_name_blank"
    assert not Unit.objects.filter(path__startswith=tree["gz"].path, depth=tree["gz"].depth + 1).exclude(
        pk__in=[tree["gz1"].pk, tree["gz2"].pk]
    )


def test_a_name_with_a_hidden_zero_width_space_is_the_same_as_its_sibling(tree):
    with pytest.raises(services.OrgError) as refused:
        services.unit_create(name=f"第一{ZWSP}党支部", kind="branch", parent=tree["gz"])
    assert refused.value.code == "unit_name_taken"


def test_the_unit_add_page_says_a_name_is_needed(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    before = Unit.objects.count()
    response = client.post(reverse("orgs:unit_add"), {"parent": tree["gz"].pk, "name": ZWSP, "kind": "department"})
    assert response.status_code == 200 and Unit.objects.count() == before


def test_a_team_named_only_a_zero_width_space_is_refused(tree, gz_organiser):
    contest = wizard.contest_begin(title="知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)
    member = factories.member(tree["gz1"], employee_no="A1")
    with pytest.raises(ContestRejected) as refused:
        wizard.team_create(contest=contest, name=ZWSP, members=[member], captain=member, by=gz_organiser)
    assert refused.value.code == "team_name_blank"
    report = roster.roster_import(
        contest=contest, file=factories.workbook([["队名", "工号"], [ZWSP, "A1"]]), by=gz_organiser
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "队名")] and report.created == []
    assert not contest.teams.exists()


def test_a_members_real_name_of_only_invisible_characters_is_refused(client, tree, gz_organiser):
    member = factories.member(tree["gz1"], real_name="邓丽")
    client.force_login(gz_organiser)
    url = reverse("orgs:member_detail", args=[member.pk])
    response = client.post(url, {"real_name": ZWSP + ZWSP, "unit": tree["gz1"].pk, "phone": ""})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.real_name == "邓丽"
    services.member_update(member=member, real_name=f"邓{ZWSP}丽2")
    member.refresh_from_db()
    assert member.real_name == "邓丽2"
