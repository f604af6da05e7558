"""A closed unit takes nothing new: an attacker walk posted a closed 第二党支部 as a new unit's
parent, a new contest's unit and a bulk move's target, and all three were accepted (the unit
field only hid closed units from its list). The forms and the services both refuse it now."""

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from contests.models import Contest
from contests.services.common import ContestRejected
from contests.wizard import services as wizard
from orgs import services
from orgs.forms import UnitChoiceField
from orgs.models import Activity, Unit
from tests import factories

pytestmark = pytest.mark.django_db


def _closed_today(unit) -> str:
    """The refusal names the unit (in English) and the local day it closed: today, in these tests."""
    with translation.override("en"):
        name = unit.display_name
    return f"The unit “{name}” was closed on {timezone.localdate().isoformat()}."


@pytest.fixture
def closed(tree, gz_organiser):
    services.unit_close(unit=tree["gz2"], by=gz_organiser)
    return tree["gz2"]


def _english(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def test_a_new_unit_under_a_closed_one_is_refused_by_the_form(client, tree, closed, gz_organiser):
    _english(client, gz_organiser)
    before = Unit.objects.count()
    response = client.post(reverse("orgs:unit_add"), {"parent": closed.pk, "name": "新支部", "kind": "branch"})
    assert response.status_code == 200
    assert _closed_today(closed) in response.content.decode()
    assert Unit.objects.count() == before


def test_the_parent_in_the_address_does_not_let_a_closed_unit_through(client, closed, gz_organiser):
    _english(client, gz_organiser)
    before = Unit.objects.count()
    url = reverse("orgs:unit_add") + f"?parent={closed.pk}"
    response = client.post(url, {"parent": closed.pk, "name": "新支部", "kind": "branch"})
    assert response.status_code == 200 and _closed_today(closed) in response.content.decode()
    assert Unit.objects.count() == before


def test_the_closed_unit_error_reads_in_chinese(client, closed, gz_organiser):
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    response = client.post(reverse("orgs:unit_add"), {"parent": closed.pk, "name": "新支部", "kind": "branch"})
    assert f"单位“{closed.name}”已于 {timezone.localdate().isoformat()} 撤销。" in response.content.decode()


def test_unit_create_and_unit_move_refuse_a_closed_parent(tree, closed):
    with pytest.raises(services.OrgError) as error:
        services.unit_create(name="新支部", kind="branch", parent=closed)
    assert error.value.code == "unit_closed"
    with pytest.raises(services.OrgError) as error:
        services.unit_move(unit=tree["jjj1"], new_parent=closed)
    assert error.value.code == "unit_closed"
    assert not Unit.objects.filter(name="新支部").exists()
    assert Unit.objects.get_parent(Unit.objects.get(pk=tree["jjj1"].pk)).pk == tree["jjj"].pk


def test_a_unit_closed_after_the_caller_read_it_is_refused(tree, gz_organiser):
    stale = Unit.objects.get(pk=tree["gz2"].pk)  # read while still open
    services.unit_close(unit=tree["gz2"], by=gz_organiser)
    with pytest.raises(services.OrgError):
        services.unit_create(name="新支部", kind="branch", parent=stale)


def test_a_new_contest_in_a_closed_unit_is_refused(client, closed, gz_organiser):
    _english(client, gz_organiser)
    response = client.post(reverse("contests:setup_new"), {"title": "知识竞赛", "unit": closed.pk, "base_score": 100})
    assert response.status_code == 200 and _closed_today(closed) in response.content.decode()
    assert not Contest.objects.filter(title="知识竞赛").exists()
    with pytest.raises(ContestRejected) as error:
        wizard.contest_begin(title="知识竞赛", unit=closed, base_score=100, by=gz_organiser)
    assert error.value.code == "unit_closed"


def test_a_contest_keeps_its_unit_closed_since_but_cannot_move_to_another_closed_one(tree, gz_organiser):
    contest = wizard.contest_begin(title="知识竞赛", unit=tree["gz2"], base_score=100, by=gz_organiser)
    services.unit_close(unit=tree["gz2"], by=gz_organiser)
    wizard.contest_basics_update(contest=contest, title="改名", unit=tree["gz2"], base_score=100, by=gz_organiser)
    services.unit_close(unit=tree["gz1"], by=gz_organiser)
    with pytest.raises(ContestRejected):
        wizard.contest_basics_update(contest=contest, title="改名", unit=tree["gz1"], base_score=100, by=gz_organiser)
    contest.refresh_from_db()
    assert contest.unit_id == tree["gz2"].pk


def test_a_bulk_move_into_a_closed_unit_is_refused(client, tree, gz_organiser):
    members = [factories.member(tree["gz1"]) for _ in range(2)]
    services.unit_close(unit=tree["gz2"], by=gz_organiser)
    moves_before = Activity.objects.filter(kind=Activity.Kind.MEMBER_MOVED).count()
    _english(client, gz_organiser)
    response = client.post(
        reverse("orgs:member_bulk"),
        {"member": [m.pk for m in members], "action": "move", "unit": tree["gz2"].pk},
        follow=True,
    )
    assert _closed_today(tree["gz2"]) in response.content.decode()
    for m in members:
        m.refresh_from_db()
        assert m.unit_id == tree["gz1"].pk
    assert Activity.objects.filter(kind=Activity.Kind.MEMBER_MOVED).count() == moves_before
    with pytest.raises(services.OrgError) as error:
        services.members_bulk_apply(by=gz_organiser, members=members, action="move", unit=tree["gz2"])
    assert error.value.code == "unit_closed"


def test_the_unit_field_keeps_the_forms_own_closed_unit_and_refuses_another(tree, closed, gz_organiser):
    class UnitForm(forms.Form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["unit"] = UnitChoiceField(user=gz_organiser)

    assert UnitForm({"unit": closed.pk}, initial={"unit": closed.pk}).is_valid()  # a paper of the closed unit
    refused = UnitForm({"unit": closed.pk}, initial={"unit": tree["gz1"].pk})
    assert not refused.is_valid() and refused.errors.as_data()["unit"][0].code == "closed"
    assert not UnitForm({"unit": closed.pk}).is_valid()
    assert UnitForm({"unit": tree["gz1"].pk}).is_valid()
