"""A team's name has at most 60 characters (the column's length). A roster naming a longer one
is refused on its row and column, with nothing imported (it was imported on SQLite and a server
error on PostgreSQL); so is a team made by hand, or from a unit whose name is longer. The online
relay's roster import refuses the same way, with the same words."""

import pytest
from django.utils import translation
from django.utils.html import escape

from contests.models import TEAM_NAME_MAX, Team
from contests.online.services import ContestSetupRejected
from contests.relay import services as relay_services
from contests.relay.models import RelayTeam
from contests.services.common import ContestRejected
from contests.wizard import roster, services
from tests import factories
from tests.contests.test_relay import make_relay, roster_rows
from tests.contests.test_relay import setup as relay_setup  # noqa: F401  (the fixture)

NAME_60 = ("审计署广州特派办" + "南方电网审计组临时党支部第二联合代表队" * 3)[:60]
NAME_63 = NAME_60 + "代表队"


@pytest.fixture
def contest(tree, gz_organiser):
    return services.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)


def test_the_names_are_as_long_as_the_test_says():
    assert (len(NAME_60), len(NAME_63)) == (60, 63)
    assert Team._meta.get_field("name").max_length == 60


def test_a_roster_row_naming_a_team_over_60_characters_is_refused_on_its_row_and_nothing_is_imported(
    tree, gz_organiser, contest
):
    factories.member(tree["gz1"], employee_no="A1")
    factories.member(tree["gz1"], employee_no="A2")
    rows = [["队名", "工号", "队长"], ["第一党支部队", "A1", "是"], [NAME_63, "A2", "是"]]
    for language, message in [
        ("zh-hans", "队名最多 60 个字，这个有 63 个。"),
        ("en", "A team's name has at most 60 characters; this one has 63."),
    ]:
        with translation.override(language):
            report = roster.roster_import(contest=contest, file=factories.workbook(rows), by=gz_organiser)
            assert [(e.row, e.column, str(e.message)) for e in report.errors] == [(3, "队名", message)]
        assert report.created == []
        assert not contest.teams.exists()


def test_a_roster_team_of_exactly_60_characters_is_imported(tree, gz_organiser, contest):
    factories.member(tree["gz1"], employee_no="A1")
    rows = [["队名", "工号"], [NAME_60, "A1"]]
    report = roster.roster_import(contest=contest, file=factories.workbook(rows), by=gz_organiser)
    assert report.errors == []
    assert list(contest.teams.values_list("name", flat=True)) == [NAME_60]


def test_a_team_made_with_a_name_over_60_characters_is_refused(tree, gz_organiser, contest):
    member = factories.member(tree["gz1"])
    with translation.override("en"), pytest.raises(ContestRejected) as refused:
        services.team_create(contest=contest, name=NAME_63, members=[member], captain=None, by=gz_organiser)
    assert refused.value.code == "team_name_too_long"
    assert str(refused.value.message) == "A team's name has at most 60 characters; this one has 63."
    assert not contest.teams.exists()


def test_teams_from_units_refuse_a_unit_whose_name_is_too_long_for_a_team(tree, gz_organiser, contest):
    long_unit = factories.unit_at(f"审计署/广州特派办/{NAME_63}")
    factories.member(long_unit)
    factories.member(tree["gz1"])
    with translation.override("zh-hans"), pytest.raises(ContestRejected) as refused:
        services.teams_from_units(contest=contest, parent=tree["gz"], kind="branch", team_size=3, by=gz_organiser)
    assert refused.value.code == "team_name_too_long"
    assert str(refused.value.message) == (
        f"队名最多 60 个字，这些单位的名称更长：{NAME_63}。请导入名单，为它们的队另起队名。"
    )
    assert not contest.teams.exists()


# The online relay's roster import: the same refusal, on the row, with nothing imported (the name
# went to the database unchecked: a server error on PostgreSQL, a 63-character team on SQLite).


def test_hall_and_relay_teams_share_the_60_character_limit():
    assert TEAM_NAME_MAX == 60 == RelayTeam._meta.get_field("name").max_length


def test_a_relay_roster_row_naming_a_team_over_60_characters_is_refused_on_its_row(db, relay_setup, client):  # noqa: F811
    relay = make_relay(relay_setup)
    client.force_login(relay_setup["by"])
    # The header is row 1, 甲队's runner row 2, the 63-character team's runner row 3.
    rows = [["队名", "用户名", "队长"], ["甲队", "runner1", "是"], [NAME_63, "runner2", "是"]]
    for language, message in [
        ("zh-hans", "队名最多 60 个字，这个有 63 个。"),
        ("en", "A team's name has at most 60 characters; this one has 63."),
    ]:
        sheet = factories.workbook(rows)
        sheet.name = "roster.xlsx"
        page = client.post(
            f"/contests/relays/manage/{relay.pk}/teams/", {"file": sheet}, follow=True, HTTP_ACCEPT_LANGUAGE=language
        )
        assert page.status_code == 200
        # Listed as the live roster lists a problem: its row, its column as headed, the problem.
        assert [(e.row, e.column, e.message) for e in page.context["row_errors"]] == [(3, "队名", message)]
        assert escape(message) in page.content.decode()
        assert not RelayTeam.objects.exists()


def test_a_relay_roster_team_of_exactly_60_characters_is_imported(db, relay_setup):  # noqa: F811
    relay = make_relay(relay_setup)
    plans = relay_services.plans_from_rows(relay=relay, rows=roster_rows((NAME_60, "runner1", True)))
    relay_services.relay_teams_set(relay=relay, plans=plans, by=relay_setup["by"])
    assert list(RelayTeam.objects.values_list("name", flat=True)) == [NAME_60]


def test_relay_teams_from_a_unit_named_over_60_characters_are_refused(db, relay_setup):  # noqa: F811
    relay = make_relay(relay_setup)
    plan = relay_services.TeamPlan(name=NAME_63, unit=relay_setup["branch"], roster=relay_setup["runners"][:1])
    with translation.override("en"), pytest.raises(ContestSetupRejected) as refused:
        relay_services.relay_teams_set(relay=relay, plans=[plan], by=relay_setup["by"])
    assert refused.value.code == "team_name_too_long"
    assert str(refused.value.message) == f"{NAME_63}: A team's name has at most 60 characters; this one has 63."
    assert not RelayTeam.objects.exists()
