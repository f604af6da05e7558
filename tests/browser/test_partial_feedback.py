"""Practice feedback on the page says a partly right answer is partly right, with its marks."""

import pytest
from playwright.sync_api import expect

from lessons.models import Paper, PaperQuestion
from lessons.presenters import shown_letters
from lessons.services.attempts import attempt_start
from lessons.services.questions import bank_create, question_create
from lessons.validation import QuestionContent
from orgs.models import User
from tests.browser.test_shell import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("language", "verdict", "marks"), [("zh-hans", "部分正确", "得 1/2 分"), ("en", "Partly right", "1 of 2 marks")]
)
def test_one_of_two_right_options_is_told_partly_right_at_once(
    live_server, demo, page_factory, language, verdict, marks
):
    member = User.objects.get(username="member")
    bank = bank_create(slug="partial", name="部分得分", unit=member.unit)
    content = QuestionContent(
        type="multiple", stem="下列属于“四个自信”的有：", options=["道路", "技术", "理论", "制度"], key=["C", "D"]
    )
    paper = Paper.objects.create(
        title="部分得分练习", unit=member.unit, mode="practice", status="published", multiple_scoring="partial"
    )
    PaperQuestion.objects.create(paper=paper, question=question_create(bank=bank, content=content), position=1)
    attempt = attempt_start(paper=paper, member=member)
    item = attempt.items.select_related("version").get()
    page = page_factory(phone=True)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    sign_in(page, live_server.url, "member")
    page.goto(f"{live_server.url}/study/attempts/{attempt.pk}/")
    (picked,) = shown_letters(item, ["C"])
    page.locator(f"#q1 input[value='{picked}']").check()
    page.locator("#q1 .qs-answer-button").click()
    feedback = page.locator("#q1 .qs-feedback .alert-warning")
    expect(feedback).to_have_attribute("data-verdict", "partly_right")
    expect(feedback.locator("strong")).to_have_text(verdict)
    expect(feedback.locator(".qs-marks")).to_have_text(marks)
