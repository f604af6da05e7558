"""A real Celery worker closes a relay leg at its limit with no browser and no further request:
the leg is graded from its autosaved answers as of the deadline, and the baton passes to the
next runner, who is notified."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contests.online import services as online_services
from contests.relay import services
from contests.relay.models import RelayLeg, RelayTeam
from notifications.models import Notification
from tests.conftest import services_configured
from tests.contests.test_online import key_of
from tests.contests.test_relay import make_relay, make_team, setup  # noqa: F401  (the fixture)
from tests.processes import wait_for


@pytest.mark.skipif(not services_configured(), reason="a worker needs Redis and PostgreSQL (CI sets them)")
@pytest.mark.django_db(transaction=True)
def test_the_worker_closes_a_leg_at_its_limit_and_passes_the_baton(setup, celery_worker_process):  # noqa: F811
    now = timezone.now()
    relay = make_relay(setup, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), leg_time_limit_s=6)
    team = make_team(setup, relay)
    first, second, _third = setup["runners"]
    leg = services.relay_leg_start(team=team, member=first, device="phone")
    item = leg.online_attempt.attempt.items.get(position=1)
    online_services.online_answer_save(online=leg.online_attempt, device="phone", position=1, response=key_of(item))
    wait_for(
        lambda: RelayLeg.objects.get(pk=leg.pk).status != RelayLeg.Status.RUNNING,
        timeout=60,
        what="the worker to close the leg at its limit",
        process=celery_worker_process,
    )
    leg.refresh_from_db()
    # One right answer saved (1 point) of two; closed as of the 6 s limit.
    assert (leg.status, leg.score, leg.right, leg.time_used_s) == ("finished", 1, 1, 6)
    assert leg.finished_at == leg.deadline_at
    baton = RelayTeam.objects.get(pk=team.pk).baton
    assert (baton.position, baton.holder) == (2, second)
    assert Notification.objects.filter(recipient=second, kind="relay_baton").count() == 1
