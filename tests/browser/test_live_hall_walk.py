"""A tester's walk of a live contest, on the host console (1366x900), the big screen (1920x1080)
and a phone: adjustments the page refuses with a word, every team in the answers table, the
team's own answer beside the key, multiple choice said as such, counts that read as counts, who
was right on the big screen, a podium that agrees with its board, and a lobby legible from the
back of a hall."""

import pytest
from django.conf import settings

from contests import services
from contests.models import Round, ScoreEvent
from tests import factories

pytestmark = pytest.mark.browser

CONSOLE = {"width": 1366, "height": 900}
SCREEN = {"width": 1920, "height": 1080}
CONNECTED = {"zh-hans": "已连接", "en": "Connected"}
TEAMS = ["一队", "二队", "三队"]


@pytest.fixture
def walk(transactional_db):
    """Three teams of one member each and a compulsory round of one multiple-choice question
    (key ABCD of five options), not started."""
    audit = factories.unit_at("审计署", kind="organ")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    host = factories.organiser(audit, username="host", real_name="主持人")
    members = [factories.member(branch, username=f"m{n}", real_name=f"队员{n}") for n in range(3)]
    contest = services.contest_create(title="走查竞赛", title_en="Walk quiz", unit=audit, by=host)
    teams = [
        services.team_add(contest=contest, name=name, unit=branch, legs=[member])
        for name, member in zip(TEAMS, members, strict=True)
    ]
    question = factories.question(
        factories.bank(audit),
        "multiple",
        stem="“四个自信”包括？",
        options=["道路自信", "理论自信", "制度自信", "文化自信", "历史自信"],
        key=["A", "B", "C", "D"],
    ).current
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, title="必答题", versions=[question])
    return {"contest": contest, "host": host, "members": members, "teams": teams}


def opened(walk):
    """Started, the question open, and team one's answer AB in."""
    contest = walk["contest"]
    services.contest_start(contest=contest, by=walk["host"])
    services.question_open(contest=contest, by=walk["host"])
    services.answer_submit(contest=contest, member=walk["members"][0], response=["A", "B"], client_answer_id="a")
    return contest


def page_in(signed_in_page, asgi_server, user, language, **kwargs):
    page = signed_in_page(user, **kwargs)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_host_console_lists_every_team_and_refuses_an_adjustment_it_cannot_send_with_a_word(
    asgi_server, walk, signed_in_page, screenshot, language
):
    contest = opened(walk)
    host = page_in(signed_in_page, asgi_server, walk["host"], language, viewport=CONSOLE)
    host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    host.locator("#connection", has_text=CONNECTED[language]).wait_for()
    not_yet, did_not = {"zh-hans": ("尚未作答", "未作答"), "en": ("no answer yet", "did not answer")}[language]
    rows = host.locator("#answers tr")
    rows.filter(has_text="三队").filter(has_text=not_yet).wait_for()
    assert rows.filter(has_text="二队").filter(has_text=not_yet).count() == 1
    assert rows.filter(has_text="一队").filter(has_text="A. 道路自信; B. 理论自信").count() == 1
    host.click("#reveal-button")
    rows.filter(has_text="三队").filter(has_text=did_not).wait_for()
    # The reveal's acknowledgement may come after the frame that redrew the rows; it replaces the
    # message area, so wait for it before reading the refusals below.
    host.locator("#host-message .alert-success").wait_for()
    assert rows.filter(has_text="二队").filter(has_text=did_not).count() == 1
    assert rows.count() == 3

    refusal = {
        "zh-hans": "请输入 -1000 到 1000 之间的整数分值",
        "en": "Enter whole points from -1000 to 1000",
    }[language]
    host.fill("#adjust-reason", "录入")
    for typed in ("1e20", "2147483648", "1.5", "-1001"):
        host.locator("#host-message").evaluate("box => box.replaceChildren()")
        host.fill("#adjust-points", typed)
        host.click("#adjust-form button[type=submit]")
        host.locator("#host-message .alert-danger", has_text=refusal).wait_for()
        assert host.input_value("#adjust-points") == typed  # kept, to be corrected
    screenshot(host, f"live-walk-host-{language}")
    host.fill("#adjust-points", "-1000")
    host.click("#adjust-form button[type=submit]")
    host.locator("#scores li", has_text="一队").locator("strong", has_text="-900").first.wait_for()
    assert list(ScoreEvent.objects.filter(reason="adjustment").values_list("points", flat=True)) == [-1000]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_multiple_choice_question_says_choose_all_and_its_reveal_says_who_chose_what_and_who_was_right(
    asgi_server, walk, signed_in_page, screenshot, language
):
    contest = opened(walk)
    # Team three is right (ABCD); team two does not answer.
    services.answer_submit(
        contest=contest, member=walk["members"][2], response=["A", "B", "C", "D"], client_answer_id="c"
    )
    screen = page_in(signed_in_page, asgi_server, walk["members"][1], language, viewport=SCREEN)
    screen.goto(f"{asgi_server}/contests/{contest.join_code}/screen/")
    phone = page_in(signed_in_page, asgi_server, walk["members"][1], language, phone=True)
    phone.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    choose_all = {"zh-hans": "多选题：请选出所有正确选项", "en": "Choose all that apply"}[language]
    screen.locator("#pick-all", has_text=choose_all).wait_for()
    phone.locator("#controls", has_text=choose_all).wait_for()
    screenshot(screen, f"live-walk-screen-open-{language}")
    screenshot(phone, f"live-walk-phone-open-{language}")

    services.question_reveal(contest=contest, by=walk["host"])
    right, wrong = {"zh-hans": ("答对：", "答错："), "en": ("Right: ", "Not right: ")}[language]
    screen.locator("#verdicts .is-right", has_text=right + "三队").wait_for()
    assert screen.locator("#verdicts .is-wrong").inner_text() == wrong + "一队"
    # A and B were chosen by two teams, C and D by one, E by none: counts, not "× 1".
    one, two = {"zh-hans": ("1 队", "2 队"), "en": ("1 team", "2 teams")}[language]
    counts = screen.locator("#options li em").all_inner_texts()
    assert [text.strip() for text in counts] == [two, two, one, one, ""]
    assert screen.locator("#options li em .bi-people-fill").count() == 4
    # The key's tiles stay inside the stage (they grew past it and were cut at their edges).
    inside = screen.evaluate(
        """() => { const stage = document.querySelector('.qs-screen-stage').getBoundingClientRect();
        return [...document.querySelectorAll('#options li.is-key')].every((li) => {
          const r = li.getBoundingClientRect();
          return r.left >= stage.left && r.right <= stage.right && r.top >= stage.top && r.bottom <= stage.bottom;
        }); }"""
    )
    assert inside and screen.locator("#options li.is-key").count() == 4
    screenshot(screen, f"live-walk-screen-reveal-{language}")
    screenshot(phone, f"live-walk-phone-reveal-{language}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_phone_shows_its_teams_answer_beside_the_key_after_the_reveal(
    asgi_server, walk, signed_in_page, screenshot, language
):
    contest = opened(walk)
    phone = page_in(signed_in_page, asgi_server, walk["members"][0], language, phone=True)
    phone.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    idle = page_in(signed_in_page, asgi_server, walk["members"][1], language, phone=True)
    idle.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    for page in (phone, idle):
        page.locator("#connection", has_text=CONNECTED[language]).wait_for()
    services.question_reveal(contest=contest, by=walk["host"])
    said = {
        "zh-hans": ("答错了 · 本队作答：AB · 答案：ABCD", "本队未作答 · 答案：ABCD"),
        "en": ("Not right · Your team: AB · Answer: ABCD", "Your team did not answer · Answer: ABCD"),
    }[language]
    phone.locator("#feedback", has_text=said[0]).wait_for()
    idle.locator("#feedback", has_text=said[1]).wait_for()
    screenshot(phone, f"live-walk-phone-answer-{language}")


def finished(walk, adjustments):
    contest = walk["contest"]
    services.contest_start(contest=contest, by=walk["host"])
    for team, points in adjustments:
        services.score_adjust(contest=contest, team=walk["teams"][team], points=points, reason="调整", by=walk["host"])
    services.contest_finish(contest=contest, by=walk["host"])
    return contest


def podium(screen) -> list[dict]:
    return screen.evaluate(
        """() => [...document.querySelectorAll('#podium .place')].map((box) => { const r = box.getBoundingClientRect();
        return {name: box.querySelector('.name').textContent, rank: box.querySelector('.medal').textContent,
          left: r.left, height: r.height}; })"""
    )


@pytest.mark.parametrize(
    ("language", "adjustments", "ranks"),
    [
        # All three at 100: all first (the walk's contest).
        ("zh-hans", [], {"一队": "1", "二队": "1", "三队": "1"}),
        # 110, 110, 100: two share first, the third is third (1, 1, 3).
        ("en", [(1, 10), (2, 10)], {"二队": "1", "三队": "1", "一队": "3"}),
    ],
)
def test_the_podium_puts_teams_sharing_a_rank_on_one_step_in_the_boards_order_under_a_heading(
    asgi_server, walk, signed_in_page, screenshot, language, adjustments, ranks
):
    contest = finished(walk, adjustments)
    screen = page_in(signed_in_page, asgi_server, walk["members"][0], language, viewport=SCREEN)
    screen.goto(f"{asgi_server}/contests/{contest.join_code}/screen/")
    heading = {"zh-hans": "最终成绩", "en": "Final results"}[language]
    screen.locator("#podium h2", has_text=heading).wait_for()
    board = [name.strip() for name in screen.locator("#scoreboard .name").all_inner_texts()]
    places = podium(screen)
    assert {place["name"]: place["rank"] for place in places} == ranks
    firsts = [place for place in places if place["rank"] == "1"]
    # Teams sharing first stand left to right as the board lists them, on steps of one height.
    assert [place["name"] for place in sorted(firsts, key=lambda p: p["left"])] == [n for n in board if ranks[n] == "1"]
    assert len({round(place["height"]) for place in firsts}) == 1
    assert all(place["height"] < firsts[0]["height"] for place in places if place["rank"] != "1")
    screenshot(screen, f"live-walk-podium-{language}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_big_screen_lobby_and_round_are_legible_and_a_wide_score_does_not_squeeze_a_name(
    asgi_server, walk, signed_in_page, screenshot, language
):
    contest = walk["contest"]
    screen = page_in(signed_in_page, asgi_server, walk["members"][0], language, viewport=SCREEN)
    screen.goto(f"{asgi_server}/contests/{contest.join_code}/screen/")
    screen.locator("#scoreboard li").first.wait_for()
    style = "(el) => { const s = getComputedStyle(el); return [parseFloat(s.fontSize), s.color, s.opacity]; }"
    size, color, opacity = screen.locator(".qs-screen-url").evaluate(style)
    assert size >= 32 and color == "rgb(255, 255, 255)" and opacity == "1"
    screenshot(screen, f"live-walk-lobby-{language}")

    # 100 + 2,147,483,000: a score as wide as the one the walk put on the screen.
    ScoreEvent.objects.create(
        contest=contest, team=walk["teams"][1], points=2147483000, reason="adjustment", note="旧数据"
    )
    services.contest_start(contest=contest, by=walk["host"])
    services.question_open(contest=contest, by=walk["host"])
    screen.locator("#round-label", has_text="必答题").wait_for()
    size, color, opacity = screen.locator("#round-label").evaluate(style)
    assert size >= 32 and color == "rgb(255, 255, 255)" and opacity == "1"
    row = screen.locator("#scoreboard li", has_text="2147483100")
    row.wait_for()
    # The name keeps one line: the score goes below it rather than squeezing it.
    lines = row.locator(".name").evaluate(
        "(el) => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)"
    )
    assert lines < 1.5
    screenshot(screen, f"live-walk-screen-wide-score-{language}")


NINE = ["一队", "二队", "三队", "四队", "五队", "六队", "七队", "八队", "九队"]


@pytest.mark.parametrize(
    ("language", "viewport", "more"),
    [
        ("zh-hans", {"width": 1920, "height": 1080}, "另有 6 队并列第 1 名"),
        ("en", {"width": 1920, "height": 1080}, "and 6 more teams tied for place 1"),
        ("zh-hans", {"width": 1366, "height": 768}, "另有 6 队并列第 1 名"),
        ("en", {"width": 1366, "height": 768}, "and 6 more teams tied for place 1"),
    ],
)
def test_nine_teams_tied_for_first_put_three_on_the_podium_and_count_the_other_six(
    transactional_db, asgi_server, signed_in_page, language, viewport, more
):
    """Nine teams finish level on their base score: all share first. Three stand on the step, in
    the board's order, each name on one line; the six others are counted under it (9 - 3 = 6)
    rather than squeezed into nine slivers; nothing leaves the frame."""
    audit = factories.unit_at("审计署", kind="organ")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    host = factories.organiser(audit, username="host", real_name="主持人")
    members = [factories.member(branch, username=f"m{n}", real_name=f"队员{n}") for n in range(9)]
    contest = services.contest_create(title="并列竞赛", title_en="Tie quiz", unit=audit, by=host)
    for name, member in zip(NINE, members, strict=True):
        services.team_add(contest=contest, name=name, unit=branch, legs=[member])
    question = factories.question(factories.bank(audit), "single").current
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, title="必答题", versions=[question])
    services.contest_start(contest=contest, by=host)
    services.contest_finish(contest=contest, by=host)
    screen = page_in(signed_in_page, asgi_server, members[0], language, viewport=viewport)
    screen.goto(f"{asgi_server}/contests/{contest.join_code}/screen/")
    note = screen.locator("#podium .qs-screen-podium-more")
    note.wait_for()
    assert note.all_inner_texts() == [more]
    board = [name.strip() for name in screen.locator("#scoreboard .name").all_inner_texts()]
    places = podium(screen)
    assert [place["rank"] for place in places] == ["1", "1", "1"]
    assert [place["name"] for place in sorted(places, key=lambda p: p["left"])] == board[:3]
    names = screen.locator("#podium .name").evaluate_all(
        "(names) => names.map((e) => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).fontSize))"
    )
    assert len(names) == 3 and max(names) < 2, names
    bottom = screen.locator("#podium").evaluate(
        "(el) => Math.max(...[...el.children].map((c) => c.getBoundingClientRect().bottom))"
    )
    assert bottom <= viewport["height"], bottom
    screen.screenshot(path=f"/tmp/shots/rankfix/podium-nine-tied-{language}-{viewport['width']}.png")
