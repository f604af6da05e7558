"""The rankings fixes seen in a browser: the rule form warns at once when four eyes is ticked with
no one else to approve, the console shows a superseded draft without buttons, and a contest's
results page says how results get published."""

import pytest

from contests import services as contest_services
from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings.test_services import compute, member_rule, points

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
LANGUAGES = (("zh-CN", "zh-hans"), ("en", "en"))


@pytest.fixture
def scene(transactional_db):
    tree = {
        "audit": factories.unit_at("审计署", kind="organ"),
        "gz1": factories.unit_at("审计署/广州特派办/第一党支部"),
    }
    people = {name: factories.member(tree["gz1"], username=name, real_name=name.upper()) for name in "abc"}
    for amount, name in zip((30, 20, 10), "abc", strict=True):
        points(people[name], amount, f"{name}-1")
    admin = factories.administrator(tree["audit"], username="boss", real_name="王主任")
    organiser = factories.organiser(tree["audit"], username="host", real_name="李组织")
    rule = member_rule({"tree": tree, "people": people}, slug="points", requires_second_approver=False)
    compute(rule)
    points(people["c"], 45, "c-2")
    newer = compute(rule).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=newer, by=admin), by=admin)
    contest = contest_services.contest_create(title="知识竞赛决赛", unit=tree["audit"], by=organiser)
    return {"admin": admin, "organiser": organiser, "rule": rule, "contest": contest}


def test_the_rule_form_warns_as_soon_as_four_eyes_is_ticked_with_no_one_else_to_approve(
    asgi_server, scene, signed_in_page, screenshot
):
    for locale, name in LANGUAGES:
        page = signed_in_page(scene["admin"], locale=locale, viewport=DESKTOP)
        page.goto(f"{asgi_server}/rankings/rules/new/?contest={scene['contest'].pk}")
        box, warning = page.locator("#id_requires_second_approver"), page.locator("#no-second-approver")
        # Alone in 审计署: unticked by default, and no warning until it is ticked.
        assert not box.is_checked() and warning.is_hidden()
        box.check()
        assert warning.is_visible()
        warning.scroll_into_view_if_needed()
        screenshot(page, f"rankfix-rule-form-warning-{name}")
        box.uncheck()
        assert warning.is_hidden()


def test_the_console_shows_a_superseded_draft_without_buttons(asgi_server, scene, signed_in_page, screenshot):
    for locale, name in LANGUAGES:
        page = signed_in_page(scene["admin"], locale=locale, viewport=DESKTOP)
        page.goto(f"{asgi_server}/rankings/points/manage/")
        row = page.locator("#snapshot-v1")
        assert row.locator(".superseded-note").is_visible() and row.locator("button").count() == 0
        screenshot(page, f"rankfix-console-superseded-{name}")


def test_the_results_page_says_who_publishes_and_links_an_administrator_to_a_rule(
    asgi_server, scene, signed_in_page, screenshot
):
    code = scene["contest"].join_code
    for locale, name in LANGUAGES:
        page = signed_in_page(scene["organiser"], locale=locale, viewport=DESKTOP)
        page.goto(f"{asgi_server}/contests/{code}/results/")
        assert page.locator("#unit-administrators").inner_text() == "王主任"
        screenshot(page, f"rankfix-results-organiser-{name}")
        page = signed_in_page(scene["admin"], locale=locale, viewport=DESKTOP)
        page.goto(f"{asgi_server}/contests/{code}/results/")
        screenshot(page, f"rankfix-results-admin-{name}")
        page.click("#new-rule-link")
        assert page.locator("select[name=source_contest]").first.input_value() == str(scene["contest"].pk)


SHOTS = "/tmp/shots/rankfix"


def test_the_console_says_why_a_draft_older_than_a_newer_draft_offers_nothing(
    asgi_server, scene, signed_in_page, screenshot
):
    """v3 and v4 computed after the published v2: v3 says in words that v4 replaced it and offers
    no button; v4 offers approval."""
    from orgs.models import User

    rule, c = scene["rule"], User.objects.get(username="c")
    points(c, 5, "c-3")
    compute(rule)
    points(c, 5, "c-4")
    compute(rule)
    said = {
        "zh-hans": "第 3 版已过时：其后又算出了第 4 版。只有最新的版本可以审核和发布，请查看第 4 版。",
        "en": "Version 3 is out of date: version 4 was computed after it. "
        "Only the newest version can be approved and published: check version 4.",
    }
    for locale, name in LANGUAGES:
        for viewport, size in ((DESKTOP, "desktop"), ({"width": 390, "height": 844}, "phone")):
            page = signed_in_page(scene["admin"], locale=locale, viewport=viewport)
            page.goto(f"{asgi_server}/rankings/points/manage/")
            older, newer = page.locator("#snapshot-v3"), page.locator("#snapshot-v4")
            assert older.locator(".outdated-note").inner_text() == said[name]
            assert older.locator("button").count() == 0 and newer.locator(".approve-button").is_visible()
            # The words read as a paragraph, not one word a line down a phone's narrow column.
            assert older.bounding_box()["height"] < 2 * newer.bounding_box()["height"]
            page.screenshot(path=f"{SHOTS}/console-outdated-{name}-{size}.png", full_page=True)


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, {"width": 1920, "height": 1080}])
def test_the_ranking_screen_keeps_its_unit_and_metric_on_one_line_under_a_long_title(
    asgi_server, scene, signed_in_page, viewport
):
    """The demo's titles: at 1366 px the English one left "审计署 · Total" too little room and it
    broke after the dot; the title gives way now, and the header stays inside the frame."""
    from rankings.models import RankingRule

    RankingRule.objects.filter(pk=scene["rule"].pk).update(
        title="审计署两周学习积分排行（个人）", title_en="National Audit Office: two weeks of study points (members)"
    )
    for locale, name in LANGUAGES:
        page = signed_in_page(scene["admin"], locale=locale, viewport=viewport)
        page.goto(f"{asgi_server}/rankings/points/screen/")
        scope = page.locator("#screen-scope-line")
        assert scope.inner_text() == {"zh-hans": "审计署 · 总分", "en": "审计署 · Total"}[name]
        lines = scope.evaluate("(el) => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).fontSize)")
        assert lines < 2, f"{lines:.1f} font sizes high: wrapped"
        header = page.locator(".qs-screen-head").evaluate(
            "(el) => [el.getBoundingClientRect().right, el.scrollWidth, el.clientWidth]"
        )
        assert header[0] <= viewport["width"] and header[1] <= header[2], header
        assert page.locator("#screen-rows li:visible").count() == 3
        page.screenshot(path=f"{SHOTS}/ranking-screen-{name}-{viewport['width']}.png")


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 1920, "height": 1080}])
def test_the_ranking_screen_title_wins_over_a_long_list_of_units_covered(asgi_server, scene, signed_in_page, viewport):
    """Three organs' English names kept one line and cut the title to "December knowled…": the
    units wrap now, their full text the element's tooltip, and the title shows whole."""
    from orgs.models import Unit
    from rankings.models import RankingRule

    units = "National Audit Office, Ministry of Finance, National Bureau of Statistics"
    Unit.objects.filter(name="审计署").update(name_en=units)
    RankingRule.objects.filter(pk=scene["rule"].pk).update(title_en="December knowledge contest, all organs")
    page = signed_in_page(scene["admin"], locale="en", viewport=viewport)
    page.goto(f"{asgi_server}/rankings/points/screen/")
    title = page.locator("#screen-title")
    assert title.inner_text() == "December knowledge contest, all organs"
    shown, whole = title.evaluate("(el) => [[el.clientWidth, el.clientHeight], [el.scrollWidth, el.scrollHeight]]")
    assert whole[0] <= shown[0] and whole[1] <= shown[1], (shown, whole)
    assert page.locator("#screen-scope").get_attribute("title") == f"{units} · Total"
    header = page.locator(".qs-screen-head").evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert header[0] <= header[1], header
    page.screenshot(path=f"{SHOTS}/ranking-screen-long-units-{viewport['width']}.png")
