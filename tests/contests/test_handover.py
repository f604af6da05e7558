"""The host hands a runner's remaining relay legs to a teammate (`services.legs_hand_over`): who
may answer afterwards, in every process, and what the scores, frames and results say."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contests import presenters, services
from contests.models import ContestAnswer, LegHandover, Round, TeamMember
from contests.services import ContestRejected, playing
from tests import factories
from tests.contests.test_correction_picker import options
from tests.factories import client_in


@pytest.fixture
def relay(tree):
    """Red: four runners (legs 1-4) and a member without a leg; blue: one runner. A relay round of
    six true/false questions (right: 对) worth 10, no penalty; started."""
    bank = factories.bank(tree["audit"])
    host = factories.organiser(tree["audit"], username="host", real_name="主持人")
    contest = services.contest_create(title="接力赛", unit=tree["audit"], by=host)
    red = [factories.member(tree["gz1"], username=f"red{n}", real_name=f"红{n}") for n in range(1, 5)]
    spare = factories.member(tree["gz1"], username="spare", real_name="替补")
    blue = factories.member(tree["jjj1"], username="blue1")
    team = services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=red, substitutes=[spare])
    services.team_add(contest=contest, name="蓝队", unit=tree["jjj"], legs=[blue])
    versions = [factories.question(bank, "true_false", key=[True]).current for _ in range(6)]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=versions, points=10, penalty=0)
    services.contest_start(contest=contest, by=host)
    contest.refresh_from_db()
    return {"contest": contest, "host": host, "team": team, "red": red, "spare": spare, "blue": blue}


def answer(relay, member, ref: str):
    return services.answer_submit(contest=relay["contest"], member=member, response="对", client_answer_id=ref)


def refusal(relay, member, ref: str) -> str:
    with pytest.raises(ContestRejected) as refused:
        answer(relay, member, ref)
    return refused.value.code


def hand_over(relay, from_member, to_member, **fields) -> LegHandover:
    return services.legs_hand_over(
        contest=relay["contest"],
        team=relay["team"],
        from_member_id=from_member.pk,
        to_member_id=to_member.pk,
        by=relay["host"],
        **fields,
    )


def play(relay, question: int, member) -> None:
    """Open question `question` (the next), have `member` answer it right, reveal it."""
    opening = services.question_open(contest=relay["contest"], by=relay["host"])
    assert opening.question.position == question
    answer(relay, member, f"q{question}")
    services.question_reveal(contest=relay["contest"], by=relay["host"])


def red_score(relay) -> int:
    return next(row["score"] for row in services.team_scores(relay["contest"]) if row["name"] == "红队")


def test_a_runner_leaving_after_answering_q2_hands_the_rest_of_their_legs_to_runner_3(relay):
    red1, red2, red3, red4 = relay["red"]
    play(relay, 1, red1)
    services.question_open(contest=relay["contest"], by=relay["host"])
    answer(relay, red2, "q2")
    # Runner 2 leaves after answering Q2: the hand-over starts at Q3, the team's next unanswered one.
    handover = hand_over(relay, red2, red3, reason="手机没电")
    assert (handover.from_question.round.position, handover.from_question.position) == (1, 3)
    services.question_reveal(contest=relay["contest"], by=relay["host"])
    play(relay, 3, red3)  # Q3: runner 3's own leg
    play(relay, 4, red4)
    play(relay, 5, red1)
    # Q6 is leg (6 - 1) mod 4 + 1 = 2, runner 2's: now runner 3's.
    services.question_open(contest=relay["contest"], by=relay["host"])
    assert refusal(relay, red2, "q6-old") == "leg_not_yours"
    assert answer(relay, red3, "q6").member_id == red3.pk
    services.question_reveal(contest=relay["contest"], by=relay["host"])

    # Six right answers of 10 each, Q6 by runner 3: 100 + 6 × 10 = 160.
    assert red_score(relay) == 160
    answered = ContestAnswer.objects.filter(team=relay["team"]).order_by("opening__question__position")
    assert [a.member_id for a in answered] == [red1.pk, red2.pk, red3.pk, red4.pk, red1.pk, red3.pk]
    # The roster stays as frozen at the start.
    assert dict(TeamMember.objects.filter(team=relay["team"]).values_list("member_id", "leg")) == {
        red1.pk: 1,
        red2.pk: 2,
        red3.pk: 3,
        red4.pk: 4,
        relay["spare"].pk: None,
    }


def test_a_hand_over_while_the_runner_has_not_answered_applies_to_the_question_in_play(relay):
    red1, red2, _red3, _red4 = relay["red"]
    play(relay, 1, red1)
    services.question_open(contest=relay["contest"], by=relay["host"])  # Q2: runner 2's
    assert refusal(relay, relay["spare"], "before") == "leg_not_yours"
    handover = hand_over(relay, red2, relay["spare"])
    assert handover.from_question.position == 2
    assert refusal(relay, red2, "old") == "leg_not_yours"
    assert answer(relay, relay["spare"], "new").member_id == relay["spare"].pk


def test_hand_overs_chain_and_apply_in_the_order_made(relay):
    """Runner 2's legs to runner 3 from Q1, then runner 3's (their own and those handed to them)
    to the spare member: every question of legs 2 and 3 is the spare's."""
    red1, red2, red3, red4 = relay["red"]
    hand_over(relay, red2, red3)
    hand_over(relay, red3, relay["spare"])
    opening = services.question_open(contest=relay["contest"], by=relay["host"])
    legs, handovers = services.relay_order(relay["contest"].pk)
    members, handed = legs[relay["team"].pk], handovers[relay["team"].pk]
    # Q1..Q6 are legs 1, 2, 3, 4, 1, 2.
    holders = [services.baton_in_turn(members, handed, 1, q) for q in range(1, 7)]
    spare = relay["spare"].pk
    assert holders == [red1.pk, spare, spare, red4.pk, red1.pk, spare]
    baton = presenters.public_state(relay["contest"])["question"]["baton"][str(relay["team"].pk)]
    assert baton == {"member": red1.pk, "name": "红1", "handed_from": None}
    assert opening.question.position == 1


@pytest.mark.parametrize(
    ("from_name", "to_name", "code"),
    [
        ("red2", "red2", "same_member"),
        ("red2", "blue1", "not_on_team"),
        ("blue1", "red2", "not_on_team"),
        ("spare", "red2", "not_a_runner"),
    ],
)
def test_a_refused_hand_over_changes_nothing(relay, from_name, to_name, code):
    people = {m.username: m for m in [*relay["red"], relay["spare"], relay["blue"]]}
    with pytest.raises(ContestRejected) as refused:
        hand_over(relay, people[from_name], people[to_name])
    assert refused.value.code == code
    relay["contest"].refresh_from_db()
    assert not LegHandover.objects.exists() and relay["contest"].baton_version == 0


def test_a_runner_who_handed_over_holds_no_legs_to_hand_over_again(relay):
    red1, red2, red3, _red4 = relay["red"]
    hand_over(relay, red2, red3)
    with pytest.raises(ContestRejected) as refused:
        hand_over(relay, red2, red1)
    assert refused.value.code == "not_a_runner"
    assert LegHandover.objects.count() == 1


def test_the_answer_intake_of_another_process_judges_by_the_hand_over(relay):
    """Every process keeps the roster it judges answers by (`playing._ROSTERS`) and the question in
    play (`playing._IN_PLAY`): a hand-over made elsewhere changes the contest's `baton_version`,
    which is in the roster's key and checked by the batch's statement, so the kept roster is not
    used again. Here the process kept both from an answer just before the hand-over."""
    red1, red2, red3, _red4 = relay["red"]
    play(relay, 1, red1)
    opening = services.question_open(contest=relay["contest"], by=relay["host"])  # Q2: runner 2's
    at = timezone.now()
    kept = services.answers_submit(
        contest_id=relay["contest"].pk,
        submissions=[services.Submission(red3.pk, "early", "对", at, opening.pk)],
    )
    assert kept[0].code == "leg_not_yours"
    before = relay["contest"].baton_version
    assert (relay["contest"].pk, relay["contest"].started_at, before) in playing._ROSTERS

    hand_over(relay, red2, red3)  # as by another process: this one's caches are not touched

    relay["contest"].refresh_from_db()
    assert relay["contest"].baton_version == before + 1
    outcomes = services.answers_submit(
        contest_id=relay["contest"].pk,
        submissions=[
            services.Submission(red2.pk, "old", "对", timezone.now(), opening.pk),
            services.Submission(red3.pk, "new", "对", timezone.now(), opening.pk),
        ],
    )
    assert outcomes[0].code == "leg_not_yours"
    assert outcomes[1].member_id == red3.pk


def test_frames_name_the_new_holder_and_whom_the_leg_was_handed_from(relay):
    red1, red2, red3, _red4 = relay["red"]
    play(relay, 1, red1)
    services.question_open(contest=relay["contest"], by=relay["host"])
    hand_over(relay, red2, red3)
    state = presenters.public_state(relay["contest"])
    assert state["question"]["baton"][str(relay["team"].pk)] == {
        "member": red3.pk,
        "name": "红3",
        "handed_from": {"member": red2.pk, "name": "红2"},
    }
    assert state["handovers"] == [
        {
            "team": relay["team"].pk,
            "from": red2.pk,
            "from_name": "红2",
            "to": red3.pk,
            "to_name": "红3",
            "round": 1,
            "position": 2,
        }
    ]
    assert "baton" not in presenters.player_state(state)["question"]
    assert presenters.player_state(state)["handovers"] == state["handovers"]


def test_before_the_start_and_after_the_finish_a_hand_over_is_refused(tree):
    host = factories.organiser(tree["audit"], username="host")
    contest = services.contest_create(title="接力赛", unit=tree["audit"], by=host)
    runners = [factories.member(tree["gz1"], username=f"r{n}") for n in range(2)]
    team = services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=runners)
    bank = factories.bank(tree["audit"])
    services.round_add(
        contest=contest, type=Round.Type.RELAY, versions=[factories.question(bank, "true_false", key=[True]).current]
    )

    def refused_code() -> str:
        with pytest.raises(ContestRejected) as refused:
            services.legs_hand_over(
                contest=contest, team=team, from_member_id=runners[0].pk, to_member_id=runners[1].pk, by=host
            )
        return refused.value.code

    assert refused_code() == "not_started"
    services.contest_start(contest=contest, by=host)
    services.contest_finish(contest=contest, by=host)
    assert refused_code() == "results_final"


def test_a_contest_without_relay_rounds_has_no_legs_to_hand_over(tree):
    host = factories.organiser(tree["audit"], username="host")
    contest = services.contest_create(title="必答赛", unit=tree["audit"], by=host)
    runners = [factories.member(tree["gz1"], username=f"r{n}") for n in range(2)]
    team = services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=runners)
    bank = factories.bank(tree["audit"])
    version = factories.question(bank, "true_false", key=[True]).current
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, versions=[version])
    services.contest_start(contest=contest, by=host)
    with pytest.raises(ContestRejected) as refused:
        services.legs_hand_over(
            contest=contest, team=team, from_member_id=runners[0].pk, to_member_id=runners[1].pk, by=host
        )
    assert refused.value.code == "not_a_relay"


def test_the_results_export_and_the_correction_page_say_who_held_each_handed_over_leg(relay):
    red1, red2, red3, _red4 = relay["red"]
    play(relay, 1, red1)
    services.question_open(contest=relay["contest"], by=relay["host"])  # Q2: runner 2's leg
    hand_over(relay, red2, red3, reason="手机没电")
    answer(relay, red3, "q2")
    services.question_reveal(contest=relay["contest"], by=relay["host"])
    services.contest_finish(contest=relay["contest"], by=relay["host"])
    code = relay["contest"].join_code

    book = load_workbook(
        BytesIO(client_in("zh-hans", relay["host"]).get(reverse("contests:results_xlsx", args=[code])).content)
    )
    answers = list(book["作答情况"].iter_rows(min_row=2, values_only=True))
    # Columns: round, no., question, team, member, answer, verdict, points, note, received at.
    assert [(row[1], row[3], row[4], row[8]) for row in answers] == [
        (1, "红队", "红1", None),
        (2, "红队", "红3", "接力棒次交接自红2"),
    ]
    handed = list(book["接力交接"].iter_rows(min_row=2, values_only=True))
    assert [row[1:] for row in handed] == [("红队", "红2", "红3", "接力赛 · 第 2 题", "手机没电", "主持人")]

    page = client_in("en", relay["host"]).get(reverse("contests:results_correct", args=[code])).content.decode()
    assert "红2’s legs held by 红3, from Relay · Q2 on · 手机没电" in page


def test_the_correction_page_s_answer_picker_names_whom_a_handed_over_leg_was_taken_from(client, relay):
    red1, red2, red3, _red4 = relay["red"]
    play(relay, 1, red1)
    q1 = ContestAnswer.objects.get(member=red1)
    services.question_open(contest=relay["contest"], by=relay["host"])  # Q2: runner 2's leg
    hand_over(relay, red2, red3)
    q2 = answer(relay, red3, "q2")
    services.question_reveal(contest=relay["contest"], by=relay["host"])
    services.contest_finish(contest=relay["contest"], by=relay["host"])
    client.force_login(relay["host"])

    english, chinese = (options(client, relay["contest"], language) for language in ("en", "zh-hans"))
    assert english[q1.pk] == "Relay · Q1 · 红队 · 红1: True ✓"  # not handed over; a mark in the page's language
    assert english[q2.pk] == "Relay · Q2 · 红队 · 红3 (handed over from 红2): True ✓"
    assert chinese[q2.pk] == "接力赛 · 第 2 题 · 红队 · 红3（交接自 红2）：对 ✓"
