"""A relay team runs its legs through /api/v1/online/ alone, as phone clients would."""

from datetime import timedelta

import pytest

from contests.relay.models import RelayLeg, RelayTeam
from lessons.models import Attempt
from tests.contests import test_relay
from tests.contests.test_online import key_of
from tests.contests.test_online_api import token_client
from tests.contests.test_relay import make_relay, make_team, setup  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_the_holder_runs_a_leg_over_the_api_and_the_baton_passes(setup):  # noqa: F811
    # Results after each leg (no longer the default): the submit's reply carries the score.
    relay = make_relay(setup, opens_at=test_relay.NOW - timedelta(hours=1), results_shown="after_submit")
    team = make_team(setup, relay)
    first, second, _third = setup["runners"]
    api_first, api_second = token_client(first), token_client(second)
    assert [r["id"] for r in api_first.get("/api/v1/online/relays/").json()["results"]] == [relay.pk]
    # Not the holder: refused, nothing started.
    refused = api_second.post(f"/api/v1/online/relays/{relay.pk}/teams/{team.pk}/legs/", {"device": "b"}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_baton_holder"
    started = api_first.post(f"/api/v1/online/relays/{relay.pk}/teams/{team.pk}/legs/", {"device": "a"}, format="json")
    assert started.status_code == 201
    body = started.json()
    assert all("key" not in item for item in body["attempt"]["items"])
    attempt = Attempt.objects.get(member=first)
    for item in attempt.items.order_by("position"):
        api_first.put(
            f"/api/v1/online/attempts/{attempt.pk}/items/{item.position}/",
            {"device": "a", "response": key_of(item)},
            format="json",
        )
    done = api_first.post(f"/api/v1/online/attempts/{attempt.pk}/submit/", {"device": "a"}, format="json").json()
    # Two singles, 1 point each, both right; the relay shows results after each leg.
    assert done["score"] == "2.00"
    state = api_second.get(f"/api/v1/online/relays/{relay.pk}/").json()
    [mine] = state["teams"]
    assert [(leg["position"], leg["status"], leg["score"]) for leg in mine["legs"]] == [
        (1, "finished", "2.00"),
        (2, "waiting", None),
        (3, "not_reached", None),
    ]
    assert mine["legs"][1]["holds_baton"] and mine["score"] == "2.00"


def test_only_the_captain_skips_over_the_api_and_a_reason_is_required(setup):  # noqa: F811
    relay = make_relay(setup)
    first, second, third = setup["runners"]
    team = make_team(setup, relay, captain=third)
    leg = RelayTeam.objects.get(pk=team.pk).baton
    url = f"/api/v1/online/relays/{relay.pk}/legs/{leg.pk}/skip/"
    assert token_client(second).post(url, {"reason": "不在"}, format="json").json()["error"]["code"] == "not_captain"
    # A runner who may not steer is told so whatever the body: not which fields it lacks.
    for body in ({}, {"reason": ""}):
        refused = token_client(second).post(url, body, format="json")
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, "not_captain")
        replace = f"/api/v1/online/relays/{relay.pk}/legs/{leg.pk}/replace/"
        refused = token_client(second).post(replace, body, format="json")
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, "not_captain")
    assert token_client(third).post(url, {"reason": ""}, format="json").status_code == 400
    skipped = token_client(third).post(url, {"reason": "外出学习"}, format="json")
    assert skipped.json() == {"leg_id": leg.pk, "status": "skipped"}
    assert RelayLeg.objects.get(pk=leg.pk).skip_reason == "外出学习"
    replaced = token_client(third).post(
        f"/api/v1/online/relays/{relay.pk}/legs/{RelayTeam.objects.get(pk=team.pk).baton_id}/replace/",
        {"username": first.username, "reason": "顶替"},
        format="json",
    )
    assert replaced.status_code == 200 and replaced.json()["holder"] == first.display_name


def test_relay_endpoints_are_in_the_openapi_schema(setup, client):  # noqa: F811
    client.force_login(setup["by"])
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/online/relays/",
        "/api/v1/online/relays/{relay_id}/teams/{team_id}/legs/",
        "/api/v1/online/relays/{relay_id}/legs/{leg_id}/skip/",
        "/api/v1/online/relays/{relay_id}/legs/{leg_id}/replace/",
    ):
        assert path in schema


def test_leg_and_team_times_come_as_numbers_to_the_millisecond(setup):  # noqa: F811
    relay, _teams = test_relay.relay_of_tenths(setup)
    [mine] = token_client(setup["runners"][0]).get(f"/api/v1/online/relays/{relay.pk}/").json()["teams"]
    # Three legs of 10.9 s: 32.7 s in all, not the 30 whole seconds they were cut to.
    assert [leg["time_used_s"] for leg in mine["legs"]] == [10.9, 10.9, 10.9]
    assert mine["time_used_s"] == 32.7
