"""The organiser's desk beside an online contest's dashboard: reminders to members who have not
started (throttled per contest), the lobby screen of the participation race, and flags described
per question with a reviewed mark."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from contests.online import reminders, review, services
from contests.online.models import IntegrityEvent
from contests.tasks import online_reminder_deliver
from notifications.models import Notification, ReminderSent
from notifications.services import NotificationRejected
from tests import factories
from tests.contests import test_online
from tests.contests.test_online import make_contest, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def field():
    organ = factories.unit_at("审计署")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    second = factories.unit_at("审计署/广州特派办/第二党支部")
    bank = factories.bank(organ)
    for _ in range(4):
        factories.question(bank, "single")
    for _ in range(3):
        factories.question(bank, "true_false")
    setup = {"organ": organ, "branch": branch, "bank": bank, "by": factories.organiser(organ)}
    contest = make_contest(setup, audience=[branch, second])
    return {**setup, "second": second, "contest": contest}


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """Ask for a reminder, check that its task is queued on commit, and run the task here (a
    real worker runs it in test_online_reminder_worker.py)."""

    def request(**kwargs):
        with django_capture_on_commit_callbacks() as queued:
            reminder = reminders.online_reminder_request(**kwargs)
        assert len(queued) == 1
        online_reminder_deliver(reminder.pk)
        return reminder

    return request


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- reminders


def test_a_reminder_reaches_only_active_members_of_the_audience_who_have_not_started(field, remind):
    contest = field["contest"]
    started = factories.member(field["branch"])
    start(contest, started)
    waiting = [factories.member(field["branch"]), factories.member(field["second"])]
    gone = factories.member(field["second"])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    factories.member(factories.unit_at("审计署/南京特派办"))  # outside the audience
    reminder = remind(contest=contest, by=field["by"])
    # The organiser (in the organ, outside the audience) and the three others are not reminded.
    assert reminder.recipients == 2
    notes = Notification.objects.filter(kind="online_reminder")
    assert sorted(n.recipient_id for n in notes) == sorted(m.pk for m in waiting)
    note = notes.first()
    assert note.url == f"/contests/online/{contest.pk}/" and "党史知识网上答题" in note.title
    assert contest.audit.filter(action="reminder_sent", detail__recipients=2).count() == 1


def test_the_reminder_task_run_twice_notifies_nobody_twice(field, remind):
    factories.member(field["branch"])
    reminder = remind(contest=field["contest"], by=field["by"])
    assert Notification.objects.filter(kind="online_reminder").count() == 1
    assert online_reminder_deliver(reminder.pk) == 0
    assert online_reminder_deliver(999_999) == 0  # gone: returns quietly
    assert Notification.objects.filter(kind="online_reminder").count() == 1


def test_a_reminder_sent_from_a_chinese_page_gives_its_deadline_in_each_readers_language(field, remind):
    """The organiser sends in Chinese; the member reading in English sees the English date."""
    factories.member(field["branch"])
    paper = field["contest"].paper
    paper.closes_at = datetime(2099, 3, 4, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    paper.title_en = "Party history online quiz"
    paper.save(update_fields=["closes_at", "title_en"])
    with translation.override("zh-hans"):
        remind(contest=field["contest"], by=field["by"])
    note = Notification.objects.get(kind="online_reminder")
    with translation.override("en"):
        assert note.body.endswith("“Party history online quiz”; it closes at 4 Mar 2099 17:30.")
    with translation.override("zh-hans"):
        assert note.body.endswith("，截止时间 2099-03-04 17:30。")


def test_a_second_reminder_within_the_interval_is_refused_and_allowed_after_it(field, remind, settings):
    settings.ONLINE_REMINDER_INTERVAL_MIN = 60
    factories.member(field["branch"])
    first = remind(contest=field["contest"], by=field["by"], at=test_online.NOW)
    with pytest.raises(NotificationRejected) as refused:
        remind(contest=field["contest"], by=field["by"], at=test_online.NOW + timedelta(minutes=59))
    assert refused.value.code == "too_soon"
    ReminderSent.objects.filter(pk=first.pk).update(sent_at=test_online.NOW - timedelta(minutes=61))
    remind(contest=field["contest"], by=field["by"], at=test_online.NOW)
    assert ReminderSent.objects.filter(subject_key=f"online:{field['contest'].pk}").count() == 2


def test_reminders_are_refused_when_everyone_started_or_the_window_closed(field, remind):
    member = factories.member(field["branch"])
    start(field["contest"], member)
    with pytest.raises(NotificationRejected) as nobody:
        remind(contest=field["contest"], by=field["by"])
    assert nobody.value.code == "nobody"
    with pytest.raises(NotificationRejected) as closed:
        remind(contest=field["contest"], by=field["by"], at=test_online.NOW + timedelta(days=8))
    assert closed.value.code == "closed"


def test_the_dashboard_button_reminds_once_and_then_says_when_the_next_is_possible(
    field, django_capture_on_commit_callbacks
):
    factories.member(field["branch"])
    client = signed_in(field["by"])
    url = f"/contests/online/manage/{field['contest'].pk}/"
    assert 'id="remind-button"' in client.get(url).text
    with django_capture_on_commit_callbacks() as queued:
        client.post(f"{url}remind/")
    assert len(queued) == 1
    online_reminder_deliver(ReminderSent.objects.get().pk)
    page = client.get(url)
    assert 'id="remind-button"' not in page.text and 'id="reminder-wait"' in page.text
    client.post(f"{url}remind/")  # a second click: refused with a message, nothing sent
    assert Notification.objects.filter(kind="online_reminder").count() == 1


# ---------------------------------------------------------------- the lobby screen


def test_the_lobby_screen_ranks_units_by_finished_rate_and_its_data_refreshes(field):
    contest = field["contest"]
    first = [factories.member(field["branch"]) for _ in range(2)]  # 2 people, 1 finishes: 50 %
    second = [factories.member(field["second"]) for _ in range(4)]  # 4 people, 3 finish: 75 %
    done = services.online_attempt_submit(online=start(contest, first[0]), device="phone-1", at=test_online.NOW)
    assert done.status == "submitted"
    for member in second[:3]:
        services.online_attempt_submit(online=start(contest, member), device="phone-1", at=test_online.NOW)
    start(contest, first[1])  # started, not finished
    client = signed_in(field["by"])
    page = client.get(f"/contests/online/manage/{contest.pk}/screen/")
    assert page.status_code == 200
    assert [(r["unit"], r["rate"], r["started"], r["headcount"]) for r in page.context["rows"]] == [
        ("第二党支部", 75.0, 3, 4),
        ("第一党支部", 50.0, 2, 2),
    ]
    data = client.get(f"/contests/online/manage/{contest.pk}/screen.json").json()
    assert data["totals"] == {"headcount": 6, "started": 5, "finished": 4, "rate": 66.7}
    member = signed_in(first[1])
    assert member.get(f"/contests/online/manage/{contest.pk}/screen/").status_code == 403


def test_the_lobby_screen_says_one_person_and_two_people_in_english_and_gives_its_script_both(field):
    """A branch of one read "1 people" on the screen and after each poll."""
    factories.member(field["branch"])
    factories.member(field["second"])
    factories.member(field["second"])
    client = factories.client_in("en", field["by"])
    page = client.get(f"/contests/online/manage/{field['contest'].pk}/screen/").content.decode()
    assert "0 finished · 0 started · 1 person<" in page and "0 finished · 0 started · 2 people<" in page
    assert 'data-counts-one="%(f)s finished · %(s)s started · %(h)s person"' in page
    assert 'data-counts="%(f)s finished · %(s)s started · %(h)s people"' in page
    chinese = factories.client_in("zh-hans", field["by"]).get(f"/contests/online/manage/{field['contest'].pk}/screen/")
    assert "已完成 0 · 已开始 0 · 共 1 人" in chinese.content.decode()


def test_the_lobby_screen_counts_the_same_audience_as_the_dashboard_members_placed_in_the_office_too(field):
    """The demo's lobby said 61 where the dashboard said 62: for an audience of one office the
    lobby added up its branches and left out the organiser placed in the office itself, who is
    in the audience (the contest is listed for them) and counted by the dashboard and reminders."""
    office = factories.unit_at("审计署/广州特派办", "office")
    contest = make_contest(field, audience=[office], title="本级也算")
    organiser = factories.organiser(office)  # placed in the office itself
    branch_members = [factories.member(field["branch"]) for _ in range(2)]
    factories.member(field["second"])
    start(contest, organiser)
    services.online_attempt_submit(online=start(contest, branch_members[0]), device="phone-1", at=test_online.NOW)
    # In the audience: the organiser, 2 in 第一党支部, 1 in 第二党支部 = 4; 2 started, 1 finished.
    client = signed_in(field["by"])
    dashboard = client.get(f"/contests/online/manage/{contest.pk}/")
    assert [(r["unit"].name, r["headcount"]) for r in dashboard.context["units"]] == [("广州特派办", 4)]
    assert dashboard.context["not_started"] == 2
    data = client.get(f"/contests/online/manage/{contest.pk}/screen.json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert data["totals"] == {"headcount": 4, "started": 2, "finished": 1, "rate": 25.0}
    assert [(r["unit"], r["headcount"], r["started"], r["finished"]) for r in data["rows"]] == [
        ("第一党支部", 2, 1, 1),
        ("广州特派办（本级）", 1, 1, 0),
        ("第二党支部", 1, 0, 0),
    ]
    drill_down = client.get(f"/contests/online/manage/{contest.pk}/?unit={office.pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert [(r["unit"].name, r["own_members"], r["headcount"]) for r in drill_down.context["units"]] == [
        ("广州特派办", True, 1),
        ("第一党支部", False, 2),
        ("第二党支部", False, 1),
    ]
    assert "广州特派办 (own members)" in drill_down.text


# ---------------------------------------------------------------- flags


def test_integrity_events_read_per_question_in_words():
    events = [("focus_lost", 3), ("paste", 5), ("focus_lost", 3), ("takeover", None), ("paste", 3)]
    with translation.override("en"):
        words = review.events_in_words(events)
    assert words == [
        "Question 3: left the page 2 times, pasted once",
        "Question 5: pasted once",
        "During the attempt: continued on another device once",
    ]


def test_an_organiser_marks_a_flag_reviewed_with_a_note_and_the_dashboard_shows_it(field):
    contest = field["contest"]
    member = factories.member(field["branch"], real_name="张三")
    online = start(contest, member)
    services.integrity_record(online=online, device="phone-1", kind=IntegrityEvent.Kind.FOCUS_LOST, position=2)
    client = signed_in(field["by"])
    url = f"/contests/online/manage/{contest.pk}/"
    page = client.get(url)
    assert "第 2 题：离开页面 1 次" in page.text
    flag = review.attempt_key(online.attempt_id)
    client.post(f"{url}review/", {"flag": flag, "note": "电话核实：接听单位电话"})
    [row] = review.flagged_attempts(contest)
    assert (row.review.by, row.review.note) == (field["by"], "电话核实：接听单位电话")
    assert "电话核实：接听单位电话" in client.get(url).text
    other = make_contest({**field, "branch": field["second"]}, audience=[field["second"]])
    with pytest.raises(services.ContestSetupRejected):
        review.flag_review_mark(contest=other, flag=flag, note="", by=field["by"])


def test_the_lobby_screen_names_units_in_english_on_an_english_page(field):
    field["second"].name_en = "Second Party Branch"
    field["second"].save(update_fields=["name_en"])
    for unit in ("branch", "second"):
        factories.member(field[unit])
    url = f"/contests/online/manage/{field['contest'].pk}/screen/"
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(field["by"])
    assert sorted(r["unit"] for r in english.get(url).context["rows"]) == ["Second Party Branch", "第一党支部"]
    chinese = signed_in(field["by"])
    assert sorted(r["unit"] for r in chinese.get(url).context["rows"]) == ["第一党支部", "第二党支部"]
