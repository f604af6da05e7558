"""The contest rules engine, tested directly (no sockets)."""

import json
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contests import broadcast, fanout, presenters, services
from contests.models import ContestAnswer, Round, ScoreEvent
from contests.presenters import public_state
from contests.services import ContestRejected
from orgs import services as org_services
from tests import factories
from tests.contests.conftest import build_hall, start
from tests.contests.hall_once import hall_built_once, tree_of_the_hall  # noqa: F401 (fixtures)
from tests.processes import wait_for


@pytest.fixture
def committed_hall(transactional_db):
    """`hall` for a transactional test, built in it (committed, as other connections must see it)."""
    return build_hall(factories.org_tree())


def score(contest, team):
    return next(row["score"] for row in services.team_scores(contest) if row["id"] == team.pk)


def test_relay_only_the_baton_holder_answers_and_the_baton_passes(hall):
    contest = start(hall, {"type": Round.Type.RELAY, "count": 4, "points": 10})
    red, blue = hall.red, hall.blue
    for question in range(4):
        services.question_open(contest=contest, by=hall.host)
        holder = red[question % 3]
        others = [m for m in red if m != holder]
        with pytest.raises(ContestRejected) as refused:
            services.answer_submit(contest=contest, member=others[0], response="对", client_answer_id=f"x{question}")
        assert refused.value.code == "leg_not_yours"
        services.answer_submit(contest=contest, member=holder, response="对", client_answer_id=f"r{question}")
        services.answer_submit(
            contest=contest, member=blue[question % 3], response="错", client_answer_id=f"b{question}"
        )
        services.question_reveal(contest=contest, by=hall.host)
    assert score(contest, hall.team_red) == 140 and score(contest, hall.team_blue) == 100  # relay: no deduction
    times = {row["name"]: row["relay_seconds"] for row in services.team_scores(contest)}
    assert times["红队"] >= 0 and times["蓝队"] >= 0


def test_relay_time_counts_wrong_legs_and_a_missing_leg_until_the_close_and_breaks_ties_shortest_first(hall):
    contest = start(hall, {"type": Round.Type.RELAY, "count": 3, "points": 10})
    red, blue, host = hall.red, hall.blue, hall.host
    opened = services.question_open(contest=contest, by=host).opened_at
    services.answer_submit(
        contest=contest, member=red[0], response="错", client_answer_id="r1", at=opened + timedelta(seconds=1)
    )
    services.answer_submit(
        contest=contest, member=blue[0], response="错", client_answer_id="b1", at=opened + timedelta(seconds=3)
    )
    services.question_reveal(contest=contest, by=host, at=opened + timedelta(seconds=4))
    opened = services.question_open(contest=contest, by=host).opened_at
    services.answer_submit(
        contest=contest, member=red[1], response="错", client_answer_id="r2", at=opened + timedelta(seconds=1)
    )
    services.question_close(contest=contest, by=host, at=opened + timedelta(seconds=5))  # blue never answered
    services.question_reveal(contest=contest, by=host, at=opened + timedelta(seconds=6))
    opened = services.question_open(contest=contest, by=host).opened_at
    services.answer_submit(
        contest=contest, member=red[2], response="错", client_answer_id="r3", at=opened + timedelta(seconds=9)
    )
    services.question_skip(contest=contest, by=host)  # a skipped question counts for no one

    rows = {row["name"]: row for row in services.team_scores(contest)}
    assert rows["红队"]["relay_seconds"] == 2 and rows["蓝队"]["relay_seconds"] == 8
    assert (rows["红队"]["score"], rows["红队"]["rank"]) == (100, 1) and (
        rows["蓝队"]["score"],
        rows["蓝队"]["rank"],
    ) == (100, 2)


def test_a_place_won_on_relay_time_is_marked_on_the_team_ahead(hall):
    contest = start(hall, {"type": Round.Type.RELAY, "count": 1, "points": 10})
    red, blue, host = hall.red, hall.blue, hall.host

    def board():
        return [(row["name"], row["score"], row["rank"], row["ahead_on_time"]) for row in services.team_scores(contest)]

    # Level on score and on time (none yet): one shared place, nothing to explain.
    assert sorted(board()) == [("红队", 100, 1, False), ("蓝队", 100, 1, False)]
    opened = services.question_open(contest=contest, by=host).opened_at
    services.answer_submit(
        contest=contest, member=red[0], response="错", client_answer_id="r", at=opened + timedelta(seconds=2)
    )
    services.answer_submit(
        contest=contest, member=blue[0], response="错", client_answer_id="b", at=opened + timedelta(seconds=5)
    )
    services.question_reveal(contest=contest, by=host, at=opened + timedelta(seconds=6))
    # Still 100 each; red took 2 s, blue 5 s: red is first by time, and says so.
    assert board() == [("红队", 100, 1, True), ("蓝队", 100, 2, False)]
    services.score_adjust(contest=contest, team=hall.team_blue, points=5, reason="补分", by=host)
    # Now score decides: no note.
    assert board() == [("蓝队", 105, 1, False), ("红队", 100, 2, False)]


def test_answers_count_by_server_time_once_and_a_retry_is_acknowledged(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1})
    opening = services.question_open(contest=contest, by=hall.host)
    member = hall.red[0]
    first = services.answer_submit(contest=contest, member=member, response="对", client_answer_id="same")
    again = services.answer_submit(contest=contest, member=member, response="对", client_answer_id="same")
    assert first.pk == again.pk
    with pytest.raises(ContestRejected) as refused:
        services.answer_submit(contest=contest, member=hall.red[1], response="错", client_answer_id="other")
    assert refused.value.code == "already_answered"
    with pytest.raises(IntegrityError), transaction.atomic():
        ContestAnswer.objects.create(
            opening=opening,
            team=hall.team_red,
            member=member,
            response=[False],
            received_at=timezone.now(),
            client_answer_id="sql",
            is_correct=False,
        )


def test_answer_after_the_deadline_is_refused_and_changes_nothing(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1, "time_limit_s": 20})
    opening = services.question_open(contest=contest, by=hall.host)
    with pytest.raises(ContestRejected) as refused:
        services.answer_submit(
            contest=contest,
            member=hall.red[0],
            response="对",
            client_answer_id="late",
            at=opening.deadline_at + timedelta(milliseconds=1),
        )
    assert refused.value.code == "deadline_passed"
    assert not ContestAnswer.objects.exists()


def test_a_lost_timer_cannot_corrupt_a_score(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1})
    opening = services.question_open(contest=contest, by=hall.host)
    services.answer_submit(contest=contest, member=hall.red[0], response="对", client_answer_id="a")
    late = opening.deadline_at + timedelta(seconds=30)
    assert services.close_expired(opening_id=opening.pk, at=late)
    assert not services.close_expired(opening_id=opening.pk, at=late)  # a second timer finds nothing to do
    services.question_reveal(contest=contest, by=hall.host)
    services.question_reveal(contest=contest, by=hall.host)  # pressed twice: scored once
    opening.refresh_from_db()
    assert opening.closed_at == opening.deadline_at
    assert ScoreEvent.objects.filter(opening=opening).count() == 1 and score(contest, hall.team_red) == 110


def test_compulsory_questions_belong_to_one_team_each(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 2, "teams_in_turn": True})
    services.question_open(contest=contest, by=hall.host)
    with pytest.raises(ContestRejected) as refused:
        services.answer_submit(contest=contest, member=hall.blue[0], response="对", client_answer_id="b")
    assert refused.value.code == "not_your_question"
    services.answer_submit(contest=contest, member=hall.red[0], response="错", client_answer_id="r")
    services.question_reveal(contest=contest, by=hall.host)
    assert score(contest, hall.team_red) == 100  # compulsory: no deduction


@pytest.mark.parametrize(
    ("question_type", "response", "code"),
    [
        ("true_false", "X", "not_true_false"),  # "×" on a paper, but not a form the protocol takes
        ("true_false", "true", "not_true_false"),
        ("true_false", 1, "not_true_false"),
        ("true_false", ["对"], "not_true_false"),
        ("true_false", ["A", "B"], "not_true_false"),
        ("true_false", None, "not_true_false"),
        ("single", "D", "no_such_option"),  # three options
        ("single", "A、", "no_such_option"),
        ("single", "", "no_such_option"),
        ("single", 1, "no_such_option"),
        ("single", "AB", "one_option_only"),
        ("multiple", [], "no_such_option"),
        ("multiple", ["A", 2], "no_such_option"),
        ("fill_blank", ["1921", "七一"], "wrong_blank_count"),
        ("fill_blank", [1921], "wrong_blank_count"),
        ("fill_blank", 1921, "wrong_blank_count"),
    ],
)
def test_only_the_documented_forms_of_a_response_are_taken(hall, question_type, response, code):
    hall.versions = [factories.question(factories.bank(hall.tree["audit"]), question_type).current]
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1})
    services.question_open(contest=contest, by=hall.host)
    with pytest.raises(ContestRejected) as refused:
        services.answer_submit(contest=contest, member=hall.red[0], response=response, client_answer_id="r")
    assert refused.value.code == code
    assert not ContestAnswer.objects.exists()


@pytest.mark.parametrize(
    ("question_type", "response", "stored"),
    [
        ("true_false", True, [True]),
        ("true_false", "错", [False]),
        ("single", "b", ["B"]),
        ("multiple", "CA", ["A", "C"]),
        ("multiple", ["B", "A"], ["A", "B"]),
        ("fill_blank", "一九二一", ["一九二一"]),
        ("fill_blank", [], [""]),
    ],
)
def test_the_documented_forms_of_a_response_are_stored_in_canonical_form(hall, question_type, response, stored):
    hall.versions = [factories.question(factories.bank(hall.tree["audit"]), question_type).current]
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1})
    services.question_open(contest=contest, by=hall.host)
    answer = services.answer_submit(contest=contest, member=hall.red[0], response=response, client_answer_id="r")
    assert answer.response == stored


def test_buzzer_early_buzz_is_a_foul_then_the_first_valid_buzz_wins(hall):
    contest = start(hall, {"type": Round.Type.BUZZER, "count": 1, "points": 20, "penalty": 10, "early_buzz_penalty": 5})
    services.question_open(contest=contest, by=hall.host)  # shown: reading
    foul = services.buzz(contest=contest, member=hall.blue[0])
    assert foul.early and score(contest, hall.team_blue) == 95
    with pytest.raises(ContestRejected) as refused:
        services.buzz(contest=contest, member=hall.blue[1])
    assert refused.value.code == "already_buzzed"  # locked out for this question
    services.question_open(contest=contest, by=hall.host)  # open for buzzing
    won = services.buzz(contest=contest, member=hall.red[2])
    assert not won.early
    contest.refresh_from_db()
    state = public_state(contest)
    assert state["question"]["buzz_winner"] == hall.team_red.pk and state["question"]["fouls"] == [hall.team_blue.pk]
    services.answer_submit(contest=contest, member=hall.red[2], response="错", client_answer_id="r")
    services.question_reveal(contest=contest, by=hall.host)
    assert score(contest, hall.team_red) == 90


def test_risk_stakes_win_or_lose_their_value_and_abstaining_is_free(hall):
    contest = start(hall, {"type": Round.Type.RISK, "count": 1, "risk_tiers": [10, 20, 30]})
    services.question_open(contest=contest, by=hall.host)  # picking
    with pytest.raises(ContestRejected) as refused:
        services.risk_pick(contest=contest, member=hall.red[0], value=25)
    assert refused.value.code == "bad_stake"
    services.risk_pick(contest=contest, member=hall.red[0], value=30)
    services.risk_pick(contest=contest, member=hall.blue[0], value=0)
    services.question_open(contest=contest, by=hall.host)
    with pytest.raises(ContestRejected) as refused:
        services.answer_submit(contest=contest, member=hall.blue[0], response="对", client_answer_id="b")
    assert refused.value.code == "no_stake"
    services.answer_submit(contest=contest, member=hall.red[0], response="对", client_answer_id="r")
    services.question_reveal(contest=contest, by=hall.host)
    assert score(contest, hall.team_red) == 130 and score(contest, hall.team_blue) == 100


def test_tiebreak_and_ranks_share_places_on_ties(hall):
    contest = start(hall, {"type": Round.Type.TIEBREAK, "count": 1, "points": 5, "penalty": 0})
    rows = services.team_scores(contest)
    assert [row["rank"] for row in rows] == [1, 1]
    services.question_open(contest=contest, by=hall.host)
    services.answer_submit(contest=contest, member=hall.blue[1], response="对", client_answer_id="b")
    services.answer_submit(contest=contest, member=hall.red[1], response="错", client_answer_id="r")
    services.question_reveal(contest=contest, by=hall.host)
    rows = services.team_scores(contest)
    assert [(row["name"], row["rank"]) for row in rows] == [("蓝队", 1), ("红队", 2)]


def test_overrides_and_adjustments_need_a_reason_and_are_audited(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1, "points": 10})
    services.question_open(contest=contest, by=hall.host)
    answer = services.answer_submit(contest=contest, member=hall.red[0], response="错", client_answer_id="r")
    services.question_reveal(contest=contest, by=hall.host)
    with pytest.raises(ContestRejected):
        services.answer_override(contest=contest, answer=answer, correct=True, reason=" ", by=hall.host)
    services.answer_override(contest=contest, answer=answer, correct=True, reason="同义表述，裁判认可", by=hall.host)
    services.answer_override(contest=contest, answer=answer, correct=True, reason="重复裁定", by=hall.host)
    assert score(contest, hall.team_red) == 110
    services.score_adjust(contest=contest, team=hall.team_blue, points=-5, reason="场外提示", by=hall.host)
    assert score(contest, hall.team_blue) == 95
    actions = list(contest.audit.values_list("action", flat=True))
    assert actions.count("override") == 2 and "adjust" in actions


def test_pause_keeps_the_remaining_time(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1, "time_limit_s": 20})
    t0 = timezone.now()
    services.question_open(contest=contest, by=hall.host, at=t0)
    services.contest_pause(contest=contest, by=hall.host, at=t0 + timedelta(seconds=5))
    with pytest.raises(ContestRejected) as refused:
        services.answer_submit(contest=contest, member=hall.red[0], response="对", client_answer_id="p")
    assert refused.value.code == "paused"
    services.contest_resume(contest=contest, by=hall.host, at=t0 + timedelta(minutes=3))
    contest.refresh_from_db()
    assert contest.current.deadline_at == t0 + timedelta(minutes=3, seconds=15)


def test_rosters_freeze_at_the_start_and_later_moves_do_not_rewrite_them(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1})
    mover = hall.red[0]
    org_services.member_move(member=mover, unit=hall.tree["budget"])
    place = contest.roster.get(member=mover)
    assert place.unit_at_start == hall.tree["gz1"]
    with pytest.raises(ContestRejected) as refused:
        services.team_add(contest=contest, name="迟到队", unit=hall.tree["gz"], legs=[])
    assert refused.value.code == "roster_frozen"


def test_no_key_in_the_public_state_before_the_reveal(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1})
    services.question_open(contest=contest, by=hall.host)
    contest.refresh_from_db()
    before = public_state(contest)
    assert "reveal" not in before["question"] and "key" not in str(before)
    services.question_reveal(contest=contest, by=hall.host)
    contest.refresh_from_db()
    assert public_state(contest)["question"]["reveal"]["key"] == [True]


def test_a_retry_after_the_question_closed_is_still_acknowledged(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 2})
    opening = services.question_open(contest=contest, by=hall.host)
    member = hall.red[0]
    first = services.answer_submit(contest=contest, member=member, response="对", client_answer_id="net-1")
    late = opening.deadline_at + timedelta(seconds=5)
    again = services.answer_submit(contest=contest, member=member, response="对", client_answer_id="net-1", at=late)
    assert again.pk == first.pk
    services.question_reveal(contest=contest, by=hall.host)
    services.question_open(contest=contest, by=hall.host)  # the host has moved on
    moved_on = services.answer_submit(
        contest=contest, member=member, response="对", client_answer_id="net-1", opening_id=opening.pk
    )
    assert moved_on.pk == first.pk
    with pytest.raises(ContestRejected) as refused:
        services.answer_submit(
            contest=contest, member=hall.red[1], response="对", client_answer_id="net-1", opening_id=opening.pk
        )
    assert refused.value.code == "answer_id_taken"


def test_a_batch_keeps_each_teams_earliest_answer_and_says_why_the_others_were_refused(hall, tree):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1, "time_limit_s": 20})
    opening = services.question_open(contest=contest, by=hall.host)
    red, blue = hall.red, hall.blue
    outsider = factories.member(tree["mof"], username="outsider")
    at = opening.opened_at

    def sent(member, answer_id, seconds, response="对"):
        return services.Submission(
            member_id=member.pk,
            client_answer_id=answer_id,
            response=response,
            received_at=at + timedelta(seconds=seconds),
            opening_id=opening.pk,
        )

    outcomes = services.answers_submit(
        contest_id=contest.pk,
        submissions=[
            sent(red[0], "red-late", 3),  # arrived later than red[1]'s, though listed first
            sent(red[1], "red-early", 1, response="错"),
            sent(red[1], "red-early", 1.5, response="错"),  # a retry in the same batch
            sent(blue[0], "red-early", 2),  # someone else's answer id
            sent(blue[1], "blue", 2),
            sent(outsider, "outsider", 2),
            sent(blue[2], "blue-bad", 2, response="maybe"),
            sent(blue[2], "blue-late", 21),  # after the 20 s deadline
        ],
    )
    kinds = [o.client_answer_id if isinstance(o, ContestAnswer) else o.code for o in outcomes]
    assert kinds == [
        "already_answered",
        "red-early",
        "red-early",
        "answer_id_taken",
        "blue",
        "not_in_contest",
        "not_true_false",
        "deadline_passed",
    ]
    assert outcomes[1].pk == outcomes[2].pk
    assert sorted(ContestAnswer.objects.values_list("client_answer_id", flat=True)) == ["blue", "red-early"]
    stored = ContestAnswer.objects.get(client_answer_id="red-early")  # as the batch's outcome says
    assert (stored.pk, stored.member_id, stored.response, stored.is_correct) == (
        outcomes[1].pk,
        red[1].pk,
        [False],
        False,
    )
    assert stored.received_at == outcomes[1].received_at == at + timedelta(seconds=1)
    opening.refresh_from_db()
    assert opening.closed_at == at + timedelta(seconds=2)  # both teams answered: closed at the last answer


def test_a_batch_whose_answers_lost_to_their_teams_earlier_ones_is_one_statement_with_its_retries(hall):
    # Most of a hall's answers lose to a teammate's, sent in an earlier batch: the statement that
    # inserts a batch also reads its teams' earlier answers and its retries, so that telling them
    # apart takes no second round trip.
    if connection.vendor != "postgresql":
        pytest.skip("a batch is one statement on PostgreSQL only (SQLite writes a transaction)")
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1, "time_limit_s": 20})
    opening = services.question_open(contest=contest, by=hall.host)
    red, blue = hall.red, hall.blue

    def sent(member, answer_id, seconds):
        return services.Submission(
            member_id=member.pk,
            client_answer_id=answer_id,
            response="对",
            received_at=opening.opened_at + timedelta(seconds=seconds),
            opening_id=opening.pk,
        )

    first = services.answers_submit(contest_id=contest.pk, submissions=[sent(red[0], "r0", 1)], settle=False)[0]
    with CaptureQueriesContext(connection) as queries:
        outcomes = services.answers_submit(
            contest_id=contest.pk,
            submissions=[
                sent(red[1], "r1", 2),  # red answered in the batch before
                sent(red[0], "r0", 2.5),  # a retry of that answer
                sent(red[2], "r2", 2.6),
                sent(blue[0], "b0", 3),
            ],
            settle=False,
        )

    kinds = [o.client_answer_id if isinstance(o, ContestAnswer) else o.code for o in outcomes]
    assert kinds == ["already_answered", "r0", "already_answered", "b0"]
    assert outcomes[1].pk == first.pk and outcomes[1].member_id == red[0].pk
    assert outcomes[1].received_at == first.received_at and outcomes[1].response == [True]
    assert len(queries) == 1
    assert sorted(ContestAnswer.objects.values_list("client_answer_id", flat=True)) == ["b0", "r0"]


def test_a_batch_judges_equal_responses_alike_and_never_takes_1_for_true(hall):
    # A batch checks and grades each distinct response once; 1 == True in Python, but only true
    # (or "对") is a documented true/false answer.
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1, "time_limit_s": 20})
    opening = services.question_open(contest=contest, by=hall.host)
    red, blue = hall.red, hall.blue
    sent = [(red[0], True), (red[1], 1), (blue[0], 1), (blue[1], True), (blue[2], "对")]
    outcomes = services.answers_submit(
        contest_id=contest.pk,
        submissions=[
            services.Submission(
                member_id=member.pk,
                client_answer_id=f"a{n}",
                response=response,
                received_at=opening.opened_at + timedelta(seconds=n + 1),
                opening_id=opening.pk,
            )
            for n, (member, response) in enumerate(sent)
        ],
    )
    kinds = [o.client_answer_id if isinstance(o, ContestAnswer) else o.code for o in outcomes]
    assert kinds == ["a0", "not_true_false", "not_true_false", "a3", "already_answered"]
    assert outcomes[0].response == outcomes[3].response == [True] and outcomes[0].is_correct  # the key is [True]


def test_an_answer_received_before_the_close_counts_though_written_after_it_but_not_after_the_reveal(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1, "time_limit_s": 20})
    opening = services.question_open(contest=contest, by=hall.host)
    closed = services.question_close(contest=contest, by=hall.host).closed_at

    def sent(member, answer_id, received_at):
        submission = services.Submission(
            member_id=member.pk, client_answer_id=answer_id, response="对", received_at=received_at
        )
        return services.answers_submit(contest_id=contest.pk, submissions=[submission])[0]

    in_time = sent(hall.red[0], "in-time", closed - timedelta(milliseconds=5))
    assert isinstance(in_time, ContestAnswer)
    assert sent(hall.blue[0], "too-late", closed + timedelta(milliseconds=5)).code == "deadline_passed"
    services.question_reveal(contest=contest, by=hall.host)
    assert sent(hall.blue[1], "after-reveal", closed - timedelta(milliseconds=5)).code == "deadline_passed"
    assert sent(hall.red[0], "in-time", closed - timedelta(milliseconds=5)).pk == in_time.pk  # a retry: acked
    assert score(contest, hall.team_red) == 110 and ContestAnswer.objects.filter(opening=opening).count() == 1


@pytest.mark.django_db(transaction=True)
def test_answer_batches_share_the_questions_lock_and_a_reveal_waits_for_them(committed_hall):
    hall = committed_hall
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite writes one transaction at a time)")
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1, "time_limit_s": 20})
    services.question_open(contest=contest, by=hall.host)
    holding, release = threading.Event(), threading.Event()

    def batch_in_flight():  # another process's batch, holding the lock until it commits
        try:
            with transaction.atomic():
                submission = services.Submission(
                    member_id=hall.blue[0].pk,
                    client_answer_id="in-flight",
                    response="错",
                    received_at=timezone.now(),
                )
                (written,) = services.answers_submit(contest_id=contest.pk, submissions=[submission], settle=False)
                assert isinstance(written, ContestAnswer)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    def waiting_at_most_a_second():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '1s'")

    other = threading.Thread(target=batch_in_flight)
    other.start()
    assert holding.wait(10)
    try:
        with transaction.atomic():
            waiting_at_most_a_second()
            submission = services.Submission(
                member_id=hall.red[0].pk, client_answer_id="beside", response="对", received_at=timezone.now()
            )
            (beside,) = services.answers_submit(contest_id=contest.pk, submissions=[submission])
        assert isinstance(beside, ContestAnswer)  # written beside the other batch, not after it
        with pytest.raises(OperationalError), transaction.atomic():
            waiting_at_most_a_second()
            services.question_reveal(contest=contest, by=hall.host)  # waits for the batch in flight
    finally:
        release.set()
        other.join()
    services.question_reveal(contest=contest, by=hall.host)
    assert score(contest, hall.team_red) == 110


def test_a_progress_tick_is_claimed_by_one_process_until_it_ends():
    # Claimed for a minute: a second claim comes well within it, however slow the machine (with
    # 300 ms, a pause of the test's process between the two claims let the second one through).
    key = f"test:{uuid.uuid4().hex}:progress"
    assert fanout.hot_claim(key, 60_000)
    assert not fanout.hot_claim(key, 60_000)  # another process finds it claimed: its answers are in that tick
    # A claim of 300 ms ends: the key can be claimed again afterwards.
    short = f"test:{uuid.uuid4().hex}:progress"
    assert fanout.hot_claim(short, 300)
    wait_for(lambda: fanout.hot_claim(short, 300), timeout=30, what="the 300 ms claim to end")


def test_progress_ticks_space_out_when_building_them_takes_long(monkeypatch):
    monkeypatch.setattr(broadcast, "_progress_built_s", {})
    assert broadcast.progress_interval(1) == broadcast.PROGRESS_INTERVAL_S  # nothing built yet
    broadcast._progress_built_s[1] = 0.01
    assert broadcast.progress_interval(1) == broadcast.PROGRESS_INTERVAL_S
    broadcast._progress_built_s[1] = 0.12  # a hall's tick: at most a fifth of the process
    assert broadcast.progress_interval(1) == pytest.approx(0.6)
    broadcast._progress_built_s[1] = 0.5
    assert broadcast.progress_interval(1) == broadcast.PROGRESS_INTERVAL_MAX_S  # screens still move every second
    assert broadcast.progress_interval(2) == broadcast.PROGRESS_INTERVAL_S  # per contest


def test_a_progress_tick_overtaken_by_a_change_while_it_was_built_is_not_sent(hall, monkeypatch):
    contest = start(hall, {"type": Round.Type.COMPULSORY})
    published = []

    def publish_progress(contest_id, join_code, seq, frames):
        published.extend(frames)
        return True

    monkeypatch.setattr(fanout, "publish_progress", publish_progress)
    assert broadcast.send_now(contest.pk, "answer.received")
    assert published == [f"{contest.pk}:screens", f"{contest.pk}:hosts"]  # an ordinary tick

    published.clear()
    real_host_state = presenters.host_state

    def built_while_the_question_closed(*args, **kwargs):
        broadcast.seq_bump(contest.pk)  # another process numbers a change meanwhile
        return real_host_state(*args, **kwargs)

    monkeypatch.setattr(presenters, "host_state", built_while_the_question_closed)
    assert not broadcast.send_now(contest.pk, "answer.received")
    assert published == []  # the change's frames are newer: screens would have gone back to this


def test_a_progress_tick_carries_the_question_and_its_answers_but_not_the_board(hall, monkeypatch):
    contest = start(hall, {"type": Round.Type.COMPULSORY})
    services.question_open(contest=contest, by=hall.host)
    services.answer_submit(contest=contest, member=hall.red[0], response="对", client_answer_id="r")
    published = {}

    def publish_progress(contest_id, join_code, seq, frames):
        published.update({group: json.loads(text) for group, text in frames.items()})
        return True

    monkeypatch.setattr(fanout, "publish_progress", publish_progress)
    assert broadcast.send_now(contest.pk, "answer.received")
    screen, host = published[f"{contest.pk}:screens"], published[f"{contest.pk}:hosts"]
    assert screen["question"]["answered"] == [hall.team_red.pk] and "teams" not in screen
    assert [answer["team"] for answer in host["question"]["answers"]] == [hall.team_red.pk]
    assert not {"teams", "next", "audit", "roster"} & set(host)  # unchanged since the frame with this seq
    contest.refresh_from_db()
    assert screen["seq"] == host["seq"] == contest.seq  # the change before it: the question's opening
