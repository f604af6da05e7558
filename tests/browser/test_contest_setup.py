"""An organiser builds a contest with the wizard in Chromium: teams from units, the relay order
changed by dragging, a round from a template, the review, then a rehearsal in the host console.
Every step is also shown at a phone's width (screenshots in test-artifacts/)."""

import pytest

from contests.models import Contest
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def office(transactional_db):
    gz = factories.unit_at("审计署/广州特派办", kind="office")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    gz2 = factories.unit_at("审计署/广州特派办/第二党支部")
    organiser = factories.organiser(gz, username="organiser", real_name="组织者")
    for name in ("成员A", "成员B", "成员C"):
        factories.member(gz1, real_name=name)
    for name in ("成员D", "成员E"):
        factories.member(gz2, real_name=name)
    bank = factories.bank(gz)
    for _ in range(6):
        factories.question(bank, "single")
    return {"gz": gz, "organiser": organiser, "bank": bank}


def test_organiser_builds_reorders_and_rehearses_a_contest(asgi_server, office, signed_in_page, screenshot):
    page = signed_in_page(office["organiser"])
    phone = signed_in_page(office["organiser"], phone=True)

    def both(url: str, name: str) -> None:
        screenshot(page, f"contest-setup-{name}-desktop")
        phone.goto(url)
        screenshot(phone, f"contest-setup-{name}-phone")

    page.goto(f"{asgi_server}/contests/")
    page.locator("#new-contest").click()
    page.wait_for_url("**/contests/new/")
    both(page.url, "1-basics")
    page.fill("#id_title", "党史知识竞赛")
    page.select_option("#id_unit", label="审计署/广州特派办")
    page.locator("#basics-next").click()
    page.wait_for_url("**/setup/teams/")
    contest = Contest.objects.get(title="党史知识竞赛")

    page.select_option("#id_kind", value="branch")
    page.select_option("#id_parent", label="审计署/广州特派办")
    page.fill("#id_team_size", "3")
    page.locator("#make-teams").click()
    first = page.locator("[data-team='第一党支部']")
    first.wait_for()
    assert [t.name for t in contest.teams.all()] == ["第一党支部", "第二党支部"]
    names = first.locator("[data-member] .flex-grow-1")
    assert [n.split()[0] for n in names.all_inner_texts()] == ["成员A", "成员B", "成员C"]

    # Drag the third member to the top by the handle: saved at once, legs renumbered.
    handles = first.locator(".qs-drag-handle")
    handles.nth(2).drag_to(handles.nth(0))
    first.locator(".qs-team-status", has_text="已保存").wait_for()
    assert [n.split()[0] for n in names.all_inner_texts()] == ["成员C", "成员A", "成员B"]
    assert first.locator(".qs-leg").all_inner_texts() == ["1", "2", "3"]
    team = contest.teams.get(name="第一党支部")
    assert list(team.members.order_by("leg").values_list("member__real_name", flat=True)) == ["成员C", "成员A", "成员B"]
    both(page.url, "2-teams")

    page.locator("#teams-next").click()
    page.wait_for_url("**/setup/rounds/")
    page.locator("#round-templates [data-template='buzzer']").click()
    page.wait_for_url("**type=buzzer")
    assert page.input_value("#id_penalty") == "10" and page.input_value("#id_early_buzz_penalty") == "5"
    page.locator("#round-templates [data-template='relay']").click()
    page.wait_for_url("**type=relay")
    page.select_option("#id_bank", label=office["bank"].name)
    page.fill("#id_count", "9")
    page.locator("#add-round").click()
    page.locator("#round-errors", has_text="还差 3 道").wait_for()
    both(page.url, "3-rounds-shortfall")
    page.fill("#id_count", "4")
    page.locator("#add-round").click()
    page.locator("#round-list li", has_text="4 道题").wait_for()
    both(page.url, "3-rounds")

    page.locator("#rounds-next").click()
    page.wait_for_url("**/setup/review/")
    assert "1. 成员C" in page.locator("#review-teams").inner_text()
    both(page.url, "4-review")

    page.locator("#rehearse").click()
    page.wait_for_url("**/host/")
    rehearsal = contest.rehearsals.get()
    assert page.url.endswith(f"/contests/{rehearsal.join_code}/host/")
    page.locator("#rehearsal-banner").wait_for()
    page.locator("#connection", has_text="已连接").wait_for()
    both(page.url, "5-rehearsal-host")


def test_member_list_bulk_bar_at_desktop_and_phone(asgi_server, office, signed_in_page, screenshot):
    for phone in (False, True):
        page = signed_in_page(office["organiser"], phone=phone)
        page.goto(f"{asgi_server}/orgs/members/")
        page.locator("#member-select-all").check()
        page.select_option("#bulk-action", value="move")
        assert page.locator("#member-selected-count").inner_text() == "已选：6"
        assert page.locator("#bulk-role").is_hidden() and page.locator("#bulk-unit").is_visible()
        screenshot(page, f"member-bulk-{'phone' if phone else 'desktop'}")


def test_roster_errors_pick_mode_duplicate_and_english_pages(asgi_server, office, signed_in_page, screenshot, tmp_path):
    from contests.wizard import services

    contest = services.contest_begin(title="党史知识竞赛", unit=office["gz"], base_score=100, by=office["organiser"])
    services.teams_from_units(contest=contest, parent=office["gz"], kind="branch", team_size=2, by=office["organiser"])
    roster = tmp_path / "roster.xlsx"
    roster.write_bytes(factories.workbook([["队名", "工号"], ["红队", "NOBODY"], ["绿队", ""]]).getvalue())
    for phone in (False, True):
        size = "phone" if phone else "desktop"
        page = signed_in_page(office["organiser"], phone=phone)
        page.goto(f"{asgi_server}/contests/{contest.join_code}/setup/teams/")
        page.set_input_files("#id_file", str(roster))
        page.locator("#roster-form button[type=submit]").click()
        rows = page.locator("#roster-errors tbody tr")
        rows.first.wait_for()
        assert rows.count() == 2 and "NOBODY" in rows.nth(0).inner_text() and "绿队" in rows.nth(1).inner_text()
        screenshot(page, f"contest-setup-roster-errors-{size}")

        page.goto(f"{asgi_server}/contests/{contest.join_code}/setup/rounds/?type=compulsory")
        page.locator("input[name=source][value=pick]").check()
        assert page.locator("[data-source=draw]").is_hidden()
        page.locator("input[name=question]").first.wait_for()
        screenshot(page, f"contest-setup-rounds-pick-{size}")

        page.goto(f"{asgi_server}/contests/{contest.join_code}/duplicate/")
        assert page.input_value("#id_title") == "党史知识竞赛（副本）"
        screenshot(page, f"contest-setup-duplicate-{size}")

    english = signed_in_page(office["organiser"], locale="en-US")
    english.goto(f"{asgi_server}/contests/{contest.join_code}/setup/teams/")
    english.select_option("#language-select", value="en")
    english.locator("#setup-steps", has_text="Title and unit").wait_for()
    screenshot(english, "contest-setup-teams-english")
    english.goto(f"{asgi_server}/contests/{contest.join_code}/setup/rounds/?type=risk")
    assert english.input_value("#id_risk_tiers") == "10, 20, 30"
    screenshot(english, "contest-setup-rounds-english")
