"""An organiser of a large organ chooses units and members by typing, not by scrolling lists of
hundreds: the contest form's unit, a member's unit and the member list's "Move to a unit" are the
shared unit picker (static/js/unit_picker.js), which shows each unit by its path, so that two
第一党支部 tell apart, and keeps the field's help read with the box typed into; a team's "Add a
member…" in the contest builder searches every member the organiser may add, so the 501st by
name, whom the page's list of 500 leaves out, can be added."""

import pytest
from playwright.sync_api import expect

from contests.models import Contest, Team
from contests.wizard import services as wizard
from orgs.models import User
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def organ(transactional_db):
    units = {
        "organ": factories.unit_at("审计署", kind="organ"),
        "gz": factories.unit_at("审计署/广州特派办", kind="office"),
        "gz1": factories.unit_at("审计署/广州特派办/第一党支部"),
        "gz2": factories.unit_at("审计署/广州特派办/第二党支部"),
        "sz": factories.unit_at("审计署/深圳特派办", kind="office"),
        "sz1": factories.unit_at("审计署/深圳特派办/第一党支部"),
        "mof1": factories.unit_at("财政部/预算司/第一党支部"),
    }
    organiser = factories.organiser(units["organ"], username="organiser", real_name="署组织者")
    return {**units, "organiser": organiser}


def _options(page, box: str):
    return page.locator(f"#{box} + .ts-wrapper .ts-dropdown .option")


def test_organiser_types_to_pick_a_unit_on_the_contest_form_and_for_members(asgi_server, organ, signed_in_page):
    page = signed_in_page(organ["organiser"])
    page.goto(f"{asgi_server}/contests/new/")
    page.fill("#id_title", "党史知识竞赛")
    expect(page.locator("#id_unit-ts-control")).to_have_attribute("aria-describedby", "id_unit_helptext")
    # Another organ's unit posted by hand: refused by name, the title kept, the error read with the box.
    page.locator("#id_unit").evaluate(
        "(select, pk) => { select.add(new Option('财政部', pk, true, true)); }", str(organ["mof1"].pk)
    )
    page.locator("#basics-next").click()
    expect(page.locator("#id_unit_error")).to_have_text("该单位不在您管理的单位范围内。")
    expect(page.locator("#id_title")).to_have_value("党史知识竞赛")
    described = page.get_attribute("#id_unit-ts-control", "aria-describedby").split()
    assert described == ["id_unit_helptext", "id_unit_error"] or described == ["id_unit_error", "id_unit_helptext"]
    # Both 第一党支部 are offered, each by its path; 财政部's (another organ) is not.
    page.fill("#id_unit-ts-control", "第一党支部")
    expect(_options(page, "id_unit")).to_have_text(["审计署/广州特派办/第一党支部", "审计署/深圳特派办/第一党支部"])
    page.fill("#id_unit-ts-control", "深圳 第一")
    expect(_options(page, "id_unit")).to_have_text(["审计署/深圳特派办/第一党支部"])
    _options(page, "id_unit").first.click()
    expect(page.locator("#id_unit")).to_have_value(str(organ["sz1"].pk))
    page.locator("#basics-next").click()
    page.wait_for_url("**/setup/teams/")
    assert Contest.objects.get(title="党史知识竞赛").unit == organ["sz1"]

    # A name no unit has: said so, and nothing is chosen.
    member = factories.member(organ["gz1"], real_name="张三")
    page.goto(f"{asgi_server}/orgs/members/{member.pk}/")
    page.fill("#id_unit-ts-control", "<script>'")
    expect(page.locator("#id_unit + .ts-wrapper .no-results")).to_have_text("可选的单位中没有与此相符的。")
    page.fill("#id_unit-ts-control", "深圳")
    page.locator("#id_unit + .ts-wrapper .option", has_text="深圳特派办/第一党支部").click()
    page.locator("#member-form button[type=submit]").click()
    page.locator(".alert-success").wait_for()
    assert User.objects.get(pk=member.pk).unit == organ["sz1"]

    # The member list's bulk bar: "Move to a unit".
    page.goto(f"{asgi_server}/orgs/members/")
    page.get_by_role("checkbox", name="张三").check()
    page.select_option("#bulk-action", "move")
    page.fill("#bulk-unit-ts-control", "广州 第二")
    expect(_options(page, "bulk-unit")).to_have_text(["审计署/广州特派办/第二党支部"])
    _options(page, "bulk-unit").first.click()
    page.click("#bulk-apply")
    page.locator(".alert-success").wait_for()
    assert User.objects.get(pk=member.pk).unit == organ["gz2"]


def test_a_team_adds_the_member_past_the_first_500_by_searching(asgi_server, organ, signed_in_page):
    # 600 members of 第二党支部: 成员0600 sorts after the 500 the page lists.
    User.objects.bulk_create(
        [
            User(
                username=f"bulk{n:04d}", real_name=f"成员{n:04d}", unit=organ["gz2"], name_sort=f"cheng2 yuan2 {n:04d}"
            )
            for n in range(1, 601)
        ]
    )
    factories.member(organ["mof1"], real_name="财政成员")  # another organ: never found
    contest = wizard.contest_begin(title="广州特派办知识竞赛", unit=organ["gz"], base_score=100, by=organ["organiser"])
    team = Team.objects.create(contest=contest, name="第一党支部", unit=organ["gz1"])
    last = User.objects.get(username="bulk0600")

    page = signed_in_page(organ["organiser"])
    page.goto(f"{asgi_server}/contests/{contest.join_code}/setup/teams/")
    card = page.locator("[data-team='第一党支部']")
    assert card.locator(f"select[name=member] option[value='{last.pk}']").count() == 0
    box = card.locator(".ts-control input")
    box.fill("财政成员")
    expect(card.locator(".ts-dropdown .no-results")).to_have_text("您管理的单位中没有可添加的此名成员。")
    box.fill("成员0600")
    found = card.locator(".ts-dropdown .option")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("审计署/广州特派办/第二党支部")
    found.click()
    card.get_by_role("button", name="添加").click()
    page.wait_for_url("**/setup/teams/")
    page.locator("[data-team='第一党支部'] [data-member]", has_text="成员0600").wait_for()
    assert team.members.filter(member=last).exists()
