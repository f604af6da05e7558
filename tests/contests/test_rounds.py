"""Each round type's rules (contests/rounds): the registry, each kind's methods, and the paths
through the services that reach the ones no other test does."""

from types import SimpleNamespace

import pytest
from django.utils import translation

from contests import services
from contests.models import Round
from contests.presenters import public_state
from contests.rounds import KINDS, ROUND_SETTINGS, round_kind
from contests.services import ContestRejected
from contests.wizard import services as wizard_services
from contests.wizard.forms import RoundForm
from contests.wizard.round_templates import TEMPLATES
from tests import factories
from tests.contests.hall_once import hall_built_once, tree_of_the_hall  # noqa: F401 (fixtures)


def test_the_registry_has_the_rules_of_every_round_type():
    assert sorted(KINDS) == sorted(Round.Type.values)
    for type_, kind in KINDS.items():
        assert round_kind(type_) is kind and kind.type == type_
        assert set(kind.settings) <= set(ROUND_SETTINGS) and "time_limit_s" in kind.settings


class _Roster:
    def __init__(self, holders: dict[int, int]) -> None:
        self.holders = holders

    def baton_holder(self, team_id: int, question) -> int | None:
        return self.holders.get(team_id)


def _batch(*, question_team=None, buzz_winner=None, stakes=None, holders=None):
    opening = SimpleNamespace(question=SimpleNamespace(position=2, team_id=question_team), buzz_winner_id=buzz_winner)
    return SimpleNamespace(opening=opening, roster=_Roster(holders or {}), stakes=stakes or {})


def _refusal(kind_type: str, batch, member_id: int, team_id: int) -> str | None:
    try:
        round_kind(kind_type).check_answerer(batch, member_id, team_id)
    except ContestRejected as refused:
        return refused.code
    return None


def test_relay_takes_an_answer_only_from_the_teams_baton_holder():
    batch = _batch(holders={1: 12, 2: 21})
    assert _refusal("relay", batch, member_id=12, team_id=1) is None
    assert _refusal("relay", batch, member_id=11, team_id=1) == "leg_not_yours"
    assert _refusal("relay", batch, member_id=12, team_id=3) == "leg_not_yours"  # a team with no legs


def test_compulsory_takes_a_dealt_question_only_from_its_team_and_an_undealt_one_from_any():
    assert _refusal("compulsory", _batch(question_team=5), member_id=1, team_id=5) is None
    assert _refusal("compulsory", _batch(question_team=5), member_id=1, team_id=6) == "not_your_question"
    assert _refusal("compulsory", _batch(), member_id=1, team_id=6) is None


def test_buzzer_takes_an_answer_only_from_the_team_that_won_the_buzz():
    assert _refusal("buzzer", _batch(buzz_winner=5), member_id=1, team_id=5) is None
    assert _refusal("buzzer", _batch(buzz_winner=5), member_id=1, team_id=6) == "no_buzz_right"
    assert _refusal("buzzer", _batch(), member_id=1, team_id=5) == "no_buzz_right"


def test_risk_takes_an_answer_only_from_a_team_that_staked_more_than_nothing():
    batch = _batch(stakes={5: 20, 6: 0})
    assert _refusal("risk", batch, member_id=1, team_id=5) is None
    assert _refusal("risk", batch, member_id=1, team_id=6) == "no_stake"
    assert _refusal("risk", batch, member_id=1, team_id=7) == "no_stake"


def test_tiebreak_takes_an_answer_from_any_member_of_any_team():
    assert _refusal("tiebreak", _batch(question_team=5, stakes={5: 0}), member_id=1, team_id=6) is None


def test_points_for_an_answer_are_the_rounds_points_and_penalty_except_in_risk_rounds_the_stake():
    round_ = SimpleNamespace(points=10, penalty=4)
    for type_ in ("relay", "compulsory", "buzzer", "tiebreak"):
        kind = round_kind(type_)
        assert kind.answer_points(round_, True, None) == (10, "right")
        assert kind.answer_points(round_, False, None) == (-4, "wrong")
        assert kind.unanswered_points(stakes={}, answered=set()) == {}
    risk = round_kind("risk")
    assert risk.answer_points(round_, True, 20) == (20, "right")
    assert risk.answer_points(round_, False, 30) == (-30, "wrong")
    # Team 7 staked 30 and did not answer: it loses 30; team 6 abstained, team 5 answered.
    assert risk.unanswered_points(stakes={5: 20, 6: 0, 7: 30}, answered={5}) == {7: -30}


def test_only_buzzer_and_risk_questions_are_shown_before_they_open():
    shown = {type_: kind.shown_phase for type_, kind in KINDS.items() if kind.two_step}
    assert shown == {"buzzer": "reading", "risk": "picking"}


def test_risk_settings_need_stake_values_above_nothing():
    for tiers in [(), (0, 10), (10, -5)]:
        with pytest.raises(ContestRejected) as refused:
            wizard_services.check_round_settings(wizard_services.RoundSettings(type="risk", risk_tiers=tiers))
        assert refused.value.code == "risk_tiers"
    wizard_services.check_round_settings(wizard_services.RoundSettings(type="risk", risk_tiers=(5,)))
    wizard_services.check_round_settings(wizard_services.RoundSettings(type="buzzer"))  # no stakes needed


def test_the_round_form_asks_for_each_types_own_settings(tree, gz_organiser):
    asked = {
        type_: [name for name in ROUND_SETTINGS if name in RoundForm(user=gz_organiser, template=template).fields]
        for type_, template in TEMPLATES.items()
    }
    assert asked == {
        "relay": ["points", "penalty", "time_limit_s"],
        "compulsory": ["points", "penalty", "time_limit_s", "teams_in_turn"],
        "buzzer": ["points", "penalty", "early_buzz_penalty", "time_limit_s"],
        "risk": ["time_limit_s", "risk_tiers"],
        "tiebreak": ["points", "penalty", "time_limit_s"],
    }


def _start(hall, **round_settings):
    """Start the contest with one round of one question (more rounds may be added later)."""
    services.round_add(contest=hall.contest, versions=[hall.versions.pop()], **round_settings)
    services.contest_start(contest=hall.contest, by=hall.host)
    hall.contest.refresh_from_db()


def test_a_round_without_a_penalty_or_stakes_gets_its_types_defaults(hall):
    made = {
        type_: services.round_add(contest=hall.contest, type=type_, versions=hall.versions[:1], points=15)
        for type_ in Round.Type.values
    }
    assert {type_: (r.penalty, r.risk_tiers) for type_, r in made.items()} == {
        "relay": (0, []),
        "compulsory": (0, []),
        "buzzer": (15, []),
        "risk": (15, [10, 20, 30]),
        "tiebreak": (15, []),
    }


def test_only_a_buzzer_question_takes_a_buzz_and_only_a_risk_question_a_stake(hall):
    _start(hall, type=Round.Type.BUZZER)
    services.question_open(contest=hall.contest, by=hall.host)
    with pytest.raises(ContestRejected) as refused:
        services.risk_pick(contest=hall.contest, member=hall.red[0], value=10)
    assert refused.value.code == "not_a_risk_round"
    services.question_open(contest=hall.contest, by=hall.host)
    services.question_skip(contest=hall.contest, by=hall.host)
    services.round_add(contest=hall.contest, type=Round.Type.RISK, versions=[hall.versions.pop()])
    services.question_open(contest=hall.contest, by=hall.host)  # picking
    with pytest.raises(ContestRejected) as refused:
        services.buzz(contest=hall.contest, member=hall.red[0])
    assert refused.value.code == "not_a_buzzer_round"


def test_a_risk_question_shows_who_picked_while_picking_and_the_stakes_once_open(hall):
    _start(hall, type=Round.Type.RISK, risk_tiers=[10, 20])
    services.question_open(contest=hall.contest, by=hall.host)
    services.risk_pick(contest=hall.contest, member=hall.red[0], value=20)
    question = public_state(hall.contest)["question"]
    assert question["phase"] == "picking" and question["picked"] == [hall.team_red.pk] and "stakes" not in question
    services.risk_pick(contest=hall.contest, member=hall.blue[0], value=0)
    services.question_open(contest=hall.contest, by=hall.host)
    question = public_state(hall.contest)["question"]
    assert question["phase"] == "open"
    assert question["stakes"] == {str(hall.team_red.pk): 20, str(hall.team_blue.pk): 0}


def test_a_risk_question_closes_once_every_team_that_staked_has_answered(hall):
    _start(hall, type=Round.Type.RISK)
    services.question_open(contest=hall.contest, by=hall.host)
    services.risk_pick(contest=hall.contest, member=hall.red[0], value=10)
    services.risk_pick(contest=hall.contest, member=hall.blue[0], value=0)  # abstains
    opening = services.question_open(contest=hall.contest, by=hall.host)
    services.answer_submit(contest=hall.contest, member=hall.red[1], response="对", client_answer_id="r")
    opening.refresh_from_db()
    assert opening.closed_at is not None


def test_a_dealt_compulsory_question_closes_once_its_team_has_answered_an_undealt_one_once_all_have(hall):
    _start(hall, type=Round.Type.COMPULSORY, teams_in_turn=True)
    dealt = services.question_open(contest=hall.contest, by=hall.host)
    services.answer_submit(contest=hall.contest, member=hall.red[0], response="对", client_answer_id="r1")
    dealt.refresh_from_db()
    assert dealt.closed_at is not None
    services.question_reveal(contest=hall.contest, by=hall.host)
    services.round_add(contest=hall.contest, type=Round.Type.COMPULSORY, versions=[hall.versions.pop()])
    undealt = services.question_open(contest=hall.contest, by=hall.host)
    services.answer_submit(contest=hall.contest, member=hall.red[0], response="对", client_answer_id="r2")
    undealt.refresh_from_db()
    assert undealt.closed_at is None
    services.answer_submit(contest=hall.contest, member=hall.blue[0], response="对", client_answer_id="b2")
    undealt.refresh_from_db()
    assert undealt.closed_at is not None


def test_the_review_warns_when_a_round_deals_the_teams_unequal_numbers_of_questions(hall):
    services.round_add(contest=hall.contest, type=Round.Type.COMPULSORY, versions=hall.versions[:3], teams_in_turn=True)
    services.round_add(contest=hall.contest, type=Round.Type.BUZZER, versions=hall.versions[3:6])
    with translation.override("en"):
        problems = [str(problem) for problem in wizard_services.contest_problems(hall.contest)]
    assert problems == ["Round 1 gives the teams unequal numbers of questions: use a multiple of 2."]


@pytest.mark.parametrize("two_step", [Round.Type.BUZZER, Round.Type.RISK])
def test_skipping_a_question_while_it_is_only_shown_moves_on_to_the_next(hall, two_step):
    services.round_add(contest=hall.contest, type=two_step, versions=[hall.versions.pop(), hall.versions.pop()])
    services.contest_start(contest=hall.contest, by=hall.host)
    hall.contest.refresh_from_db()
    first = services.question_open(contest=hall.contest, by=hall.host)  # shown: reading or picking
    services.question_skip(contest=hall.contest, by=hall.host)

    following = services.question_open(contest=hall.contest, by=hall.host)

    first.refresh_from_db()
    assert first.skipped and first.opened_at is None  # never opened for answers
    assert following.pk != first.pk and following.question.position == 2
    assert following.opened_at is None  # the next question is shown first, like any two-step one


def test_the_frame_says_which_teams_may_answer_and_who_in_them_so_phones_need_no_rule_per_type(hall):
    _start(hall, type=Round.Type.RELAY)
    services.question_open(contest=hall.contest, by=hall.host)
    question = public_state(hall.contest)["question"]
    assert question["answer_teams"] is None
    assert (question["round"]["answered_by"], question["round"]["left_out_note"]) == ("baton", "")
    services.question_skip(contest=hall.contest, by=hall.host)

    services.round_add(contest=hall.contest, type=Round.Type.BUZZER, versions=[hall.versions.pop()])
    services.question_open(contest=hall.contest, by=hall.host)  # reading
    services.question_open(contest=hall.contest, by=hall.host)  # open
    question = public_state(hall.contest)["question"]
    assert question["answer_teams"] == [] and question["round"]["takes_buzzes"]
    services.buzz(contest=hall.contest, member=hall.blue[0])
    assert public_state(hall.contest)["question"]["answer_teams"] == [hall.team_blue.pk]
    services.question_skip(contest=hall.contest, by=hall.host)

    services.round_add(contest=hall.contest, type=Round.Type.RISK, versions=[hall.versions.pop()])
    services.question_open(contest=hall.contest, by=hall.host)  # picking
    question = public_state(hall.contest)["question"]
    assert question["answer_teams"] == [] and question["round"]["left_out_note"] == "nostake"
    assert (question["round"]["answered_by"], question["round"]["takes_buzzes"]) == ("team", False)
    services.risk_pick(contest=hall.contest, member=hall.red[0], value=10)
    services.risk_pick(contest=hall.contest, member=hall.blue[0], value=0)  # abstains
    services.question_open(contest=hall.contest, by=hall.host)
    assert public_state(hall.contest)["question"]["answer_teams"] == [hall.team_red.pk]


def test_a_dealt_compulsory_question_is_for_its_team_alone_in_the_frame(hall):
    _start(hall, type=Round.Type.COMPULSORY, teams_in_turn=True)
    dealt = services.question_open(contest=hall.contest, by=hall.host)
    question = public_state(hall.contest)["question"]
    assert question["answer_teams"] == [dealt.question.team_id]
    assert question["round"]["left_out_note"] == "notyours"


def test_the_set_up_pages_show_each_rounds_scoring_by_its_types_rules(client, hall):
    services.round_add(contest=hall.contest, type=Round.Type.BUZZER, versions=hall.versions[:1], points=20, penalty=10)
    services.round_add(contest=hall.contest, type=Round.Type.RISK, versions=hall.versions[1:2], risk_tiers=[10, 20])
    services.round_add(contest=hall.contest, type=Round.Type.RELAY, versions=hall.versions[2:3], points=10)
    client.force_login(hall.host)
    for page in ("rounds", "review"):
        text = client.get(f"/contests/{hall.contest.join_code}/setup/{page}/", HTTP_ACCEPT_LANGUAGE="en").text
        assert "+20 / −10 · early −5" in text and "stakes 10 / 20" in text, page


def test_a_player_missing_from_the_roster_a_process_kept_is_read_again_not_refused(hall):
    """Rosters are kept per process, by contest id and start time. One kept from another contest
    under the same key (a test database's ids repeat after a flush that resets its sequences)
    refused a player as 'not on a team' (seen once in CI); the roster is read again first."""
    from contests.services import playing

    _start(hall, type=Round.Type.COMPULSORY)
    stale = playing._Roster(hall.contest.pk)
    stale.teams, stale.legs = {}, {}
    playing._ROSTERS[(hall.contest.pk, hall.contest.started_at, hall.contest.baton_version)] = stale
    services.question_open(contest=hall.contest, by=hall.host)
    answer = services.answer_submit(contest=hall.contest, member=hall.red[1], response="对", client_answer_id="r")
    assert answer.team_id == hall.team_red.pk
    outsider = factories.member(hall.tree["gz2"], username="outsider")
    with pytest.raises(ContestRejected) as refused:
        services.answer_submit(contest=hall.contest, member=outsider, response="对", client_answer_id="o")
    assert refused.value.code == "not_in_contest"
