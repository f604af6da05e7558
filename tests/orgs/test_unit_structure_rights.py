"""A unit's kind and end date take the same right as moving or closing it: a grant on the unit
above (`access.check_restructure_unit`). An organiser whose grant sits on the unit itself (a branch
secretary, an office's organiser) may rename it but not change its kind or end date."""

from datetime import date

import pytest
from django.urls import reverse

from orgs.models import Activity, Unit
from tests import factories

REFUSED_ZH = "只有管理上级单位的人员才能更改本单位的类别或结束日期。"


@pytest.fixture
def secretary(tree):
    return factories.organiser(tree["gz1"], username="gz1-secretary", real_name="第一支部书记")


def _as(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    return client


def _saved(unit: Unit) -> tuple:
    unit.refresh_from_db()
    return unit.name, unit.kind, unit.ends_on


def test_a_secretary_cannot_make_their_own_branch_temporary_with_an_end_date(client, tree, secretary):
    unit = tree["gz1"]
    before = _saved(unit)
    url = reverse("orgs:unit_detail", args=[unit.pk])
    posted = {"name": "第一党支部", "kind": "temporary_branch", "ends_on": "2026-12-07", "reason": ""}

    response = _as(client, secretary).post(url, posted)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["kind"] == [REFUSED_ZH] and errors["ends_on"] == [REFUSED_ZH]
    assert _saved(unit) == before  # ("第一党支部", "branch", None): nothing saved
    assert not Activity.objects.filter(kind=Activity.Kind.UNIT_KIND_CHANGED).exists()


def test_an_organiser_cannot_change_the_kind_of_the_unit_their_role_is_on(client, tree, gz_organiser):
    unit = tree["gz"]
    url = reverse("orgs:unit_detail", args=[unit.pk])

    response = _as(client, gz_organiser).post(url, {"name": "广州特派办", "kind": "organ", "ends_on": "", "reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["kind"] == [REFUSED_ZH]
    assert _saved(unit) == ("广州特派办", "office", None)


def test_the_form_shows_kind_and_end_date_read_only_with_the_reason(client, tree, secretary):
    response = _as(client, secretary).get(reverse("orgs:unit_detail", args=[tree["gz1"].pk]))

    form = response.context["form"]
    assert form.fields["kind"].disabled and form.fields["ends_on"].disabled
    assert not form.fields["name"].disabled
    assert REFUSED_ZH in response.content.decode()


def test_they_may_still_rename_it_as_a_browser_posts_it_without_the_disabled_fields(client, tree, secretary):
    unit = tree["gz1"]
    url = reverse("orgs:unit_detail", args=[unit.pk])

    # A browser does not post disabled fields; the same kind and date posted are no change either.
    assert _as(client, secretary).post(url, {"name": "第一支部", "reason": "更名"}).status_code == 302
    again = client.post(url, {"name": "第一支部乙", "kind": "branch", "ends_on": ""})
    assert again.status_code == 302, again.context["form"].errors
    assert _saved(unit) == ("第一支部乙", "branch", None)


def test_the_administrator_of_the_unit_above_may_change_kind_and_end_date(client, tree):
    admin = factories.administrator(tree["audit"], username="audit-admin")
    unit = tree["gz1"]
    url = reverse("orgs:unit_detail", args=[unit.pk])

    response = _as(client, admin).get(url)
    assert not response.context["form"].fields["kind"].disabled
    posted = {"name": "第一党支部", "kind": "temporary_branch", "ends_on": "2099-12-31", "reason": ""}
    assert client.post(url, posted).status_code == 302
    assert _saved(unit) == ("第一党支部", "temporary_branch", date(2099, 12, 31))


def test_the_service_itself_refuses_them_whatever_page_or_form_calls_it(tree, secretary):
    """The rule lives in `unit_update`, not only in the page's form: a caller that skips the form
    is refused the same, and a rename by the same secretary still goes through."""
    from orgs import services

    unit = tree["gz1"]
    before = _saved(unit)
    with pytest.raises(services.OrgError) as refused:
        services.unit_update(
            unit=unit, name=unit.name, kind="temporary_branch", ends_on=date(2026, 12, 7), by=secretary
        )
    assert refused.value.code == "unit_structure_refused"
    assert _saved(unit) == before
    services.unit_update(unit=unit, name="第一党支部（改名）", kind=unit.kind, ends_on=unit.ends_on, by=secretary)
    assert _saved(unit) == ("第一党支部（改名）", before[1], before[2])


def test_unit_update_is_one_transaction_when_no_request_holds_one(transactional_db, monkeypatch):
    """Called outside any transaction (a command, a fixture, a task), `unit_update` opens its own:
    the locked read, the save and the activity records commit together. Stop 53 left its
    `@transaction.atomic` on a helper declared above it, and PostgreSQL then refused the lock."""
    from django.db import connection

    from orgs import services

    unit = factories.org_tree()["gz1"]
    seen = []
    record = services.activity_record

    def recording(**kwargs):
        seen.append(connection.in_atomic_block)
        return record(**kwargs)

    monkeypatch.setattr(services, "activity_record", recording)
    services.unit_update(unit=unit, name="第一党支部（改名）", kind=unit.kind, ends_on=unit.ends_on)

    assert seen == [True]
    assert _saved(unit)[0] == "第一党支部（改名）"
