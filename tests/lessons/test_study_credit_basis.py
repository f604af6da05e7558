"""A study credit records what gave its hours (a version of the lesson's organ's rule, the lesson's
own hours or the platform's default) and says it in words on the member's record, the completion
report and its export; the rule page counts each version's credits; the migration fills in
credits granted before. Every figure is worked out by hand in the test."""

import html
import importlib
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import ProtectedError
from django.test import Client
from openpyxl import load_workbook

from lessons.models import Lesson, StudyCredit, StudyHoursRule
from lessons.services import study_rules
from lessons.services.points import point_rules_ensure_defaults
from tests import factories
from tests.lessons.test_study_rules import minute_lesson, schedule, watch_through

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULE, LESSON, DEFAULT, UNKNOWN = "rule", "lesson", "default", "unknown"


def at(day: int, hour: int = 10, minute: int = 0, *, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def page_text(user, url: str, language: str) -> str:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    page = client.get(url)
    assert page.status_code == 200
    return " ".join(html.unescape(page.content.decode()).split())


@pytest.fixture
def audit_admin(tree):
    point_rules_ensure_defaults()
    return factories.administrator(tree["audit"], username="audit-admin", real_name="署管理员")


@pytest.fixture
def two_versions(tree, audit_admin):
    """The audit organ's rule: from 1 December a 1-minute lesson earns 0.5 h, from 10 December 1 h."""
    first = schedule(tree["audit"], audit_admin, day=date(2026, 12, 1), steps=((1, "0.5"),), today=date(2026, 12, 1))
    second = schedule(tree["audit"], audit_admin, day=date(2026, 12, 10), steps=((1, "1"),), today=date(2026, 12, 1))
    return first, second


def test_a_completion_at_2359_names_the_version_before_the_change_and_at_0001_the_new_one(tree, two_versions):
    first, second = two_versions
    lesson = minute_lesson(tree["gz"])
    late = factories.member(tree["gz1"], username="late")
    early = factories.member(tree["gz1"], username="early")
    # 23:59 and 00:01 in Shanghai are 15:59 and 16:01 UTC of 9 December: the local day decides.
    before = watch_through(late, lesson, finishing_at=at(9, 23, 59))
    after = watch_through(early, lesson, finishing_at=at(10, 0, 1))
    assert (before.hours, before.basis, before.rule) == (Decimal("0.5"), RULE, first)
    assert (after.hours, after.basis, after.rule) == (Decimal("1"), RULE, second)
    assert "按本机关2026年12月1日起施行的学时规则" in page_text(late, "/lessons/hours/", "zh-hans")
    english = page_text(early, "/lessons/hours/", "en")
    assert "Per your organ's rule in force from 10 December 2026" in english


def test_a_lessons_own_hours_and_the_platforms_default_are_named_as_such(tree, two_versions):
    own = minute_lesson(tree["gz"])
    Lesson.objects.filter(pk=own.pk).update(study_hours=Decimal("2"))
    own.refresh_from_db()
    mof_lesson = minute_lesson(tree["budget"])  # the ministry has no version: the settings'
    member = factories.member(tree["gz1"], username="both")
    fixed = watch_through(member, own, finishing_at=at(12))
    settings_rule = watch_through(member, mof_lesson, finishing_at=at(12, 11))
    assert (fixed.hours, fixed.basis, fixed.rule) == (Decimal("2"), LESSON, None)
    # 60 s is within the settings' first step, "up to 900 s: 0.25 h".
    assert (settings_rule.hours, settings_rule.basis, settings_rule.rule) == (Decimal("0.25"), DEFAULT, None)
    chinese = page_text(member, "/lessons/hours/", "zh-hans")
    assert "课程自定学时" in chinese and "平台默认规则" in chinese
    english = page_text(member, "/lessons/hours/", "en")
    assert "The lesson's own hours" in english and "The platform's default" in english


def test_withdrawing_a_scheduled_version_keeps_credits_on_the_version_that_gave_them(tree, audit_admin):
    in_force = schedule(tree["audit"], audit_admin, day=date(2026, 12, 1), steps=((1, "0.5"),), today=date(2026, 12, 1))
    planned = schedule(tree["audit"], audit_admin, day=date(2026, 12, 20), steps=((1, "3"),), today=date(2026, 12, 1))
    lesson = minute_lesson(tree["gz"])
    earlier = watch_through(factories.member(tree["gz1"], username="earlier"), lesson, finishing_at=at(5))
    study_rules.study_rule_withdraw(version=planned, by=audit_admin, today=date(2026, 12, 10))
    earlier.refresh_from_db()
    assert (earlier.hours, earlier.rule) == (Decimal("0.5"), in_force)
    # After the withdrawn version's day the one in force still gives 0.5 h, not the withdrawn 3 h.
    later = watch_through(factories.member(tree["gz1"], username="later"), lesson, finishing_at=at(21))
    assert (later.hours, later.basis, later.rule) == (Decimal("0.5"), RULE, in_force)
    assert list(in_force.credits.order_by("granted_at")) == [earlier, later] and not planned.credits.exists()
    with pytest.raises(ProtectedError):
        in_force.delete()
    assert StudyHoursRule.objects.filter(pk=in_force.pk).exists()
    rule_page = page_text(audit_admin, f"/lessons/hours/rules/{tree['audit'].pk}/", "en")
    assert rule_page.count("Gave study hours for 2 completions.") == 1
    assert rule_page.count("Has given no study hours yet.") == 1
    assert "已据此授予学时 2 次。" in page_text(audit_admin, f"/lessons/hours/rules/{tree['audit'].pk}/", "zh-hans")


def test_a_member_who_moved_organs_keeps_each_credit_on_the_rule_of_the_lessons_organ(tree, audit_admin):
    """The rule is keyed on the lesson's organ, not the member's: a move changes which lessons the
    member takes, never which organ's rule a lesson earns by."""
    audit_rule = schedule(
        tree["audit"], audit_admin, day=date(2026, 12, 1), steps=((1, "0.5"),), today=date(2026, 12, 1)
    )
    mof_admin = factories.administrator(tree["mof"], username="mof-admin")
    mof_rule = schedule(tree["mof"], mof_admin, day=date(2026, 12, 1), steps=((1, "4"),), today=date(2026, 12, 1))
    audit_lesson = minute_lesson(tree["gz"])
    mof_lesson = minute_lesson(tree["budget"])
    another_audit_lesson = minute_lesson(tree["gz"])
    member = factories.member(tree["gz1"], username="mover")
    first = watch_through(member, audit_lesson, finishing_at=at(2))
    member.unit = tree["budget"]
    member.save(update_fields=["unit"])
    second = watch_through(member, mof_lesson, finishing_at=at(3))
    third = watch_through(member, another_audit_lesson, finishing_at=at(4))
    assert [(c.hours, c.rule) for c in (first, second, third)] == [
        (Decimal("0.5"), audit_rule),
        (Decimal("4"), mof_rule),
        (Decimal("0.5"), audit_rule),
    ]
    english = page_text(member, "/lessons/hours/", "en")
    # Now in the ministry: its rule is "your organ's", the audit office's is named.
    assert english.count("Per your organ's rule in force from 1 December 2026") == 1
    assert english.count("Per the rule of 审计署 in force from 1 December 2026") == 2
    chinese = page_text(member, "/lessons/hours/", "zh-hans")
    assert chinese.count("按本机关2026年12月1日起施行的学时规则") == 1
    assert chinese.count("按审计署2026年12月1日起施行的学时规则") == 2


def test_the_completion_report_and_its_export_say_what_gave_each_members_hours(tree, two_versions, gz_organiser):
    lesson = minute_lesson(tree["gz"])
    Lesson.objects.filter(pk=lesson.pk).update(title="规则课")
    watch_through(factories.member(tree["gz1"], username="old", real_name="老规则"), lesson, finishing_at=at(9, 23, 59))
    watch_through(factories.member(tree["gz2"], username="new", real_name="新规则"), lesson, finishing_at=at(10, 0, 1))
    report = page_text(gz_organiser, f"/lessons/{lesson.pk}/report/", "en")
    assert "0.5 h" in report and "Per the rule of 审计署 in force from 1 December 2026" in report
    assert "1 h" in report and "Per the rule of 审计署 in force from 10 December 2026" in report
    chinese = page_text(gz_organiser, f"/lessons/{lesson.pk}/report/", "zh-hans")
    assert "按审计署2026年12月1日起施行的学时规则" in chinese and "按审计署2026年12月10日起施行的学时规则" in chinese
    client = Client()
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "en"
    sheet = load_workbook(BytesIO(client.get(f"/lessons/{lesson.pk}/report.xlsx").content))["Members"]
    rows = list(sheet.values)
    assert rows[0][-2:] == ("Study hours", "Hours by")
    assert sorted((row[0], row[-2], row[-1]) for row in rows[1:]) == [
        ("新规则", 1, "Per the rule of 审计署 in force from 10 December 2026"),
        ("老规则", 0.5, "Per the rule of 审计署 in force from 1 December 2026"),
    ]


# ---------------------------------------------------------------- the migration

MIGRATION = "lessons.migrations.0017_study_credit_records_what_gave_its_hours"


def old_credit(lesson: Lesson, hours: str, granted_at: datetime, username: str) -> StudyCredit:
    """A credit as granted before credits kept their basis."""
    member = factories.member(lesson.unit, username=username)
    return StudyCredit.objects.create(member=member, lesson=lesson, hours=Decimal(hours), granted_at=granted_at)


def test_the_migration_fills_in_the_basis_where_the_data_tells_and_leaves_the_rest_unknown(tree, audit_admin):
    # Rules arrived on 1 November; the audit organ's versions: from 1 December 0.5 h (set on 30
    # November), from 10 December 1 h (set that morning at 09:00), from 20 December 3 h (withdrawn).
    backfill = importlib.import_module(MIGRATION)
    arrived = MigrationRecorder.Migration.objects.filter(app="lessons", name=backfill.RULES_ARRIVED[1])
    assert arrived.update(applied=at(1, 0, 0, month=11)) == 1
    first = schedule(tree["audit"], audit_admin, day=date(2026, 12, 1), steps=((1, "0.5"),), today=date(2026, 11, 30))
    second = schedule(tree["audit"], audit_admin, day=date(2026, 12, 10), steps=((1, "1"),), today=date(2026, 12, 10))
    withdrawn = schedule(tree["audit"], audit_admin, day=date(2026, 12, 20), steps=((1, "3"),), today=date(2026, 12, 1))
    study_rules.study_rule_withdraw(version=withdrawn, by=audit_admin, today=date(2026, 12, 1))
    StudyHoursRule.objects.filter(pk=first.pk).update(created_at=at(30, month=11))
    StudyHoursRule.objects.filter(pk=second.pk).update(created_at=at(10, 9, 0))
    lesson = minute_lesson(tree["gz"])
    own = minute_lesson(tree["gz"])
    same = minute_lesson(tree["gz"])
    Lesson.objects.filter(pk=own.pk).update(study_hours=Decimal("2"))
    Lesson.objects.filter(pk=same.pk).update(study_hours=Decimal("1"))
    own.refresh_from_db()
    same.refresh_from_db()
    mof_lesson = minute_lesson(tree["budget"])
    expected = {
        # Before rules arrived: the settings' rule, though it gave 0.5 h then and gives 0.25 h now.
        old_credit(lesson, "0.5", at(20, month=10), "october"): (DEFAULT, None),
        # 23:59 of 9 December: the first version's 0.5 h.
        old_credit(lesson, "0.5", at(9, 23, 59), "eve"): (RULE, first),
        # 08:00 of 10 December, before the second version was set at 09:00: still the first.
        old_credit(lesson, "0.5", at(10, 8, 0), "dawn"): (RULE, first),
        # 10:00 of 10 December: the second version's 1 h.
        old_credit(lesson, "1", at(10, 10, 0), "morning"): (RULE, second),
        # 0.75 h is what no rule or lesson gave on 10 December: unknown.
        old_credit(lesson, "0.75", at(10, 10, 0), "odd"): (UNKNOWN, None),
        # 21 December: the withdrawn 3 h version never applied, the second one's 1 h did.
        old_credit(lesson, "1", at(21), "after-withdrawn"): (RULE, second),
        # The lesson's own 2 h (the rule would give 1 h).
        old_credit(own, "2", at(12), "own"): (LESSON, None),
        # The lesson's own 1 h and the rule's 1 h alike: which one gave it is not recorded.
        old_credit(same, "1", at(12), "alike"): (UNKNOWN, None),
        # The ministry has no version: the settings' 0.25 h for a minute.
        old_credit(mof_lesson, "0.25", at(12), "ministry"): (DEFAULT, None),
    }
    assert set(StudyCredit.objects.values_list("basis", flat=True)) == {UNKNOWN}
    for _run in range(2):  # a second run finds the same
        backfill.backfill_credit_basis(apps, SimpleNamespace(connection=connection))
        assert {credit: (credit.basis, credit.rule) for credit in StudyCredit.objects.all()} == expected
        assert {c.pk: c.hours for c in StudyCredit.objects.all()} == {c.pk: c.hours for c in expected}
    odd = StudyCredit.objects.select_related("member").get(member__username="odd")
    assert "Not recorded: granted before the platform kept what gave the hours" in page_text(
        odd.member, "/lessons/hours/", "en"
    )
    assert "依据未记录" in page_text(odd.member, "/lessons/hours/", "zh-hans")
