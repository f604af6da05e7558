"""The organiser's member list: sorted by a column header, filtered to temporary passwords."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orgs import services as orgs_services
from orgs.models import User
from tests import factories


def _signed_in(member: User, when: str | None) -> None:
    last_login = timezone.make_aware(datetime.fromisoformat(when)) if when else None
    User.objects.filter(pk=member.pk).update(last_login=last_login)


@pytest.fixture
def branch(tree):
    """Four members of 第一党支部 and one of 第二党支部; their names sort 李 < 王 < 赵 both by code
    point and by pinyin, and two share a name so only the id tells them apart."""
    gz1, gz2 = tree["gz1"], tree["gz2"]
    people = {
        "wang": factories.member(gz1, real_name="王五", employee_no="A300"),
        "zhao": factories.member(gz1, real_name="赵六", employee_no="A100"),
        "li_1": factories.member(gz2, real_name="李四", employee_no="A200"),
        "li_2": factories.member(gz1, real_name="李四", employee_no=None),
    }
    _signed_in(people["wang"], "2026-03-01T09:00")
    _signed_in(people["zhao"], "2026-05-01T09:00")
    _signed_in(people["li_1"], "2026-04-01T09:00")
    _signed_in(people["li_2"], None)
    return people


def _listed(client, **query) -> list[int]:
    response = client.get(reverse("orgs:member_list"), query)
    assert response.status_code == 200
    return [member.pk for member in response.context["page"]]


def _pks(branch, *keys) -> list[int]:
    return [branch[key].pk for key in keys]


def test_members_sort_by_name_either_way_with_equal_names_by_username(client, gz_organiser, branch):
    client.force_login(gz_organiser)
    assert branch["li_1"].username < branch["li_2"].username
    names = [pk for pk in _listed(client, sort="name") if pk != gz_organiser.pk]
    assert names == _pks(branch, "li_1", "li_2", "wang", "zhao")
    names = [pk for pk in _listed(client, sort="-name") if pk != gz_organiser.pk]
    assert names == _pks(branch, "zhao", "wang", "li_2", "li_1")


def test_members_sort_by_employee_number_with_a_missing_one_last_either_way(client, tree, gz_organiser, branch):
    client.force_login(gz_organiser)
    unit = tree["gz"].pk
    listed = [pk for pk in _listed(client, sort="employee_no", unit=unit) if pk != gz_organiser.pk]
    assert listed == _pks(branch, "zhao", "li_1", "wang", "li_2")
    listed = [pk for pk in _listed(client, sort="-employee_no", unit=unit) if pk != gz_organiser.pk]
    assert listed == _pks(branch, "wang", "li_1", "zhao", "li_2")


def test_members_sort_by_unit_then_name(client, tree, gz_organiser, branch):
    client.force_login(gz_organiser)
    assert tree["gz1"].path < tree["gz2"].path
    listed = _listed(client, sort="unit", unit=tree["gz"].pk)
    # 广州特派办 itself (the organiser) comes before its branches.
    assert listed == [gz_organiser.pk, *_pks(branch, "li_2", "wang", "zhao", "li_1")]
    listed = _listed(client, sort="-unit", unit=tree["gz"].pk)
    assert listed == [*_pks(branch, "li_1", "zhao", "wang", "li_2"), gz_organiser.pk]


def test_members_sort_by_last_sign_in_with_never_as_the_earliest(client, tree, gz_organiser, branch):
    client.force_login(gz_organiser)  # sets the organiser's last_login to now: set it after
    _signed_in(gz_organiser, "2026-01-01T09:00")
    unit = tree["gz"].pk
    assert _listed(client, sort="last_sign_in", unit=unit) == [
        branch["li_2"].pk,
        gz_organiser.pk,
        *_pks(branch, "wang", "li_1", "zhao"),
    ]
    assert _listed(client, sort="-last_sign_in", unit=unit) == [
        *_pks(branch, "zhao", "li_1", "wang"),
        gz_organiser.pk,
        branch["li_2"].pk,
    ]


@pytest.mark.parametrize("sort", ["age", "-", "--name", "real_name", "pk"])
def test_an_unknown_sort_key_is_ignored_and_the_list_keeps_its_unit_order(client, tree, gz_organiser, branch, sort):
    client.force_login(gz_organiser)
    response = client.get(reverse("orgs:member_list"), {"sort": sort, "unit": tree["gz"].pk})
    assert response.status_code == 200
    assert [m.pk for m in response.context["page"]] == [gz_organiser.pk, *_pks(branch, "li_2", "wang", "zhao", "li_1")]
    assert f'name="sort" value="{sort}"' not in response.text
    # No header claims to be the current sort; each links to its own ascending sort.
    assert "aria-sort" not in response.text
    assert f'href="?sort=name&amp;unit={tree["gz"].pk}"' in response.text


def test_the_temporary_password_filter_lists_only_members_yet_to_choose_their_own(client, gz_organiser, branch):
    orgs_services.member_password_reset(member=branch["wang"], by=gz_organiser)
    orgs_services.member_password_reset(member=branch["li_1"], by=gz_organiser)
    client.force_login(gz_organiser)
    assert _listed(client, temporary="1", sort="name") == _pks(branch, "li_1", "wang")
    response = client.get(reverse("orgs:member_list"), {"temporary": "1"})
    # Both members with a temporary password are active: the heading counts 2 active, none deactivated.
    assert (response.context["counts"].active, response.context["counts"].deactivated) == (2, 0)
    assert 'id="member-filter-temporary" checked' in response.text


def test_column_headers_link_to_their_sort_keeping_the_filters_and_page(client, tree, gz_organiser, branch):
    client.force_login(gz_organiser)
    response = client.get(
        reverse("orgs:member_list"), {"q": "李", "unit": tree["gz"].pk, "temporary": "1", "page": "1", "sort": "name"}
    )
    unit = tree["gz"].pk
    # The current sort's header reverses it; another column's starts ascending.
    link = f'href="?q=%E6%9D%8E&amp;unit={unit}&amp;temporary=1&amp;page=1&amp;sort=-name"'
    assert f'aria-sort="ascending"><a class="qs-sort-link text-reset text-nowrap" {link}' in response.text
    assert f'href="?q=%E6%9D%8E&amp;unit={unit}&amp;temporary=1&amp;page=1&amp;sort=employee_no"' in response.text
    # Searching again keeps the sort.
    assert '<input type="hidden" name="sort" value="name">' in response.text


def test_the_member_list_reads_a_page_in_as_many_queries_for_thirty_members_as_for_three(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    for n in range(3):
        factories.member(tree["gz1"], real_name=f"甲{n}")
    counts = {}
    for size in (3, 30):
        while User.objects.filter(real_name__startswith="甲").count() < size:
            member = factories.member(tree["gz2"], real_name=f"甲{size}")
            orgs_services.member_password_reset(member=member, by=gz_organiser)
        for sort in ("name", "-last_sign_in", "unit"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("orgs:member_list"), {"q": "甲", "sort": sort})
            assert len(response.context["page"]) == min(size, 25)
            counts[size, sort] = len(queries)
    assert counts[3, "name"] == counts[30, "name"] == counts[30, "-last_sign_in"] == counts[30, "unit"]
