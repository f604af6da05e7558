"""Pages fit a phone: nothing makes a page wider than a 390 px screen, in either language."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from orgs.models import User
from tests.test_page_walk import walk

pytestmark = pytest.mark.browser

# How far the page reaches past the screen's right edge (0 when nothing scrolls sideways).
PAST_THE_EDGE = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def phone_page(signed_in_page, server: str, username: str, language: str):
    page = signed_in_page(User.objects.get(username=username), phone=True)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server}])
    return page


def right_edge(locator) -> float:
    box = locator.bounding_box()
    return box["x"] + box["width"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("username", ["organiser", "admin"])
def test_the_unit_tree_shows_headcounts_and_manage_links_on_a_phone(
    asgi_server, demo, signed_in_page, username, language
):
    """The tree's table scrolled the whole page sideways by 140-290 px (its screen-reader-only
    heading, absolutely placed, escaped the table's scrolling box), headcounts out of sight."""
    page = phone_page(signed_in_page, asgi_server, username, language)
    page.goto(f"{asgi_server}/orgs/units/")
    assert page.evaluate(PAST_THE_EDGE) == 0
    office = {"zh-hans": "广州特派办", "en": "Guangzhou Resident Office"}[language]  # the demo's English name
    guangzhou = page.locator("#unit-tree tr", has_text=office).first
    # 1 + 22 + 20 + 20 members: the organiser, then the branches (the first with the member and
    # the branch secretary)
    assert guangzhou.locator("td.fw-semibold").inner_text() == "63"
    assert right_edge(guangzhou.locator("td.fw-semibold")) <= 390
    assert right_edge(guangzhou.locator("a[href$='/']").last) <= 390


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_administrators_home_fits_a_phone_with_every_tab_on_screen(asgi_server, demo, signed_in_page, language):
    """'Review and approve' (a button that may not wrap) shrank to 44 px in its row, its text ran
    40 px past the screen, the page widened and the tab bar's 'Me' was cut off."""
    page = phone_page(signed_in_page, asgi_server, "admin", language)
    page.goto(f"{asgi_server}/")
    page.locator("#participation").wait_for()
    assert page.evaluate(PAST_THE_EDGE) == 0
    assert right_edge(page.locator("#tabbar a").last) <= 390
    # Each unit's figures under its name, none out of sight in a sideways-scrolling table.
    row = page.locator("#participation tbody tr").first
    assert all(right_edge(cell) <= 390 for cell in row.locator("td").all())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("username", ["member", "organiser"])
def test_every_page_from_the_menu_fits_a_phone(asgi_server, demo, signed_in_page, username, language):
    """The pages the page walk reaches (tests/test_page_walk.py), each opened on a phone."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(User.objects.get(username=username))
    paths = [path for path in walk(client) if not path.endswith(("/play/", "/screen/", "/host/"))]
    assert len(paths) > 5
    page = phone_page(signed_in_page, asgi_server, username, language)
    wider = {}
    for path in paths:
        page.goto(asgi_server + path)
        if past := page.evaluate(PAST_THE_EDGE):
            wider[path] = past
    assert wider == {}


LONG_TITLE = "审" * 60 + "A" * 60  # 120 characters, the most a title takes, with no space to break at


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_entry_with_a_long_unbroken_title_fits_a_phone(asgi_server, demo, signed_in_page, language):
    """A 120-character title without spaces made the entry page 1,395 px wide, the withdraw button
    out of reach, and the organiser's entries table as wide."""
    from calls import services
    from calls.demo import ESSAY_TITLE
    from calls.models import Call
    from tests.calls import documents
    from tests.calls.conftest import upload

    member = User.objects.get(username="member")
    call = Call.objects.get(title=ESSAY_TITLE)
    entry = services.entry_create(call=call, author=member, title=LONG_TITLE)
    services.entry_attach(entry=entry, upload=upload("essay.docx", documents.docx(author=member.real_name)))
    services.entry_submit(entry=entry, by=member)

    page = phone_page(signed_in_page, asgi_server, "member", language)
    page.goto(f"{asgi_server}/calls/entries/{entry.pk}/")
    assert page.evaluate(PAST_THE_EDGE) == 0
    assert right_edge(page.locator("h1")) <= 390
    withdraw = page.locator("#entry-withdraw")
    assert right_edge(withdraw) <= 390
    withdraw.click(trial=True)  # nothing covers it

    page = phone_page(signed_in_page, asgi_server, "organiser", language)
    page.goto(f"{asgi_server}/calls/manage/{call.pk}/")
    assert page.evaluate(PAST_THE_EDGE) == 0
    row = page.locator(f"#entry-{entry.pk}")
    assert right_edge(row.locator("td").first) <= 390


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_refused_criterion_weight_reads_whole_with_its_error_on_one_line(asgi_server, demo, signed_in_page, language):
    """At 1366 px the rubric's weight box (72 px, less the number arrows and the error mark)
    showed "-60" as "-(", and its error wrapped a word a line in the narrow column."""
    page = signed_in_page(User.objects.get(username="organiser"), viewport={"width": 1366, "height": 900})
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
    page.goto(f"{asgi_server}/calls/manage/new/")
    page.fill("#id_criteria-0-name", "内容")
    page.fill("#id_criteria-0-weight", "-60")
    # The browser's own check would stop the form; the server's answer is what is measured.
    page.evaluate("document.querySelectorAll('form').forEach(form => form.noValidate = true)")
    page.locator("form button[type=submit]").last.click()
    weight = page.locator("#id_criteria-0-weight.is-invalid")
    expect(weight).to_have_value("-60")
    # Its text fits the room between the padding, the arrows (15 px) and the error mark.
    room, typed = weight.evaluate(
        """box => { const style = getComputedStyle(box), pen = document.createElement("canvas").getContext("2d");
          pen.font = style.font;
          return [box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 15,
                  pen.measureText(box.value).width]; }"""
    )
    assert typed <= room
    error = page.locator("#criteria-table .qs-row-errors")
    expected = {
        "zh-hans": "权重（%）：权重至少为 1%。",
        "en": "Weight (%): A weight is at least 1 %.",
    }
    expect(error).to_contain_text(expected[language])
    line = float(error.evaluate("cell => getComputedStyle(cell.querySelector('div')).lineHeight").removesuffix("px"))
    assert error.locator("div").first.bounding_box()["height"] <= line
    # And the rubric stays inside its card: nothing to scroll sideways for.
    assert page.locator("#criteria-table").evaluate(
        "table => table.parentElement.scrollWidth <= table.parentElement.clientWidth"
    )
