"""An online contest's paper (or a relay's) changes only in the contest's own settings: the papers
list marks it as the contest's and links there, and the paper builder, its save service and the
paper's close action refuse it, so attempts allowed or the window cannot change behind the contest."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contests.online import services
from contests.online.services import DrawRule
from contests.relay import services as relay_services
from lessons.models import Attempt, Paper
from lessons.services import papers as paper_services
from lessons.services.attempts import AttemptRejected
from lessons.services.removal import RemovalRefused, paper_close
from tests import factories
from tests.lessons.test_authoring import builder_post

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)  # set again as each test starts (tests/conftest.py)


@pytest.fixture
def setup(client):
    organ = factories.unit_at("审计署")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    bank = factories.bank(organ)
    tfs = [factories.question(bank, "true_false") for _ in range(3)]
    organiser = factories.organiser(organ)
    client.force_login(organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return {"organ": organ, "branch": branch, "bank": bank, "tfs": tfs, "by": organiser}


def make_contest(setup):
    """The tester's contest: once only, three true/false questions drawn at random."""
    return services.online_contest_create(
        title="党史知识网上答题",
        unit=setup["organ"],
        audience=[setup["branch"]],
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(days=7),
        rules=[DrawRule(bank=setup["bank"], type="true_false", count=3)],
        by=setup["by"],
        max_attempts=1,
        time_limit_s=600,
    )


def sat_once(contest, member):
    online = services.online_attempt_start(contest=contest, member=member, device="phone-1", at=NOW)
    return services.online_attempt_submit(online=online, device="phone-1", at=NOW + timedelta(minutes=1))


def unlimited_post(setup, paper) -> dict:
    """What the tester saved in the paper builder: the contest's paper, attempts 0 (unlimited)."""
    return builder_post(
        setup["organ"],
        title=paper.title,
        max_attempts="0",
        rule_bank=[str(setup["bank"].pk)],
        rule_type=["true_false"],
        rule_tag=[""],
        rule_difficulty=[""],
        rule_count=["3"],
    )


def test_the_paper_builder_sends_a_contests_paper_to_the_contests_settings_and_changes_nothing(setup, client):
    contest = make_contest(setup)
    member = factories.member(setup["branch"])
    assert sat_once(contest, member).status == Attempt.Status.SUBMITTED
    edit = reverse("lessons:paper_edit", args=[contest.paper.pk])
    contest_settings = reverse("contests:online_edit", args=[contest.pk])

    page = client.get(edit)
    assert page.status_code == 302 and page.url == contest_settings
    saved = client.post(edit, unlimited_post(setup, contest.paper), follow=True)
    assert saved.redirect_chain == [(contest_settings, 302)]
    assert "“党史知识网上答题” belongs to a contest (Online contest)" in saved.content.decode()

    contest.paper.refresh_from_db()
    assert contest.paper.max_attempts == 1
    with pytest.raises(AttemptRejected):
        services.online_attempt_start(contest=contest, member=member, device="phone-1", at=NOW + timedelta(minutes=2))

    # The same post saves an ordinary paper as before.
    paper = Paper.objects.create(title="党章知识测试", unit=setup["organ"], mode=Paper.Mode.EXAM, max_attempts=1)
    response = client.post(reverse("lessons:paper_edit", args=[paper.pk]), unlimited_post(setup, paper))
    assert response.status_code == 302 and response.url == reverse("lessons:paper_edit", args=[paper.pk])
    paper.refresh_from_db()
    assert paper.max_attempts == 0


def test_a_relays_paper_is_sent_to_the_relays_settings(setup, client):
    relay = relay_services.relay_create(
        title="党史知识接力赛",
        unit=setup["organ"],
        audience=[setup["organ"]],
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(days=7),
        rules=[DrawRule(bank=setup["bank"], type="true_false", count=1)],
        by=setup["by"],
        leg_time_limit_s=600,
    )
    page = client.get(reverse("lessons:paper_edit", args=[relay.paper.pk]))
    assert page.status_code == 302 and page.url == reverse("contests:relay_edit", args=[relay.pk])


def test_the_papers_list_marks_a_contests_paper_and_links_to_the_contest(setup, client):
    contest = make_contest(setup)
    ordinary = Paper.objects.create(title="党章知识测试", unit=setup["organ"], mode=Paper.Mode.EXAM)
    page = client.get(reverse("lessons:paper_list")).content.decode()
    contest_row = next(row for row in page.split("<tr") if "党史知识网上答题" in row)
    ordinary_row = next(row for row in page.split("<tr") if "党章知识测试" in row)

    assert f'href="/contests/online/manage/{contest.pk}/"' in contest_row
    assert f'href="/contests/online/manage/{contest.pk}/edit/"' in contest_row
    assert "Online contest" in contest_row
    assert f"/papers/{contest.paper.pk}/edit/" not in contest_row
    assert f'href="/papers/{ordinary.pk}/edit/"' in ordinary_row
    assert "Online contest" not in ordinary_row


def test_the_save_and_close_services_refuse_a_contests_paper(setup):
    contest = make_contest(setup)
    paper = Paper.objects.get(pk=contest.paper.pk)
    closes_at = paper.closes_at
    paper.max_attempts = 0
    with pytest.raises(paper_services.PaperInvalid):
        paper_services.paper_save(paper=paper, picked=[], rules=[DrawRule(bank=setup["bank"], count=3)])
    with pytest.raises(RemovalRefused):
        paper_close(paper=paper)
    paper.refresh_from_db()
    assert (paper.max_attempts, paper.closes_at) == (1, closes_at)


def test_closing_a_contests_paper_from_its_delete_page_leaves_the_window_alone(setup, client):
    contest = make_contest(setup)
    sat_once(contest, factories.member(setup["branch"]))
    closes_at = contest.paper.closes_at
    page = client.post(reverse("lessons:paper_delete", args=[contest.paper.pk]), {"action": "close"})
    assert page.status_code == 200
    assert "delete the contest instead" in page.content.decode()
    contest.paper.refresh_from_db()
    assert contest.paper.closes_at == closes_at
