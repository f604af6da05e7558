"""An administrator schedules a study-hours rule on its page (rows added and removed, a typo
named beside its field, the preview following what is typed), and a member's lesson completed
afterwards earns, and shows, the new hours."""

from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from lessons.models import Lesson, StudyHoursRule
from lessons.services import videos
from lessons.services.points import point_rules_ensure_defaults
from tests import factories
from tests.browser.test_shell import sign_in
from tests.lessons.test_study_rules import watch_through

pytestmark = pytest.mark.browser


def in_language(page, base: str, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])


def preview_says(page, text: str) -> None:
    page.wait_for_function("(text) => document.getElementById('preview-result').textContent.includes(text)", arg=text)


def test_an_administrator_schedules_a_rule_and_a_members_completed_lesson_earns_by_it(
    live_server, transactional_db, tree, page_factory, screenshot
):
    point_rules_ensure_defaults()
    base = live_server.url
    factories.administrator(tree["audit"], username="rule-admin", password=django_settings.DEMO_PASSWORD)
    member = factories.member(tree["gz1"], username="rule-member", password=django_settings.DEMO_PASSWORD)
    lesson = videos.lesson_create(title="二十分钟党课", unit=tree["gz"], published=True)
    Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.READY, duration_s=Decimal(1200))
    lesson.refresh_from_db()

    page = page_factory(viewport={"width": 1366, "height": 900})
    sign_in(page, base, "rule-admin")
    in_language(page, base, "en")
    page.goto(f"{base}/lessons/manage/")
    page.click("#manage-study-rule")
    page.wait_for_selector("#rule-form")
    # The settings' rule in force: a 20-minute lesson earns 0.5 h (up to 30 min).
    assert "A 20-minute lesson earns 0.5 study hours." in page.inner_text("#preview-result")
    screenshot(page, "study-rule-admin-en-desktop")

    # Two steps instead of four: up to 10 min 1 h, up to 20 min 2 h; a third typed full-width.
    page.fill("#id_effective_from", timezone.localdate().isoformat())
    rows = page.locator("[data-step-row]")
    while rows.count() > 2:
        rows.nth(2).locator("[data-remove-step]").click()
    rows.nth(0).locator("[name=step_minutes]").fill("10")
    rows.nth(0).locator("[name=step_hours]").fill("1")
    rows.nth(1).locator("[name=step_minutes]").fill("20")
    rows.nth(1).locator("[name=step_hours]").fill("2")
    preview_says(page, "A 20-minute lesson earns 2 study hours.")
    page.click("#add-step")
    rows.nth(2).locator("[name=step_minutes]").fill("３０")
    rows.nth(2).locator("[name=step_hours]").fill("3")
    preview_says(page, "Fix the marked inputs")
    page.click("#rule-save")
    page.wait_for_selector("#rule-errors")
    assert "Type the digits half-width: 30, not ３０." in page.inner_text("#step-rows")
    assert page.locator("[name=step_minutes]").nth(2).input_value() == "３０"  # nothing typed is lost
    assert not StudyHoursRule.objects.exists()
    screenshot(page, "study-rule-admin-en-error")

    page.locator("[name=step_minutes]").nth(2).fill("30")
    page.check("#id_beyond_last_1")  # capped past the last step
    page.fill("#preview-minutes", "45")
    preview_says(page, "A 45-minute lesson earns 3 study hours.")
    page.click("#rule-save")
    page.wait_for_selector(".alert-success")
    version = StudyHoursRule.objects.get()
    assert version.steps == [[10, "1"], [20, "2"], [30, "3"]] and version.beyond_last == "cap"
    assert "Up to 10 min: 1 h. Up to 20 min: 2 h. Up to 30 min: 3 h. Longer lessons: 3 h, no more." in " ".join(
        page.inner_text("#rule-in-force").split()
    )

    # The member completes the 20-minute lesson now: 2 h by the new rule (0.5 h by the old).
    assert watch_through(member, lesson, finishing_at=timezone.now(), length_s=1200).hours == 2

    phone = page_factory(phone=True)
    sign_in(phone, base, "rule-member")
    in_language(phone, base, "zh-hans")
    phone.goto(f"{base}/lessons/hours/")
    assert phone.inner_text("#hours-total") == "2"
    assert "二十分钟党课" in phone.inner_text("#hours-history")
    assert "不超过 20 分钟：2 学时。" in phone.inner_text("main")
    screenshot(phone, "study-hours-member-zh-phone")
    phone.goto(f"{base}/lessons/")
    assert "完成可得 2 学时" in phone.inner_text(".qs-lesson-card")
    screenshot(phone, "study-library-card-zh-phone")

    admin_phone = page_factory(phone=True)
    sign_in(admin_phone, base, "rule-admin")
    in_language(admin_phone, base, "zh-hans")
    admin_phone.goto(f"{base}/lessons/hours/rules/{tree['audit'].pk}/")
    assert "施行中" in admin_phone.inner_text("#rule-versions")
    screenshot(admin_phone, "study-rule-admin-zh-phone")
    in_language(admin_phone, base, "en")
    admin_phone.reload()
    assert "In force" in admin_phone.inner_text("#rule-versions")
    screenshot(admin_phone, "study-rule-admin-en-phone")
    in_language(page, base, "zh-hans")
    page.reload()
    assert "自 " + timezone.localdate().isoformat() + " 起施行" in page.inner_text("#rule-in-force")
    screenshot(page, "study-rule-admin-zh-desktop")


def test_an_organiser_gives_a_lesson_its_own_hours_and_the_player_says_so(
    live_server, transactional_db, tree, page_factory, screenshot
):
    base = live_server.url
    factories.organiser(tree["gz"], username="hours-organiser", password=django_settings.DEMO_PASSWORD)
    factories.member(tree["gz1"], username="hours-viewer", password=django_settings.DEMO_PASSWORD)
    lesson = videos.lesson_create(title="专题党课", unit=tree["gz"], published=True)
    Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.READY, duration_s=Decimal(1200))

    page = page_factory(viewport={"width": 1366, "height": 900})
    sign_in(page, base, "hours-organiser")
    in_language(page, base, "en")
    page.goto(f"{base}/lessons/{lesson.pk}/settings/")
    # Empty by default, with what the rule gives this 20-minute lesson today (0.5 h).
    assert "0.5 h for this lesson today" in page.inner_text("#lesson-settings")
    page.fill("#id_study_hours", "2.1")
    page.click("#save-settings")
    page.wait_for_selector("#settings-errors")
    assert "Study hours go in quarter hours" in page.inner_text("#lesson-settings")
    assert page.input_value("#id_study_hours") == "2.1"
    screenshot(page, "lesson-settings-hours-en-error")
    page.fill("#id_study_hours", "1.5")
    page.click("#save-settings")
    page.wait_for_selector(".alert-success")
    assert Lesson.objects.get(pk=lesson.pk).study_hours == Decimal("1.5")

    phone = page_factory(phone=True)
    sign_in(phone, base, "hours-viewer")
    in_language(phone, base, "zh-hans")
    phone.goto(f"{base}/lessons/{lesson.pk}/")
    assert phone.inner_text("#lesson-hours").strip() == "完成可得 1.5 学时。"
    screenshot(phone, "lesson-player-hours-zh-phone")
