"""Notifications: the reminder an organiser sends in one click, its rate limit, the bell, email."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from lessons.models import Lesson, WatchProgress
from notifications import services, tasks
from notifications.models import Notification, ReminderSent
from tests import factories


@pytest.fixture
def branch(tree):
    required = Lesson.objects.create(
        title="学习党章",
        unit=tree["gz"],
        required=True,
        status=Lesson.Status.READY,
        publication=Lesson.Publication.PUBLISHED,
    )
    done = factories.member(tree["gz1"], real_name="已学完")
    todo = factories.member(tree["gz1"], real_name="未学完")
    for person, address in ((done, "done@example.cn"), (todo, "todo@example.cn")):
        person.email = address
        person.save(update_fields=["email"])
    other_branch = factories.member(tree["gz2"], real_name="二支部")
    WatchProgress.objects.create(member=done, lesson=required, completed_at=timezone.now())
    return {"lesson": required, "done": done, "todo": todo, "other": other_branch, "unit": tree["gz1"]}


def test_a_reminder_reaches_only_the_units_members_who_have_not_finished(branch, gz_organiser):
    count = services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=branch["lesson"])

    assert count == 1
    (notification,) = Notification.objects.all()
    assert notification.recipient == branch["todo"]
    assert notification.url == reverse("lessons:player", args=[branch["lesson"].pk])
    with translation.override("zh-hans"):
        assert notification.title == "提醒：请完成“学习党章”"
        assert notification.body == "广州组织者 提醒您完成“学习党章”。"
    with translation.override("en"):
        assert notification.title == "Reminder: please finish “学习党章”"


def test_a_second_reminder_for_the_same_unit_and_lesson_is_refused_until_the_interval_passes(
    branch, gz_organiser, settings
):
    settings.NOTIFICATION_REMINDER_INTERVAL_H = 24
    services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=branch["lesson"])

    with pytest.raises(services.NotificationRejected) as refused:
        services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=branch["lesson"])
    assert refused.value.code == "too_soon"
    assert Notification.objects.count() == 1

    # Another lesson for the same unit is a different reminder.
    second = Lesson.objects.create(
        title="第二课",
        unit=branch["unit"],
        required=True,
        status=Lesson.Status.READY,
        publication=Lesson.Publication.PUBLISHED,
    )
    assert services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=second) == 2

    ReminderSent.objects.filter(subject_key=f"lesson:{branch['lesson'].pk}").update(
        sent_at=timezone.now() - dt.timedelta(hours=24, minutes=1)
    )
    assert services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=branch["lesson"]) == 1


def test_reminders_are_refused_outside_ones_units_for_optional_lessons_and_when_everyone_is_done(
    tree, branch, gz_organiser
):
    stranger = factories.organiser(tree["jjj"])
    with pytest.raises(services.NotificationRejected) as refused:
        services.reminder_send(by=stranger, unit=branch["unit"], subject=branch["lesson"])
    assert refused.value.code == "forbidden"

    optional = Lesson.objects.create(
        title="选修", unit=tree["gz"], status=Lesson.Status.READY, publication=Lesson.Publication.PUBLISHED
    )
    with pytest.raises(services.NotificationRejected) as refused:
        services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=optional)
    assert refused.value.code == "not_required"

    WatchProgress.objects.create(member=branch["todo"], lesson=branch["lesson"], completed_at=timezone.now())
    with pytest.raises(services.NotificationRejected) as refused:
        services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=branch["lesson"])
    assert refused.value.code == "nobody"
    assert not Notification.objects.exists() and not ReminderSent.objects.exists()


def test_a_reminder_about_another_units_lesson_or_exam_is_refused_and_names_nothing(tree, branch):
    """An organiser of another office looks after their own branch, but the lesson and the exam
    are the Guangzhou office's: reminding about them (any id may be posted) told their members a
    title from another unit and led them to a page that refuses them."""
    stranger = factories.organiser(tree["jjj"])
    exam = factories.paper(tree["gz"], mode="exam", title="党规测验")
    factories.member(tree["jjj1"])
    for subject in (branch["lesson"], exam):
        with pytest.raises(services.NotificationRejected) as refused:
            services.reminder_send(by=stranger, unit=tree["jjj1"], subject=subject)
        assert refused.value.code == "not_for_unit"
        assert subject.title not in refused.value.message
    assert not Notification.objects.exists() and not ReminderSent.objects.exists()


def test_an_exam_reminder_skips_members_who_have_submitted(tree, branch, gz_organiser):
    exam = factories.paper(tree["gz"], mode="exam", title="党规测验")
    from lessons.models import Attempt

    now = timezone.now()
    Attempt.objects.create(
        paper=exam, member=branch["done"], number=1, status="submitted", started_at=now, finished_at=now
    )
    assert services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=exam) == 1
    assert Notification.objects.get().recipient == branch["todo"]


def test_the_remind_button_says_on_the_page_when_a_reminder_is_refused(client, branch, gz_organiser):
    client.force_login(gz_organiser)
    form = {"unit": branch["unit"].pk, "kind": "lesson", "subject": branch["lesson"].pk, "next": "/"}

    first = client.post(reverse("notifications:remind"), form, follow=True).content.decode()
    again = client.post(reverse("notifications:remind"), form, follow=True).content.decode()

    assert "已提醒第一党支部的 1 名成员。" in first
    assert "已于近期提醒过第一党支部完成“学习党章”" in again
    assert Notification.objects.count() == 1


def test_a_malformed_remind_form_sends_nothing_and_says_why(client, branch, gz_organiser):
    client.force_login(gz_organiser)
    page = client.post(
        reverse("notifications:remind"), {"unit": "x", "kind": "lesson", "subject": branch["lesson"].pk}, follow=True
    ).content.decode()
    assert "提醒未发送" in page
    assert not Notification.objects.exists()


def test_members_cannot_send_reminders(client, branch):
    client.force_login(branch["todo"])
    form = {"unit": branch["unit"].pk, "kind": "lesson", "subject": branch["lesson"].pk}
    assert client.post(reverse("notifications:remind"), form).status_code == 403
    assert not Notification.objects.exists()


def test_the_bell_counts_unread_and_opening_one_marks_it_read_and_goes_to_its_page(client, branch, gz_organiser):
    services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=branch["lesson"])
    member = branch["todo"]
    client.force_login(member)
    assert '<span class="position-absolute' in client.get(reverse("home")).content.decode()
    assert 'id="unread-count">1<' in client.get(reverse("home")).content.decode()

    notification = Notification.objects.get()
    response = client.post(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 302 and response["Location"] == notification.url
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'id="unread-count"' not in client.get(reverse("home")).content.decode()


def test_one_cannot_open_someone_elses_notification(client, branch, gz_organiser):
    services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=branch["lesson"])
    client.force_login(branch["done"])
    assert client.post(reverse("notifications:open", args=[Notification.objects.get().pk])).status_code == 404
    assert Notification.objects.get().read_at is None


def test_mark_all_read_and_the_list_page(client, branch, gz_organiser):
    member = branch["todo"]
    services.notify(recipients=[member], kind="results_published", params={"board": "积分榜"}, url="/")
    services.notify(recipients=[member], kind="certificate_ready", params={"board": "积分榜"})
    client.force_login(member)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "排行榜已发布：积分榜" in page and "您在“积分榜”中的证书已可下载" in page

    client.post(reverse("notifications:read_all"))

    assert not services.unread_for(member).exists()


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        services.notify(recipients=[], kind="nonsense", params={})


def test_without_smtp_nothing_is_emailed(branch, gz_organiser, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = ""
    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=branch["lesson"])
    assert mail.outbox == []


def test_with_smtp_configured_a_reminder_is_emailed_once(
    branch, gz_organiser, settings, eager_tasks, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.cn"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://quiz.example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=branch["lesson"])

    (message,) = mail.outbox
    assert message.to == ["todo@example.cn"]
    assert message.subject == "提醒：请完成“学习党章”"
    assert f"https://quiz.example.cn/lessons/{branch['lesson'].pk}/" in message.body
    # The task run again (a redelivery) sends nothing more.
    assert tasks.notifications_email(list(Notification.objects.values_list("pk", flat=True))) == 0
    assert len(mail.outbox) == 1


def test_an_email_is_in_the_language_its_recipient_chose_on_the_site(
    branch, gz_organiser, settings, eager_tasks, django_capture_on_commit_callbacks
):
    """Every email went out in Chinese, the site's default, to a member reading the site in English."""
    settings.EMAIL_HOST = "smtp.example.cn"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = ""
    branch["todo"].language = "en"
    branch["todo"].save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=branch["lesson"])

    (message,) = mail.outbox
    assert message.subject == "Reminder: please finish “学习党章”"
    assert message.body.startswith("广州组织者 reminds you") and "提醒" not in message.body, message.body


def test_publishing_a_board_tells_the_ranked_members(tree):

    admin = factories.administrator(tree["audit"])
    ranked = factories.member(tree["gz1"])
    unranked = factories.member(tree["mof"])
    from lessons.models import PointEvent
    from rankings.services import run_execute, run_request, snapshot_approve, snapshot_publish

    day = dt.date(2026, 11, 20)
    PointEvent.objects.create(
        member=ranked,
        activity="quiz",
        points=5,
        day=day,
        occurred_at=timezone.make_aware(dt.datetime(2026, 11, 20, 9)),
        source_key="k",
    )
    rule = factories.ranking_rule(
        tree["audit"],
        title="积分榜",
        subject="member",
        sources=[{"kind": "points"}],
        prize_mode="count",
        prize_tiers=[{"name": "一等奖", "value": 1}],
        period_starts_on=day,
        period_ends_on=day,
    )
    run, _created = run_request(rule=rule)
    snapshot = run_execute(run_id=run.pk).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)

    recipients = set(Notification.objects.filter(kind="results_published").values_list("recipient_id", flat=True))
    # One prize for the best: the ranked member (alone on the board) may fetch a certificate.
    (certificate,) = Notification.objects.filter(kind="certificate_ready")
    assert certificate.recipient == ranked
    assert certificate.url == reverse("rankings:certificate", args=[rule.slug, ranked.pk])
    assert ranked.pk in recipients and unranked.pk not in recipients
    # Opened, it shows the member's own row, highlighted, as the home's My place link does.
    board = reverse("rankings:board", args=[rule.slug])
    assert (
        Notification.objects.get(recipient=ranked, kind="results_published").url
        == f"{board}?mine=1&highlight={ranked.pk}#board-row-{ranked.pk}"
    )


def test_members_put_on_a_contest_team_are_invited_with_the_way_in(tree):
    from contests import services as contest_services

    host = factories.organiser(tree["gz"])
    player, substitute = factories.member(tree["gz1"]), factories.member(tree["gz1"])
    contest = contest_services.contest_create(title="党史竞赛", unit=tree["gz"], by=host)
    contest_services.team_add(contest=contest, name="一队", unit=tree["gz1"], legs=[player], substitutes=[substitute])

    invitations = Notification.objects.filter(kind="contest_invitation")
    assert {n.recipient_id for n in invitations} == {player.pk, substitute.pk}
    assert {n.url for n in invitations} == {reverse("contests:play", args=[contest.join_code])}
    with translation.override("zh-hans"):
        assert invitations[0].title == "邀请您参加竞赛“党史竞赛”"


def test_a_reminders_deadline_is_written_the_readers_way_not_the_senders(client, tree, branch, gz_organiser):
    from django.utils import formats

    closes = timezone.now() + dt.timedelta(days=3)
    exam = factories.paper(tree["gz"], mode="exam", title="党规测验", closes_at=closes)
    with translation.override("zh-hans"):  # sent from a Chinese page
        services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=exam)
    written = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            written[language] = formats.date_format(timezone.localtime(closes), "SHORT_DATETIME_FORMAT")
    assert written["en"] != written["zh-hans"]
    client.force_login(branch["todo"])
    english = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert written["en"] in english and written["zh-hans"] not in english
    assert written["zh-hans"] in chinese


def test_a_remind_form_whose_next_is_not_a_page_goes_home_after_sending(client, branch, gz_organiser):
    """`next` was handed to redirect(), which takes a bare word for a view name: "x" sent the
    reminder and then answered 500 (NoReverseMatch)."""
    client.force_login(gz_organiser)
    form = {"unit": branch["unit"].pk, "kind": "lesson", "subject": branch["lesson"].pk, "next": "x"}
    answer = client.post(reverse("notifications:remind"), form)
    assert (answer.status_code, answer["Location"]) == (302, "/")
    assert Notification.objects.count() == 1


def test_an_english_reminder_ending_with_its_deadline_has_one_full_stop(tree, branch, gz_organiser):
    # 2036-12-06 09:05 in Shanghai; Django's own English format would write "9:05 a.m." and the
    # sentence's full stop after it. The site's is "6 Dec 2036 09:05" (quizsite/formats).
    closes = dt.datetime(2036, 12, 6, 1, 5, tzinfo=dt.UTC)
    exam = factories.paper(tree["gz"], mode="exam", title="党规测验", closes_at=closes)
    services.reminder_send(by=gz_organiser, unit=branch["unit"], subject=exam)
    notice = Notification.objects.get(recipient=branch["todo"], kind="reminder")
    with translation.override("en"):
        assert notice.body.endswith("It closes at 6 Dec 2036 09:05.")
