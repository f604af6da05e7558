"""The host console, phones and big screen after a new organiser's walk: the console's log in the
hall's clock (the site's TIME_ZONE) whatever the PC's, and a place won on relay time alone marked
"less time" on every board."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from contests import services
from contests.models import AuditEntry, Round
from tests import factories

pytestmark = pytest.mark.browser

CONSOLE = {"width": 1366, "height": 900}
SCREEN = {"width": 1920, "height": 1080}
NOTE = {"zh-hans": "用时少", "en": "less time"}
CONNECTED = {"zh-hans": "已连接", "en": "Connected"}


@pytest.fixture
def tied(transactional_db):
    """A running contest after one relay question: both teams wrong, so 100 each; red answered
    after 2 s and blue after 5 s, so red is first on time."""
    audit = factories.unit_at("审计署", kind="organ")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    gz2 = factories.unit_at("审计署/广州特派办/第二党支部")
    bank = factories.bank(audit)
    host = factories.organiser(audit, username="host", real_name="主持人")
    red = factories.member(gz1, username="red", real_name="红一")
    blue = factories.member(gz2, username="blue", real_name="蓝一")
    contest = services.contest_create(title="同分竞赛", title_en="Tied quiz", unit=audit, by=host)
    services.team_add(contest=contest, name="红队", unit=gz1, legs=[red])
    services.team_add(contest=contest, name="蓝队", unit=gz2, legs=[blue])
    versions = [factories.question(bank, "single", options=["甲", "乙"], key=["A"]).current for _ in range(2)]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=versions)
    services.contest_start(contest=contest, by=host)
    opened = services.question_open(contest=contest, by=host).opened_at
    for member, seconds in ((red, 2), (blue, 5)):
        services.answer_submit(
            contest=contest,
            member=member,
            response="B",
            client_answer_id=member.username,
            at=opened + timedelta(seconds=seconds),
        )
    services.question_reveal(contest=contest, by=host, at=opened + timedelta(seconds=6))
    # Every log entry at 02:03:04 UTC, which is 10:03:04 in Asia/Shanghai.
    AuditEntry.objects.filter(contest=contest).update(at=datetime(2026, 12, 5, 2, 3, 4, tzinfo=UTC))
    return {"contest": contest, "host": host, "red": red, "blue": blue}


def in_language(page, server: str, language: str):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server}])
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_host_console_logs_in_the_halls_clock_and_every_board_says_a_tie_went_on_time(
    asgi_server, tied, signed_in_page, screenshot, language
):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    code = tied["contest"].join_code
    # The host's PC keeps UTC (abroad, or set wrong).
    host = in_language(signed_in_page(tied["host"], viewport=CONSOLE, timezone_id="UTC"), asgi_server, language)
    phone = in_language(signed_in_page(tied["blue"], phone=True), asgi_server, language)
    screen = in_language(signed_in_page(tied["host"], viewport=SCREEN), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{code}/host/")
    phone.goto(f"{asgi_server}/contests/{code}/play/")
    screen.goto(f"{asgi_server}/contests/{code}/screen/")
    for page in (host, phone):
        page.locator("#connection", has_text=CONNECTED[language]).wait_for()

    host.locator("#audit li").first.wait_for()
    log = host.locator("#audit").inner_text()
    assert "10:03:04" in log, log

    note = NOTE[language]
    host.locator("#scores li", has_text=note).wait_for()
    assert [li.inner_text().split("\n")[0] for li in host.locator("#scores li").all()][0].startswith("1. 红队")
    assert host.locator("#scores .qs-tie-note").count() == 1
    assert note in host.locator("#scores li").nth(0).inner_text()
    screenshot(host, f"live-walk-host-{language}")

    # Blue's phone: red's place above it says why; blue's own line does not.
    phone.locator("#scores li", has_text=note).wait_for()
    rows = [li.inner_text() for li in phone.locator("#scores li").all()]
    assert rows[0].startswith("1. 红队") and note in rows[0], rows
    assert rows[1].startswith("2. 蓝队") and note not in rows[1], rows
    assert note not in phone.locator("#my-team").inner_text()
    screenshot(phone, f"live-walk-phone-{language}")

    screen.locator("#scoreboard li", has_text=note).wait_for()
    board = [li.inner_text() for li in screen.locator("#scoreboard li").all()]
    assert "红队" in board[0] and note in board[0] and note not in board[1], board
    screenshot(screen, f"live-walk-screen-{language}")


def test_a_phone_whose_own_team_won_its_place_on_time_says_so_on_its_own_line(asgi_server, tied, signed_in_page):
    code = tied["contest"].join_code
    phone = in_language(signed_in_page(tied["red"], phone=True), asgi_server, "zh-hans")
    phone.goto(f"{asgi_server}/contests/{code}/play/")
    phone.locator("#my-team", has_text="用时少").wait_for()
    assert "第 1 名" in phone.locator("#my-team").inner_text()  # not "#1"
