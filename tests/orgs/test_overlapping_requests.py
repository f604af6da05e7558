"""Overlapping requests: an attacker walk posted one unit's close three times at once and all
three succeeded (three "unit closed" records, every member moved three times); the view checked
`closed_at` before the lock and the service worked on the members as read before it. Overlapping
deactivations likewise each recorded one. Under the lock, the second close and the second
deactivation now change and record nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from orgs import services
from orgs.models import Activity, MemberPlacement, Unit, User
from tests import factories
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 3


@pytest.fixture
def committed_tree(transactional_db):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock matters on PostgreSQL (CI runs this there)")
    return factories.org_tree()


def test_three_overlapping_closes_close_once_and_move_each_member_once(committed_tree):
    tree = committed_tree
    branch = services.unit_create(
        name="审计组临时党支部",
        kind="temporary_branch",
        parent=tree["gz"],
        ends_on=timezone.localdate() + timedelta(days=30),
    )
    seconded = [factories.member(branch, real_name=f"借调{n}") for n in range(4)]
    placements_before = MemberPlacement.objects.count()
    outcomes: list[str] = []

    def close(n, barrier):
        # Each request read the unit and its members before any of them took the lock.
        unit = Unit.objects.get(pk=branch.pk)
        members = list(User.objects.filter(unit=unit))
        barrier.wait()
        try:
            services.unit_close(unit=unit, moves=dict.fromkeys(members, tree["gz1"]), reason=f"第{n}次")
        except services.OrgError as error:
            outcomes.append(error.code)
        else:
            outcomes.append("closed")

    run_together(close, REQUESTS)
    # One close wins; the other two (3 - 1 = 2) find the unit closed and write nothing.
    assert sorted(outcomes) == ["closed", "unit_already_closed", "unit_already_closed"]
    assert Activity.objects.filter(kind=Activity.Kind.UNIT_CLOSED, unit=branch).count() == 1
    # Each of the 4 members moved once: 4 move records and 4 placements, not 3 × 4 = 12.
    assert Activity.objects.filter(kind=Activity.Kind.MEMBER_MOVED, unit=tree["gz1"]).count() == len(seconded)
    assert MemberPlacement.objects.count() - placements_before == len(seconded)
    assert set(User.objects.filter(pk__in=[m.pk for m in seconded]).values_list("unit_id", flat=True)) == {
        tree["gz1"].pk
    }


def test_overlapping_deactivations_record_one(committed_tree):
    member = factories.member(committed_tree["gz1"])
    changed: list[bool] = []

    def deactivate(n, barrier):
        stale = User.objects.get(pk=member.pk)  # read active, before any request took the lock
        barrier.wait()
        changed.append(services.member_active_set(member=stale, active=False, by=None, reason=f"第{n}次"))

    run_together(deactivate, REQUESTS)
    assert sorted(changed) == [False, False, True]
    assert Activity.objects.filter(kind=Activity.Kind.MEMBER_DEACTIVATED, member=member).count() == 1
    assert not User.objects.get(pk=member.pk).is_active


def test_a_close_of_a_closed_unit_is_refused_and_writes_nothing(tree):
    unit = tree["gz2"]
    stale = Unit.objects.get(pk=unit.pk)
    services.unit_close(unit=unit)
    with pytest.raises(services.OrgError) as error:
        services.unit_close(unit=stale)
    assert error.value.code == "unit_already_closed"
    assert Activity.objects.filter(kind=Activity.Kind.UNIT_CLOSED, unit=unit).count() == 1
