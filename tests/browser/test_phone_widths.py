"""Pages fit a phone: nothing makes a page wider than a 390 px screen, in either language."""

import pytest
from django.conf import settings
from django.test import Client

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
    guangzhou = page.locator("#unit-tree tr", has_text="广州特派办").first
    assert guangzhou.locator("td.fw-semibold").inner_text() == "62"  # 1 + 21 + 20 + 20 members
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
