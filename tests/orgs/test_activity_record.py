"""The organisation's activity: every change made through `orgs.services` appends exactly one
record (who, what, to whom, the details a sentence needs), in the change's own transaction, and
records are never edited or deleted."""

import datetime

import pytest
from django.db import transaction

from orgs import services
from orgs.importing import members_import
from orgs.models import Activity, Role, User
from tests import factories


@pytest.fixture
def gz_admin(tree):
    return factories.administrator(tree["gz"], username="gz-admin", real_name="广州管理员")


class NewRecords:
    """The records appended inside the `with` block, oldest first."""

    def __enter__(self):
        self.before = Activity.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return self

    def __exit__(self, *exc):
        self.records = list(Activity.objects.filter(id__gt=self.before).order_by("id"))

    @property
    def one(self) -> Activity:
        assert len(self.records) == 1, [r.kind for r in self.records]
        return self.records[0]


def test_role_grant_records_who_granted_which_role_where(tree, gz_admin):
    li = factories.member(tree["gz1"], real_name="李党员")
    with NewRecords() as new:
        services.role_grant(user=li, role=Role.ORGANISER, unit=tree["gz"], by=gz_admin)
    record = new.one
    assert (record.kind, record.actor, record.member, record.member_name) == (
        Activity.Kind.ROLE_GRANTED,
        gz_admin,
        li,
        "李党员",
    )
    assert (record.role, record.unit, record.name) == (Role.ORGANISER, tree["gz"], "广州特派办")
    # Granting a role held already records nothing more.
    with NewRecords() as again:
        services.role_grant(user=li, role=Role.ORGANISER, unit=tree["gz"], by=gz_admin)
    assert again.records == []


def test_a_grant_rolled_back_takes_its_record_with_it(tree, gz_admin):
    li = factories.member(tree["gz1"])
    with NewRecords() as new:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.role_grant(user=li, role=Role.ORGANISER, unit=tree["gz1"], by=gz_admin)
            raise RuntimeError("the caller failed after the grant")
        services.role_grant(user=li, role=Role.ADMINISTRATOR, unit=tree["gz1"], by=gz_admin)
    # Only the committed grant (administrator) is recorded.
    assert new.one.role == Role.ADMINISTRATOR


def test_role_revoke_records_who_took_it_and_when(tree, gz_admin):
    li = factories.organiser(tree["gz1"], real_name="李党员")
    with NewRecords() as new:
        services.role_revoke(user=li, role=Role.ORGANISER, unit=tree["gz1"], by=gz_admin, reason="换届")
    record = new.one
    assert (record.kind, record.actor, record.member, record.role, record.unit, record.reason) == (
        Activity.Kind.ROLE_REVOKED,
        gz_admin,
        li,
        Role.ORGANISER,
        tree["gz1"],
        "换届",
    )
    assert record.at is not None
    # Revoking what they no longer hold records nothing more.
    with NewRecords() as again:
        services.role_revoke(user=li, role=Role.ORGANISER, unit=tree["gz1"], by=gz_admin)
    assert again.records == []


@pytest.mark.parametrize(("active", "kind"), [(False, "member_deactivated"), (True, "member_reactivated")])
def test_deactivation_and_reactivation_record_the_reason(tree, gz_organiser, active, kind):
    member = factories.member(tree["gz1"])
    if active:
        services.member_active_set(member=member, active=False, by=gz_organiser)
    with NewRecords() as new:
        services.member_active_set(member=member, active=active, by=gz_organiser, reason="调离")
    record = new.one
    assert (record.kind, record.actor, record.member, record.unit, record.reason) == (
        kind,
        gz_organiser,
        member,
        tree["gz1"],
        "调离",
    )


def test_member_move_records_from_and_to(tree, gz_organiser):
    member = factories.member(tree["gz1"])
    with NewRecords() as new:
        services.member_move(member=member, unit=tree["gz2"], by=gz_organiser, reason="支部调整")
    record = new.one
    assert (record.kind, record.actor, record.from_unit, record.unit, record.reason) == (
        Activity.Kind.MEMBER_MOVED,
        gz_organiser,
        tree["gz1"],
        tree["gz2"],
        "支部调整",
    )


def test_member_create_records_the_member_added(tree, gz_organiser):
    with NewRecords() as new:
        member = services.member_create(username="zw", real_name="张伟", unit=tree["gz1"], by=gz_organiser)
    record = new.one
    assert (record.kind, record.actor, record.member, record.unit) == (
        Activity.Kind.MEMBER_ADDED,
        gz_organiser,
        member,
        tree["gz1"],
    )


def test_member_import_records_each_member_imported_and_each_role_granted(tree, gz_admin):
    book = factories.workbook(
        [
            ["姓名", "工号", "单位", "角色"],
            ["张伟", "100001", "审计署/广州特派办/第一党支部", "成员"],
            ["李娜", "100002", "审计署/广州特派办/第二党支部", "组织者"],
        ]
    )
    with NewRecords() as new:
        report = members_import(file=book, by=gz_admin)
    assert report.ok, report.errors
    zhang, li = User.objects.get(employee_no="100001"), User.objects.get(employee_no="100002")
    # Two members imported, and 李娜's role: three records, all by the administrator.
    assert sorted((r.kind, r.member_id, r.unit_id) for r in new.records) == sorted(
        [
            (Activity.Kind.MEMBER_IMPORTED, zhang.pk, tree["gz1"].pk),
            (Activity.Kind.MEMBER_IMPORTED, li.pk, tree["gz2"].pk),
            (Activity.Kind.ROLE_GRANTED, li.pk, tree["gz2"].pk),
        ]
    )
    assert {r.actor for r in new.records} == {gz_admin}


def test_unit_create_records_the_unit_and_its_parent(tree, gz_organiser):
    with NewRecords() as new:
        unit = services.unit_create(name="第三党支部", kind="branch", parent=tree["gz"], by=gz_organiser)
    record = new.one
    assert (record.kind, record.actor, record.unit, record.to_unit, record.name) == (
        Activity.Kind.UNIT_CREATED,
        gz_organiser,
        unit,
        tree["gz"],
        "第三党支部",
    )


def test_unit_rename_records_old_and_new_names(tree, gz_organiser):
    with NewRecords() as new:
        services.unit_update(unit=tree["gz1"], name="机关第一党支部", kind="branch", by=gz_organiser, reason="改名")
    record = new.one
    assert (record.kind, record.actor, record.unit, record.old_name, record.name, record.reason) == (
        Activity.Kind.UNIT_RENAMED,
        gz_organiser,
        tree["gz1"],
        "第一党支部",
        "机关第一党支部",
        "改名",
    )
    with NewRecords() as kept:
        services.unit_update(unit=tree["gz1"], name="机关第一党支部", kind="branch", by=gz_organiser)
    assert kept.records == []  # nothing changed, nothing recorded


def test_a_kind_change_and_an_end_date_change_each_record_before_and_after(tree, gz_organiser):
    with NewRecords() as kind_changed:
        services.unit_update(unit=tree["gz1"], name="第一党支部", kind="department", by=gz_organiser, reason="调整")
    record = kind_changed.one
    assert (record.kind, record.unit, record.old_value, record.new_value, record.reason) == (
        Activity.Kind.UNIT_KIND_CHANGED,
        tree["gz1"],
        "branch",
        "department",
        "调整",
    )
    with NewRecords() as made_temporary:
        services.unit_update(
            unit=tree["gz1"],
            name="第一党支部",
            kind="temporary_branch",
            ends_on=datetime.date(2026, 12, 31),
            by=gz_organiser,
        )
    # One change of kind (department -> temporary branch), one of end date (none -> 31 Dec).
    assert sorted((r.kind, r.old_value, r.new_value) for r in made_temporary.records) == [
        (Activity.Kind.UNIT_END_DATE_CHANGED, "", "2026-12-31"),
        (Activity.Kind.UNIT_KIND_CHANGED, "department", "temporary_branch"),
    ]
    with NewRecords() as extended:
        services.unit_update(
            unit=tree["gz1"],
            name="第一党支部",
            kind="temporary_branch",
            ends_on=datetime.date(2027, 1, 15),
            by=gz_organiser,
        )
    assert [(r.kind, r.old_value, r.new_value) for r in extended.records] == [
        (Activity.Kind.UNIT_END_DATE_CHANGED, "2026-12-31", "2027-01-15"),
    ]


def test_unit_move_records_the_parent_before_and_after_and_a_refused_move_nothing(tree, gz_admin):
    with NewRecords() as new:
        with pytest.raises(services.OrgError):
            services.unit_move(unit=tree["gz"], new_parent=tree["gz1"], by=gz_admin)  # under itself
        services.unit_move(unit=tree["gz2"], new_parent=tree["jjj"], by=gz_admin, reason="调整")
    record = new.one
    assert (record.kind, record.actor, record.unit, record.from_unit, record.to_unit, record.reason) == (
        Activity.Kind.UNIT_MOVED,
        gz_admin,
        tree["gz2"],
        tree["gz"],
        tree["jjj"],
        "调整",
    )


def test_unit_close_records_the_closing(tree, gz_organiser):
    with NewRecords() as new:
        services.unit_close(unit=tree["gz2"], by=gz_organiser, on=datetime.date(2026, 12, 6), reason="撤并")
    record = new.one
    assert (record.kind, record.actor, record.unit, record.reason) == (
        Activity.Kind.UNIT_CLOSED,
        gz_organiser,
        tree["gz2"],
        "撤并",
    )


def test_unit_delete_keeps_the_deleted_units_name_and_parent(tree, gz_admin):
    empty = services.unit_create(name="临时小组", kind="branch", parent=tree["gz"], by=gz_admin)
    with NewRecords() as new:
        services.unit_delete(unit=empty, by=gz_admin)
    record = new.one
    assert (record.kind, record.actor, record.unit, record.from_unit, record.name) == (
        Activity.Kind.UNIT_DELETED,
        gz_admin,
        None,
        tree["gz"],
        "临时小组",
    )


def test_records_are_never_edited_or_deleted(tree, gz_admin):
    li = factories.member(tree["gz1"])
    services.role_grant(user=li, role=Role.ORGANISER, unit=tree["gz1"], by=gz_admin)
    record = Activity.objects.get(kind=Activity.Kind.ROLE_GRANTED, member=li)
    record.reason = "改写"
    with pytest.raises(ValueError, match="never edited"):
        record.save()
    with pytest.raises(ValueError, match="never deleted"):
        record.delete()
    assert Activity.objects.get(pk=record.pk).reason == ""
