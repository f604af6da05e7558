"""Finishing with a buzzer or risk question shown and never opened, and the organisers' correction
of finished results (appeals): each a new fact with a reason, shown in the results and the audit
log, the standings recomputed from the facts. Scores and places are worked out in the comments."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from contests import services
from contests.models import Round, ScoreEvent
from contests.services import ContestRejected
from tests import factories
from tests.contests.hall_once import hall_built_once, tree_of_the_hall  # noqa: F401 (fixtures)
from tests.contests.test_relay_results_fixes import board, start


def test_finish_sets_a_buzzer_question_shown_and_never_opened_aside_and_its_foul_stands(hall):
    contest = start(hall, {"type": Round.Type.BUZZER, "count": 2, "points": 10, "early_buzz_penalty": 5})
    t0 = timezone.now()
    shown = services.question_open(contest=contest, by=hall.host, at=t0)  # shown for reading
    services.buzz(contest=contest, member=hall.red[0], at=t0 + timedelta(seconds=1))  # too early: a foul
    services.contest_finish(contest=contest, by=hall.host, at=t0 + timedelta(seconds=4))
    shown.refresh_from_db()
    # Never opened, so nobody could answer: set aside as a skip, closed at the finish.
    assert (shown.opened_at, shown.closed_at, shown.revealed_at, shown.skipped) == (
        None,
        t0 + timedelta(seconds=4),
        None,
        True,
    )
    # Red's early buzz: 100 - 5 = 95, as on a skip; blue 100.
    assert [(name, score, rank) for name, score, _s, rank, _t in board(contest)] == [("蓝队", 100, 1), ("红队", 95, 2)]
    skip = contest.audit.get(action="skip")
    assert skip.detail == {"opening": shown.pk, "at_finish": True}
    assert list(contest.audit.order_by("id").values_list("action", flat=True))[-2:] == ["skip", "finish"]


def test_finish_sets_a_risk_question_aside_while_teams_pick_and_the_stakes_score_nothing(hall):
    contest = start(hall, {"type": Round.Type.RISK, "count": 2, "risk_tiers": [10, 20, 30]})
    t0 = timezone.now()
    shown = services.question_open(contest=contest, by=hall.host, at=t0)  # teams pick their stakes
    services.risk_pick(contest=contest, member=hall.red[0], value=30, at=t0 + timedelta(seconds=1))
    services.risk_pick(contest=contest, member=hall.blue[0], value=10, at=t0 + timedelta(seconds=2))
    services.contest_finish(contest=contest, by=hall.host, at=t0 + timedelta(seconds=5))
    shown.refresh_from_db()
    assert shown.skipped and shown.opened_at is None and shown.closed_at == t0 + timedelta(seconds=5)
    # Had it counted as a reveal, both staking teams would have lost their stakes unanswered
    # (red 70, blue 90); the question was never asked, so both stay at 100 and share first place.
    assert ScoreEvent.objects.filter(contest=contest).count() == 0
    assert sorted((name, score, rank) for name, score, _s, rank, _t in board(contest)) == [
        ("红队", 100, 1),
        ("蓝队", 100, 1),
    ]
    # Finishing again changes nothing.
    services.contest_finish(contest=contest, by=hall.host, at=t0 + timedelta(seconds=9))
    assert contest.audit.filter(action="skip").count() == 1


def test_finish_after_a_shown_question_was_skipped_sets_nothing_aside_again(hall):
    contest = start(hall, {"type": Round.Type.BUZZER, "count": 2})
    services.question_open(contest=contest, by=hall.host)
    services.question_skip(contest=contest, by=hall.host, reason="题目有误")
    services.contest_finish(contest=contest, by=hall.host)
    assert list(contest.audit.filter(action="skip").values_list("detail", flat=True)) == [
        {"opening": contest.openings.get().pk, "reason": "题目有误"}
    ]


@pytest.fixture
def four_teams(hall):
    """Red, blue, green and yellow (one member each added for green and yellow), after three
    compulsory questions of 10 points (no penalty), the key 对:
    Q1 red ✓ blue ✓ green ✓ yellow ✗; Q2 red ✓ blue ✓ green ✗ yellow ✗; Q3 red ✓ blue ✗ green ✗ yellow ✓.
    Red 100 + 30 = 130, blue 100 + 20 = 120, green 100 + 10 = 110, yellow 100 + 10 = 110: green
    and yellow share third place (1, 2, 3, 3). Then the contest finishes."""
    green = factories.member(hall.tree["gz1"], username="green0")
    yellow = factories.member(hall.tree["jjj1"], username="yellow0")
    services.team_add(contest=hall.contest, name="绿队", unit=hall.tree["gz"], legs=[green])
    services.team_add(contest=hall.contest, name="黄队", unit=hall.tree["jjj"], legs=[yellow])
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 3, "points": 10})
    marks = {
        hall.red[0]: "对对对",
        hall.blue[0]: "对对错",
        green: "对错错",
        yellow: "错错对",
    }
    answers = {}
    for number in range(3):
        services.question_open(contest=contest, by=hall.host)
        for member, responses in marks.items():
            answers[member.username, number + 1] = services.answer_submit(
                contest=contest, member=member, response=responses[number], client_answer_id=f"{member.pk}-{number}"
            )
        services.question_reveal(contest=contest, by=hall.host)
    services.contest_finish(contest=contest, by=hall.host)
    contest.refresh_from_db()
    hall.answers = answers
    hall.team = {team.name: team for team in contest.teams.all()}
    return hall


def places(contest):
    return [(name, score, rank) for name, score, _s, rank, _t in board(contest)]


BEFORE = [("红队", 130, 1), ("蓝队", 120, 2), ("绿队", 110, 3), ("黄队", 110, 3)]


def test_a_plus_10_appeal_after_the_finish_lifts_green_from_third_to_a_shared_second(four_teams):
    contest = four_teams.contest
    assert places(contest) == BEFORE
    facts_before = list(ScoreEvent.objects.filter(contest=contest).values_list("pk", "team", "points", "reason"))
    event = services.score_adjust(
        contest=contest,
        team=four_teams.team["绿队"],
        points=10,
        reason="申诉成立：第2题标准答案有歧义",
        by=four_teams.host,
        correction=True,
    )
    # Green 110 + 10 = 120, level with blue: both second; yellow alone at 110 is fourth (1, 2, 2, 4).
    assert sorted(places(contest), key=lambda p: (p[2], p[0])) == [
        ("红队", 130, 1),
        ("绿队", 120, 2),
        ("蓝队", 120, 2),
        ("黄队", 110, 4),
    ]
    assert (event.reason, event.points, event.note, event.created_by) == (
        "correction",
        10,
        "申诉成立：第2题标准答案有歧义",
        four_teams.host,
    )
    # Append-only: every earlier fact is still there, unchanged, and one more follows them.
    facts_after = list(ScoreEvent.objects.filter(contest=contest).values_list("pk", "team", "points", "reason"))
    assert facts_after[:-1] == facts_before and len(facts_after) == len(facts_before) + 1
    entry = contest.audit.get(action="correct")
    assert entry.detail == {
        "kind": "adjust",
        "team": four_teams.team["绿队"].pk,
        "points": 10,
        "reason": "申诉成立：第2题标准答案有歧义",
    }
    assert contest.status == "finished"


def test_an_overrule_after_the_finish_scores_the_answer_as_ruled_and_ties_three_teams_second(four_teams):
    contest = four_teams.contest
    services.score_adjust(
        contest=contest, team=four_teams.team["绿队"], points=10, reason="申诉成立", by=four_teams.host, correction=True
    )
    wrong = four_teams.answers["yellow0", 2]  # yellow's 错 on Q2, scored 0 (no penalty)
    event = services.answer_override(
        contest=contest, answer=wrong, correct=True, reason="复核：答案可接受", by=four_teams.host, correction=True
    )
    # Ruled right: 10 - 0 = +10 for yellow, 120. Blue, green and yellow share second (1, 2, 2, 2).
    assert (event.reason, event.points, event.opening_id, event.member_id) == (
        "correction",
        10,
        wrong.opening_id,
        wrong.member_id,
    )
    assert sorted(places(contest), key=lambda p: (p[2], p[0])) == [
        ("红队", 130, 1),
        ("绿队", 120, 2),
        ("蓝队", 120, 2),
        ("黄队", 120, 2),
    ]
    # The same ruling again changes nothing, so it is refused and nothing is written.
    count = ScoreEvent.objects.filter(contest=contest).count()
    with pytest.raises(ContestRejected) as refused:
        services.answer_override(
            contest=contest, answer=wrong, correct=True, reason="再次", by=four_teams.host, correction=True
        )
    assert refused.value.code == "no_change"
    with translation.override("en"):  # the message is read in the reader's language
        assert str(refused.value.message) == "That answer already scores so: the correction would change nothing."
    assert ScoreEvent.objects.filter(contest=contest).count() == count
    assert [e.detail["kind"] for e in contest.audit.filter(action="correct").order_by("id")] == ["adjust", "override"]


def test_a_correction_needs_a_finished_contest_and_a_reason_and_the_live_console_stays_final(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1})
    with pytest.raises(ContestRejected) as refused:
        services.score_adjust(
            contest=contest, team=hall.team_red, points=10, reason="申诉", by=hall.host, correction=True
        )
    assert refused.value.code == "not_finished"
    with translation.override("en"):
        assert str(refused.value.message) == (
            "Results are corrected once the contest has finished; until then, rule and adjust on the host console."
        )
    services.contest_finish(contest=contest, by=hall.host)
    with pytest.raises(ContestRejected) as refused:
        services.score_adjust(contest=contest, team=hall.team_red, points=10, reason=" ", by=hall.host, correction=True)
    assert refused.value.code == "reason_required"
    with pytest.raises(ContestRejected) as refused:  # the host console's adjustment, after the finish
        services.score_adjust(contest=contest, team=hall.team_red, points=10, reason="申诉", by=hall.host)
    assert refused.value.code == "results_final"
    assert not ScoreEvent.objects.filter(contest=contest).exists()
    assert [(name, score) for name, score, _r in places(contest)] == [("红队", 100), ("蓝队", 100)]


def correct_url(contest):
    return reverse("contests:results_correct", args=[contest.join_code])


def test_an_organiser_corrects_finished_results_on_the_page_and_the_results_show_it(client, four_teams):
    contest = four_teams.contest
    client.force_login(four_teams.host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    results = client.get(reverse("contests:results", args=[contest.join_code])).content.decode()
    assert f'href="{correct_url(contest)}" id="correct-link"' in results
    green = four_teams.team["绿队"]
    response = client.post(
        correct_url(contest),
        {"adjust-team": green.pk, "adjust-points": "10", "adjust-reason": "Appeal upheld: Q2's key was ambiguous"},
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain == [(correct_url(contest), 302)]
    assert "Correction recorded: 绿队 +10. The standings below are recomputed." in page
    # The standings as the page lists them: 红 130 (1), 蓝 120 (2), 绿 120 (2), 黄 110 (4); blue
    # before green on equal score and time by team order.
    rows = re.findall(r"<tr><td>(\d+)</td><td>(.+?)</td><td[^>]*>(\d+)</td></tr>", page)
    assert rows == [("1", "红队", "130"), ("2", "蓝队", "120"), ("2", "绿队", "120"), ("4", "黄队", "110")]
    assert "Appeal upheld: Q2&#x27;s key was ambiguous" in page
    results = client.get(reverse("contests:results", args=[contest.join_code])).content.decode()
    assert "绿队 +10 · Correction after the finish · Appeal upheld: Q2&#x27;s key was ambiguous" in results


def test_the_correction_page_refuses_a_bad_entry_with_a_word_and_records_nothing(client, four_teams):
    contest = four_teams.contest
    client.force_login(four_teams.host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    green = four_teams.team["绿队"]
    for points, reason, message in [
        ("10", "", "该字段是必填项。"),
        ("0", "申诉", "更正 0 分不会改变任何分数。"),
        ("1001", "申诉", "1000"),
    ]:
        page = client.post(
            correct_url(contest), {"adjust-team": green.pk, "adjust-points": points, "adjust-reason": reason}
        )
        assert page.status_code == 200 and message in page.content.decode(), (points, reason)
    wrong = four_teams.answers["yellow0", 2]
    page = client.post(
        correct_url(contest), {"overrule-answer": wrong.pk, "overrule-correct": "0", "overrule-reason": "复核"}
    )
    assert "这个答案已按此计分，更正不会改变任何分数。" in page.content.decode()
    assert not ScoreEvent.objects.filter(contest=contest, reason="correction").exists()
    assert places(contest) == BEFORE


def test_the_correction_page_before_the_finish_points_to_the_console_and_members_cannot_open_it(client, hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1})
    client.force_login(hall.host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(correct_url(contest)).content.decode()
    assert 'id="not-finished"' in page and 'id="adjust-form"' not in page
    assert client.post(correct_url(contest), {"adjust-team": hall.team_red.pk, "adjust-points": "5"}).status_code == 200
    assert not ScoreEvent.objects.filter(contest=contest).exists()
    client.force_login(hall.red[0])
    assert client.get(correct_url(contest)).status_code == 403


def test_a_correction_days_after_the_finish_moves_no_team_s_finish_time_in_a_ranking(four_teams):
    from rankings.models import SnapshotRow
    from tests.rankings.test_compute import compute

    contest = four_teams.contest
    green = four_teams.team["绿队"]
    rule = factories.ranking_rule(
        four_teams.tree["audit"],
        subject="team",
        tie_breaks=["finished_at_asc"],
        sources=[{"kind": "contest", "contest": contest}],
    )
    # Green finished with its last scored answer of the contest itself.
    finished = max(ScoreEvent.objects.filter(contest=contest, team=green).values_list("created_at", flat=True))
    before = SnapshotRow.objects.get(snapshot=compute(rule), label="绿队")
    assert (before.finished_at, float(before.total)) == (finished, 110)
    # The appeal is upheld three days later: +10 points, and the same finish time as before.
    appeal_day = timezone.now() + timedelta(days=3)
    with mock.patch("django.utils.timezone.now", return_value=appeal_day):
        event = services.score_adjust(
            contest=contest, team=green, points=10, reason="申诉成立", by=four_teams.host, correction=True
        )
    assert event.created_at == appeal_day
    after = SnapshotRow.objects.get(snapshot=compute(rule), label="绿队")
    assert (after.finished_at, float(after.total)) == (finished, 120)
