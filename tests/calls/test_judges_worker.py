"""A real Celery worker (PostgreSQL + Redis) sends the judges' reminders the organiser asks for and
runs the similarity check: nothing runs in the web process."""

import pytest
from django.urls import reverse

from calls import services
from calls.models import Assignment, JudgeReminder, SimilarityPair
from notifications.models import Notification
from tests import factories
from tests.conftest import services_configured
from tests.processes import wait_for

from .test_review_judging import finalists, scores
from .test_similarity import BASE, EDITED, essay

pytestmark = [
    pytest.mark.skipif(not services_configured(), reason="a worker needs Redis and PostgreSQL (CI sets them)"),
    pytest.mark.django_db(transaction=True),
]


def test_the_worker_reminds_judges_with_unscored_assignments(client, essay_call, tree, panel, celery_worker_process):
    owner = factories.organiser(tree["audit"])
    finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="w")
    scored = Assignment.objects.order_by("judge_id").first()
    services.score_record(assignment=scored, by=scored.judge, values=scores(essay_call, 80, 80))
    waiting = set(Assignment.objects.exclude(pk=scored.pk).values_list("judge_id", flat=True))
    client.force_login(owner)
    client.post(reverse("calls:judges_remind", args=[essay_call.pk]))
    wait_for(
        lambda: JudgeReminder.objects.filter(call=essay_call).exists(),
        timeout=60,
        what="the worker to send the reminders",
        process=celery_worker_process,
    )
    reminded = set(Notification.objects.filter(kind="judging_reminder").values_list("recipient_id", flat=True))
    assert reminded == waiting and len(waiting) == 2  # three judges hold the entry, one has scored


def test_the_worker_runs_the_similarity_check(client, essay_call, tree, celery_worker_process):
    owner = factories.organiser(tree["audit"])
    first = essay(essay_call, factories.member(tree["gz1"]), [BASE], "甲")
    second = essay(essay_call, factories.member(tree["gz2"]), [EDITED], "乙")
    client.force_login(owner)
    client.post(reverse("calls:similarity_run", args=[essay_call.pk]))
    wait_for(
        lambda: SimilarityPair.objects.filter(call=essay_call).exists(),
        timeout=60,
        what="the worker to check the essays",
        process=celery_worker_process,
    )
    pair = SimilarityPair.objects.get()
    assert (pair.entry_id, pair.other_id, str(pair.jaccard)) == (first.pk, second.pk, "0.7561")
