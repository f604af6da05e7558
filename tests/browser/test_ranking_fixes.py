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
