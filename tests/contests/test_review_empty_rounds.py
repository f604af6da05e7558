"""The review step names rounds without questions: the start and the rehearsal refused a contest
whose rounds had none, but the review's list of what blocks a start did not say it."""

from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from contests import services
from contests.models import Round
from contests.wizard.services import contest_problems


def review(client, hall, language):
    client.force_login(hall.host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return unescape(client.get(reverse("contests:setup_review", args=[hall.contest.join_code])).content.decode())


@pytest.mark.parametrize(
    ("language", "message", "link_text"),
    [
        ("en", "Add questions before starting: the contest's rounds have none yet.", "Set up rounds"),
        ("zh-hans", "请先为环节添加题目再开始：本竞赛的环节里还没有题目。", "设置环节"),
    ],
)
def test_rounds_all_without_questions_block_the_start_on_the_review_with_a_link(
    client, hall, language, message, link_text
):
    services.round_add(contest=hall.contest, type=Round.Type.COMPULSORY, versions=[])
    # The start refuses it in these words; the review says it among what blocks the start.
    assert services.start_missing(hall.contest).message == "请先为环节添加题目再开始：本竞赛的环节里还没有题目。"
    [problem] = contest_problems(hall.contest)
    assert problem.blocks_start
    page = review(client, hall, language)
    blockers = page.split('id="review-blockers"', 1)[1].split("</div>", 1)[0]
    rounds_page = reverse("contests:setup_rounds", args=[hall.contest.join_code])
    assert f'{message} <a href="{rounds_page}" class="alert-link text-nowrap">{link_text}</a>' in blockers


def test_an_empty_round_beside_rounds_with_questions_is_named_as_a_warning(client, hall):
    services.round_add(contest=hall.contest, type=Round.Type.COMPULSORY, versions=hall.versions[:2])
    services.round_add(contest=hall.contest, type=Round.Type.BUZZER, versions=[], title="抢答", title_en="Buzzer")
    # Round 1 has 2 questions, so the contest may start; round 2 has none and is named.
    assert services.start_missing(hall.contest) is None
    [problem] = contest_problems(hall.contest)
    assert not problem.blocks_start
    page = review(client, hall, "en")
    warnings = page.split('id="review-problems"', 1)[1].split("</div>", 1)[0]
    assert "Round 2, Buzzer, has no questions: it has nothing to play." in warnings
    assert "第 2 环节“抢答”还没有题目：该环节无题可答。" in review(client, hall, "zh-hans")
