"""The relay's teams page as a new organiser meets it: teams made per unit add to the ones made
before (a team replaced only after a confirm that lists it, its members' baton notices
withdrawn), one team per branch across the whole audience, and a roster read by its headers as
the live contest's roster is, every wrong row reported."""

import pytest
from django.test import Client

from contests.relay.models import RelayLeg, RelayTeam
from notifications.models import Notification
from tests import factories
from tests.contests.test_relay import make_relay, setup  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def teams_url(relay) -> str:
    return f"/contests/relays/manage/{relay.pk}/teams/"


def names(relay) -> list[str]:
    return list(RelayTeam.objects.filter(relay=relay).order_by("position").values_list("name", flat=True))


def test_teams_made_under_a_second_branch_keep_the_first_branchs_team(setup):  # noqa: F811
    # The relay's audience is the two party branches; one team each, made one after the other.
    relay = make_relay(setup, audience=[setup["branch"], setup["second"]])
    lone = factories.member(setup["second"], username="a-second")
    organiser = signed_in(setup["by"])
    assert organiser.post(teams_url(relay), {"parent": setup["branch"].pk}).status_code == 302
    assert organiser.post(teams_url(relay), {"parent": setup["second"].pk}).status_code == 302
    assert names(relay) == ["第一党支部", "第二党支部"]
    # Each team holds its first leg: runner1's and a-second's.
    assert sorted(RelayLeg.objects.filter(team__relay=relay).values_list("holder__username", flat=True)) == [
        "a-second",
        "runner1",
    ]
    assert Notification.objects.filter(kind="relay_baton", recipient=lone).count() == 1


def test_every_unit_of_the_relay_makes_one_team_per_branch_across_the_audience(setup):  # noqa: F811
    relay = make_relay(setup, audience=[setup["branch"], setup["second"]])
    factories.member(setup["second"], username="a-second")
    response = signed_in(setup["by"]).post(teams_url(relay), {"parent": ""})
    assert response.status_code == 302
    assert names(relay) == ["第一党支部", "第二党支部"]


def test_remaking_a_branchs_team_asks_first_then_withdraws_the_old_teams_notices(setup):  # noqa: F811
    relay = make_relay(setup, audience=[setup["branch"], setup["second"]])
    factories.member(setup["second"], username="a-second")
    organiser = signed_in(setup["by"])
    organiser.post(teams_url(relay), {"parent": ""})
    old = RelayTeam.objects.get(relay=relay, name="第一党支部")
    runner1 = setup["runners"][0]
    assert Notification.objects.filter(kind="relay_baton", recipient=runner1).count() == 1
    # runner1 leaves branch 1's roster before the teams are made again.
    runner1.is_active = False
    runner1.save(update_fields=["is_active"])

    asked = organiser.post(teams_url(relay), {"parent": setup["branch"].pk})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert 'id="confirm-replace"' in page and "第一党支部" in page
    assert RelayTeam.objects.filter(pk=old.pk).exists()  # nothing deleted yet

    confirmed = organiser.post(
        teams_url(relay), {"parent": setup["branch"].pk, "legs_by_unit": "", "replace": [old.pk], "confirm": "1"}
    )
    assert confirmed.status_code == 302
    assert names(relay) == ["第二党支部", "第一党支部"]
    new = RelayTeam.objects.get(relay=relay, name="第一党支部")
    assert list(new.runners.values_list("member__username", flat=True)) == ["runner2", "runner3"]
    # The old team's notice to runner1 is gone; runner2, the new first holder, has one.
    assert not Notification.objects.filter(kind="relay_baton", recipient=runner1).exists()
    assert Notification.objects.filter(kind="relay_baton", recipient=setup["runners"][1]).count() == 1
    entry = relay.online.audit.filter(action="teams_set").order_by("-pk").first()
    assert entry.detail["replaced"] == ["第一党支部"]


def test_a_confirm_that_no_longer_lists_the_teams_replaced_deletes_nothing(setup):  # noqa: F811
    relay = make_relay(setup, audience=[setup["branch"], setup["second"]])
    organiser = signed_in(setup["by"])
    organiser.post(teams_url(relay), {"parent": setup["branch"].pk})
    old = RelayTeam.objects.get(relay=relay)
    stale = organiser.post(teams_url(relay), {"parent": setup["branch"].pk, "confirm": "1"})
    assert stale.status_code == 200 and "第一党支部" in stale.content.decode()
    assert RelayTeam.objects.get(relay=relay).pk == old.pk


def roster(rows, title_rows=None):
    book = factories.workbook(rows, title_rows=title_rows)
    book.name = "roster.xlsx"
    return book


def test_a_roster_under_a_title_and_a_blank_row_is_read_by_its_headers(setup):  # noqa: F811
    relay = make_relay(setup)
    r1, r2, r3 = setup["runners"]
    sheet = roster(
        [
            ["队名", "工号", "队长"],
            ["甲队", r2.employee_no, ""],
            ["甲队", r1.employee_no, "是"],
            ["乙队", r3.username, ""],
        ],
        title_rows=[["第一季度接力赛名单"], []],
    )
    response = signed_in(setup["by"]).post(teams_url(relay), {"file": sheet})
    assert response.status_code == 302
    first = RelayTeam.objects.get(name="甲队")
    assert list(first.runners.values_list("member__username", flat=True)) == ["runner2", "runner1"]
    assert first.captain == r1
    assert RelayTeam.objects.get(name="乙队").captain == r3


def test_a_roster_reports_every_wrong_row_checks_names_and_refuses_1_as_captain(setup):  # noqa: F811
    relay = make_relay(setup)
    r1, r2, r3 = setup["runners"]
    sheet = roster(
        [
            ["队名", "工号或用户名", "姓名", "队长"],
            ["甲队", r1.employee_no, r1.real_name, "是"],  # row 2: fine
            ["甲队", "nobody", "", ""],  # row 3: unknown
            ["甲队", r2.employee_no, "张冠李戴", ""],  # row 4: not runner2's name
            ["乙队", r3.employee_no, "", "1"],  # row 5: "1" is not a captain mark
        ]
    )
    response = signed_in(setup["by"]).post(teams_url(relay), {"file": sheet})
    assert response.status_code == 200 and not RelayTeam.objects.exists()
    rows = [(e.row, e.column) for e in response.context["row_errors"]]
    assert rows == [(3, "工号或用户名"), (4, "姓名"), (5, "队长")]
    page = response.content.decode()
    assert "nobody" in page and "张冠李戴" in page and "“1”" in page


def test_the_relay_page_before_any_team_has_no_empty_map_and_the_log_counts_one_team(setup):  # noqa: F811
    relay = make_relay(setup, audience=[setup["branch"]])
    organiser = signed_in(setup["by"])
    url = f"/contests/relays/manage/{relay.pk}/"
    # No team yet: no map heading over an empty row of cards (its gutter hid the heading).
    assert 'id="relay-map"' not in organiser.get(url).content.decode()
    organiser.post(teams_url(relay), {"parent": setup["branch"].pk})
    english = organiser.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="relay-map"' in english
    assert "made 1 team\n" in english and "made 1 teams" not in english
