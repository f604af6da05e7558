"""Fixes from the QA walk of contest day: the results export adds up, skip confirms, the
console's ruling links, the correction page's ties, rehearsal titles, refusals' wording."""

import re
from datetime import timedelta
from io import BytesIO

from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from contests import services
from contests.models import Round
from contests.wizard import services as wizard
from tests.factories import client_in
from tests.spreadsheets import FORMULA


def play_reconciled_contest(hall):
    """Base 100, right +10 / wrong −5: Q1 red right, blue wrong; Q2 both answer, then skipped;
    Q3 red wrong, blue right; +15 to blue in the contest; after the finish red's Q3 is overruled
    to right and red gets a −3 correction."""
    contest, host = hall.contest, hall.host
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, versions=hall.versions[:3], points=10, penalty=5)
    services.contest_start(contest=contest, by=host)
    responses = [("对", "错"), ("对", "对"), ("错", "对")]
    for number, (red, blue) in enumerate(responses, start=1):
        services.question_open(contest=contest, by=host)
        services.answer_submit(contest=contest, member=hall.red[0], response=red, client_answer_id=f"r{number}")
        services.answer_submit(contest=contest, member=hall.blue[0], response=blue, client_answer_id=f"b{number}")
        if number == 2:
            services.question_skip(contest=contest, by=host, reason="题目有歧义")
        else:
            services.question_reveal(contest=contest, by=host)
    services.score_adjust(contest=contest, team=hall.team_blue, points=15, reason=FORMULA, by=host)
    services.contest_finish(contest=contest, by=host)
    red_q3 = contest.teams.get(pk=hall.team_red.pk).answers.get(client_answer_id="r3")
    services.answer_override(
        contest=contest, answer=red_q3, correct=True, reason="申诉成立：答案有误", by=host, correction=True
    )
    services.score_adjust(contest=contest, team=hall.team_red, points=-3, reason="场外提示", by=host, correction=True)
    return contest


def test_results_export_adds_up_to_each_teams_score(hall):
    contest = play_reconciled_contest(hall)
    book = load_workbook(BytesIO(client_in("en", hall.host).get(f"/contests/{contest.join_code}/results.xlsx").content))
    teams, answers, changes = book.worksheets
    assert changes.title == "Adjustments and corrections"
    header, *rows = teams.iter_rows(min_row=2, max_row=4, values_only=True)
    assert header == (
        "Rank",
        "Team",
        "Score",
        "Base score",
        "Points on the answers sheet",
        "Adjustments and corrections",
    )
    # Red: 100 + 10 (Q1) + 0 (Q2 voided) + (−5 + 15 = 10) (Q3 overruled) − 3 = 117.
    # Blue: 100 − 5 (Q1) + 0 (Q2 voided) + 10 (Q3) + 15 = 120.
    assert rows == [(1, "蓝队", 120, 100, 5, 15), (2, "红队", 117, 100, 20, -3)]
    answer_rows = list(answers.iter_rows(min_row=2, values_only=True))
    # Team, answer (in the export's language: 对 is True), mark, points, note.
    assert [(row[3], row[5], row[6], row[7]) for row in answer_rows] == [
        ("红队", "True", "✓", 10),
        ("蓝队", "False", "✗", -5),
        ("红队", "True", "Voided", 0),
        ("蓝队", "True", "Voided", 0),
        ("红队", "False", "✓", 10),
        ("蓝队", "True", "✓", 10),
    ]
    assert answer_rows[2][8] == "Voided: the question was skipped (题目有歧义)"
    assert answer_rows[4][8].startswith("Corrected after the finish to right (")
    assert answer_rows[4][8].endswith(": 申诉成立：答案有误")
    change_rows = list(changes.iter_rows(min_row=2, max_row=3, values_only=True))
    # Time, team, points, kind, reason (a formula's text stays text), by.
    assert [row[1:5] for row in change_rows] == [
        ("蓝队", 15, "Adjustment", FORMULA),
        ("红队", -3, "Correction after the finish", "场外提示"),
    ]
    assert all(row[0] and row[5] for row in change_rows)
    # The file sums to the first sheet: base + answers' points + adjustments and corrections.
    score = dict.fromkeys(("红队", "蓝队"), 100)
    for row in answer_rows:
        score[row[3]] += row[7]
    for row in change_rows:
        score[row[1]] += row[2]
    assert score == {"红队": 117, "蓝队": 120}
    assert [cell.data_type for cell in next(changes.iter_rows(min_row=2, max_row=2))][4] == "s"


def test_results_export_in_chinese_marks_voided_and_corrected_answers(hall):
    contest = play_reconciled_contest(hall)
    book = load_workbook(
        BytesIO(client_in("zh-hans", hall.host).get(f"/contests/{contest.join_code}/results.xlsx").content)
    )
    teams, answers, changes = book.worksheets
    assert changes.title == "调整与更正"
    assert next(teams.iter_rows(min_row=2, max_row=2, values_only=True))[3:] == (
        "基础分",
        "答题得分（见作答情况表）",
        "调整与更正",
    )
    answer_rows = list(answers.iter_rows(min_row=2, values_only=True))
    assert answer_rows[2][6:9] == ("作废", 0, "作废：该题已跳过（题目有歧义）")
    assert answer_rows[4][8].startswith("赛后更正为正确")
    assert [row[3] for row in changes.iter_rows(min_row=2, max_row=3, values_only=True)] == ["分数调整", "赛后更正"]


def test_correction_page_shows_relay_time_and_the_less_time_mark_of_a_tie(hall):
    contest, host = hall.contest, hall.host
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=hall.versions[:1], time_limit_s=60)
    services.contest_start(contest=contest, by=host)
    opened = services.question_open(contest=contest, by=host).opened_at
    # Both right (110 each): red after 2 s, blue after 5 s, so red is placed first on time.
    services.answer_submit(
        contest=contest, member=hall.red[0], response="对", client_answer_id="r", at=opened + timedelta(seconds=2)
    )
    services.answer_submit(
        contest=contest, member=hall.blue[0], response="对", client_answer_id="b", at=opened + timedelta(seconds=5)
    )
    services.contest_finish(contest=contest, by=host)
    url = reverse("contests:results_correct", args=[contest.join_code])
    for language, relay, mark, note in (
        ("zh-hans", "接力用时（秒）", "用时少", "得分相同的队伍按接力用时较短者排前"),
        ("en", "Relay time (s)", "less time", "placed by the shorter relay time"),
    ):
        page = client_in(language, host).get(url).content.decode()
        standings = page[page.index('id="standings"') : page.index("</table>", page.index('id="standings"'))]
        rows = re.findall(r"<tr>(.*?)</tr>", standings, re.S)
        assert relay in rows[0]
        # Rank, team with its mark, score, relay time.
        assert "红队" in rows[1] and 'class="qs-tie-note"' in rows[1] and f">{mark}</small>" in rows[1]
        assert ">110<" in rows[1] and ">2.0<" in rows[1]
        assert ">110<" in rows[2] and ">5.0<" in rows[2] and mark not in rows[2]
        assert note in page


def test_rehearsal_keeps_a_title_in_each_language_with_that_languages_mark(hall):
    contest, host = hall.contest, hall.host
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, versions=hall.versions[:1])
    contest.title, contest.title_en = "竞赛日接力赛", "Contest-day relay"
    contest.save()
    with translation.override("zh-hans"):  # rehearsed by an organiser reading in Chinese
        rehearsal = wizard.contest_rehearse(contest=contest, by=host)
    assert (rehearsal.title, rehearsal.title_en) == ("竞赛日接力赛（彩排）", "Contest-day relay (rehearsal)")
    console = reverse("contests:host", args=[rehearsal.join_code])
    assert (
        '<h1 class="h4 mb-0">Contest-day relay (rehearsal)</h1>' in client_in("en", host).get(console).content.decode()
    )
    assert '<h1 class="h4 mb-0">竞赛日接力赛（彩排）</h1>' in client_in("zh-hans", host).get(console).content.decode()

    # Without an English title, an English page shows the title as typed, with the English mark.
    contest.title_en = ""
    contest.save()
    with translation.override("en"):  # reset by an organiser reading in English
        rehearsal = wizard.contest_rehearse(contest=contest, by=host, fresh=True)
    assert (rehearsal.title, rehearsal.title_en) == ("竞赛日接力赛（彩排）", "竞赛日接力赛 (rehearsal)")


def test_a_typed_code_that_finds_nothing_is_told_to_check_it_in_both_languages(hall):
    player = hall.red[0]
    for language, words in (
        ("zh-hans", "此加入码找不到您所在参赛队参加的竞赛：请核对加入码，或询问竞赛组织者。"),
        ("en", "No contest with this code has you on a team: check the code, or ask the organiser."),
    ):
        client = client_in(language, player)
        # A code no contest has, and a contest the member is not on: the same words for both.
        other = services.contest_create(title="别的竞赛", unit=hall.tree["audit"])
        for code in ("ZZZZZZ", other.join_code):
            assert words in client.post("/contests/join/", {"code": code}).content.decode()


def test_results_page_gives_the_time_of_in_contest_adjustments_as_of_corrections(hall):
    contest, host = hall.contest, hall.host
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, versions=hall.versions[:1])
    services.contest_start(contest=contest, by=host)
    adjustment = services.score_adjust(contest=contest, team=hall.team_blue, points=15, reason="主持人加分", by=host)
    services.contest_finish(contest=contest, by=host)
    correction = services.score_adjust(
        contest=contest, team=hall.team_red, points=-3, reason="场外提示", by=host, correction=True
    )
    for language in ("zh-hans", "en"):
        page = client_in(language, host).get(reverse("contests:results", args=[contest.join_code])).content.decode()
        for event in (adjustment, correction):
            line = next(line for line in re.findall(r"<li .*?</li>", page, re.S) if event.note in line)
            assert timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M") in line, line
