"""Organisers' and administrators' lists on a phone: each row stacks into a card, its actions on a
line of their own, none scrolled out of sight inside the table's card."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from lessons.models import Lesson
from lessons.services import videos
from orgs.models import User
from tests.lessons.videos import make_clip

pytestmark = pytest.mark.browser

# How far the page reaches past the screen's right edge (0 when nothing scrolls sideways).
PAST_THE_EDGE = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# How far a table reaches past its scrolling card (0 when the card has nothing to scroll).
PAST_THE_CARD = (
    "table => { const card = table.closest('.table-responsive'); return card.scrollWidth - card.clientWidth; }"
)


def phone_page(signed_in_page, server: str, username: str, language: str):
    page = signed_in_page(User.objects.get(username=username), phone=True)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server}])
    return page


def assert_on_screen(button):
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (button.inner_text(), box)
    button.click(trial=True)  # nothing covers it


@pytest.fixture
def draft_lesson(demo, tmp_path, processed_once):
    """A ready micro-class not yet published: its row has the most buttons (settings, completion,
    preview, publish)."""
    organiser = User.objects.get(username="organiser")
    made = videos.lesson_create(
        title="学习党章：手机上的列表", title_en="The Constitution on a phone", unit=organiser.unit
    )
    videos.lesson_attach_file(lesson=made, path=make_clip(tmp_path / "clip.mp4", seconds=4))
    lesson = videos.lesson_process(lesson_id=made.pk)
    assert lesson.status == Lesson.Status.READY, lesson.failure
    return lesson


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_micro_class_list_shows_settings_and_publish_on_a_phone(
    asgi_server, draft_lesson, signed_in_page, language
):
    """The list's four columns scrolled sideways inside its card (672 px in 366): Settings began at
    the card's edge, Completion, Preview and Publish were out of sight."""
    page = phone_page(signed_in_page, asgi_server, "organiser", language)
    page.goto(f"{asgi_server}/lessons/manage/")
    table = page.locator("#lesson-table")
    assert page.evaluate(PAST_THE_EDGE) == 0
    assert table.evaluate(PAST_THE_CARD) == 0
    row = table.locator("tbody tr", has=page.locator(f"#settings-{draft_lesson.pk}"))
    for button in (f"#settings-{draft_lesson.pk}", f"#preview-{draft_lesson.pk}", f"#publish-{draft_lesson.pk}"):
        assert_on_screen(row.locator(button))
    assert_on_screen(row.locator(f"a[href='/lessons/{draft_lesson.pk}/report/']"))
    # Publishing from the phone works and the row says so.
    row.locator(f"#publish-{draft_lesson.pk}").click()
    expect(page.locator(f"#unpublish-{draft_lesson.pk}")).to_be_visible()
    assert_on_screen(page.locator(f"#unpublish-{draft_lesson.pk}"))


# (who, page, its table, how many action buttons at least a row of the demo's shows)
LISTS = [
    ("organiser", "/papers/", "#paper-table", 2),  # Preview, Item statistics
    ("organiser", "/contests/", "#hosting-table", 4),  # (Set up,) Host console, Big screen, Results, Duplicate
    ("organiser", "/contests/online/manage/", "#online-table", 2),  # Progress, Edit
    ("organiser", "/contests/relays/manage/", "#relay-table", 2),  # Relay map, Edit
    ("admin", "/calls/manage/", "#call-table", 0),  # the title is the link; the entries' count was cut
    ("admin", "/rankings/demo-study-offices/manage/", "#snapshot-table", 1),  # Approve (v1 is provisional)
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("username", "path", "table_id", "buttons"), LISTS)
def test_an_organisers_list_keeps_its_actions_on_a_phone(
    asgi_server, demo, signed_in_page, username, path, table_id, buttons, language
):
    """Each list scrolled sideways inside its card (by 7 to 322 px) with its row's last buttons
    (Item statistics, Big screen, Results, Edit, Approve…) out of sight."""
    page = phone_page(signed_in_page, asgi_server, username, language)
    page.goto(asgi_server + path)
    table = page.locator(table_id)
    expect(table).to_be_visible()
    assert page.evaluate(PAST_THE_EDGE) == 0
    assert table.evaluate(PAST_THE_CARD) == 0
    rows = table.locator("tbody tr").all()
    assert rows
    for row in rows:
        for cell in row.locator("td:visible").all():
            box = cell.bounding_box()
            assert box["x"] + box["width"] <= 390, (path, cell.inner_text())
        actions = row.locator("td.qs-figures-action .btn").all()
        assert len(actions) >= buttons
        for button in actions:
            assert_on_screen(button)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_member_list_fits_a_phone_with_every_sort_and_tick_box_on_screen(
    asgi_server, demo, signed_in_page, language
):
    """The member list scrolled 3 px inside its card in English (its “Employee number” head ran
    past the edge), and a phone could sort by name and number only: the unit's and last sign-in's
    sort links were hidden with their columns. Each member is now a card, the head a line of every
    sort link beside the select-all box."""
    page = phone_page(signed_in_page, asgi_server, "organiser", language)
    page.goto(f"{asgi_server}/orgs/members/")
    table = page.locator("#member-table")
    expect(table).to_be_visible()
    assert page.evaluate(PAST_THE_EDGE) == 0
    assert table.evaluate(PAST_THE_CARD) == 0
    rows = table.locator("tbody tr").all()
    assert len(rows) == 25  # the first page of the demo's 63 members
    for row in rows:
        for cell in row.locator("td:visible").all():
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, cell.inner_text()
        assert_on_screen(row.locator("input[name=member]"))
    assert_on_screen(page.locator("#member-select-all"))
    sorts = table.locator("thead a.qs-sort-link")
    assert sorts.count() == 4
    for link in sorts.all():
        assert_on_screen(link)
    # Sorting by unit works from the phone: the link was not on a phone's screen at all.
    sorts.nth(2).click()
    expect(page).to_have_url(f"{asgi_server}/orgs/members/?sort=unit")
    expect(table.locator("thead th[aria-sort=ascending]")).to_have_count(1)
    assert page.evaluate(PAST_THE_EDGE) == 0 and table.evaluate(PAST_THE_CARD) == 0


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    ("path", "table_id", "form_id", "link_id"),
    [
        ("/lessons/manage/", "#lesson-table", "#lesson-form", "#lesson-new-link"),
        ("/lessons/series/manage/", "#series-table", "#series-form", "#series-new-link"),
    ],
)
def test_a_list_with_a_new_item_form_shows_the_list_first_on_a_phone(
    asgi_server, demo, signed_in_page, path, table_id, form_id, link_id, language
):
    """The micro-class list (and the series list) came after the whole new-item form, the list
    a few screens down on a phone: the list now comes first, as on the other organiser pages, and
    a button at the top leads to the form below it."""
    page = phone_page(signed_in_page, asgi_server, "organiser", language)
    page.goto(asgi_server + path)
    table, form = page.locator(table_id), page.locator(form_id)
    expect(table).to_be_visible()
    assert table.bounding_box()["y"] < 844  # on the first screen
    assert form.bounding_box()["y"] > table.bounding_box()["y"] + table.bounding_box()["height"]
    assert page.evaluate(PAST_THE_EDGE) == 0
    page.locator(link_id).click()
    expect(form).to_be_in_viewport()

    # On a wide screen the form stays at the list's left, side by side as before.
    wide = signed_in_page(User.objects.get(username="organiser"), viewport={"width": 1366, "height": 900})
    wide.goto(asgi_server + path)
    table_box, form_box = wide.locator(table_id).bounding_box(), wide.locator(form_id).bounding_box()
    assert form_box["x"] + form_box["width"] <= table_box["x"] and abs(form_box["y"] - table_box["y"]) < 100
    expect(wide.locator(link_id)).to_be_hidden()


def test_a_papers_item_statistics_fit_a_phone(asgi_server, demo, signed_in_page):
    """The item table scrolled 74 px inside its card in English with its five column heads, even
    with no attempt to list: on a phone each question is a card, its figures labelled."""
    from lessons.models import Paper

    paper = Paper.objects.get(title="广州特派办周周练（演示）")
    page = phone_page(signed_in_page, asgi_server, "organiser", "en")
    page.goto(f"{asgi_server}/papers/{paper.pk}/statistics/")
    table = page.locator("#item-table")
    expect(table).to_contain_text("No finished attempts yet.")
    assert page.evaluate(PAST_THE_EDGE) == 0
    assert table.evaluate(PAST_THE_CARD) == 0


def test_an_online_contests_participation_by_unit_fits_a_phone(asgi_server, demo, signed_in_page):
    """Its five columns scrolled 120 px inside the card in English: each unit is now a card, its
    headcount, started, finished and rate labelled under its name."""
    from contests.online.models import OnlineContest

    contest = OnlineContest.objects.order_by("pk").first()
    page = phone_page(signed_in_page, asgi_server, "organiser", "en")
    page.goto(f"{asgi_server}/contests/online/manage/{contest.pk}/")
    table = page.locator("#participation")
    expect(table.locator("tbody tr").first).to_be_visible()
    assert page.evaluate(PAST_THE_EDGE) == 0
    assert table.evaluate("table => table.parentElement.scrollWidth - table.parentElement.clientWidth") == 0
    for cell in table.locator("td:visible").all():
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= 390, cell.inner_text()


def test_a_contests_review_step_lists_its_rounds_within_a_phone(asgi_server, demo, signed_in_page):
    """The review step's rounds (question count, scoring, time limit) scrolled 88 px inside the
    card in English: each round is now a card, its figures labelled."""
    from contests.models import Contest

    contest = Contest.objects.get(title="2026 年党章党规知识竞赛（演示）")
    page = phone_page(signed_in_page, asgi_server, "organiser", "en")
    page.goto(f"{asgi_server}/contests/{contest.join_code}/setup/review/")
    table = page.locator("#review-rounds")
    expect(table.locator("tbody tr")).to_have_count(4)
    assert page.evaluate(PAST_THE_EDGE) == 0
    assert table.evaluate(PAST_THE_CARD) == 0
    for cell in table.locator("td:visible").all():
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= 390, cell.inner_text()
