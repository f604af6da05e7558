"""A tester's walk through online preliminaries and relays: a window already over, settings
locked once members have taken part, keys after each relay leg, papers with different full
marks, a person on two teams of one relay, and the relay teams page once a leg has started.
Every expected value is worked out by hand in the comments."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from contests.online.models import OnlineContest
from tests.contests.test_online import setup  # noqa: F401  (the fixture)
from tests.contests.test_online_pages import contest_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def relay_setup():
    from tests.contests.test_relay import make_setup

    return make_setup()


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


# ---------------------------------------------------------------- 1. keys after each relay leg


def run_first_leg(relay, runner) -> Client:
    """The first runner starts the team's leg, answers nothing and submits (the page's POST)."""
    from lessons.models import Attempt

    team = relay.teams.get()
    client = signed_in(runner)
    client.post(f"/contests/relays/{relay.pk}/teams/{team.pk}/start/")
    attempt = Attempt.objects.get(member=runner)
    client.post(f"/contests/online/attempts/{attempt.pk}/submit/")
    return client, attempt


def test_a_new_relay_hides_the_keys_until_the_window_closes_by_default(relay_setup):
    from tests.contests.test_relay import make_relay, make_team

    builder = signed_in(relay_setup["by"]).get("/contests/relays/manage/new/")
    assert builder.context["form"].initial["results_shown"] == "after_close"
    relay = make_relay(relay_setup)  # the service's default as well
    assert relay.online.paper.review == "after_close"
    make_team(relay_setup, relay)
    client, attempt = run_first_leg(relay, relay_setup["runners"][0])
    # Leg 1's result page, and the submit POST replayed, show no key: the factory's single-choice
    # questions have the key "实现共产主义" (option A), which the page would name with the answer.
    for page in (
        client.get(f"/contests/online/attempts/{attempt.pk}/result/"),
        client.post(f"/contests/online/attempts/{attempt.pk}/submit/", follow=True),
    ):
        assert page.status_code == 200
        assert not any(item.get("key") for item in page.context["payload"]["items"])


def test_keys_after_each_leg_need_the_same_explicit_confirmation_as_online_contests(relay_setup):
    from contests.relay.models import RelayContest
    from tests.contests.test_relay_pages import relay_form

    client = signed_in(relay_setup["by"])
    form = relay_form(relay_setup, per_leg=2) | {"results_shown": "after_submit"}
    for language, said in [("zh-hans", "传给"), ("en", "pass them on")]:
        page = client.post("/contests/relays/manage/new/", form, HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200
        assert said in " ".join(page.context["form"].errors["results_shown"])
    assert not RelayContest.objects.exists()
    confirmed = client.post("/contests/relays/manage/new/", form | {"keys_after_each_confirmed": "on"})
    assert confirmed.status_code == 302
    relay = RelayContest.objects.get()
    assert relay.online.paper.review == "after_submit"
    # Its edit page comes back with the box ticked, so saving it again keeps what was chosen.
    edit = client.get(f"/contests/relays/manage/{relay.pk}/edit/")
    assert edit.context["form"].initial["keys_after_each_confirmed"] is True
    # Such a relay (as every relay was made before) still runs, and shows leg 1's keys after it.
    from tests.contests.test_relay import make_team

    make_team(relay_setup, relay)
    runner, attempt = run_first_leg(relay, relay_setup["runners"][0])
    page = runner.get(f"/contests/online/attempts/{attempt.pk}/result/")
    assert page.status_code == 200 and all(item.get("key") for item in page.context["payload"]["items"])


# ---------------------------------------------------------------- 6. the teams page once a leg has started


def test_the_teams_page_says_the_teams_are_fixed_once_a_leg_has_started_and_offers_no_forms(relay_setup):
    from tests.contests.test_relay import make_relay, make_team

    relay = make_relay(relay_setup)
    team = make_team(relay_setup, relay)
    organiser = signed_in(relay_setup["by"])
    url = f"/contests/relays/manage/{relay.pk}/teams/"
    before = organiser.get(url).content.decode()
    assert 'id="make-teams"' in before and 'id="teams-import"' in before and 'id="teams-locked"' not in before
    signed_in(relay_setup["runners"][0]).post(f"/contests/relays/{relay.pk}/teams/{team.pk}/start/")
    for language, said in [("zh-hans", "已有一棒开始"), ("en", "A leg has started: the teams can no longer change.")]:
        page = organiser.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert 'id="teams-locked"' in page and said in page
        assert 'id="make-teams"' not in page and 'id="teams-import"' not in page
        assert 'id="current-teams"' in page  # the teams made are still listed


# ---------------------------------------------------------------- 5. settings locked once members have started


def started_contest(setup):  # noqa: F811
    """A contest for both branches, keys after the close, that a member of the first has started."""
    from contests.online import services
    from tests import factories
    from tests.contests.test_online import make_contest

    contest = make_contest(setup, audience=[setup["branch"], setup["other"]])
    member = factories.member(setup["branch"], username="first_taker")
    services.online_attempt_start(contest=contest, member=member, device="phone-1")
    return contest


def update(contest, **changes):
    from contests.online import services

    paper = contest.paper
    fields = {
        "contest": contest,
        "by": None,
        "title": paper.title,
        "audience": list(contest.audience.all()),
        "opens_at": paper.opens_at,
        "closes_at": paper.closes_at,
        "party_members_only": contest.party_members_only,
        "results_shown": paper.review,
    }
    return services.online_contest_update(**(fields | changes))


def test_once_started_the_audience_may_widen_but_not_narrow(setup):  # noqa: F811
    from contests.online.services import ContestSetupRejected

    contest = started_contest(setup)
    with pytest.raises(ContestSetupRejected) as refused:
        update(contest, audience=[setup["branch"]])  # 南京特派办's branch dropped
    assert refused.value.code == "audience_narrowed" and "第一党支部" in refused.value.message
    assert contest.audience.count() == 2
    # The whole 审计署 instead of the two branches: both are still inside it, so it only widens.
    update(contest, audience=[setup["organ"]])
    assert list(contest.audience.all()) == [setup["organ"]]


def test_once_started_party_members_only_and_showing_keys_earlier_are_refused(setup):  # noqa: F811
    from contests.online.services import ContestSetupRejected

    contest = started_contest(setup)
    with pytest.raises(ContestSetupRejected) as refused:
        update(contest, party_members_only=True)
    assert refused.value.code == "party_only_fixed"
    with pytest.raises(ContestSetupRejected) as refused:
        update(contest, results_shown="after_submit")
    assert refused.value.code == "keys_earlier"
    contest.refresh_from_db()
    contest.paper.refresh_from_db()
    assert (contest.party_members_only, contest.paper.review) == (False, "after_close")


def test_the_edit_page_disables_the_locked_settings_and_ignores_a_tampered_post(setup):  # noqa: F811
    contest = started_contest(setup)
    client = signed_in(setup["by"])
    url = f"/contests/online/manage/{contest.pk}/edit/"
    for language, said in [("zh-hans", "只能增加"), ("en", "units may be added, not removed")]:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        fields = page.context["form"].fields
        assert fields["party_members_only"].disabled and fields["results_shown"].disabled
        assert not fields["audience"].disabled
        assert said in page.content.decode()
    form = contest_form(setup, audience=[setup["branch"].pk, setup["other"].pk], max_attempts="2")
    form |= {"party_members_only": "on", "results_shown": "after_submit", "keys_after_each_confirmed": "on"}
    paper = contest.paper
    # The close a minute later (the form sends whole minutes; an earlier close is refused once started).
    later = local(paper.closes_at + timedelta(minutes=1))
    form |= {"opens_at": local(paper.opens_at), "closes_at": later, "time_limit_min": "10"}
    saved = client.post(url, form)
    assert saved.status_code == 302, saved.context["form"].errors
    contest.refresh_from_db()
    contest.paper.refresh_from_db()
    assert (contest.party_members_only, contest.paper.review) == (False, "after_close")
    narrowed = client.post(url, form | {"audience": [setup["branch"].pk]}, HTTP_ACCEPT_LANGUAGE="en")
    assert narrowed.status_code == 200 and "units may be added, not removed" in narrowed.content.decode()


# ---------------------------------------------------------------- 3. one person on two teams


@pytest.fixture
def two_bureaus():
    """A hand-built tree: 审计署 > 甲局 > 甲局第一支部 (林一, 林二) and 审计署 > 乙局 > 乙局第一支部 (周一)."""
    from contests.relay.services import DrawRule
    from tests import factories
    from tests.contests.test_relay import NOW

    organ = factories.unit_at("审计署")
    jia = factories.unit_at("审计署/甲局", kind="office")
    jia_branch = factories.unit_at("审计署/甲局/甲局第一支部")
    yi = factories.unit_at("审计署/乙局", kind="office")
    yi_branch = factories.unit_at("审计署/乙局/乙局第一支部")
    bank = factories.bank(organ)
    for _ in range(4):
        factories.question(bank, "single")
    organiser = factories.organiser(organ)
    from contests.relay import services

    relay = services.relay_create(
        title="跨局接力赛",
        unit=organ,
        audience=[organ],
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(days=7),
        rules=[DrawRule(bank=bank, type="single", count=2)],
        by=organiser,
        leg_time_limit_s=600,
    )
    return {
        "relay": relay,
        "by": organiser,
        "jia": jia,
        "jia_branch": jia_branch,
        "yi": yi,
        "yi_branch": yi_branch,
        "lin1": factories.member(jia_branch, real_name="林一"),
        "lin2": factories.member(jia_branch, real_name="林二"),
        "zhou1": factories.member(yi_branch, real_name="周一"),
    }


def member_team(tree, roster):
    from contests.relay.services import TeamPlan

    return TeamPlan(name="混编队", unit=tree["yi"], roster=roster, captain=roster[0])


def unit_team(tree):
    from contests.relay.services import TeamPlan

    # 甲局 runs with its branch as its only leg: any active member of 甲局第一支部 may run it.
    return TeamPlan(name="甲局", unit=tree["jia"], roster=[tree["jia_branch"]], for_unit=True)


def test_a_member_team_with_a_member_of_a_unit_teams_unit_is_refused_naming_both(two_bureaus):
    from contests.relay import services
    from contests.relay.models import RelayTeam

    tree, relay = two_bureaus, two_bureaus["relay"]
    services.relay_teams_set(relay=relay, plans=[unit_team(tree)], by=tree["by"])
    with pytest.raises(services.ContestSetupRejected) as refused:
        services.relay_teams_set(relay=relay, plans=[member_team(tree, [tree["zhou1"], tree["lin1"]])], by=tree["by"])
    assert refused.value.code == "runner_on_two_teams"
    message = refused.value.message
    assert "林一" in message and "混编队" in message and "甲局第一支部" in message and "甲局" in message
    assert list(RelayTeam.objects.filter(relay=relay).values_list("name", flat=True)) == ["甲局"]


def test_a_unit_team_whose_unit_holds_a_member_of_a_member_team_is_refused_too(two_bureaus):
    from contests.relay import services

    tree, relay = two_bureaus, two_bureaus["relay"]
    services.relay_teams_set(relay=relay, plans=[member_team(tree, [tree["zhou1"], tree["lin2"]])], by=tree["by"])
    with pytest.raises(services.ContestSetupRejected) as refused:
        services.relay_teams_set(relay=relay, plans=[unit_team(tree)], by=tree["by"])
    assert refused.value.code == "runner_on_two_teams" and "林二" in refused.value.message
    # Both in one go: the second plan meets the first.
    relay.teams.all().delete()
    with pytest.raises(services.ContestSetupRejected):
        services.relay_teams_set(relay=relay, plans=[member_team(tree, [tree["lin1"]]), unit_team(tree)], by=tree["by"])
    # A member team of 乙局 only sits beside 甲局's unit team.
    services.relay_teams_set(relay=relay, plans=[member_team(tree, [tree["zhou1"]]), unit_team(tree)], by=tree["by"])
    assert relay.teams.count() == 2


def test_a_member_who_moved_into_another_teams_unit_cannot_run_its_leg_as_well(two_bureaus):
    from contests.relay import services
    from lessons.services.attempts import AttemptRejected
    from orgs.models import User

    tree, relay = two_bureaus, two_bureaus["relay"]
    services.relay_teams_set(relay=relay, plans=[member_team(tree, [tree["zhou1"]]), unit_team(tree)], by=tree["by"])
    # 周一 (on 混编队) is moved into 甲局第一支部 after the teams were made.
    User.objects.filter(pk=tree["zhou1"].pk).update(unit=tree["jia_branch"])
    zhou1 = User.objects.get(pk=tree["zhou1"].pk)
    jia_team = relay.teams.get(name="甲局")
    with pytest.raises(AttemptRejected) as refused:
        services.relay_leg_start(team=jia_team, member=zhou1, device="phone-1")
    assert refused.value.code == "runs_for_another_team" and "混编队" in refused.value.message
    # 林一, of 甲局第一支部 and no other team, runs it.
    leg = services.relay_leg_start(team=jia_team, member=tree["lin1"], device="phone-2")
    assert leg.holder == tree["lin1"]


# ---------------------------------------------------------------- 2. papers with different full marks


def with_multiples(setup):  # noqa: F811
    """The bank: 4 single choice and 3 true/false (1 point each), and 2 multiple choice (2 points)."""
    from tests import factories

    for _ in range(2):
        factories.question(setup["bank"], "multiple")
    return setup


def test_a_contest_rule_drawing_questions_of_different_points_is_refused_with_the_totals(setup):  # noqa: F811
    from django.utils import translation

    from contests.online.services import ContestSetupRejected, DrawRule
    from tests.contests.test_online import make_contest
    from tests.contests.test_relay import make_relay

    with_multiples(setup)
    any_three = [DrawRule(bank=setup["bank"], count=3)]
    # Three of any type: at lowest three 1-point questions (3), at highest both multiples and one
    # more (2 + 2 + 1 = 5).
    with translation.override("en"), pytest.raises(ContestSetupRejected) as refused:
        make_contest(setup, rules=any_three)
    assert refused.value.code == "mixed_points"
    assert "worth 1, 2 points" in refused.value.message and "add up to 3 to 5 points" in refused.value.message
    with pytest.raises(ContestSetupRejected) as refused:
        make_relay(setup, rules=any_three)
    assert refused.value.code == "mixed_points"
    assert not OnlineContest.objects.exists()
    # Single choice and true/false are both worth 1: any type of those is one total (3) for everyone.
    setup["bank"].questions.filter(current__type="multiple").update(status="retired")
    assert make_contest(setup, rules=any_three).paper.rules.count() == 1


def test_the_contest_builder_says_why_a_mixed_rule_is_refused_in_both_languages(setup):  # noqa: F811
    with_multiples(setup)
    client = signed_in(setup["by"])
    form = contest_form(setup, **{"rules-0-type": "", "rules-0-count": "3"})
    for language, said in [("zh-hans", "满分"), ("en", "the same full marks")]:
        page = client.post("/contests/online/manage/new/", form, HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200 and said in " ".join(page.context["form"].non_field_errors())
        assert 'id="same-total-note"' in page.content.decode()
    assert not OnlineContest.objects.exists()


def test_a_practice_paper_with_a_mixed_rule_is_saved_with_a_plain_warning(setup):  # noqa: F811
    from django.contrib.messages import get_messages
    from django.urls import reverse

    from lessons.models import Paper
    from tests.lessons.test_authoring import builder_post

    with_multiples(setup)
    client = signed_in(setup["by"])
    post = builder_post(setup["organ"], mode="practice", status="draft", rule_bank=[str(setup["bank"].pk)])
    post |= {"rule_type": [""], "rule_tag": [""], "rule_difficulty": [""], "rule_count": ["3"]}
    saved = client.post(reverse("lessons:paper_new"), post, HTTP_ACCEPT_LANGUAGE="en")
    assert saved.status_code == 302
    paper = Paper.objects.get(title="党章知识测试")
    # The builder's points: single 2, true/false 1, multiple 4. Three of any type: at lowest three
    # true/false (3), at highest both multiples and a single (4 + 4 + 2 = 10).
    warnings = [str(m) for m in get_messages(saved.wsgi_request) if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "papers drawn from this rule will have different totals" in warnings[0]
    assert "worth 1, 2, 4 points" in warnings[0] and "3 to 10 points" in warnings[0]
    preview = client.get(reverse("lessons:paper_preview", args=[paper.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'id="points-warnings"' in preview.content.decode() and "总分不同" in preview.content.decode()
