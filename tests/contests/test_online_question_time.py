"""An optional time per question in an online contest: a question's clock starts on the server
when it is first shown; a save after its deadline is refused and the answer stays as it was."""

from datetime import timedelta

import pytest
from django.test import Client

from contests.online import services
from contests.online.services import ContestSetupRejected
from lessons.models import Answer, AttemptItem
from lessons.services.attempts import AttemptRejected
from tests import factories
from tests.contests import test_online
from tests.contests.test_online import key_of, make_contest, setup, start  # noqa: F401  (setup: fixture)
from tests.contests.test_online_api import token_client
from tests.contests.test_online_final import wrong_of

pytestmark = pytest.mark.django_db


def test_a_save_after_the_questions_own_deadline_is_refused_and_the_earlier_answer_counts(setup):  # noqa: F811
    contest = make_contest(setup, question_time_s=20)
    online = start(contest, factories.member(setup["branch"]))
    item = services.online_item_open(online=online, device="phone-1", position=1, at=test_online.NOW)
    assert (item.opened_at, item.deadline_at) == (test_online.NOW, test_online.NOW + timedelta(seconds=20))
    again = services.online_item_open(
        online=online, device="phone-1", position=1, at=test_online.NOW + timedelta(seconds=10)
    )
    assert again.deadline_at == test_online.NOW + timedelta(seconds=20)  # showing it again does not restart its clock
    right = key_of(item)
    services.online_answer_save(
        online=online, device="phone-1", position=1, response=right, at=test_online.NOW + timedelta(seconds=19)
    )
    wrong = wrong_of(item)
    with pytest.raises(AttemptRejected) as refused:
        services.online_answer_save(
            online=online, device="phone-1", position=1, response=wrong, at=test_online.NOW + timedelta(seconds=21)
        )
    assert refused.value.code == "question_time_up"
    attempt = services.online_attempt_submit(
        online=online, device="phone-1", at=test_online.NOW + timedelta(seconds=60)
    )
    # The right answer saved at 19 s is graded (1 point); the two questions never answered score 0.
    assert Answer.objects.get(item__attempt=attempt, item__position=1).is_correct
    assert attempt.score == 1


def test_a_save_for_a_question_never_opened_starts_its_clock_then(setup):  # noqa: F811
    contest = make_contest(setup, question_time_s=20)
    online = start(contest, factories.member(setup["branch"]))
    at = test_online.NOW + timedelta(seconds=30)
    item = services.online_answer_save(online=online, device="phone-1", position=2, response=None, at=at)
    assert (item.opened_at, item.deadline_at) == (at, at + timedelta(seconds=20))


def test_a_questions_deadline_never_runs_past_the_attempts(setup):  # noqa: F811
    contest = make_contest(setup, question_time_s=20, time_limit_s=60)
    online = start(contest, factories.member(setup["branch"]))
    item = services.online_item_open(
        online=online, device="phone-1", position=3, at=test_online.NOW + timedelta(seconds=50)
    )
    assert item.deadline_at == test_online.NOW + timedelta(seconds=60) == online.attempt.deadline_at


def test_without_a_time_per_question_opening_changes_nothing_and_saves_stay_open(setup):  # noqa: F811
    contest = make_contest(setup)
    online = start(contest, factories.member(setup["branch"]))
    item = services.online_item_open(online=online, device="phone-1", position=1, at=test_online.NOW)
    assert (item.opened_at, item.deadline_at) == (None, None)
    services.online_answer_save(
        online=online, device="phone-1", position=1, response=None, at=test_online.NOW + timedelta(minutes=5)
    )


def test_only_the_device_holding_the_attempt_opens_a_question(setup):  # noqa: F811
    contest = make_contest(setup, question_time_s=20)
    online = start(contest, factories.member(setup["branch"]))
    with pytest.raises(AttemptRejected) as refused:
        services.online_item_open(online=online, device="other", position=1, at=test_online.NOW)
    assert refused.value.code == "taken_over"


def test_the_time_per_question_is_fixed_once_members_have_started(setup):  # noqa: F811
    contest = make_contest(setup, question_time_s=20)
    start(contest, factories.member(setup["branch"]))
    paper = contest.paper
    with pytest.raises(ContestSetupRejected) as refused:
        services.online_contest_update(
            contest=contest,
            by=setup["by"],
            title=paper.title,
            audience=list(contest.audience.all()),
            opens_at=paper.opens_at,
            closes_at=paper.closes_at,
            party_members_only=False,
            question_time_s=30,
        )
    assert refused.value.code == "paper_fixed"


def test_the_page_opens_a_question_and_the_builder_sets_the_time(setup):  # noqa: F811
    contest = make_contest(setup, question_time_s=25)
    member = factories.member(setup["branch"])
    client = Client()
    client.force_login(member)
    client.post(f"/contests/online/{contest.pk}/start/")
    attempt = member.attempts.get()
    page = client.get(f"/contests/online/attempts/{attempt.pk}/")
    assert 'id="question-time-note"' in page.text and 'data-question-time="25"' in page.text
    opened = client.post(f"/contests/online/attempts/{attempt.pk}/items/1/open/").json()
    assert opened["deadline_at"] is not None and opened["position"] == 1
    organiser = Client()
    organiser.force_login(setup["by"])
    form = organiser.get(f"/contests/online/manage/{contest.pk}/edit/")
    assert form.context["form"].initial["question_time_s"] == 25


def test_a_phone_client_opens_a_question_over_the_api_and_a_late_save_is_refused(setup):  # noqa: F811
    contest = make_contest(setup, question_time_s=20)
    member = factories.member(setup["branch"])
    api = token_client(member)
    assert api.get(f"/api/v1/online/{contest.pk}/").json()["question_time_s"] == 20
    attempt_id = api.post(f"/api/v1/online/{contest.pk}/attempts/", {"device": "app"}, format="json").json()["id"]
    opened = api.post(f"/api/v1/online/attempts/{attempt_id}/items/1/open/", {"device": "app"}, format="json")
    assert opened.status_code == 200 and opened.json()["position"] == 1
    item = AttemptItem.objects.get(attempt_id=attempt_id, position=1)
    # Move the question's deadline into the past, as if 20 seconds had gone by.
    AttemptItem.objects.filter(pk=item.pk).update(deadline_at=item.opened_at - timedelta(seconds=1))
    late = api.put(f"/api/v1/online/attempts/{attempt_id}/items/1/", {"device": "app", "response": "A"}, format="json")
    assert (late.status_code, late.json()["error"]["code"]) == (409, "question_time_up")
