"""An organiser types what a Chinese office worker types into the pickers: a unit's initials
(dydzb for 第一党支部) or its pinyin ("di yi"), on a Chinese or an English page, whose unit list
also finds the Chinese name of a unit shown in English; and a member's initials (zs for 张三) or
phone number in a team's "Add a member…", for someone the page's list leaves out, whom the
server finds and the picker's own filter keeps. Before, none of these typed words found anything
(the phone was found by the server, then dropped by the picker)."""

import pytest
from playwright.sync_api import expect

from contests.models import Team
from contests.wizard import services as wizard
from orgs.models import User
from tests import factories

# The same organ as the pickers' own walk (another organ's 第一党支部 included, which this organiser
# is never offered).
from tests.browser.test_unit_and_member_pickers import _options, organ  # noqa: F401

pytestmark = pytest.mark.browser


def test_organiser_types_a_units_initials_or_pinyin_in_either_language(
    asgi_server,
    organ,  # noqa: F811
    signed_in_page,
):
    page = signed_in_page(organ["organiser"])
    page.goto(f"{asgi_server}/contests/new/")
    page.fill("#id_unit-ts-control", "dydzb")
    expect(_options(page, "id_unit")).to_have_text(["审计署/广州特派办/第一党支部", "审计署/深圳特派办/第一党支部"])
    page.fill("#id_unit-ts-control", "di yi")
    expect(_options(page, "id_unit")).to_have_text(["审计署/广州特派办/第一党支部", "审计署/深圳特派办/第一党支部"])
    page.fill("#id_unit-ts-control", "szt dyd")  # 深圳特派办's and 第一党支部's initials, as typed so far
    expect(_options(page, "id_unit")).to_have_text(["审计署/深圳特派办/第一党支部"])
    _options(page, "id_unit").first.click()
    expect(page.locator("#id_unit")).to_have_value(str(organ["sz1"].pk))

    # On an English page the list shows English names and still finds the Chinese ones.
    for key, english in (("organ", "National Audit Office"), ("gz", "Guangzhou Office"), ("gz1", "First Branch")):
        organ[key].name_en = english
        organ[key].save(update_fields=["name_en"])
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": asgi_server}])
    page.goto(f"{asgi_server}/contests/new/")
    page.fill("#id_unit-ts-control", "第一党支部")
    expect(_options(page, "id_unit")).to_have_text(
        ["National Audit Office/Guangzhou Office/First Branch", "National Audit Office/深圳特派办/第一党支部"]
    )
    page.fill("#id_unit-ts-control", "gztpb")
    expect(_options(page, "id_unit")).to_have_text(
        [
            "National Audit Office/Guangzhou Office",
            "National Audit Office/Guangzhou Office/First Branch",
            "National Audit Office/Guangzhou Office/第二党支部",
        ]
    )


def test_a_team_adds_a_member_the_page_leaves_out_by_initials_or_phone(
    asgi_server,
    organ,  # noqa: F811
    signed_in_page,
):
    # 500 members of 第二党支部 listing before 张三 (cheng before zhang): the page lists only them.
    User.objects.bulk_create(
        [
            User(username=f"bulk{n:04d}", real_name=f"成员{n:04d}", unit=organ["gz2"], name_sort=f"cheng2yuan2{n:06d}")
            for n in range(1, 501)
        ]
    )
    zhang = factories.member(organ["gz2"], real_name="张三", phone="13800138000")
    contest = wizard.contest_begin(title="广州特派办知识竞赛", unit=organ["gz"], base_score=100, by=organ["organiser"])
    team = Team.objects.create(contest=contest, name="第一党支部", unit=organ["gz1"])

    page = signed_in_page(organ["organiser"])
    page.goto(f"{asgi_server}/contests/{contest.join_code}/setup/teams/")
    card = page.locator("[data-team='第一党支部']")
    assert card.locator(f"select[name=member] option[value='{zhang.pk}']").count() == 0
    box = card.locator(".ts-control input")
    found = card.locator(".ts-dropdown .option")
    box.fill("zs")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("张三")
    box.fill("zhang san")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("张三")
    box.fill("138001")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("审计署/广州特派办/第二党支部")
    found.click()
    card.get_by_role("button", name="添加").click()
    page.wait_for_url("**/setup/teams/")
    page.locator("[data-team='第一党支部'] [data-member]", has_text="张三").wait_for()
    assert team.members.filter(member=zhang).exists()
