"""On a phone and a desktop, in both languages: a practice answer with a blank left empty is asked
about before it is marked, a timed paper's hand-in names the fill-ins with an empty blank, a live
contest's phone sends such an answer on the second tap, and a paste longer than a blank holds
says it was cut (the browser cuts it silently), on a practice paper and on a live contest's phone."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from contests import services
from contests.models import ContestAnswer, Round
from lessons.models import Answer
from lessons.services.attempts import attempt_start
from tests import factories
from tests.processes import wait_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TEXTS = {
    "zh-hans": {
        "blank_empty": "第 2 空还没有填。请填上，或点“按现在的答案提交”直接判分。",
        "as_it_stands": "按现在的答案提交",
        "submit": "提交答案",
        "saved": "已保存",
        "count": "已填 170 个字，最多 200 个",
        "cut": "每空最多 200 个字：粘贴内容超出的部分没有填入。",
        "partly": "有空没填的填空题：第 1 题。",
        "connected": "已连接",
        "live_empty": "第 1 空还没有填。再点一次“提交答案”即按现在的答案提交。",
        "too_long": "第 1 空有 201 个字符，答案最多 200 个字符。",
    },
    "en": {
        "blank_empty": "Blank 2 is empty. Fill it in, "
        "or press “Submit as it stands” to have the answer marked as it is.",
        "as_it_stands": "Submit as it stands",
        "submit": "Submit answer",
        "saved": "Saved",
        "count": "170 of 200 characters",
        "cut": "A blank holds at most 200 characters: the rest of the pasted text was left out.",
        "partly": "Fill-in questions with a blank left empty: 1.",
        "connected": "Connected",
        "live_empty": "Still empty: blank 1. Tap Submit again to send the answer as it stands.",
        "too_long": "Blank 1 has 201 characters; an answer may have at most 200.",
    },
}


@pytest.fixture
def world(tree):
    bank = factories.bank(tree["audit"])
    questions = [
        factories.question(bank, "fill_blank", stem=f"第{n}题：党的____于____年召开。", key=[["十九大"], ["2017"]])
        for n in (1, 2, 3)
    ]
    member = factories.member(tree["gz1"])
    return {"tree": tree, "questions": questions, "member": member}


def open_page(signed_in_page, asgi_server, member, language: str, phone: bool):
    page = signed_in_page(member, phone=phone, viewport=PHONE if phone else DESKTOP)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/shots/fillin/{name}.png", full_page=True)


@pytest.mark.parametrize(("language", "phone"), [("zh-hans", True), ("en", False)])
def test_a_practice_answer_with_a_blank_left_empty_is_asked_about_and_the_typed_text_kept(
    asgi_server, signed_in_page, world, language, phone
):
    texts = TEXTS[language]
    paper = factories.paper(
        world["tree"]["audit"], mode="practice", questions=world["questions"], shuffle_questions=False
    )
    attempt = attempt_start(paper=paper, member=world["member"])
    page = open_page(signed_in_page, asgi_server, world["member"], language, phone)
    page.goto(f"{asgi_server}/study/attempts/{attempt.pk}/")
    first, second = page.locator("#q1"), page.locator("#q2")
    blanks = first.locator("input[type=text]")

    blanks.nth(0).fill("十九大")
    first.locator(".qs-answer-button").click()

    expect(first.locator(".qs-feedback .alert-warning")).to_have_text(texts["blank_empty"])
    expect(blanks.nth(1)).to_have_class("form-control is-invalid")
    expect(first.locator(".qs-answer-button")).to_have_text(texts["as_it_stands"])
    expect(blanks.nth(0)).to_have_value("十九大")  # what was typed stays
    shot(page, f"practice-blank-empty-{language}-{'phone' if phone else 'desktop'}")
    assert not Answer.objects.filter(item__attempt=attempt).exists()

    first.locator(".qs-answer-button").click()  # submitted as it stands

    expect(first.locator(".qs-feedback .alert-danger")).to_have_count(1)  # marked: not right
    assert Answer.objects.get(item__attempt=attempt, item__position=1).response == ["十九大", ""]

    # Typing in the empty blank after the question takes it back: it is marked as finished.
    second.locator("input[type=text]").nth(0).fill("十九大")
    second.locator(".qs-answer-button").click()
    expect(second.locator(".qs-answer-button")).to_have_text(texts["as_it_stands"])
    second.locator("input[type=text]").nth(1).fill("2017")
    expect(second.locator(".qs-answer-button")).to_have_text(texts["submit"])
    expect(second.locator("input.is-invalid")).to_have_count(0)
    second.locator(".qs-answer-button").click()
    expect(second.locator(".qs-feedback .alert-success")).to_have_count(1)  # marked: right


@pytest.mark.parametrize(("language", "phone"), [("zh-hans", True), ("en", False)])
def test_a_paste_longer_than_a_blank_holds_says_it_was_cut_and_the_count_shows_near_the_limit(
    asgi_server, signed_in_page, world, language, phone
):
    texts = TEXTS[language]
    paper = factories.paper(world["tree"]["audit"], mode="practice", questions=world["questions"][:1])
    attempt = attempt_start(paper=paper, member=world["member"])
    page = open_page(signed_in_page, asgi_server, world["member"], language, phone)
    page.goto(f"{asgi_server}/study/attempts/{attempt.pk}/")
    blank = page.locator("#q1 input[type=text]").nth(0)
    note = page.locator("#q1 .qs-length-note").nth(0)
    expect(note).to_be_hidden()  # far from the limit, nothing to say

    blank.click()
    page.keyboard.insert_text("党" * 170)  # 170 >= 80% of 200: counted
    expect(note).to_have_text(texts["count"])
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text("章" * 250)  # 250 over 200, replacing the selection: cut to 200

    expect(blank).to_have_value("章" * 200)
    expect(note).to_have_text(texts["cut"])
    expect(note).to_have_class("form-text qs-length-note text-danger")
    shot(page, f"practice-paste-cut-{language}-{'phone' if phone else 'desktop'}")
    page.keyboard.press("Backspace")
    expect(note).to_have_text(texts["count"].replace("170", "199"))


@pytest.mark.parametrize(("language", "phone"), [("zh-hans", True), ("en", False)])
def test_handing_in_a_timed_paper_names_the_fill_ins_with_a_blank_left_empty(
    asgi_server, signed_in_page, world, language, phone
):
    texts = TEXTS[language]
    paper = factories.paper(
        world["tree"]["audit"], mode="exam", questions=world["questions"][:2], time_limit_s=600, shuffle_questions=False
    )
    attempt = attempt_start(paper=paper, member=world["member"])
    page = open_page(signed_in_page, asgi_server, world["member"], language, phone)
    page.goto(f"{asgi_server}/study/attempts/{attempt.pk}/")
    page.locator("#q1 input[type=text]").nth(0).fill("十九大")
    expect(page.locator("#attempt-status")).to_contain_text(texts["saved"])  # the draft is kept
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss()  # not yet

    page.once("dialog", answer)
    page.locator("#submit-button").click()

    expect(page.locator("#submit-button")).to_be_visible()
    assert len(questions) == 1 and texts["partly"] in questions[0].split("\n")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#submit-button").click()
    page.wait_for_url("**/result/")
    expect(page.locator("#q1 input[type=text]").nth(0)).to_have_value("十九大")  # handed in as it stood
    assert Answer.objects.get(item__attempt=attempt, item__position=1).response == ["十九大", ""]


def relay_of_one_fill_in(world, *, time_limit_s: int):
    """A live relay of the world's two-blank fill-in, its one team the world's member; the host."""
    unit = world["tree"]["gz1"]
    host = factories.organiser(unit, username="host", real_name="主持人")
    runner = world["member"]
    contest = services.contest_create(title="填空接力", unit=unit, by=host)
    services.team_add(contest=contest, name="红队", unit=unit, legs=[runner])
    fill_in = world["questions"][0].current
    services.round_add(
        contest=contest, type=Round.Type.RELAY, title="接力赛", versions=[fill_in], time_limit_s=time_limit_s
    )
    return contest, host, runner


@pytest.mark.parametrize(("language", "phone"), [("zh-hans", True), ("en", False)])
def test_a_live_answer_with_a_blank_left_empty_is_sent_on_the_second_tap(
    asgi_server, signed_in_page, world, language, phone
):
    contest, host, runner = relay_of_one_fill_in(world, time_limit_s=120)
    console = signed_in_page(host)
    player = open_page(signed_in_page, asgi_server, runner, language, phone)
    console.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    player.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    console.locator("#connection", has_text="已连接").wait_for()
    player.locator("#connection", has_text=TEXTS[language]["connected"]).wait_for()
    console.click("#start-button")
    console.click("#open-button")
    blanks = player.locator("#controls input")
    expect(blanks).to_have_count(2)

    blanks.nth(1).fill("2017")
    player.locator("#controls button.btn-primary").click()

    expect(player.locator("#controls [role=alert]")).to_have_text(TEXTS[language]["live_empty"])
    shot(player, f"live-blank-empty-{language}-{'phone' if phone else 'desktop'}")
    assert not ContestAnswer.objects.filter(opening__contest=contest).exists()
    player.locator("#controls button.btn-primary").click()  # as it stands
    expect(player.locator("#controls [role=alert]")).to_have_count(0)
    answers = ContestAnswer.objects.filter(opening__contest=contest)
    wait_for(answers.exists, timeout=15, what="the stored answer")
    assert [(a.response, a.is_correct) for a in answers] == [(["", "2017"], False)]


@pytest.mark.parametrize(("language", "phone"), [("zh-hans", True), ("en", True), ("zh-hans", False), ("en", False)])
def test_a_live_phones_blanks_count_towards_the_servers_limit_and_its_refusal_keeps_the_typed_text(
    asgi_server, signed_in_page, world, language, phone
):
    texts = TEXTS[language]
    contest, host, runner = relay_of_one_fill_in(world, time_limit_s=600)
    services.contest_start(contest=contest, by=host)
    services.question_open(contest=contest, by=host)
    player = open_page(signed_in_page, asgi_server, runner, language, phone)
    player.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    blanks = player.locator("#controls .qs-blank input")
    notes = player.locator("#controls .qs-length-note")
    expect(blanks).to_have_count(2)
    expect(blanks.nth(0)).to_have_attribute("maxlength", "200")  # lessons.grading.BLANK_MAX_CHARS
    expect(notes.nth(0)).to_be_hidden()  # far from the limit, nothing to say

    blanks.nth(0).click()
    player.keyboard.insert_text("党" * 170)  # 170 >= 80% of 200: counted
    expect(notes.nth(0)).to_have_text(texts["count"])
    player.keyboard.press("ControlOrMeta+a")
    player.keyboard.insert_text("章" * 250)  # 250 over 200, replacing the selection: cut to 200
    expect(blanks.nth(0)).to_have_value("章" * 200)
    expect(notes.nth(0)).to_have_text(texts["cut"])
    expect(notes.nth(0)).to_have_class("form-text qs-length-note text-danger")
    shot_live(player, f"phone-blank-cut-{language}-{'phone' if phone else 'desktop'}")

    # A page that took more than the limit (its maxlength gone) is refused by the server: the
    # phone says which blank and how long, and keeps what was typed. 200 + 1 = 201 characters.
    blanks.nth(0).evaluate("input => input.removeAttribute('maxlength')")
    blanks.nth(0).fill("章" * 201)
    blanks.nth(1).fill("2017")
    player.locator("#controls button.btn-primary").click()
    expect(player.locator("#feedback .alert")).to_have_text(texts["too_long"])
    expect(blanks.nth(0)).to_have_value("章" * 201)
    expect(blanks.nth(1)).to_have_value("2017")
    expect(blanks.nth(0)).to_have_attribute("aria-invalid", "true")
    shot_live(player, f"phone-blank-refused-{language}-{'phone' if phone else 'desktop'}")
    assert not ContestAnswer.objects.filter(opening__contest=contest).exists()

    # Cut back to the limit, the same answer is taken: 201 - 1 = 200 characters.
    blanks.nth(0).fill("章" * 200)
    player.locator("#controls button.btn-primary").click()
    answers = ContestAnswer.objects.filter(opening__contest=contest)
    wait_for(answers.exists, timeout=15, what="the stored answer")
    assert [a.response for a in answers] == [["章" * 200, "2017"]]


def shot_live(page, name: str) -> None:
    page.screenshot(path=f"/tmp/shots/live/{name}.png", full_page=True)
