"""A tester's walk through online preliminaries and relays: a window already over, settings
locked once members have taken part, keys after each relay leg, papers with different full
marks, a person on two teams of one relay, and the relay teams page once a leg has started.
Every expected value is worked out by hand in the comments."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from contests.online.models import OnlineContest
from tests.contests.test_online_pages import contest_form
from tests.contests.test_online import setup  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def local(moment) -> str:
    """A moment as the builder's datetime-local field sends it: local time (TIME_ZONE), to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# ---------------------------------------------------------------- 4. a window already over


def test_a_new_contest_whose_window_is_already_over_is_refused_beside_the_close(setup):  # noqa: F811
    client = signed_in(setup["by"])
    now = timezone.now()
    # Opened three days ago, closed yesterday: nobody could ever take part.
    past = {"opens_at": local(now - timedelta(days=3)), "closes_at": local(now - timedelta(days=1))}
    for language, said in [("zh-hans", "该时间已过"), ("en", "This time has already passed")]:
        page = client.post("/contests/online/manage/new/", contest_form(setup, **past), HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200
        assert said in " ".join(page.context["form"].errors["closes_at"])
    assert not OnlineContest.objects.exists()
    # Same opening, closing tomorrow: saved.
    ok = client.post("/contests/online/manage/new/", contest_form(setup, closes_at=local(now + timedelta(days=1))))
    assert ok.status_code == 302 and OnlineContest.objects.count() == 1


def test_a_relay_whose_window_is_already_over_is_refused_too(setup):  # noqa: F811
    from contests.relay.models import RelayContest
    from tests.contests.test_relay_pages import relay_form

    now = timezone.now()
    form = relay_form(setup, per_leg=2) | {
        "opens_at": local(now - timedelta(days=2)),
        "closes_at": local(now - timedelta(hours=1)),
        "results_shown": "after_close",
    }
    page = signed_in(setup["by"]).post("/contests/relays/manage/new/", form)
    assert page.status_code == 200 and "closes_at" in page.context["form"].errors
    assert not RelayContest.objects.exists()


def test_editing_a_contest_nobody_started_may_not_move_its_close_into_the_past(setup):  # noqa: F811
    from tests.contests.test_online import make_contest

    now = timezone.now()
    contest = make_contest(setup, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=3))
    client = signed_in(setup["by"])
    url = f"/contests/online/manage/{contest.pk}/edit/"
    moved = contest_form(setup, opens_at=local(now - timedelta(days=2)), closes_at=local(now - timedelta(minutes=5)))
    page = client.post(url, moved)
    assert page.status_code == 200 and "closes_at" in page.context["form"].errors
    contest.paper.refresh_from_db()
    assert contest.paper.closes_at > now
