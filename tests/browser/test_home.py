"""A member's home on a phone through today's tasks; the big screens and the host console as
people see them (words, not codes; ten rows on a 1920x1080 screen)."""

import pytest
from django.db.models import Sum
from django.utils import timezone
from playwright.sync_api import expect

from contests.models import Contest
from lessons.models import Attempt, PointEvent
from tests.browser.test_shell import sign_in
from tests.browser.test_study import answer_card

pytestmark = pytest.mark.browser


def points_today(username: str) -> int:
    return (
        PointEvent.objects.filter(member__username=username, day=timezone.localdate()).aggregate(s=Sum("points"))["s"]
        or 0
    )


def test_member_goes_through_todays_tasks_on_a_phone(live_server, demo, page_factory, screenshot):
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "member")
    tasks = page.locator("#today-tasks .qs-task")
    assert sorted(tasks.evaluate_all("items => items.map(i => i.dataset.kind)")) == ["daily", "exam", "online", "relay"]
    assert page.locator("#tasks-summary").inner_text() == "今天还有 4 项任务"
    assert page.locator("#tabbar").is_visible()
    assert page.locator("#points-today-total").inner_text() == str(points_today("member"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the home is {width}px wide on a 390px phone"
    screenshot(page, "home-member-phone")

    # Start begins the exam itself, as the study page's own Start does (it led to that page).
    page.locator(".qs-task[data-kind=exam] button").click()
    page.wait_for_url("**/study/attempts/*/")
    attempt = Attempt.objects.get(member__username="member", paper__mode="exam")
    for item in attempt.items.select_related("version").order_by("position"):
        answer_card(page, item, correct=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-button")
    page.wait_for_url("**/result/")
    assert page.locator("#time-used").inner_text().startswith("用时 ")

    page.locator("#tabbar a[href='/']").click()
    page.wait_for_url(f"{live_server.url}/")
    # Done today, the exam stays on the list ticked (as the daily quiz does), and counts no more.
    expect(page.locator(".qs-task[data-kind=exam].is-done .badge")).to_have_text("完成")
    assert page.locator("#tasks-summary").inner_text() == "今天还有 3 项任务"
    # Finishing an exam earns its points (and right answers theirs): the home shows today's sum.
    assert page.locator("#points-today-total").inner_text() == str(points_today("member")) != "0"
    screenshot(page, "home-member-phone-after-exam")

    # The demo relay's first baton is the member's: the task says by when to start and leads there.
    relay_task = page.locator(".qs-task[data-kind=relay]")
    assert "接力棒到您了" in relay_task.inner_text() and "前开始" in relay_task.inner_text()
    relay_task.locator("a").click()
    page.wait_for_url("**/contests/relays/*/")
    assert page.get_by_role("button", name="接力棒到您了：开始我的一棒").is_visible()
    page.go_back()

    page.locator("#tabbar a[href='/me/']").click()
    page.wait_for_url("**/me/")
    assert page.locator("h1").inner_text() == "李党员"
    screenshot(page, "me-member-phone")


def test_ranking_big_screen_shows_ten_rows_inside_1920x1080(live_server, demo, page_factory, screenshot):
    page = page_factory(viewport={"width": 1920, "height": 1080})
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/rankings/demo-study-members/screen/")
    rows = page.locator("#screen-rows li:visible")  # the first page
    assert rows.count() == 10
    bottom = rows.nth(9).evaluate("row => row.getBoundingClientRect().bottom")
    assert bottom <= 1080, f"the tenth row ends at {bottom}px on a 1080px screen"
    # Each member's unit, under the name, is read from the back of a hall too (it was 18px).
    sizes = rows.locator(".name small").evaluate_all(
        "lines => lines.map((line) => parseFloat(getComputedStyle(line).fontSize))"
    )
    assert len(sizes) == 10 and min(sizes) >= 24, sizes
    # So are the tie-break marks under the level scores and the footnote saying how ties are
    # broken (19px and 17px at first), and the footnote stays on the screen.
    marks = rows.locator(".qs-tie-note").evaluate_all(
        "marks => marks.map((mark) => parseFloat(getComputedStyle(mark).fontSize))"
    )
    assert marks and min(marks) >= 24, marks
    foot = page.locator("#tie-rules")
    assert css_px(foot.evaluate("foot => getComputedStyle(foot).fontSize")) >= 24
    assert foot.evaluate("foot => foot.getBoundingClientRect().bottom") <= 1080
    screenshot(page, "ranking-screen-1920")


# English names long enough that each row's unit path below the name ran to two lines at 1920 px.
LONG_ENGLISH_UNITS = {
    "办公厅": "General Office of the Ministry",
    "秘书处": "Department of Policy Research and Regulations",
    "秘书处党支部": "Party Branch of the Department of Policy Research and Regulations",
    "财政审计司": "Department of Fiscal Audit and Budget Execution Supervision",
    "一处": "First Division for Central Budget Execution",
    "财政审计司第一党支部": "First Party Branch of the Department of Fiscal Audit and Budget Execution",
    "广州特派办": "Guangzhou Resident Office of the National Audit Office",
    "第一党支部": "First Party Branch of the Guangzhou Resident Office",
    "第二党支部": "Second Party Branch of the Guangzhou Resident Office",
    "南方电网审计组临时党支部": "Temporary Party Branch of the China Southern Power Grid Audit Team",
    "京津冀特派办": "Beijing-Tianjin-Hebei Resident Office of the National Audit Office",
    "机关党支部": "Party Branch of the Resident Office Headquarters",
}


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_ranking_big_screen_keeps_ten_rows_of_long_english_unit_paths_and_the_footnote_inside_1080(
    live_server, demo, page_factory, screenshot, locale
):
    """Ten members whose units' English paths each ran to two lines pushed the list to 1,327 px and
    the footnote off a 1080 px screen: each path keeps one line now, cut, its whole in the tooltip."""
    from orgs.models import Unit

    for name, english in LONG_ENGLISH_UNITS.items():
        assert Unit.objects.filter(name=name).update(name_en=english) == 1, name
    page = page_factory(viewport={"width": 1920, "height": 1080}, locale=locale)
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/rankings/demo-study-members/screen/")
    rows = page.locator("#screen-rows li:visible")
    assert rows.count() == 10
    assert rows.nth(9).evaluate("row => row.getBoundingClientRect().bottom") <= 1080
    foot = page.locator("#tie-rules")
    assert foot.is_visible() and foot.evaluate("foot => foot.getBoundingClientRect().bottom") <= 1080
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    paths = rows.locator(".name small")
    # The whole path is each line's tooltip, whether or not the line is cut.
    titles = paths.evaluate_all("lines => lines.map((line) => line.title)")
    if locale == "en":
        # Every path is of the long English names, and at least one is longer than its line: cut, not wrapped.
        names = set(LONG_ENGLISH_UNITS.values())
        assert all(set(title.split("/")) <= names for title in titles), titles
        cut = paths.evaluate_all(
            "lines => lines.filter((line) => Array.from(line.children)"
            ".some((part) => part.scrollWidth > part.clientWidth)).length"
        )
        assert cut >= 1
    else:
        # The member's own unit first, the units above it after: the path the tooltip gives, turned.
        shown = paths.evaluate_all(
            "lines => lines.map((line) => Array.from(line.children)"
            ".map((part) => part.textContent).reverse().join('/'))"
        )
        assert titles == shown and all(titles), titles
    # One line each: a line box as high as its font's line height, not two.
    heights = paths.evaluate_all(
        "lines => lines.map((line) => line.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(line).lineHeight))"
    )
    assert max(heights) < 1.5, heights
    # Each row's name and unit fit inside the row's box.
    spill = rows.evaluate_all(
        "rows => rows.map((row) => { const box = row.getBoundingClientRect(), name = row.querySelector('.name')"
        ".getBoundingClientRect(); return Math.max(box.top - name.top, name.bottom - box.bottom); })"
    )
    assert max(spill) <= 0, spill
    screenshot(page, f"ranking-screen-1920-long-english-units-{locale}")


def css_px(size: str) -> float:
    return float(size.removesuffix("px"))


def test_host_console_shows_words_and_only_the_buttons_the_state_allows(asgi_server, demo, page_factory):
    contest = Contest.objects.get(status=Contest.Status.DRAFT)
    page = page_factory()
    sign_in(page, asgi_server, "organiser")
    page.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    page.wait_for_function("() => document.getElementById('status').textContent !== ''")
    assert page.locator("#status").inner_text() == "准备中"
    assert page.locator("#where").inner_text() == "尚未出题"
    assert page.locator("#start-button").is_enabled()
    # Before the start only Start shows: no question, reveal or finish button to grey out.
    for button in ("open", "close", "reveal", "skip", "pause", "resume", "finish"):
        assert page.locator(f"#{button}-button").is_hidden(), button
    assert page.locator("#start-button").evaluate("b => getComputedStyle(b).filter") == "none"

    page.click("#start-button")
    page.wait_for_function("() => !document.getElementById('open-button').disabled")
    assert page.locator("#status").inner_text() == "进行中"
    assert page.locator("#close-button").is_hidden() and page.locator("#reveal-button").is_hidden()
    assert "开始竞赛" in page.locator("#audit").inner_text()
