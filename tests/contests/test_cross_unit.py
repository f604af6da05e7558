"""Attacks from another unit on the online contests and relays: what a captain or an organiser of
one organ may learn about, or do to, another organ's people and contests."""

import pytest
from django.test import Client

from contests.online.services import ContestSetupRejected
from contests.relay import services
from contests.relay.models import RelayLeg, RelayTeam
from tests import factories
from tests.contests.test_online_api import token_client
from tests.contests.test_relay import make_relay, make_team, roster_rows, setup  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _replace_on_page(captain, relay, leg, username):
    client = Client()
    client.force_login(captain)
    page = client.post(
        f"/contests/relays/{relay.pk}/legs/{leg.pk}/replace/", {"username": username, "reason": "顶替"}, follow=True
    )
    return " ".join(str(message) for message in page.context["messages"])


def _replace_over_api(captain, relay, leg, username):
    response = token_client(captain).post(
        f"/api/v1/online/relays/{relay.pk}/legs/{leg.pk}/replace/",
        {"username": username, "reason": "顶替"},
        format="json",
    )
    assert response.status_code == 409
    return response.content.decode()


@pytest.mark.parametrize("replace", [_replace_on_page, _replace_over_api], ids=["page", "api"])
def test_a_captain_cannot_learn_who_has_an_account_in_another_organ_by_replacing_a_holder(setup, replace):  # noqa: F811
    relay = make_relay(setup)
    team = make_team(setup, relay)
    leg = RelayTeam.objects.get(pk=team.pk).baton
    factories.member("财政部/预算司/第一党支部", username="mof-clerk", real_name="财政部的人")
    outside = replace(team.captain, relay, leg, "mof-clerk")
    unknown = replace(team.captain, relay, leg, "nobody-here")
    assert "财政部的人" not in outside
    # The same refusal for an account elsewhere as for no account at all.
    assert outside.replace("mof-clerk", "NAME") == unknown.replace("nobody-here", "NAME")
    assert RelayLeg.objects.get(pk=leg.pk).holder == setup["runners"][0]


def test_a_roster_import_naming_a_member_of_another_organ_refuses_the_row_without_naming_them(setup):  # noqa: F811
    relay = make_relay(setup)
    factories.member("财政部/预算司/第一党支部", username="mof-clerk", real_name="财政部的人")
    with pytest.raises(ContestSetupRejected) as refused:
        services.plans_from_rows(relay=relay, rows=roster_rows(("甲", "runner1", True), ("甲", "mof-clerk", False)))
    assert refused.value.code == "roster_rows" and "财政部的人" not in refused.value.message
    with pytest.raises(ContestSetupRejected) as unknown:
        services.plans_from_rows(relay=relay, rows=roster_rows(("甲", "runner1", True), ("甲", "nobody-here", False)))
    assert refused.value.message.replace("mof-clerk", "NAME") == unknown.value.message.replace("nobody-here", "NAME")
