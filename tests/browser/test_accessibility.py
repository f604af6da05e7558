"""A keyboard and screen-reader walk of the pages members and organisers use most, in Chromium.

What it found: boxes with no name a screen reader could say (a paper's draw rules, a call's
rubric, levels and prize tiers, the notebook's knowledge-point filter, a fill-in blank named only
by its placeholder); pages with no heading (the question import, adding a member or a unit, a
member's page, taking a paper); Bootstrap's focus glow, 25 % opaque, all but invisible on the red
menu bar and faint on white; grey help text at 4.4:1 on the page's background; the bell's name
without its count; after "Submit answer" the keyboard's place fell to the top of the page and the
verdict was not read; the key and a wrong pick told apart by colour alone; the exam's countdown a
live region read out every second."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from lessons.models import Attempt, AttemptItem, Paper
from lessons.presenters import shown_letters
from notifications.models import Notification
from tests.browser.test_shell import sign_in
from tests.browser.test_study import answer_card, start_paper

pytestmark = pytest.mark.browser

# Roles a person operates: each needs a name a screen reader can say.
CONTROL_ROLES = {
    "button",
    "link",
    "textbox",
    "combobox",
    "checkbox",
    "radio",
    "searchbox",
    "spinbutton",
    "listbox",
    "slider",
    "tab",
    "switch",
}


def unnamed_controls(page) -> list[str]:
    """The controls with no accessible name in Chromium's own accessibility tree (what a screen
    reader is given), and boxes named by nothing but their placeholder, which goes once typed in."""
    cdp = page.context.new_cdp_session(page)
    found = []
    for node in cdp.send("Accessibility.getFullAXTree")["nodes"]:
        role = node.get("role", {}).get("value")
        if node.get("ignored") or role not in CONTROL_ROLES:
            continue
        name = node.get("name") or {}
        sources = {source.get("type") for source in name.get("sources", []) if source.get("value")}
        if not name.get("value", "").strip() or sources == {"placeholder"}:
            element = cdp.send("DOM.resolveNode", {"backendNodeId": node["backendDOMNodeId"]})["object"]
            html = cdp.send(
                "Runtime.callFunctionOn",
                {
                    "objectId": element["objectId"],
                    "functionDeclaration": "function () { return this.outerHTML.slice(0, 120); }",
                    "returnByValue": True,
                },
            )["result"]["value"]
            found.append(f"{role}: {html}")
    cdp.detach()
    return found


def assert_page_is_labelled(page, path: str) -> None:
    assert unnamed_controls(page) == [], path
    assert page.locator("main").count() == 1, path
    assert page.locator("h1").count() == 1, path


def test_every_control_on_the_organisers_pages_has_a_name_and_every_page_a_heading(live_server, demo, page_factory):
    page = page_factory(locale="en-US", viewport={"width": 1366, "height": 900})
    sign_in(page, live_server.url, "organiser")
    paper = Paper.objects.get(title="广州特派办周周练（演示）")
    paths = [
        "/banks/",
        "/banks/demo-guangzhou/import/",
        f"/papers/{paper.pk}/edit/",
        "/calls/manage/new/",
        "/orgs/members/",
        "/orgs/members/new/",
        "/orgs/units/add/",
        "/lessons/series/manage/",
    ]
    for path in paths:
        page.goto(live_server.url + path)
        assert_page_is_labelled(page, path)
    # A box's help is its description: Django points aria-describedby at "<id>_helptext", which
    # no element had.
    page.goto(f"{live_server.url}/banks/")
    help_text = "Letters, digits and dashes, e.g. dangzhang-2026."
    expect(page.locator("#id_slug")).to_have_accessible_description(help_text)
    # And so is its error ("<id>_error"), after the help, once the form comes back refused.
    with page.expect_navigation():
        page.locator("form:has(#id_slug)").evaluate("form => { form.noValidate = true; form.requestSubmit(); }")
    error = page.locator("#id_slug_error").inner_text()
    assert error
    expect(page.locator("#id_slug")).to_have_accessible_description(f"{help_text} {error}")
    # The draw rules and the rubric were the rows without names: they are there to be checked.
    page.goto(f"{live_server.url}/papers/{paper.pk}/edit/")
    assert page.locator("select[name=rule_bank]").count() >= 1
    expect(page.locator("select[name=rule_bank]").first).to_have_accessible_name("Question bank")
    page.goto(f"{live_server.url}/calls/manage/new/")
    expect(page.locator("#id_criteria-0-weight")).to_have_accessible_name("Weight (%)")


def test_every_control_on_the_members_pages_has_a_name_in_chinese(live_server, demo, page_factory):
    page = page_factory(phone=True)
    attempt = start_paper(page, live_server.url, "practice")
    assert_page_is_labelled(page, "practice")
    blank = next((item for item in attempt.items.order_by("position") if item.version.type == "fill_blank"), None)
    if blank is not None:
        expect(page.locator(f"#q{blank.position} input[type=text]").first).to_have_accessible_name("第 1 空")
    # The options of a question are one group, named by the question.
    group = page.locator("#q1 .qs-inputs")
    expect(group).to_have_accessible_name(
        page.locator("#q1-kind").inner_text() + " " + page.locator("#q1-stem").inner_text()
    )
    for path in ["/", "/study/", "/study/notebook/", "/me/"]:
        page.goto(live_server.url + path)
        assert_page_is_labelled(page, path)
    page.goto(live_server.url + "/study/notebook/")
    expect(page.locator("input[name=tag]")).to_have_accessible_name("知识点")
    # The phone's menu opens from the keyboard and Escape closes it, back on its button.
    page.locator(".navbar-toggler").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#qs-nav")).to_have_class("navbar-collapse collapse show")  # opened, not opening
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(page.locator("#qs-nav")).to_be_hidden()
    expect(page.locator(".navbar-toggler")).to_be_focused()
    # The bell says how many are unread: its name was only "通知", the badge's number unsaid.
    unread = Notification.objects.filter(recipient__username="member", read_at__isnull=True).count()
    assert unread > 0
    expect(page.locator("#notification-bell")).to_have_accessible_name(f"通知，{unread} 条未读")


def contrast(page, selector: str) -> float:
    """The contrast ratio of the element's text against the first opaque background behind it."""
    return page.locator(selector).first.evaluate(
        """(el) => {
          const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
          const linear = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
          const lum = ([r, g, b]) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
          let back = el;
          while (back && rgb(getComputedStyle(back).backgroundColor)[3] === 0) back = back.parentElement;
          const fg = lum(rgb(getComputedStyle(el).color)), bg = lum(rgb(getComputedStyle(back).backgroundColor));
          return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        }"""
    )


def test_grey_text_and_grey_buttons_read_at_4_5_to_1_on_the_page(live_server, demo, page_factory):
    """#6b7280 on the page's #f6f4f1 is 4.40:1 and Bootstrap's outline-secondary #6c757d 4.27:1;
    #5f6672 is 5.27:1 and #5c636a 5.55:1 (worked out from WCAG's relative luminance)."""
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "member")
    page.goto(live_server.url + "/me/")
    assert round(contrast(page, "footer.qs-footer"), 2) == 5.27
    assert round(contrast(page, ".btn-outline-secondary"), 2) == 5.55


FOCUS_RING = """() => {
  const el = document.activeElement;
  // An answer's option is ringed whole; a picker's box (Tom Select) around the text typed in it.
  const style = getComputedStyle(el.closest('.qs-option, .ts-control') || el);
  return {
    id: el.id, tag: el.tagName,
    style: style.outlineStyle, width: parseFloat(style.outlineWidth), color: style.outlineColor,
  };
}"""


def test_the_keyboard_reaches_the_content_past_the_menus_and_its_place_is_always_ringed(
    live_server, demo, page_factory
):
    page = page_factory(locale="en-US", viewport={"width": 1366, "height": 900})
    sign_in(page, live_server.url, "organiser")
    page.emulate_media(reduced_motion="reduce")  # no transition to catch half-way
    page.goto(live_server.url + "/banks/")
    page.keyboard.press("Tab")
    skip = page.locator("#skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    seen = []
    for _ in range(21):
        ring = page.evaluate(FOCUS_RING)
        seen.append(ring)
        # A solid ring 3 px wide: gold (#ffd766, 4.7:1 on the bar's red) on the menu bar, blue
        # (#0b57d0, 5.8:1 on the page, 6.4:1 on white) elsewhere.
        assert ring["style"] == "solid" and ring["width"] >= 3, ring
        assert ring["color"] in ("rgb(255, 215, 102)", "rgb(11, 87, 208)"), ring
        page.keyboard.press("Tab")
    # The menu's links and buttons, the language and the fields of the new bank's form all passed.
    assert {"manage-menu", "language-select", "id_name", "id_shared_below"} <= {ring["id"] for ring in seen}
    # The skip link goes straight to the page's own content.
    page.goto(live_server.url + "/banks/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("main a").first).to_be_focused()
    # The Manage menu is a button: Space opens it, Escape closes it and gives the place back.
    page.locator("#manage-menu").focus()
    page.keyboard.press("Space")
    expect(page.locator("#manage-menu + .dropdown-menu")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#manage-menu + .dropdown-menu")).to_be_hidden()
    expect(page.locator("#manage-menu")).to_be_focused()


def test_an_answer_given_by_keyboard_is_marked_in_words_and_read_out(live_server, demo, page_factory):
    page = page_factory(phone=True)
    attempt = start_paper(page, live_server.url, "practice")
    item = next(
        item for item in attempt.items.select_related("version").order_by("position") if item.version.type == "single"
    )
    card = page.locator(f"#q{item.position}")
    answer_card(page, item, correct=False)
    card.locator(".qs-answer-button").focus()
    page.keyboard.press("Shift+Tab")  # back to the ticked option, by keyboard
    expect(card.locator("input:checked")).to_be_focused()
    ring = page.evaluate(FOCUS_RING)
    assert ring["style"] == "solid" and ring["width"] >= 3, ring  # the whole option is ringed
    page.keyboard.press("Tab")
    expect(card.locator(".qs-answer-button")).to_be_focused()
    page.keyboard.press("Enter")
    # The keyboard's place moves to the verdict, which a screen reader then reads.
    expect(card.locator(".qs-verdict")).to_be_focused()
    expect(card.locator(".qs-verdict")).to_contain_text("答错了")
    # Not by colour alone: the key and the wrong pick say what they are.
    key_letter = shown_letters(item, item.version.key)[0]
    expect(card.locator(".qs-option.is-key")).to_have_count(1)
    expect(card.locator(f".qs-option:has(input[value='{key_letter}']) .qs-mark")).to_have_text("正确答案")
    expect(card.locator(".qs-option:has(input:checked) .qs-mark")).to_have_text("您的选择")
    # The result page marks them the same way.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#finish-button")
    page.wait_for_url("**/result/")
    expect(page.locator(f"#q{item.position} .qs-option.is-wrong .qs-mark")).to_have_text("您的选择")
    expect(page.locator(f"#q{item.position} .qs-option.is-key .qs-mark")).to_have_text("正确答案")
    assert Attempt.objects.get(pk=attempt.pk).status == "submitted"


def test_the_exams_countdown_is_a_timer_not_read_out_every_second(live_server, demo, page_factory):
    page = page_factory(phone=True)
    start_paper(page, live_server.url, "exam")
    countdown = page.locator("#countdown")
    expect(countdown).to_have_attribute("role", "timer")
    expect(countdown).to_have_accessible_name("剩余时间")
    assert countdown.get_attribute("aria-live") is None
    expect(page.locator("h1")).to_have_text("2026 年党章党规知识测验")


def test_the_question_editors_errors_are_read_with_their_boxes(live_server, demo, page_factory):
    """The editor's own error texts (not the shared field templates) were beside their boxes but
    not linked: a screen reader on the box heard nothing of why it was refused."""
    page = page_factory(locale="en-US", viewport={"width": 1366, "height": 900})
    sign_in(page, live_server.url, "organiser")
    page.goto(f"{live_server.url}/banks/demo-guangzhou/questions/new/")
    page.locator("#option-list input[name=option]").first.fill("实现共产主义")
    with page.expect_navigation():
        page.click("#save-button")
    stem_error = page.locator("#stem-error").inner_text()
    assert stem_error
    expect(page.locator("#stem")).to_have_accessible_description(stem_error)
    expect(page.locator("#stem")).to_have_attribute("aria-invalid", "true")
    # A single choice with nothing ticked: each "Right answer" box is told so.
    expect(page.locator("#key-error")).to_have_text("Tick the right option.")
    for box in page.locator("#option-list .qs-key-box").all():
        expect(box).to_have_accessible_description("Tick the right option.")
        expect(box).to_have_attribute("aria-invalid", "true")
    # A box without an error is not marked, and the image's help is its description.
    assert page.locator("#explanation").get_attribute("aria-invalid") is None
    expect(page.locator("#image")).to_have_accessible_description("PNG, JPEG, GIF or WebP, up to 2 MB.")


def test_an_exam_says_five_minutes_and_one_minute_left_once_each(live_server, demo, page_factory):
    """The demo exam has 10 minutes. Its countdown is a timer, not read out: the time running out
    is said at 5 minutes and at 1 minute left, once each, and nothing in between."""
    page = page_factory(phone=True)
    page.clock.install()
    start_paper(page, live_server.url, "exam")
    region = page.locator("#time-warning")
    expect(region).to_have_attribute("role", "status")
    page.evaluate(
        """() => {
          window.warningsHeard = [];
          const region = document.getElementById('time-warning');
          new MutationObserver(() => window.warningsHeard.push(region.textContent))
            .observe(region, { childList: true, characterData: true, subtree: true });
        }"""
    )
    page.clock.fast_forward("04:00")  # 6 minutes left: nothing yet
    assert page.evaluate("window.warningsHeard") == []
    page.clock.fast_forward("01:00")  # 5 minutes left
    expect(region).to_have_text("还剩 5 分钟")
    page.clock.fast_forward("03:00")  # 2 minutes left: still said once
    assert page.evaluate("window.warningsHeard") == ["还剩 5 分钟"]
    page.clock.fast_forward("01:00")  # 1 minute left
    expect(region).to_have_text("还剩 1 分钟")
    page.clock.fast_forward("00:30")
    assert page.evaluate("window.warningsHeard") == ["还剩 5 分钟", "还剩 1 分钟"]


RECORD_WARNINGS = """() => {
  window.warningsHeard = [];
  const region = document.getElementById('time-warning');
  new MutationObserver(() => window.warningsHeard.push(region.textContent))
    .observe(region, { childList: true, characterData: true, subtree: true });
}"""


def start_challenge_on_a_held_clock(page, base: str):
    """The demo's challenge started on a page whose clock stands still until the test moves it;
    returns the attempt's open question and the time the page sees left on it (ms). Held from
    before the page loads, the page's clock offset is exactly its `server_time` less the held
    time, so the time it sees left is exact: the question's deadline less `server_time`."""
    sign_in(page, base, "member")
    page.goto(f"{base}/study/")
    page.clock.install()
    page.clock.pause_at(datetime.now(UTC) + timedelta(seconds=1))
    page.locator(".qs-paper[data-mode=challenge] .qs-start").click()
    page.wait_for_url("**/study/attempts/*/")
    item = AttemptItem.objects.select_related("version").get(
        attempt__member__username="member", attempt__paper__mode="challenge", deadline_at__isnull=False
    )
    server_time = datetime.fromisoformat(
        page.evaluate("JSON.parse(document.getElementById('attempt-data').textContent).server_time")
    )
    page.evaluate(RECORD_WARNINGS)
    return item, (item.deadline_at - server_time) / timedelta(milliseconds=1)


@pytest.mark.parametrize(
    ("locale", "question_time_s", "said"),
    [
        ("zh-CN", 60, "还剩 10 秒"),
        ("en-US", 60, "10 seconds left"),
        ("zh-CN", 19, "还剩 5 秒"),
        ("en-US", 19, "5 seconds left"),
    ],
)
def test_a_challenge_question_says_its_time_is_running_out_once(
    live_server, demo, page_factory, locale, question_time_s, said
):
    """A challenge's per-question countdown ran to 00:00 unsaid (it is a timer, not read out):
    10 seconds before the end of a question of 20 seconds or more, 5 seconds before the end of a
    shorter one, it is said once in a polite live region."""
    mark = 10 if question_time_s >= 20 else 5
    Paper.objects.filter(mode="challenge").update(question_time_s=question_time_s)
    page = page_factory(phone=True, locale=locale)
    _item, left = start_challenge_on_a_held_clock(page, live_server.url)
    expect(page.locator("#time-warning")).to_have_attribute("role", "status")
    page.clock.run_for(left - (mark + 3) * 1000)
    page.clock.run_for(2500)  # mark + 0.5 s left: the countdown reads mark + 1, nothing said yet
    expect(page.locator("#countdown")).to_have_text(f"00:{mark + 1:02d}")
    assert page.evaluate("window.warningsHeard") == []
    page.clock.run_for(1000)  # mark - 0.5 s left
    expect(page.locator("#time-warning")).to_have_text(said)
    page.clock.run_for(2000)  # ticking on: still said once
    assert page.evaluate("window.warningsHeard") == [said]


def test_a_challenge_question_answered_just_before_its_mark_says_nothing_of_its_time(live_server, demo, page_factory):
    """Answered, the question waits 900 ms for the next one: its time running out is no news."""
    page = page_factory(phone=True)
    item, left = start_challenge_on_a_held_clock(page, live_server.url)  # 20 s a question: the mark at 10
    page.clock.run_for(left - 10_500)
    answer_card(page, item, correct=True)
    page.locator(f"#q{item.position} .qs-answer-button").click()
    expect(page.locator(f"#q{item.position} .qs-verdict")).to_have_attribute("data-verdict", "right")
    page.clock.run_for(850)  # 9.65 s left, the next question not yet loaded
    expect(page.locator("#countdown")).to_have_text("00:10")
    assert page.evaluate("window.warningsHeard") == []


def test_the_home_pages_cards_are_headings_under_the_welcome_looking_as_before(live_server, demo, page_factory):
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "member")
    outline = page.evaluate(
        """() => Array.from(document.querySelectorAll('main h1, main h2, main h3'))
            .map((h) => h.tagName + ' ' + h.textContent.trim())"""
    )
    assert outline[0].startswith("H1 欢迎您")
    assert {"H2 今日任务", "H2 今日积分", "H2 我的名次"} <= set(outline[1:])
    assert all(heading.startswith("H2") for heading in outline[1:])
    # The header's text, not a heading's size or margins.
    looks = page.locator(".card-header .qs-card-heading").first.evaluate(
        """(h) => {
          const own = getComputedStyle(h), header = getComputedStyle(h.parentElement);
          return [own.fontSize === header.fontSize, own.fontWeight === header.fontWeight, own.marginBottom];
        }"""
    )
    assert looks == [True, True, "0px"]
