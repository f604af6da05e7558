"""A timed paper's answer typed just before the member reloads or goes back is saved: the page
does not wait for the autosave's debounce when it is left (the answer arrived with the page
gone, a keepalive save)."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from lessons.models import AttemptItem
from lessons.services.attempts import attempt_start
from tests import factories
from tests.processes import wait_for

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "leave"), [("zh-hans", "reload"), ("en", "back")])
def test_an_exam_answer_typed_just_before_leaving_the_page_is_kept(asgi_server, signed_in_page, tree, language, leave):
    bank = factories.bank(tree["audit"])
    fill_in = factories.question(bank, "fill_blank", stem="党的____于2017年召开。", key=[["十九大"]])
    paper = factories.paper(tree["audit"], mode="exam", questions=[fill_in], time_limit_s=600)
    member = factories.member(tree["gz1"])
    attempt = attempt_start(paper=paper, member=member)
    page = signed_in_page(member, phone=True, viewport={"width": 390, "height": 844})
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
    url = f"{asgi_server}/study/attempts/{attempt.pk}/"
    if leave == "back":
        page.goto(f"{asgi_server}/study/")
    page.goto(url)
    blank = page.locator("#q1 input[type=text]").nth(0)
    blank.fill("十九大")  # a fill-in saves 600 ms after the last keystroke
    if leave == "reload":
        page.reload()
    else:
        page.go_back()
        page.wait_for_url("**/study/")

    def saved() -> bool:
        return AttemptItem.objects.get(attempt=attempt, position=1).saved_response == ["十九大"]

    wait_for(saved, timeout=10, what="the answer typed before leaving saved")
    page.goto(url)
    expect(page.locator("#q1 input[type=text]").nth(0)).to_have_value("十九大")
