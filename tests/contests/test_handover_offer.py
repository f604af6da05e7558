"""The host state names the runners a hand-over may come from (`relay_runners`), as the server's
`not_a_runner` check counts them: the console offers the button only to them and to the holder of
the relay question in play."""

import pytest

from contests import presenters, services
from contests.models import Round
from contests.services import ContestRejected
from tests import factories


@pytest.fixture
def short_relay(tree):
    """Red: four runners (legs 1-4) but a relay round of two questions, so runners 3 and 4 never
    get the baton; blue: one runner. Started, no question shown yet."""
    bank = factories.bank(tree["audit"])
    host = factories.organiser(tree["audit"], username="host")
    contest = services.contest_create(title="短接力", unit=tree["audit"], by=host)
    red = [factories.member(tree["gz1"], username=f"red{n}", real_name=f"红{n}") for n in range(1, 5)]
    blue = factories.member(tree["jjj1"], username="blue1")
    team = services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=red)
    blue_team = services.team_add(contest=contest, name="蓝队", unit=tree["jjj"], legs=[blue])
    versions = [factories.question(bank, "true_false", key=[True]).current for _ in range(2)]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=versions, points=10, penalty=0)
    services.contest_start(contest=contest, by=host)
    contest.refresh_from_db()
    return {"contest": contest, "host": host, "team": team, "blue_team": blue_team, "red": red, "blue": blue}


def hand_over(relay, from_member, to_member):
    return services.legs_hand_over(
        contest=relay["contest"],
        team=relay["team"],
        from_member_id=from_member.pk,
        to_member_id=to_member.pk,
        by=relay["host"],
    )


def test_runners_whose_legs_fall_past_the_last_relay_question_are_not_offered_and_are_refused(short_relay):
    red1, red2, red3, red4 = short_relay["red"]
    team, blue_team = str(short_relay["team"].pk), str(short_relay["blue_team"].pk)
    state = presenters.host_state(short_relay["contest"])
    # Q1 and Q2 go to legs 1 and 2; legs 3 and 4 come after the last question.
    assert state["relay_runners"] == {team: [red1.pk, red2.pk], blue_team: [short_relay["blue"].pk]}
    for runner in (red3, red4):
        with pytest.raises(ContestRejected) as refused:
            hand_over(short_relay, runner, red1)
        assert refused.value.code == "not_a_runner"


def test_the_runners_follow_the_questions_shown_and_the_hand_overs(short_relay):
    red1, red2, red3, _red4 = short_relay["red"]
    team = str(short_relay["team"].pk)
    contest, host = short_relay["contest"], short_relay["host"]
    services.question_open(contest=contest, by=host)  # Q1, red1's leg, in play: only Q2 is still to show
    assert presenters.host_state(contest)["relay_runners"][team] == [red2.pk]
    hand_over(short_relay, red2, red3)  # Q2 is red3's now
    assert presenters.host_state(contest)["relay_runners"][team] == [red3.pk]
    services.question_reveal(contest=contest, by=host)
    services.question_open(contest=contest, by=host)  # Q2 shown: none left to show
    assert presenters.host_state(contest)["relay_runners"] == {}
