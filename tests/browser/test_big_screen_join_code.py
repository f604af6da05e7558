"""The big screen's join code, read from the back of a hall before the contest starts: all of its
characters are in the frame at the usual projector sizes, wide letters (M, W) too. At 8vw with
.15em letter-spacing, "MMPDMG" on a 1920x1080 screen showed as "MMPDM" and half a G."""

import pytest
from django.conf import settings

from contests import services
from tests import factories

pytestmark = pytest.mark.browser

SCREENS = [(1920, 1080), (1366, 768), (1280, 720), (1024, 768)]


@pytest.mark.parametrize("code", ["MMPDMG", "WMWMWM"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_the_join_code_fits_on_the_big_screen(asgi_server, signed_in_page, code, language, width, height):
    audit = factories.unit_at("审计署", kind="organ")
    host = factories.organiser(audit, username="host", real_name="主持人")
    contest = services.contest_create(title="党的二十届四中全会精神知识接力赛", unit=audit, by=host)
    contest.join_code = code
    contest.save(update_fields=["join_code"])
    screen = signed_in_page(host, viewport={"width": width, "height": height})
    screen.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
    screen.goto(f"{asgi_server}/contests/{code}/screen/")
    shown = screen.locator("#join-code")
    assert shown.inner_text() == code
    # Nothing of the code runs past its own box, and its box lies inside the stage (which clips
    # whatever does not fit) and left of the scoreboard.
    width_used, width_given = shown.evaluate("element => [element.scrollWidth, element.clientWidth]")
    assert width_used <= width_given
    code_box = shown.bounding_box()
    stage = screen.locator(".qs-screen-stage").bounding_box()
    board = screen.locator(".qs-screen-board").bounding_box()
    assert code_box["x"] >= stage["x"]
    assert code_box["x"] + code_box["width"] <= stage["x"] + stage["width"]
    assert code_box["x"] + code_box["width"] <= board["x"]
    # Still large: at least 4% of the screen's width a character (77 px on a 1920 px screen).
    assert float(shown.evaluate("element => getComputedStyle(element).fontSize")[:-2]) >= 0.04 * width
