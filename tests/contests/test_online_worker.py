"""A real Celery worker closes an online contest's attempts when the window closes, with no
browser and no further request: the attempt is graded from its autosaved answers as of the close."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contests.online import services
from lessons.models import Attempt
from tests import factories
from tests.conftest import services_configured
from tests.contests.test_online import key_of, make_contest
from tests.contests.test_online_pages import setup  # noqa: F401  (the fixture)
from tests.processes import wait_for


@pytest.mark.skipif(not services_configured(), reason="a worker needs Redis and PostgreSQL (CI sets them)")
@pytest.mark.django_db(transaction=True)
def test_the_worker_submits_an_open_attempt_when_the_window_closes(setup, celery_worker_process):  # noqa: F811
    closes = timezone.now().replace(microsecond=0) + timedelta(seconds=6)
    contest = make_contest(setup, opens_at=closes - timedelta(hours=1), closes_at=closes, time_limit_s=600)
    member = factories.member(setup["branch"])
    online = services.online_attempt_start(contest=contest, member=member, device="phone")
    # The time limit (10 minutes) runs past the window: the deadline is the close.
    assert online.attempt.deadline_at == closes
    first = online.attempt.items.get(position=1)
    services.online_answer_save(online=online, device="phone", position=1, response=key_of(first))
    wait_for(
        lambda: Attempt.objects.get(pk=online.attempt.pk).status != Attempt.Status.IN_PROGRESS,
        timeout=60,
        what="the worker to submit the attempt at the close",
        process=celery_worker_process,
    )
    attempt = Attempt.objects.get(pk=online.attempt.pk)
    # One right answer saved (1 point) of three questions; submitted as of the close.
    assert (attempt.status, attempt.finished_at, attempt.score) == (Attempt.Status.EXPIRED, closes, 1)
