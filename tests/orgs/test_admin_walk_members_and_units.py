"""What the administrator's walk found on the Add member form and the unit page: a taken employee
number with the username left empty was reported as a taken username only, one problem per try;
a temporary branch whose end date is still to come could not be closed early."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orgs import services
from orgs.models import Unit, User
from tests import factories
from tests.factories import client_in

pytestmark = pytest.mark.django_db


def _add(client, tree, **changes):
    typed = {"real_name": "张三", "employee_no": "100001", "unit": tree["gz1"].pk, "is_party_member": "on"}
    return client.post(reverse("orgs:member_new"), {**typed, **changes})


@pytest.mark.parametrize(
    ("language", "number_taken"),
    [("zh-hans", "工号 100001 已属于其他成员。"), ("en", "Employee number 100001 already belongs to another member.")],
)
def test_a_taken_employee_number_with_the_username_left_empty_is_said_of_the_number(
    tree, gz_organiser, language, number_taken
):
    factories.member(tree["gz1"], username="100001", employee_no="100001")
    before = User.objects.count()
    form = _add(client_in(language, gz_organiser), tree).context["form"]
    assert form.errors == {"employee_no": [number_taken]}
    assert User.objects.count() == before


def test_every_problem_shows_at_once_beside_its_field(tree, gz_organiser):
    factories.member(tree["gz1"], username="zhangsan", employee_no="100001")
    form = _add(client_in("zh-hans", gz_organiser), tree, real_name="", username="zhangsan").context["form"]
    assert form.errors == {
        "real_name": ["该字段是必填项。"],
        "employee_no": ["工号 100001 已属于其他成员。"],
        "username": ["用户名“zhangsan”已被占用。"],
    }


def test_an_empty_post_says_what_is_missing_and_adds_no_one(tree, gz_organiser):
    before = User.objects.count()
    page = client_in("en", gz_organiser).post(reverse("orgs:member_new"), {})
    assert page.status_code == 200
    assert set(page.context["form"].errors) == {"real_name", "employee_no", "unit"}
    assert User.objects.count() == before


def test_an_empty_username_whose_number_is_someone_elses_username_is_said_of_the_username(tree, gz_organiser):
    # Two different people: one holds the number, another has it as username.
    factories.member(tree["gz1"], username="100002", employee_no="900001")
    form = _add(client_in("en", gz_organiser), tree, employee_no="100002").context["form"]
    assert form.errors == {
        "username": [
            "Left empty, the username is the employee number, and “100002” is already another member's username:"
            " type a username."
        ]
    }
    assert _add(client_in("en", gz_organiser), tree, employee_no="100002", username="zhang").status_code == 302


def test_member_create_refuses_a_taken_number_and_username_together(tree):
    factories.member(tree["gz1"], username="lisi", employee_no="100003")
    with pytest.raises(services.OrgError) as refusal:
        services.member_create(username="lisi", real_name="李四", unit=tree["gz1"], employee_no="100003")
    assert [error.code for error in refusal.value.errors] == ["employee_no_taken", "username_taken"]


def _temporary_branch(tree, ends_on) -> Unit:
    return services.unit_create(name="审计组临时党支部", kind="temporary_branch", parent=tree["gz"], ends_on=ends_on)


@pytest.mark.parametrize(
    ("language", "button", "question"),
    [
        ("zh-hans", "提前撤销（今天）", "它将立即撤销，而不是在"),
        ("en", "Close early, as of today", "It closes now instead of on"),
    ],
)
def test_a_temporary_branch_ending_later_can_be_closed_early_after_a_question(
    tree, gz_organiser, language, button, question
):
    today = timezone.localdate()
    branch = _temporary_branch(tree, today + timedelta(days=30))
    member = factories.member(branch)
    client = client_in(language, gz_organiser)
    page = client.get(reverse("orgs:unit_detail", args=[branch.pk])).text
    assert button in page
    # The question is on the close page, with the members and where they go (orgs.views.unit_close).
    assert question in client.get(reverse("orgs:unit_close", args=[branch.pk])).text
    assert client.post(reverse("orgs:unit_close", args=[branch.pk])).status_code == 302
    branch.refresh_from_db()
    member.refresh_from_db()
    assert branch.ends_on == today and member.unit == branch  # as closing did: members stay
    assert 'id="unit-close"' not in client.get(reverse("orgs:unit_detail", args=[branch.pk])).text


def test_closing_never_moves_an_end_date_later(tree):
    yesterday = timezone.localdate() - timedelta(days=1)
    tree["gz2"].ends_on = yesterday
    tree["gz2"].save(update_fields=["ends_on"])
    services.unit_close(unit=tree["gz2"])
    tree["gz2"].refresh_from_db()
    assert tree["gz2"].ends_on == yesterday
