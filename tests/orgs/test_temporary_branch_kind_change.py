"""A temporary branch changed to another kind does not keep its end date (only a temporary branch
has one): the change is refused while the date is filled, saying to empty it; emptied, it is taken.
A closed unit still keeps the date it was closed on when renamed."""

from datetime import date

import pytest
from django.urls import reverse

from orgs import services
from orgs.models import Unit

REFUSED_ZH = (
    "党支部没有结束日期：请清空结束日期（2099-06-30，此临时党支部的最后一天）后再更改类别，或保留为临时党支部。"
)


@pytest.fixture
def temporary(tree):
    Unit.objects.filter(pk=tree["gz2"].pk).update(kind="temporary_branch", ends_on=date(2099, 6, 30))
    tree["gz2"].refresh_from_db()
    return tree["gz2"]


@pytest.fixture
def organiser(client, gz_organiser):
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    return client


def test_a_temporary_branch_made_a_party_branch_with_its_end_date_is_refused(organiser, temporary):
    url = reverse("orgs:unit_detail", args=[temporary.pk])
    posted = {"name": "第二党支部", "kind": "branch", "ends_on": "2099-06-30", "reason": ""}

    response = organiser.post(url, posted)

    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"] == [REFUSED_ZH]
    temporary.refresh_from_db()
    assert (temporary.kind, temporary.ends_on) == ("temporary_branch", date(2099, 6, 30))


def test_with_the_end_date_emptied_it_becomes_a_party_branch_without_one(organiser, temporary):
    url = reverse("orgs:unit_detail", args=[temporary.pk])

    response = organiser.post(url, {"name": "第二党支部", "kind": "branch", "ends_on": "", "reason": ""})

    assert response.status_code == 302
    temporary.refresh_from_db()
    assert (temporary.kind, temporary.ends_on) == ("branch", None)


def test_a_closed_unit_keeps_its_closing_date_when_renamed(tree):
    unit = tree["budget"]
    services.unit_close(unit=unit, by=None)
    unit.refresh_from_db()
    closed_on = unit.ends_on
    assert closed_on is not None

    services.unit_update(unit=unit, name="预算司（旧）", kind="office", ends_on=closed_on)

    unit.refresh_from_db()
    assert (unit.name, unit.ends_on) == ("预算司（旧）", closed_on)
