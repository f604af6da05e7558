""" "Add a unit" is offered only to someone who may add one somewhere: not to a party branch's
secretary (a party branch holds no subunits), whose add page, reached by its address, says why and
saves nothing."""

import pytest
from django.urls import reverse

from orgs.models import Unit
from tests import factories

NOWHERE_ZH = "您管理的单位都不能再添加下级单位"


@pytest.fixture
def secretary(client, tree):
    user = factories.organiser(tree["gz1"], username="gz1-secretary")
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    return client


def test_a_branch_secretary_is_not_offered_add_a_unit(secretary):
    page = secretary.get(reverse("orgs:unit_tree")).content.decode()

    assert reverse("orgs:unit_add") not in page


def test_their_add_page_says_why_and_a_post_adds_nothing(secretary, tree):
    page = secretary.get(reverse("orgs:unit_add"))

    assert page.status_code == 403
    assert NOWHERE_ZH in page.content.decode()
    assert 'id="unit-add-form"' not in page.content.decode()
    posted = secretary.post(reverse("orgs:unit_add"), {"parent": tree["gz1"].pk, "name": "新组", "kind": "branch"})
    assert posted.status_code == 403
    assert not Unit.objects.filter(name="新组").exists()


def test_an_office_organiser_is_still_offered_it(client, gz_organiser):
    client.force_login(gz_organiser)

    page = client.get(reverse("orgs:unit_tree")).content.decode()

    assert reverse("orgs:unit_add") in page
    assert 'id="unit-add-form"' in client.get(reverse("orgs:unit_add")).content.decode()
