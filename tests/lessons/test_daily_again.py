"""Starting today's daily quiz again once it is done (a re-sent form, the home page's Start kept
from before) says it is done, on the study page it goes back to."""

import pytest

from lessons.services.attempts import answer_submit, attempt_start
from tests import factories


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("zh-hans", "今天的每日答题已完成"),
        ("en", "You have done today&#x27;s daily quiz"),
    ],
)
def test_starting_a_finished_daily_quiz_again_says_it_is_done_for_today(tree, language, said):
    bank = factories.bank(tree["audit"])
    member = factories.member(tree["gz1"])
    paper = factories.paper(tree["audit"], mode="daily", questions=[factories.question(bank, "true_false", key=[True])])
    attempt = attempt_start(paper=paper, member=member)
    answer_submit(attempt=attempt, position=1, response="对")  # the only question: the quiz is done
    client = factories.client_in(language, member)
    again = client.post(f"/study/papers/{paper.pk}/start/", follow=True)
    assert again.redirect_chain[-1][0] == "/study/"
    page = again.content.decode()
    assert said in page and f'href="/study/attempts/{attempt.pk}/result/"' in page
