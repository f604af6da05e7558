"""Exam results say whether the member passed against the paper's pass mark, and how long it took."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from lessons.services.attempts import answer_save, attempt_start, attempt_submit
from tests import factories
from tests.lessons.test_attempts import right_answer


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


def exam(tree, *, pass_mark):
    """Five single-choice questions at 1 point each: 5 points in all."""
    bank = factories.bank(tree["audit"])
    questions = [factories.question(bank, "single") for _ in range(5)]
    return factories.paper(tree["audit"], mode="exam", questions=questions, time_limit_s=600, pass_mark=pass_mark)


def sit(paper, member, *, right: int, seconds: int):
    """Answer the first `right` questions right and leave the rest, then submit after `seconds`."""
    started = timezone.now() - timedelta(seconds=seconds)
    attempt = attempt_start(paper=paper, member=member, at=started)
    for item in attempt.items.select_related("version").order_by("position")[:right]:
        answer_save(attempt=attempt, position=item.position, response=right_answer(item), at=started)
    return attempt_submit(attempt=attempt, at=started + timedelta(seconds=seconds))


def pass_status(body: str) -> list[str] | None:
    match = re.search(r'id="pass-status">(.*?)</div>', body, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).split() if match else None


def test_exactly_the_pass_mark_passes(tree, member):
    # 3 of 5 points is 60%: the pass mark itself.
    attempt = sit(exam(tree, pass_mark=60), member, right=3, seconds=125)
    assert attempt.score == Decimal(3) and attempt.max_score == Decimal(5)
    assert attempt.passed is True


def test_one_point_below_the_pass_mark_does_not_pass(tree, member):
    # 2 of 5 points is 40%; 3 would be needed for 60%.
    assert sit(exam(tree, pass_mark=60), member, right=2, seconds=60).passed is False


def test_a_share_just_under_the_mark_does_not_pass(tree, member):
    # 3 of 5 is 60%, one short of 61%: no rounding up.
    assert sit(exam(tree, pass_mark=61), member, right=3, seconds=60).passed is False


def test_without_a_pass_mark_there_is_no_verdict(client, tree, member):
    sit(exam(tree, pass_mark=None), member, right=5, seconds=60)
    attempt = member.attempts.get()
    assert attempt.passed is None
    client.force_login(member)
    body = client.get(reverse("lessons:attempt_result", args=[attempt.pk])).content.decode()
    assert 'id="pass-status"' not in body


def test_the_result_page_shows_passed_and_the_time_used(client, tree, member):
    attempt = sit(exam(tree, pass_mark=60), member, right=3, seconds=125)
    client.force_login(member)
    body = client.get(reverse("lessons:attempt_result", args=[attempt.pk])).content.decode()
    assert pass_status(body) == ["合格", "及格线", "60%"]
    assert "用时 2 分 5 秒" in body


def test_the_result_page_lists_earlier_attempts_with_their_verdicts(client, tree, member):
    paper = exam(tree, pass_mark=60)
    sit(paper, member, right=2, seconds=90)
    second = sit(paper, member, right=4, seconds=61)
    client.force_login(member)
    body = client.get(reverse("lessons:attempt_result", args=[second.pk])).content.decode()
    assert pass_status(body)[0] == "合格"
    rows = re.findall(r'data-attempt="(\d)">(.*?)</li>', body, re.S)
    assert [(n, "不合格" in row, "用时 1 分 30 秒" in row) for n, row in rows] == [
        ("1", True, True),
        ("2", False, False),
    ]
    assert "用时 1 分 1 秒" in rows[1][1]


def test_the_review_says_not_answered_for_questions_left_blank(client, tree, member):
    # Two answered right, three left: the three are "not answered", not "not right".
    attempt = sit(exam(tree, pass_mark=None), member, right=2, seconds=60)
    client.force_login(member)
    body = client.get(reverse("lessons:attempt_result", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    verdicts = re.findall(r'<div class="alert [^"]*"[^>]*>\s*<strong>(.*?)</strong>', body.content.decode())
    assert verdicts == ["答对了", "答对了", "未作答", "未作答", "未作答"]


@pytest.mark.parametrize(("title", "badge"), [("每日答题", False), ("党章每日一练", True)])
def test_the_attempt_bar_names_the_mode_only_when_the_title_does_not(client, tree, member, title, badge):
    bank = factories.bank(tree["audit"])
    paper = factories.paper(tree["audit"], mode="daily", title=title, questions=[factories.question(bank)])
    attempt = attempt_start(paper=paper, member=member)
    client.force_login(member)
    page = client.get(reverse("lessons:attempt", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ('id="paper-mode"' in page) is badge


def test_the_result_shows_a_fill_in_key_as_the_live_feedback_does_not_as_the_import_file_writes_it(
    client, tree, member
):
    bank = factories.bank(tree["audit"])
    fill_in = factories.question(bank, "fill_blank", stem="____大，____年", key=[["十九大"], ["2017", "二〇一七"]])
    paper = factories.paper(tree["audit"], mode="exam", questions=[fill_in], time_limit_s=600)
    attempt = attempt_start(paper=paper, member=member)
    answer_save(attempt=attempt, position=1, response=["十九大", "2018"])
    attempt_submit(attempt=attempt)
    client.force_login(member)
    body = client.get(reverse("lessons:attempt_result", args=[attempt.pk])).content.decode()
    assert "十九大；2017 / 二〇一七" in body
    assert "2017|二〇一七" not in body
    # An English page splits the blanks the English way, as the live feedback does ("; ").
    english = factories.client_in("en", member).get(reverse("lessons:attempt_result", args=[attempt.pk]))
    assert "十九大; 2017 / 二〇一七" in english.content.decode()


@pytest.mark.parametrize(
    ("language", "seconds", "shown"),
    [
        ("zh-hans", 4.817, "用时 0 分 4.8 秒"),  # it said 0 分 4 秒: cut, not rounded
        ("en", 125.44, "Time used: 2 min 5.4 s"),  # 125.44 s = 2 min 5.44 s, to a tenth 5.4
        ("en", 119.96, "Time used: 2 min 0 s"),  # 119.96 s to a tenth is 120.0 s: never "1 min 60 s"
    ],
)
def test_the_time_used_is_shown_to_a_tenth_of_a_second(tree, member, language, seconds, shown):
    attempt = sit(exam(tree, pass_mark=60), member, right=3, seconds=seconds)
    assert attempt.time_used_s == round(seconds, 3)
    body = factories.client_in(language, member).get(reverse("lessons:attempt_result", args=[attempt.pk])).text
    assert shown in body
