"""Study-hours rules kept by an organ's administrators: which version a completion earns by (its
local day), a lesson's own hours, the steps' boundaries, the minimum, what longer lessons earn,
and the rule page's refusals. Every figure is worked out by hand in the test."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone, translation

from lessons.models import Lesson, StudyCredit, StudyHoursRule
from lessons.services import study_rules, videos
from lessons.services.points import point_rules_ensure_defaults
from lessons.services.study_rules import HoursRule, StudyRuleRejected
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2026, 12, 10)


def minute_lesson(unit, *, seconds: int = 60, **extra) -> Lesson:
    """A ready, published lesson of `seconds` without media: the heartbeat service needs only its duration."""
    extra.setdefault("published", True)
    lesson = videos.lesson_create(title="一分钟课", unit=unit, **extra)
    Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.READY, duration_s=Decimal(seconds))
    lesson.refresh_from_db()
    return lesson


def watch_through(member, lesson, *, finishing_at: datetime, length_s: int = 60) -> StudyCredit | None:
    """Play a lesson of `length_s` in real time, beats every 10 s, the last (which completes it)
    at `finishing_at`; the credit it earned, if any."""
    start = finishing_at - timedelta(seconds=length_s)
    for second in range(0, length_s + 1, 10):
        videos.heartbeat_record(
            member=member,
            lesson=lesson,
            tab="A",
            position_s=float(second),
            playing=True,
            at=start + timedelta(seconds=second),
        )
    return StudyCredit.objects.filter(member=member, lesson=lesson).first()


def schedule(organ, by, *, day=FIRST_DAY, min_minutes=0, steps=((1, "0.5"),), beyond_last="quarters", today=None):
    return study_rules.study_rule_schedule(
        organ=organ,
        by=by,
        effective_from=day,
        min_minutes=min_minutes,
        steps=[(minutes, Decimal(hours)) for minutes, hours in steps],
        beyond_last=beyond_last,
        today=today or day,
    )


@pytest.fixture
def audit_admin(tree):
    return factories.administrator(tree["audit"], username="audit-admin", real_name="署管理员")


def test_a_completion_at_2359_the_day_before_earns_by_the_old_rule_and_at_0001_by_the_new(tree, audit_admin):
    point_rules_ensure_defaults()
    lesson = minute_lesson(tree["gz"])
    # From FIRST_DAY a lesson up to 1 minute earns 0.5 h; before it the settings' 0.25 h (up to 15 min).
    schedule(tree["audit"], audit_admin, today=FIRST_DAY - timedelta(days=3))
    late = factories.member(tree["gz1"], username="late")
    early = factories.member(tree["gz1"], username="early")
    eve = datetime(2026, 12, 9, 23, 59, tzinfo=SHANGHAI)
    morning = datetime(2026, 12, 10, 0, 1, tzinfo=SHANGHAI)
    assert watch_through(late, lesson, finishing_at=eve).hours == Decimal("0.25")
    assert watch_through(early, lesson, finishing_at=morning).hours == Decimal("0.5")
    # 23:59 in Shanghai is 15:59 UTC the same day, 00:01 is 16:01 UTC the day before: the local day counts.
    assert eve.astimezone(ZoneInfo("UTC")).date() == morning.astimezone(ZoneInfo("UTC")).date()


def test_a_new_version_never_changes_hours_already_granted(tree, audit_admin):
    point_rules_ensure_defaults()
    lesson = minute_lesson(tree["gz"])
    member = factories.member(tree["gz1"], username="done")
    watch_through(member, lesson, finishing_at=datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    schedule(tree["audit"], audit_admin, steps=((1, "3"),), today=date(2026, 12, 2))
    assert StudyCredit.objects.get(member=member).hours == Decimal("0.25")


def test_a_lessons_own_hours_beat_the_rule(tree, audit_admin):
    point_rules_ensure_defaults()
    lesson = minute_lesson(tree["gz"])
    Lesson.objects.filter(pk=lesson.pk).update(study_hours=Decimal("2"))
    lesson.refresh_from_db()
    schedule(tree["audit"], audit_admin, today=FIRST_DAY)
    member = factories.member(tree["gz1"], username="fixed")
    assert watch_through(member, lesson, finishing_at=datetime(2026, 12, 11, 9, 0, tzinfo=SHANGHAI)).hours == 2


def test_another_organs_rule_does_not_reach_this_organs_lessons(tree):
    point_rules_ensure_defaults()
    mof_admin = factories.administrator(tree["mof"], username="mof-admin")
    schedule(tree["mof"], mof_admin, steps=((1, "4"),), today=FIRST_DAY)
    lesson = minute_lesson(tree["gz"])
    member = factories.member(tree["gz1"], username="audit-member")
    assert watch_through(member, lesson, finishing_at=datetime(2026, 12, 11, 9, 0, tzinfo=SHANGHAI)).hours == Decimal(
        "0.25"
    )
    assert study_rules.rule_in_force(organ=tree["budget"].path[:4], day=FIRST_DAY).hours_for(60) == 4


RULE = HoursRule(
    min_s=300,
    steps=((900.0, Decimal("0.5")), (1800.0, Decimal("1")), (2700.0, Decimal("1.5"))),
    beyond_last="quarters",
)


@pytest.mark.parametrize(
    ("seconds", "hours"),
    [
        (299, "0"),  # under the 5-minute minimum
        (300, "0.5"),  # the minimum itself earns
        (900, "0.5"),  # exactly at the first step
        (901, "1"),  # a second past it: the next step
        (1800, "1"),
        (2700, "1.5"),  # exactly at the last step
        (3100, "1.5"),  # 400 s further: 0.44 of a quarter rounds to none
        (3200, "1.75"),  # 500 s further: 0.56 rounds to one quarter
        (3600, "1.75"),  # 15 minutes further: one quarter hour more
        (4500, "2"),  # 30 minutes further: two
    ],
)
def test_steps_minimum_and_quarter_hours_past_the_last_step(seconds, hours):
    assert RULE.hours_for(seconds) == Decimal(hours)


@pytest.mark.parametrize(("seconds", "hours"), [(2700, "1.5"), (2701, "1.5"), (3600, "1.5"), (14400, "1.5")])
def test_a_capped_rule_gives_longer_lessons_the_last_steps_hours(seconds, hours):
    capped = HoursRule(min_s=RULE.min_s, steps=RULE.steps, beyond_last="cap")
    assert capped.hours_for(seconds) == Decimal(hours)


@pytest.mark.parametrize(
    ("seconds", "hours"), [(900, "0.25"), (901, "0.5"), (3600, "1"), (4050, "1"), (4500, "1.25"), (5400, "1.5")]
)
def test_the_settings_default_earns_as_before(seconds, hours):
    # The settings' rule as it stood: "900:0.25,1800:0.5,2700:0.75,3600:1", then round(s / 900) / 4.
    assert study_rules.default_rule().hours_for(seconds) == Decimal(hours)


def test_a_rule_never_grants_more_than_24_hours():
    generous = HoursRule(min_s=0, steps=((60.0, Decimal("24")),))
    assert generous.hours_for(4 * 3600) == 24


@translation.override("en")
def test_scheduling_refuses_a_past_day_and_a_second_version_on_the_same_day(tree, audit_admin):
    with pytest.raises(StudyRuleRejected) as refused:
        schedule(tree["audit"], audit_admin, day=FIRST_DAY - timedelta(days=1), today=FIRST_DAY)
    assert "from today on" in refused.value.errors["effective_from"]
    schedule(tree["audit"], audit_admin, today=FIRST_DAY)
    with pytest.raises(StudyRuleRejected) as refused:
        schedule(tree["audit"], audit_admin, steps=((2, "1"),), today=FIRST_DAY)
    assert refused.value.errors == {
        "effective_from": "A version already takes effect on 2026-12-10: choose another day."
    }
    assert StudyHoursRule.objects.count() == 1


def test_a_version_scheduled_for_tomorrow_is_not_in_force_today(tree, audit_admin):
    schedule(tree["audit"], audit_admin, steps=((1, "2"),), today=FIRST_DAY - timedelta(days=1))
    assert study_rules.rule_in_force(organ=tree["audit"], day=FIRST_DAY - timedelta(days=1)).hours_for(60) == Decimal(
        "0.25"
    )
    assert study_rules.rule_in_force(organ=tree["audit"], day=FIRST_DAY).hours_for(60) == 2


# ---------------------------------------------------------------- the page


def rule_post(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "effective_from": (today + timedelta(days=1)).isoformat(),
        "min_minutes": "0",
        "beyond_last": "quarters",
        "step_minutes": ["15", "30"],
        "step_hours": ["0.5", "1"],
    }
    data.update(overrides)
    return data


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_an_administrator_schedules_a_version_and_sees_it_in_the_history(tree, audit_admin):
    client = signed_in(audit_admin)
    page = client.post(f"/lessons/hours/rules/{tree['audit'].pk}/", rule_post())
    assert page.status_code == 302
    version = StudyHoursRule.objects.get()
    assert version.steps == [[15, "0.5"], [30, "1"]] and version.created_by == audit_admin
    assert version.effective_from == timezone.localdate() + timedelta(days=1)
    html = " ".join(client.get(page.url).text.split())
    assert "Scheduled" in html and "Up to 15 min: 0.5 h. Up to 30 min: 1 h." in html and "Set by 署管理员" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"step_minutes": ["30", "15"]}, "Steps go from shorter to longer: 15 minutes comes before 30 minutes."),
        ({"step_minutes": ["15", "15"]}, "Another step already says 15 minutes."),
        ({"step_minutes": ["-5", "30"]}, "Minutes must be more than 0."),
        ({"step_minutes": ["0", "30"]}, "Minutes must be more than 0."),
        ({"step_hours": ["0.5", "25"]}, "A lesson earns at most 24 hours."),
        ({"step_hours": ["0.125", "1"]}, "Use at most two decimals, like 0.25."),
        ({"step_hours": ["half", "1"]}, "Enter a number, like 0.5."),
        ({"step_minutes": ["１２", "30"]}, "Type the digits half-width: 12, not １２."),
        ({"step_minutes": ["15", "1,200"]}, "Leave out the thousands separator: 1200, not 1,200."),
        ({"step_hours": ["0,5", "1"]}, "Use a point for decimals: 0.5, not 0,5."),
        (
            {"step_minutes": ["15", "30", ""], "step_hours": ["0.5", "1", ""]},
            "This row is empty: fill it in or remove it.",
        ),
        ({"step_hours": ["1", "0.5"]}, "A longer lesson cannot earn fewer hours than a shorter one (1)."),
        ({"step_minutes": [], "step_hours": []}, "Add at least one step: up to how many minutes earns how many hours."),
        ({"min_minutes": "-1"}, "The minimum cannot be negative"),
        ({"min_minutes": "２"}, "Type the digits half-width: 2, not ２."),
        ({"effective_from": "2020-01-01"}, "A rule applies from today on, never to days gone by"),
        ({"effective_from": "not a day"}, "Enter a valid date."),
    ],
)
def test_bad_inputs_are_named_beside_the_field_and_nothing_typed_is_lost(tree, audit_admin, overrides, message):
    data = rule_post(**overrides)
    page = signed_in(audit_admin).post(f"/lessons/hours/rules/{tree['audit'].pk}/", data)
    html = page.content.decode()
    assert page.status_code == 200 and message in html and "Nothing was saved" in html
    assert not StudyHoursRule.objects.exists()
    for typed in [*data["step_minutes"], *data["step_hours"], data["min_minutes"]]:
        assert f'value="{typed}"' in html


def test_a_second_version_on_the_same_day_is_refused_beside_the_date(tree, audit_admin):
    client = signed_in(audit_admin)
    client.post(f"/lessons/hours/rules/{tree['audit'].pk}/", rule_post())
    page = client.post(f"/lessons/hours/rules/{tree['audit'].pk}/", rule_post(step_hours=["1", "2"]))
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert f"A version already takes effect on {tomorrow}: choose another day." in page.text
    assert StudyHoursRule.objects.count() == 1


def test_organisers_read_the_rule_and_members_and_other_organs_cannot_change_it(tree, gz_organiser):
    url = f"/lessons/hours/rules/{tree['audit'].pk}/"
    page = signed_in(gz_organiser).get(url)
    assert page.status_code == 200 and 'id="rule-read-only"' in page.text and 'id="rule-form"' not in page.text
    assert "The platform's default" in page.text and "No version yet" not in page.text  # the rule in force, named
    assert signed_in(gz_organiser).post(url, rule_post()).status_code == 403
    office_admin = factories.administrator(tree["gz"], username="gz-admin")  # administers an office, not the organ
    assert signed_in(office_admin).post(url, rule_post()).status_code == 403
    mof_admin = factories.administrator(tree["mof"], username="mof-admin")
    assert signed_in(mof_admin).get(url).status_code == 404  # another organ's rule is not there for them
    assert signed_in(mof_admin).post(url, rule_post()).status_code == 404
    member = factories.member(tree["gz1"], username="plain")
    assert signed_in(member).get(url).status_code == 403
    assert signed_in(member).post(url, rule_post()).status_code == 403
    assert not StudyHoursRule.objects.exists()


def test_the_preview_works_out_the_rule_being_typed(tree, audit_admin, gz_organiser):
    url = f"/lessons/hours/rules/{tree['audit'].pk}/preview.json"
    answer = signed_in(audit_admin).post(url, {**rule_post(), "preview_minutes": "20"}).json()
    assert answer["hours"] == "1" and answer["text"] == "A 20-minute lesson earns 1 study hours."
    assert answer["today"] == "By the rule in force today: 0.5 h."  # 20 min: the settings' "up to 30 min: 0.5"
    answer = signed_in(audit_admin).post(url, {**rule_post(step_minutes=["30", "15"]), "preview_minutes": "20"}).json()
    assert "hours" not in answer and answer["text"] == "Fix the marked inputs to see what it earns."
    answer = signed_in(gz_organiser).post(url, {"preview_minutes": "50"}).json()
    assert answer["hours"] == "1"  # the rule in force: up to 60 min earns 1 h


def test_the_preview_of_a_lesson_longer_than_the_last_step_adds_its_quarter_hours(tree, audit_admin, gz_organiser):
    url = f"/lessons/hours/rules/{tree['audit'].pk}/preview.json"
    # In force (the settings): up to 60 min earns 1 h; 75 min is 15 min further, a quarter more.
    answer = signed_in(gz_organiser).post(url, {"preview_minutes": "75"}).json()
    assert answer["hours"] == "1.25" and answer["today"] == "By the rule in force today: 1.25 h."
    # Typed: up to 30 min earns 1 h; 75 min is 45 min further, three quarters more.
    answer = signed_in(audit_admin).post(url, {**rule_post(), "preview_minutes": "75"}).json()
    assert answer["hours"] == "1.75" and answer["today"] == "By the rule in force today: 1.25 h."


def test_the_lessons_own_hours_are_set_on_its_settings_and_shown_to_members(tree, gz_organiser):
    lesson = minute_lesson(tree["gz"])
    client = signed_in(gz_organiser)
    form = {"title": lesson.title, "poster_choice": "keep", "study_hours": "2.1"}
    page = client.post(f"/lessons/{lesson.pk}/settings/", form)
    assert "Study hours go in quarter hours" in page.text and 'value="2.1"' in page.text
    assert client.post(f"/lessons/{lesson.pk}/settings/", {**form, "study_hours": "100"}).status_code == 200
    assert Lesson.objects.get(pk=lesson.pk).study_hours is None
    assert client.post(f"/lessons/{lesson.pk}/settings/", {**form, "study_hours": "2"}).status_code == 302
    assert Lesson.objects.get(pk=lesson.pk).study_hours == 2
    member = factories.member(tree["gz1"], username="reader")
    reader = signed_in(member)
    reader.cookies["django_language"] = "zh-hans"
    assert "完成可得 2 学时" in reader.get("/lessons/").text
    assert "完成可得 2 学时" in reader.get(f"/lessons/{lesson.pk}/").text
    client.post(f"/lessons/{lesson.pk}/settings/", {**form, "study_hours": ""})
    assert Lesson.objects.get(pk=lesson.pk).study_hours is None
    assert "完成可得 0.25 学时" in reader.get("/lessons/").text


def test_the_hours_page_and_completion_report_state_the_rule_in_force(tree, audit_admin, gz_organiser):
    today = timezone.localdate()
    schedule(tree["audit"], audit_admin, day=today, steps=((20, "0.5"), (40, "1")), beyond_last="cap", today=today)
    lesson = minute_lesson(tree["gz"], seconds=1800)
    member = factories.member(tree["gz1"], username="hours")
    text = " ".join(signed_in(member).get("/lessons/hours/").text.split())
    assert "Up to 20 min: 0.5 h. Up to 40 min: 1 h. Longer lessons: 1 h, no more." in text
    report = " ".join(signed_in(gz_organiser).get(f"/lessons/{lesson.pk}/report/").text.split())
    assert "Up to 20 min: 0.5 h." in report and "This lesson earns 1 h." in report


def test_a_version_withdrawn_before_its_day_applies_to_nothing_and_its_day_is_free_again(tree, audit_admin):
    version = schedule(tree["audit"], audit_admin, steps=((1, "2"),), today=FIRST_DAY - timedelta(days=1))
    study_rules.study_rule_withdraw(version=version, by=audit_admin, today=FIRST_DAY - timedelta(days=1))
    assert study_rules.rule_in_force(organ=tree["audit"], day=FIRST_DAY).hours_for(60) == Decimal("0.25")
    again = schedule(tree["audit"], audit_admin, steps=((1, "1"),), today=FIRST_DAY - timedelta(days=1))
    assert study_rules.rule_in_force(organ=tree["audit"], day=FIRST_DAY).version == again
    # One in force has granted hours: it stays.
    with pytest.raises(StudyRuleRejected):
        study_rules.study_rule_withdraw(version=again, by=audit_admin, today=FIRST_DAY)
    assert StudyHoursRule.objects.get(pk=again.pk).withdrawn_at is None


def test_the_page_withdraws_a_scheduled_version_and_keeps_it_in_the_history(tree, audit_admin, gz_organiser):
    client = signed_in(audit_admin)
    client.post(f"/lessons/hours/rules/{tree['audit'].pk}/", rule_post())
    version = StudyHoursRule.objects.get()
    url = f"/lessons/hours/rules/{tree['audit'].pk}/versions/{version.pk}/withdraw/"
    assert signed_in(gz_organiser).post(url).status_code == 403
    page = client.post(url, follow=True)
    assert "was withdrawn" in page.text and "Withdrawn" in page.text and "withdrawn by 署管理员" in page.text
    assert StudyHoursRule.objects.get().withdrawn_by == audit_admin
