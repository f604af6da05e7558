# ruff: noqa: F811 (the setup fixture imported from tests.contests.test_online)
"""An online contest earns its own points ("Online contest points", its own daily cap), not the
timed exams' "exam_submit" points under their cap, and its page says what it earns."""

import pytest
from django.test import Client

from contests.online import services
from lessons.models import PointEvent
from lessons.services.attempts import answer_save, attempt_start, attempt_submit
from tests import factories
from tests.contests.test_online import make_contest, setup, start, wrong_of  # noqa: F401

pytestmark = pytest.mark.django_db


def hand_in_an_exam(unit, bank, member):
    paper = factories.paper(unit, mode="exam", questions=[factories.question(bank, "true_false", key=[True])])
    attempt = attempt_start(paper=paper, member=member)
    answer_save(attempt=attempt, position=1, response="对")
    return attempt_submit(attempt=attempt)


def test_an_online_contest_earns_its_own_points_beside_a_full_timed_exam_cap(setup):
    """Two timed exams handed in: 2 + 2 = 4, the exams' cap of 4 reached. Then a contest attempt
    with one question answered: 2 more points of its own cap of 4 (the old code gave it 0,
    "exam_submit" being full), on its own line of the points history."""
    member = factories.member(setup["branch"])
    for _ in range(2):
        hand_in_an_exam(setup["organ"], setup["bank"], member)
    online = start(make_contest(setup), member)
    first = online.attempt.items.get(position=1)
    services.online_answer_save(online=online, device="phone-1", position=1, response=wrong_of(first))
    done = services.online_attempt_submit(online=online, device="phone-1")

    ledger = sorted(PointEvent.objects.filter(member=member).values_list("activity", "points", "source_key"))
    assert [(activity, points) for activity, points, _ in ledger] == [
        ("exam_submit", 2),
        ("exam_submit", 2),
        ("online_contest_submit", 2),
    ]
    assert ledger[-1][2] == f"attempt:{done.pk}"
    client = Client()
    client.force_login(member)
    for language, label, figure in (("zh-hans", "线上竞赛积分", "2 / 4 分"), ("en", "Online contest points", "2 / 4")):
        page = client.get("/study/points/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        today = page.split('id="points-today"')[1].split("</ul>")[0]
        row = today.split(label)[1].split("</li>")[0]
        assert figure in row


def test_the_contest_page_says_what_an_attempt_earns(setup):
    """The default rule: 2 points an attempt, up to 4 a day."""
    member = factories.member(setup["branch"])
    contest = make_contest(setup)
    client = Client()
    client.force_login(member)
    for language, said in (
        ("zh-hans", "交卷时至少答了一题，可得 2 积分，在积分中记为“线上竞赛积分”，每天最多 4 分。"),
        (
            "en",
            "Handing in an attempt with at least one question answered earns 2 points, shown as "
            "“Online contest points” in your points, up to 4 a day.",
        ),
    ):
        page = client.get(f"/contests/online/{contest.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert said in page
