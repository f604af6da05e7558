"""The big screen of a hall with many teams, projected at 1920x1080 and read from the back: the
board keeps names at a readable size and turns in pages rather than dropping teams or shrinking
them to 17 px; the lines under a question count the teams rather than list them all; the podium
shows a long name whole (on more lines) and keeps the "less time" badge on its step."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from contests import services
from contests.models import Round
from tests import factories

pytestmark = pytest.mark.browser

SCREEN = {"width": 1920, "height": 1080}
BOARD_PAGE_MS = 8000  # how often the board turns a page (static/js/screen.js)
LONG_ZH = "审计署广州特派办南方电网审计组临时党支部第二联合代表队（含驻场审计人员）"


def hall_of(count: int, *, relay_questions: int = 1):
    """A contest of `count` teams of one member each (广州特派办第N代表队), with a relay round."""
    audit = factories.unit_at("审计署", kind="organ")
    host = factories.organiser(audit, username="host", real_name="主持人")
    contest = services.contest_create(title="党的二十届四中全会精神知识接力赛", unit=audit, by=host)
    members = []
    for n in range(1, count + 1):
        unit = factories.unit_at(f"审计署/广州特派办/第{n}党支部")
        member = factories.member(unit, username=f"m{n}", real_name=f"队员{n}")
        services.team_add(contest=contest, name=f"广州特派办第{n}代表队", unit=unit, legs=[member])
        members.append(member)
    bank = factories.bank(audit)
    versions = [
        factories.question(bank, "single", options=["甲", "乙", "丙", "丁"], key=["A"]).current
        for _ in range(relay_questions)
    ]
    services.round_add(contest=contest, type=Round.Type.RELAY, title="接力赛", versions=versions, time_limit_s=600)
    return contest, host, members


def open_screen(asgi_server, signed_in_page, contest, language="zh-hans", *, paused_clock=False):
    """The big screen of `contest`, watched by a member. With `paused_clock`, the page's clock
    (Playwright's) stands still from the start: its timers run only when the test moves it on."""
    watcher = factories.member(factories.unit_at("审计署/广州特派办/第1党支部"), username="watcher")
    screen = signed_in_page(watcher, viewport=SCREEN)
    screen.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
    if paused_clock:
        screen.clock.install(time=datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
        screen.clock.pause_at(datetime(2026, 10, 20, 9, 0, 1, tzinfo=UTC))
    screen.goto(f"{asgi_server}/contests/{contest.join_code}/screen/")
    return screen


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def font_px(locator) -> float:
    return float(locator.evaluate("element => getComputedStyle(element).fontSize")[:-2])


def inside(inner: dict, outer: dict) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


@pytest.mark.parametrize("count", [23, 40])
def test_a_board_of_many_teams_keeps_its_size_and_turns_in_pages_through_every_team(
    asgi_server, transactional_db, signed_in_page, screenshot, count
):
    contest, _host, _members = hall_of(count)
    # The board turns a page every 8 s: the test moves the page's clock on by that much for each
    # turn instead of waiting for it, and no page turns while a page's rows are being checked.
    screen = open_screen(asgi_server, signed_in_page, contest, paused_clock=True)
    pager = screen.locator("#board-pager")
    pager.filter(has_text=f"/ {count}").wait_for()
    first = pager.inner_text()
    screenshot(screen, f"screen-board-{count}-page-1")
    aside = box(screen, ".qs-screen-board")
    seen = []
    # Every page in turn, until the first comes round again: each row shown is whole, inside the
    # board's box and above the pager line, its name at least 30 px; every team is on a page.
    while True:
        label = pager.inner_text()
        rows = screen.locator("#scoreboard li:visible")
        names = rows.locator(".name").all_inner_texts()
        start, end = (int(n) for n in label.split(" / ")[0].split("–"))
        assert label == f"{start}–{end} / {count}"
        assert names == [f"广州特派办第{n}代表队" for n in range(start, end + 1)], label
        assert 8 <= len(names) < count or end == count  # only the last page may be short
        pager_box = box(screen, "#board-pager")
        for row in rows.all():
            row_box = row.bounding_box()
            assert inside(row_box, aside), (label, row_box, aside)
            assert row_box["y"] + row_box["height"] <= pager_box["y"] + 0.5, (label, row_box, pager_box)
            assert font_px(row.locator(".name")) >= 30
        seen += names
        if end == count:
            break
        screen.clock.run_for(BOARD_PAGE_MS)
        screen.locator("#board-pager", has_text=f"{end + 1}–").wait_for()
    assert seen == [f"广州特派办第{n}代表队" for n in range(1, count + 1)]
    screen.clock.run_for(BOARD_PAGE_MS)
    screen.locator("#board-pager", has_text=first).wait_for()


def test_a_board_that_fits_shows_every_team_without_a_pager(asgi_server, transactional_db, signed_in_page, screenshot):
    contest, _host, _members = hall_of(3)
    screen = open_screen(asgi_server, signed_in_page, contest, "en")
    screen.locator("#scoreboard li").nth(2).wait_for()
    screenshot(screen, "screen-board-3")
    assert screen.locator("#scoreboard li:visible").count() == 3
    assert screen.locator("#board-pager").is_hidden()
    assert font_px(screen.locator("#scoreboard .name").first) >= 30


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_question_for_23_relay_teams_counts_them_and_keeps_its_phase_badge_and_lines_in_the_frame(
    asgi_server, transactional_db, signed_in_page, screenshot, language
):
    contest, host, members = hall_of(23)
    services.contest_start(contest=contest, by=host)
    services.question_open(contest=contest, by=host)
    for member in members[:5]:
        services.answer_submit(contest=contest, member=member, response="A", client_answer_id=member.username)
    screen = open_screen(asgi_server, signed_in_page, contest, language)
    baton, answered, phase = {
        "zh-hans": ("接力棒：23 队各由当棒队员作答", "已作答 5 / 23 队", "开始作答"),
        "en": ("Baton: 23 teams, each answered by its holder", "5 of 23 teams answered", "Answer now"),
    }[language]
    screen.locator("#baton", has_text=answered).wait_for()
    screenshot(screen, f"screen-question-23-{language}")
    assert screen.locator("#baton").inner_text() == f"{baton}\u00a0\u00a0·\u3000{answered}"
    assert screen.locator("#phase").inner_text() == phase
    stage = box(screen, ".qs-screen-stage")
    for selector in ("#phase", "#stem", "#options", "#baton"):
        assert inside(box(screen, selector), stage), selector
    assert not screen.locator(".qs-screen-stage").evaluate("stage => stage.classList.contains('is-overflowing')")
    # The board, under the taller header a question has (round and clock), still ends above its
    # pager line: its pages were split again for the smaller box.
    screen.locator("#countdown").filter(has_text=re.compile(r"^\d+$")).wait_for()
    rows = screen.locator("#scoreboard li:visible").all()
    assert 8 <= len(rows) < 23
    assert rows[-1].bounding_box()["y"] + rows[-1].bounding_box()["height"] <= box(screen, "#board-pager")["y"] + 0.5

    # The reveal counts the teams that were right rather than naming all five; the board, whose
    # first row now takes two lines (its "less time" mark), still ends above its pager line.
    services.question_reveal(contest=contest, by=host)
    screen.reload()
    right = {"zh-hans": "答对：5 队", "en": "Right: 5 teams"}[language]
    screen.locator("#verdicts", has_text=right).wait_for()
    screenshot(screen, f"screen-reveal-23-{language}")
    assert screen.locator("#verdicts").inner_text() == right
    assert inside(box(screen, "#verdicts"), box(screen, ".qs-screen-stage"))
    rows = screen.locator("#scoreboard li:visible").all()
    assert 8 <= len(rows) < 23
    assert rows[-1].bounding_box()["y"] + rows[-1].bounding_box()["height"] <= box(screen, "#board-pager")["y"] + 0.5


@pytest.fixture
def podium(transactional_db):
    """A finished relay of five teams: 第一党支部 right; the others wrong, 第二党支部 after 2 s
    (second, on time) and three long-named teams after 5 s (third, together)."""
    audit = factories.unit_at("审计署", kind="organ")
    host = factories.organiser(audit, username="host", real_name="主持人")
    contest = services.contest_create(title="党的二十届四中全会精神知识接力赛", unit=audit, by=host)
    names = [
        ("第一党支部", "First Party Branch"),
        ("第二党支部", "Second Party Branch"),
        ("南方电网审计组临时党支部", "Southern Power Grid Audit Team Temporary Party Branch"),
        (LONG_ZH, ""),
        ("广州特派办第2代表队", ""),
    ]
    members = []
    for n, (name, name_en) in enumerate(names):
        unit = factories.unit_at(f"审计署/广州特派办/{name}")
        unit.name_en = name_en
        unit.save()
        member = factories.member(unit, username=f"m{n}")
        services.team_add(contest=contest, name=name, unit=unit, legs=[member])
        members.append(member)
    bank = factories.bank(audit)
    version = factories.question(bank, "single", options=["甲", "乙"], key=["A"]).current
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=[version], time_limit_s=60)
    services.contest_start(contest=contest, by=host)
    opened = services.question_open(contest=contest, by=host).opened_at
    for member, response, seconds in zip(members, ["A", "B", "B", "B", "B"], [1, 2, 5, 5, 5], strict=True):
        services.answer_submit(
            contest=contest,
            member=member,
            response=response,
            client_answer_id=member.username,
            at=opened + timedelta(seconds=seconds),
        )
    services.question_reveal(contest=contest, by=host, at=opened + timedelta(seconds=6))
    services.contest_finish(contest=contest, by=host)
    return contest


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_podium_shows_long_names_whole_and_keeps_the_less_time_badge_on_its_step(
    asgi_server, podium, signed_in_page, screenshot, language
):
    screen = open_screen(asgi_server, signed_in_page, podium, language)
    places = screen.locator("#podium .place")
    places.nth(4).wait_for()
    # Every name on the podium is whole (as on the board beside it): none is taller than its box
    # (the steps' `fitPodium`); read when every step has fitted.
    whole = """() => {
        const names = [...document.querySelectorAll('#podium .place .name')];
        // A line's glyphs may overhang its box by a few pixels: cut is more than half a line.
        const half = (name) => parseFloat(getComputedStyle(name).lineHeight) / 2;
        return names.length === 5 && names.every((name) => name.scrollHeight - name.clientHeight <= half(name));
    }"""
    screen.wait_for_function(whole)
    screenshot(screen, f"screen-podium-{language}")
    assert places.locator(".medal").all_inner_texts() == ["1", "2", "3", "3", "3"]
    long_en = "Southern Power Grid Audit Team Temporary Party Branch"
    expected = {"zh-hans": "南方电网审计组临时党支部", "en": long_en}[language]
    assert places.nth(2).locator(".name").inner_text() == expected
    stage = box(screen, ".qs-screen-stage")
    for place in places.all():
        place_box = place.bounding_box()
        assert inside(place_box, stage)
        name = place.locator(".name")
        assert name.evaluate("element => element.scrollWidth <= element.clientWidth + 1"), name.inner_text()
        for part in (".medal", ".name", ".score"):
            assert inside(place.locator(part).bounding_box(), place_box), (part, name.inner_text())
        # Readable from the back: at least the board's size, 1.6vw of 1920 px (30.72 px).
        assert font_px(name) >= 30.7
    badge = places.nth(1).locator(".qs-tie-note")
    assert badge.inner_text() == {"zh-hans": "用时少", "en": "less time"}[language]
    assert inside(badge.bounding_box(), places.nth(1).bounding_box())
    # The longest names took more than two lines, whole: the Chinese one of 37 characters, and
    # in English also the long English name (53 characters, on a step 239 px wide).
    for index in {"zh-hans": (3,), "en": (2, 3)}[language]:
        name = places.nth(index).locator(".name")
        line = float(name.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)"))
        assert name.bounding_box()["height"] > 2 * line + 1, name.inner_text()
    assert places.nth(3).locator(".name").inner_text() == LONG_ZH

    # The "less time" mark, on the board and on the step, is read from the back of the hall: at
    # least 0.8 of the name beside it on the board (.7 of it was 21 px beside 31 px), at full
    # opacity (it was .8 on dark red).
    marked = screen.locator("#scoreboard li", has=screen.locator(".qs-tie-note")).first
    mark = marked.locator(".qs-tie-note")
    assert font_px(mark) >= 0.8 * font_px(marked.locator(".name"))
    assert inside(mark.bounding_box(), marked.locator(".name").bounding_box())  # its border not cut by the name's lines
    for note in (mark, badge):
        assert note.evaluate("element => getComputedStyle(element).opacity") == "1"
        assert font_px(note) >= 24
