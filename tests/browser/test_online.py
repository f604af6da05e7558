"""A member takes an online contest on a phone: one question per screen, reloads mid-way and
resumes where the server kept the answers, submits and sees the result."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contests.online.services import DrawRule, online_contest_create
from lessons.models import Attempt
from orgs.models import Unit, User
from tests import factories
from tests.browser.test_shell import sign_in
from tests.browser.test_study import answer_card, assert_countdown_to_the_deadline, count_fetches, fetches_started
from tests.seeded import seed_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def contest(transactional_db):
    seed_demo()  # `manage.py seed_demo --no-video`'s rows, copied back after the session's first
    organ = Unit.objects.get(name="审计署", depth=1)
    bank = factories.bank(organ)
    for _ in range(4):
        factories.question(bank, "single")
    for _ in range(2):
        factories.question(bank, "true_false")
    return online_contest_create(
        title="党史知识网上答题",
        unit=Unit.objects.get(name="广州特派办"),
        audience=[Unit.objects.get(name="广州特派办")],
        opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.now() + timedelta(days=3),
        rules=[DrawRule(bank=bank, type="single", count=3), DrawRule(bank=bank, type="true_false", count=1)],
        by=User.objects.get(username="organiser"),
        time_limit_s=900,
        results_shown="after_submit",
        description="每人随机抽取 4 题，限时 15 分钟。",
    )


def test_member_takes_an_attempt_on_a_phone_reloads_resumes_and_sees_the_result(
    live_server, contest, page_factory, screenshot
):
    from playwright.sync_api import expect

    page = page_factory(phone=True)
    sign_in(page, live_server.url, "member")
    page.goto(f"{live_server.url}/contests/online/{contest.pk}/")
    screenshot(page, "online-home-phone")
    page.click("#start-button")
    page.wait_for_url("**/contests/online/attempts/*/")
    attempt = Attempt.objects.get(member__username="member", paper=contest.paper)
    items = list(attempt.items.select_related("version").order_by("position"))
    assert_countdown_to_the_deadline(page, attempt, 900)
    assert page.locator(".qs-question:visible").count() == 1

    answer_card(page, items[0], correct=True)
    page.click("#next-button")
    answer_card(page, items[1], correct=False)
    expect(page.locator(".qs-sheet-cell.is-answered")).to_have_count(2)
    screenshot(page, "online-attempt-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the attempt is {width}px wide on a 390px phone"

    page.reload()
    # Back on the question shown before the reload, with both answers as the server kept them.
    assert page.locator(f"#q{items[1].position}").is_visible()
    assert page.locator(".qs-sheet-cell.is-answered").count() == 2
    page.locator(".qs-sheet-cell").nth(0).click()
    assert page.locator(f"#q{items[0].position} input:checked").count() == 1
    for item in items[2:]:
        page.locator(".qs-sheet-cell").nth(item.position - 1).click()
        answer_card(page, item, correct=True)
    expect(page.locator(".qs-sheet-cell.is-answered")).to_have_count(4)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-button")
    page.wait_for_url("**/result/")
    attempt.refresh_from_db()
    # Four questions of 1 point each, one answered wrong: 3 of 4.
    assert attempt.status == "submitted" and str(attempt.score) == "3.00" and str(attempt.max_score) == "4.00"
    assert page.locator("#result-score").inner_text().replace(" ", "").startswith("3/4")
    screenshot(page, "online-result-phone")

    desktop = page_factory()
    sign_in(desktop, live_server.url, "member")
    desktop.goto(f"{live_server.url}/contests/online/{contest.pk}/")
    assert "3" in desktop.locator("#counting-score").inner_text()
    screenshot(desktop, "online-home-desktop")


def test_a_second_device_takes_over_and_the_first_page_freezes(live_server, contest, page_factory):
    phone = page_factory(phone=True)
    sign_in(phone, live_server.url, "member")
    phone.goto(f"{live_server.url}/contests/online/{contest.pk}/")
    phone.click("#start-button")
    phone.wait_for_url("**/contests/online/attempts/*/")
    attempt_url = phone.url
    attempt = Attempt.objects.get(member__username="member", paper=contest.paper)
    first = attempt.items.select_related("version").get(position=1)

    laptop = page_factory()
    sign_in(laptop, live_server.url, "member")
    laptop.goto(attempt_url)
    assert laptop.locator("#took-over").is_visible()

    answer_card(phone, first, correct=True)
    phone.wait_for_selector("#frozen:not(.d-none)")
    assert phone.locator("#submit-button").is_disabled()
    assert User.objects.get(username="member").attempts.get().items.get(position=1).saved_response is None


def test_an_answer_changed_while_its_save_is_on_its_way_is_saved_after_it_and_not_overwritten_by_it(
    live_server, contest, page_factory
):
    """The first choice's save is held back while the member changes to the key: the older
    answer, reaching the server last, replaced the newer one when both were sent at once."""
    page = page_factory(phone=True)
    count_fetches(page)
    sign_in(page, live_server.url, "member")
    page.goto(f"{live_server.url}/contests/online/{contest.pk}/")
    page.click("#start-button")
    page.wait_for_url("**/contests/online/attempts/*/")
    attempt = Attempt.objects.get(member__username="member", paper=contest.paper)
    single = next(
        item for item in attempt.items.select_related("version").order_by("position") if item.version.type == "single"
    )
    page.locator(".qs-sheet-cell").nth(single.position - 1).click()
    url = reverse("contests:online_item_save", args=[attempt.pk, single.position])
    held = []
    page.route(f"**{url}", lambda route: route.continue_() if held else held.append(route))

    answer_card(page, single, correct=False)  # this save is held
    answer_card(page, single, correct=True)

    assert fetches_started(page, url) == 1  # the change waits for it
    held[0].continue_()
    page.locator("#attempt-status", has_text="已保存").wait_for()
    assert fetches_started(page, url) == 2  # then the answer as it stands now, once
    single.refresh_from_db()
    assert single.saved_response == single.version.key


def test_organiser_pages_read_on_desktop_and_phone(live_server, contest, page_factory, screenshot):
    from contests.online.services import online_attempt_start, online_attempt_submit

    member = User.objects.get(username="member")
    online = online_attempt_start(contest=contest, member=member, device="d")
    online_attempt_submit(online=online, device="d")
    for phone in (False, True):
        page = page_factory(phone=phone)
        sign_in(page, live_server.url, "organiser")
        suffix = "phone" if phone else "desktop"
        page.goto(f"{live_server.url}/contests/online/manage/")
        screenshot(page, f"online-manage-{suffix}")
        page.goto(f"{live_server.url}/contests/online/manage/{contest.pk}/")
        assert "1" in page.locator("#participation tbody tr").first.inner_text()
        screenshot(page, f"online-dashboard-{suffix}")
        page.goto(f"{live_server.url}/contests/online/manage/{contest.pk}/edit/")
        assert page.locator("#started-note").is_visible()
        screenshot(page, f"online-edit-{suffix}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= (390 if phone else 1280), f"the edit page is {width}px wide"


def test_the_saved_time_is_written_in_the_pages_language_not_the_browsers(live_server, contest, page_factory):
    page = page_factory(phone=True, locale="en-US")
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    sign_in(page, live_server.url, "member")
    page.goto(f"{live_server.url}/contests/online/{contest.pk}/")
    page.click("#start-button")
    page.wait_for_url("**/contests/online/attempts/*/")
    attempt = Attempt.objects.get(member__username="member", paper=contest.paper)
    answer_card(page, attempt.items.select_related("version").get(position=1), correct=True)
    status = page.locator("#attempt-status")
    status.filter(has_text="已保存").wait_for()
    assert "AM" not in status.inner_text() and "PM" not in status.inner_text()


def test_the_submit_confirmation_counts_the_questions_left_blank(live_server, contest, page_factory):
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "member")
    page.goto(f"{live_server.url}/contests/online/{contest.pk}/")
    page.click("#start-button")
    page.wait_for_url("**/contests/online/attempts/*/")
    attempt = Attempt.objects.get(member__username="member", paper=contest.paper)
    answer_card(page, attempt.items.select_related("version").get(position=1), correct=True)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#submit-button")
    assert asked and asked[0].startswith("还有 3 题未作答。"), asked
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"  # dismissed: nothing submitted
