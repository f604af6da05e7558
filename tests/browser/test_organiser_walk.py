"""Issue 16's walk: an organiser of an empty unit reaches a played contest in the product's own
pages, never opening /admin/: units, a member import, three questions in the editor, a paper, a
contest from the wizard, its rehearsal, then the real contest with a player on a phone, and the
result. Key steps are also shown at a phone's width (screenshots in test-artifacts/)."""

import pytest

from contests.models import Contest, ContestAnswer
from lessons.models import Paper, Question
from orgs.models import User
from orgs.selectors import unit_by_path
from tests import factories

pytestmark = pytest.mark.browser

OFFICE = "审计署/广州特派办"

LINKS = (
    "() => Array.from(document.querySelectorAll('a[href], form[action]'),"
    " e => e.getAttribute('href') || e.getAttribute('action'))"
)


@pytest.fixture
def empty_office(transactional_db):
    office = factories.unit_at(OFFICE, kind="office")
    return {"office": office, "organiser": factories.organiser(office, username="organiser", real_name="组织者")}


def test_organiser_walks_from_an_empty_unit_to_a_played_contest_without_admin(
    asgi_server, empty_office, signed_in_page, screenshot, tmp_path
):
    visited: list[str] = []
    checked: dict[str, list[str]] = {}
    page = signed_in_page(empty_office["organiser"])
    phone = signed_in_page(empty_office["organiser"], phone=True)

    def no_admin(on) -> None:
        """Note the links and forms of each page that point into /admin/ (asserted at the end:
        an assertion inside an event handler would not fail the test)."""
        checked[on.url] = [href for href in on.evaluate(LINKS) if href and "/admin/" in href.split("?")[0]]

    def watch(on) -> None:
        on.on("framenavigated", lambda frame: visited.append(frame.url) if frame == on.main_frame else None)
        on.on("load", no_admin)

    watch(page)
    watch(phone)

    def at_phone_size(path: str, name: str) -> None:
        phone.goto(f"{asgi_server}{path}")
        screenshot(phone, f"organiser-walk-{name}-phone")

    # 1. Two party branches under the organiser's office, from the unit tree.
    page.goto(f"{asgi_server}/orgs/units/")
    for branch in ("第一党支部", "第二党支部"):
        page.locator("a", has_text="新增单位").click()
        page.wait_for_url("**/orgs/units/add/")
        page.select_option("#id_parent", label=OFFICE)
        page.fill("#id_name", branch)
        page.select_option("#id_kind", value="branch")
        page.locator("#unit-add-form button[type=submit]").click()
        page.wait_for_url("**/orgs/units/")
    assert page.locator("#unit-tree tbody tr").count() == 3
    screenshot(page, "organiser-walk-1-units")
    at_phone_size("/orgs/units/add/", "1-unit-add")

    # 2. Members from a workbook: previewed, then imported.
    people = [
        ["党员甲", "W001", f"{OFFICE}/第一党支部", "jia"],
        ["党员乙", "W002", f"{OFFICE}/第一党支部", "yi"],
        ["党员丙", "W003", f"{OFFICE}/第二党支部", "bing"],
        ["党员丁", "W004", f"{OFFICE}/第二党支部", "ding"],
    ]
    roster = tmp_path / "members.xlsx"
    roster.write_bytes(factories.workbook([["姓名", "工号", "单位", "用户名"], *people]).getvalue())
    page.goto(f"{asgi_server}/orgs/members/import/")
    page.set_input_files("#id_file", str(roster))
    page.locator("#preview-button").click()
    page.locator("#confirm-button").click()
    page.wait_for_url("**/orgs/members/")
    assert page.locator(".alert-success").inner_text().strip().startswith("导入完成：新增 4 名成员")
    assert User.objects.filter(unit=unit_by_path(f"{OFFICE}/第一党支部")).count() == 2
    at_phone_size("/orgs/members/import/", "2-member-import")

    # 3. A bank and three single-choice questions in the editor (the first option is right).
    page.goto(f"{asgi_server}/banks/")
    page.fill("#id_slug", "gz-walk")
    page.fill("#id_name", "党史题库")
    page.select_option("#id_unit", label=OFFICE)
    page.locator("#id_slug").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    page.wait_for_url("**/banks/gz-walk/")
    stems = ["中国共产党成立于哪一年？", "遵义会议在哪一年召开？", "党的根本宗旨是什么？"]
    page.goto(f"{asgi_server}/banks/gz-walk/questions/new/")
    for number, stem in enumerate(stems):
        page.fill("#stem", stem)
        options = page.locator("#option-list input[name=option]")
        for index, text in enumerate(["正确选项", "错误选项一", "错误选项二"]):
            options.nth(index).fill(text)
        page.locator("#option-list .qs-key-box").nth(0).check()
        if number < len(stems) - 1:
            page.click("#save-another-button")
            page.wait_for_url("**/banks/gz-walk/questions/new/")
            page.locator("#stem").wait_for()
        else:
            page.click("#save-button")
            page.wait_for_url("**/banks/gz-walk/")
    assert sorted(Question.objects.filter(bank__slug="gz-walk").values_list("current__stem", flat=True)) == sorted(
        stems
    )
    at_phone_size("/banks/gz-walk/questions/new/", "3-question-editor")

    # 4. A paper of the three questions, from the paper builder.
    page.goto(f"{asgi_server}/papers/")
    page.click("#new-paper")
    page.fill("#id_title", "党史测试")
    page.select_option("#id_mode", "exam")
    page.fill("#id_time_limit_minutes", "10")
    page.fill("#id_pass_mark", "60")
    for stem in stems:
        page.locator(".qs-candidate", has_text=stem).locator(".qs-add-candidate").click()
    assert page.locator("#picked-count").inner_text() == "3"
    page.click("#save-preview")
    page.wait_for_url("**/preview/")
    assert page.locator(".qs-question").count() == 3
    paper = Paper.objects.get(title="党史测试")
    assert (paper.mode, paper.pass_mark, paper.fixed_questions.count()) == ("exam", 60, 3)
    at_phone_size(f"/papers/{paper.pk}/preview/", "4-paper-preview")

    # 5. A contest from the wizard: one team per branch, a one-question relay round from the bank.
    page.goto(f"{asgi_server}/contests/")
    page.locator("#new-contest").click()
    page.wait_for_url("**/contests/new/")
    page.fill("#id_title", "党史知识竞赛")
    page.select_option("#id_unit", label=OFFICE)
    page.locator("#basics-next").click()
    page.wait_for_url("**/setup/teams/")
    page.select_option("#id_kind", value="branch")
    page.select_option("#id_parent", label=OFFICE)
    page.fill("#id_team_size", "2")
    page.locator("#make-teams").click()
    page.locator("[data-team='第二党支部']").wait_for()
    page.locator("#teams-next").click()
    page.wait_for_url("**/setup/rounds/")
    page.locator("#round-templates [data-template='relay']").click()
    page.wait_for_url("**type=relay")
    page.select_option("#id_bank", label="党史题库")
    page.fill("#id_count", "1")
    page.locator("#add-round").click()
    page.locator("#round-list li", has_text="1 道题").wait_for()
    page.locator("#rounds-next").click()
    page.wait_for_url("**/setup/review/")
    review = page.url
    contest = Contest.objects.get(title="党史知识竞赛")
    assert sorted(contest.teams.values_list("name", flat=True)) == ["第一党支部", "第二党支部"]
    at_phone_size(f"/contests/{contest.join_code}/setup/review/", "5-contest-review")

    # 6. The rehearsal: its host console opens, with test teams, leaving no results.
    page.locator("#rehearse").click()
    rehearsal = contest.rehearsals.get()
    page.wait_for_url(f"**/contests/{rehearsal.join_code}/host/")
    page.locator("#rehearsal-banner").wait_for()
    page.locator("#connection", has_text="已连接").wait_for()
    screenshot(page, "organiser-walk-6-rehearsal-host")

    # 7. The real contest from the host console; the first leg of 第一党支部 answers on a phone.
    page.goto(review)
    page.locator("#open-host").click()
    page.wait_for_url(f"**/contests/{contest.join_code}/host/")
    first_leg = contest.teams.get(name="第一党支部").members.order_by("leg").first().member
    player = signed_in_page(first_leg, phone=True)
    watch(player)
    player.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    for on in (page, player):
        on.locator("#connection", has_text="已连接").wait_for()
    # The console's log names the setup steps in words, never as the codes they are stored by.
    page.locator("#audit li", has_text="添加环节").wait_for()
    log = page.locator("#audit li").all_inner_texts()
    assert [entry.split(" · ")[-1] for entry in log] == ["开始彩排", "添加环节", "按单位生成参赛队", "创建竞赛"], log
    page.click("#start-button")
    page.click("#open-button")
    player.get_by_text("轮到您了").wait_for()
    player.locator("#controls button", has_text="A").click()
    player.get_by_text("答案已提交").wait_for()
    screenshot(player, "organiser-walk-7-player-phone")
    page.click("#reveal-button")
    page.once("dialog", lambda dialog: dialog.accept())  # "End the contest now?"
    page.click("#finish-button")
    page.locator("#status", has_text="已结束").wait_for()
    answer = ContestAnswer.objects.get(member=first_leg)
    assert answer.is_correct

    # 8. The result: 第一党支部 first (a right answer on the base score), 第二党支部 second.
    page.goto(f"{asgi_server}/contests/{contest.join_code}/results/")
    rows = page.locator("#results-table tbody tr").all_inner_texts()
    # The relay template's 10 points for the right answer on the base of 100; no deduction for none.
    assert rows[0].split()[:3] == ["1", "第一党支部", "110"]
    assert rows[1].split()[:3] == ["2", "第二党支部", "100"]
    screenshot(page, "organiser-walk-8-results")

    assert not [url for url in visited if "/admin/" in url]
    # Every page loaded was looked at: the units, import, bank, editor, papers and contest pages.
    assert len(checked) >= 15, sorted(checked)
    assert not {url: hrefs for url, hrefs in checked.items() if hrefs}
