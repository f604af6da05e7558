"""An online contest's and a relay leg's attempt pages as a member reads them: an attempt's score
out of its maximum, and a relay leg named as a leg, leading back to its relay."""

import pytest
from django.test import Client

from lessons.models import Attempt
from tests import factories
from tests.contests.test_online import key_of, make_contest
from tests.contests.test_online_pages import save
from tests.contests.test_relay import make_relay, make_team, setup  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def online_setup():
    """As tests/contests/test_online_pages.py's: a bank of 3 single-choice questions and 1
    true-or-false, in an organ with one branch."""
    organ = factories.unit_at("审计署")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    bank = factories.bank(organ)
    for _ in range(3):
        factories.question(bank, "single")
    factories.question(bank, "true_false")
    return {"organ": organ, "branch": branch, "bank": bank, "by": factories.organiser(organ)}


def signed_in(member, language: str) -> Client:
    client = Client()
    client.force_login(member)
    client.cookies["django_language"] = language
    return client


def test_an_attempt_row_shows_its_score_out_of_the_maximum(online_setup):
    """make_contest draws 3 questions of 1 mark each (2 single, 1 true-or-false); the first
    answered right and the rest left blank: 1 of 3. The row read "1 [View]"."""
    contest = make_contest(online_setup, results_shown="after_submit")
    member = factories.member(online_setup["branch"])
    client = signed_in(member, "en")
    client.post(f"/contests/online/{contest.pk}/start/")
    attempt = Attempt.objects.get(member=member)
    save(client, attempt.pk, 1, key_of(attempt.items.get(position=1)))
    client.post(f"/contests/online/attempts/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    page = client.get(f"/contests/online/{contest.pk}/").content.decode()
    row = page.split('id="attempt-list"')[1].split("</li>")[0]
    assert (attempt.score, attempt.max_score) == (1, 3)
    assert '<strong class="attempt-score">1 / 3</strong>' in row, row


@pytest.mark.parametrize(
    ("language", "leg_words", "back", "attempt_words"),
    [("zh-hans", "第 1 棒", "返回接力赛", "第 1 次作答"), ("en", "leg 1", "Back to the relay", "Attempt 1")],
)
def test_a_relay_legs_ended_and_result_pages_name_the_leg_and_lead_back_to_the_relay(
    setup,  # noqa: F811
    language,
    leg_words,
    back,
    attempt_words,
):
    relay = make_relay(setup)
    team = make_team(setup, relay)
    first = setup["runners"][0]
    client = signed_in(first, language)
    client.post(f"/contests/relays/{relay.pk}/teams/{team.pk}/start/")
    attempt = Attempt.objects.get(member=first)
    client.post(f"/contests/online/attempts/{attempt.pk}/submit/")
    for path in (f"/contests/online/attempts/{attempt.pk}/", f"/contests/online/attempts/{attempt.pk}/result/"):
        page = client.get(path).content.decode()
        assert leg_words in page and attempt_words not in page, path
        link = page.split('id="back-link"')[0].rsplit("<a ", 1)[1]
        assert f'href="/contests/relays/{relay.pk}/"' in link and back in page, path
