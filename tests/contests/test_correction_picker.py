"""The correction page's answer picker shows each answer's mark as it stands after the rulings,
and the ruling: it showed the first mark, so an answer the host had ruled right in the contest
still read ✗ and the organiser corrected a verdict that no longer stood."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from contests import services
from contests.models import Round
from tests.contests.conftest import start


@pytest.fixture
def ruled(hall):
    """One compulsory question of 10 points (key 对): red answers 对 (marked ✓), blue 错 (marked
    ✗); the host rules blue's answer right in the contest, then the contest finishes, and an
    organiser corrects red's answer to wrong after the finish."""
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1, "points": 10})
    services.question_open(contest=contest, by=hall.host)
    red = services.answer_submit(contest=contest, member=hall.red[0], response="对", client_answer_id="r1")
    blue = services.answer_submit(contest=contest, member=hall.blue[0], response="错", client_answer_id="b1")
    services.question_reveal(contest=contest, by=hall.host)
    services.answer_override(contest=contest, answer=blue, correct=True, reason="读音可接受", by=hall.host)
    services.contest_finish(contest=contest, by=hall.host)
    services.answer_override(
        contest=contest, answer=red, correct=False, reason="申诉：抢先作答", by=hall.host, correction=True
    )
    contest.refresh_from_db()
    return {"contest": contest, "host": hall.host, "red": red, "blue": blue}


def options(client, contest, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("contests:results_correct", args=[contest.join_code])).content.decode()
    picker = re.search(r'<select[^>]*name="overrule-answer"[^>]*>(.*?)</select>', page, re.S).group(1)
    return {
        int(value): unescape(text) for value, text in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', picker)
    }


def test_the_picker_shows_each_answer_s_mark_after_the_rulings_and_the_ruling(client, ruled):
    client.force_login(ruled["host"])
    contest, red, blue = ruled["contest"], ruled["red"], ruled["blue"]
    with translation.override("en"):
        round_title = contest.rounds.get().display_title
    member = {red.pk: red.member.display_name, blue.pk: blue.member.display_name}
    english = options(client, contest, "en")
    # Blue's 错 (False) was marked ✗ and ruled right in the contest: ✓ now. Red's 对 (True) was marked ✓ and
    # corrected to wrong after the finish: ✗ now.
    assert english[blue.pk] == (
        f"{round_title} · Q1 · 蓝队 · {member[blue.pk]}: False ✓ (ruled ✓ in the contest, first marked ✗: 读音可接受)"
    )
    assert english[red.pk] == (
        f"{round_title} · Q1 · 红队 · {member[red.pk]}: True ✗"
        " (corrected to ✗ after the finish, first marked ✓: 申诉：抢先作答)"
    )
    chinese = options(client, contest, "zh-hans")
    assert chinese[blue.pk].endswith("：错 ✓（赛中裁定为 ✓，原判 ✗：读音可接受）")
    assert chinese[red.pk].endswith("：对 ✗（赛后更正为 ✗，原判 ✓：申诉：抢先作答）")


def test_an_answer_nobody_ruled_on_shows_its_first_mark_alone(client, hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1, "points": 10})
    services.question_open(contest=contest, by=hall.host)
    blue = services.answer_submit(contest=contest, member=hall.blue[0], response="错", client_answer_id="b1")
    services.question_reveal(contest=contest, by=hall.host)
    services.contest_finish(contest=contest, by=hall.host)
    client.force_login(hall.host)
    shown = options(client, contest, "en")[blue.pk]
    assert shown.endswith(f"· 蓝队 · {blue.member.display_name}: False ✗")
