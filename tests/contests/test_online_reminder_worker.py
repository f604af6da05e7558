"""A real Celery worker sends an online contest's reminder: the organiser's action records it and
queues the task on commit; the worker notifies the members who have not started."""

import pytest

from contests.online import reminders
from notifications.models import Notification
from tests import factories
from tests.conftest import services_configured
from tests.contests.test_online import make_contest
from tests.contests.test_online_pages import setup  # noqa: F401  (the fixture)
from tests.processes import wait_for


@pytest.mark.skipif(not services_configured(), reason="a worker needs Redis and PostgreSQL (CI sets them)")
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_reminder_to_members_who_have_not_started(setup, celery_worker_process):  # noqa: F811
    from contests.online import services

    contest = make_contest(setup)
    waiting = [factories.member(setup["branch"]) for _ in range(3)]
    started = factories.member(setup["branch"])
    services.online_attempt_start(contest=contest, member=started, device="phone")
    reminder = reminders.online_reminder_request(contest=contest, by=setup["by"])
    assert reminder.recipients == 3
    wait_for(
        lambda: Notification.objects.filter(kind="online_reminder").count() == 3,
        timeout=60,
        what="the worker to notify the three members who have not started",
        process=celery_worker_process,
    )
    assert set(Notification.objects.filter(kind="online_reminder").values_list("recipient_id", flat=True)) == {
        m.pk for m in waiting
    }
