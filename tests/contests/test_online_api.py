"""A member takes an online contest through /api/v1/online/ alone, as a phone client would."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lessons.models import Attempt
from orgs.tokens import token_issue
from tests import factories
from tests.contests.test_online import key_of, make_contest
from tests.contests.test_online_pages import setup  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def token_client(member) -> APIClient:
    client = APIClient()
    _token, secret = token_issue(user=member, device="phone")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_member_takes_a_contest_through_the_api_with_a_token(setup):  # noqa: F811
    contest = make_contest(setup, results_shown="after_submit")
    member = factories.member(setup["branch"])
    api = token_client(member)
    assert [c["id"] for c in api.get("/api/v1/online/").json()["results"]] == [contest.pk]
    started = api.post(f"/api/v1/online/{contest.pk}/attempts/", {"device": "app-1"}, format="json")
    assert started.status_code == 201
    body = started.json()
    assert all("key" not in item and "explanation" not in item for item in body["items"])
    attempt = Attempt.objects.get(member=member)
    for item in attempt.items.order_by("position"):
        saved = api.put(
            f"/api/v1/online/attempts/{attempt.pk}/items/{item.position}/",
            {"device": "app-1", "response": key_of(item)},
            format="json",
        )
        assert saved.status_code == 200
    done = api.post(f"/api/v1/online/attempts/{attempt.pk}/submit/", {"device": "app-1"}, format="json").json()
    # Two singles and a true/false, 1 point each, all right: 3 of 3, with the keys now shown.
    assert done["score"] == "3.00" and all(item["is_correct"] for item in done["items"])
    again = api.post(f"/api/v1/online/attempts/{attempt.pk}/submit/", {"device": "app-1"}, format="json").json()
    assert again["finished_at"] == done["finished_at"]
    assert api.get(f"/api/v1/online/{contest.pk}/").json()["counting_score"] == "3.00"


@pytest.fixture
def taken_over(setup):  # noqa: F811
    """A member's attempt at a contest whose scores show after the close, started through the
    API on device app-1 and then taken over by app-2."""
    contest = make_contest(setup, results_shown="after_close")
    member = factories.member(setup["branch"])
    api = token_client(member)
    api.post(f"/api/v1/online/{contest.pk}/attempts/", {"device": "app-1"}, format="json")
    api.post(f"/api/v1/online/{contest.pk}/attempts/", {"device": "app-2"}, format="json")
    return SimpleNamespace(contest=contest, api=api, attempt=Attempt.objects.get(member=member))


def test_api_refuses_another_device_after_a_takeover_and_hides_the_score_until_close(taken_over):
    contest, api, attempt = taken_over.contest, taken_over.api, taken_over.attempt
    item = attempt.items.get(position=1)
    refused = api.put(
        f"/api/v1/online/attempts/{attempt.pk}/items/1/", {"device": "app-1", "response": key_of(item)}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "taken_over"
    done = api.post(f"/api/v1/online/attempts/{attempt.pk}/submit/", {"device": "app-2"}, format="json").json()
    assert done["score"] is None and all("score" not in i and "key" not in i for i in done["items"])
    assert api.post(f"/api/v1/online/{contest.pk}/attempts/", {}, format="json").status_code == 400


def test_api_saves_after_the_deadline_or_the_submit_are_refused_though_the_paper_is_known(setup):  # noqa: F811
    # The first save reads the attempt's layout and keeps it; later saves read nothing first, so
    # the write itself must refuse a passed deadline and a submitted attempt.
    contest = make_contest(setup, results_shown="after_submit")
    member = factories.member(setup["branch"])
    api = token_client(member)
    api.post(f"/api/v1/online/{contest.pk}/attempts/", {"device": "app-1"}, format="json")
    attempt = Attempt.objects.get(member=member)
    first, second = attempt.items.order_by("position")[:2]
    url = f"/api/v1/online/attempts/{attempt.pk}/items/"
    assert api.put(f"{url}1/", {"device": "app-1", "response": key_of(first)}, format="json").status_code == 200
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    late = api.put(f"{url}2/", {"device": "app-1", "response": key_of(second)}, format="json")
    assert late.status_code == 409 and late.json()["error"]["code"] == "deadline_passed"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    assert attempt.items.get(position=1).answer.is_correct and not attempt.items.get(position=2).saved_response
    again = api.put(f"{url}1/", {"device": "app-1", "response": key_of(first)}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "deadline_passed"


def test_online_endpoints_are_in_the_openapi_schema(setup):  # noqa: F811
    api = token_client(factories.member(setup["branch"]))
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/online/{contest_id}/attempts/",
        "/api/v1/online/attempts/{attempt_id}/items/{position}/",
        "/api/v1/online/attempts/{attempt_id}/events/",
        "/api/v1/online/attempts/{attempt_id}/submit/",
    ):
        assert path in schema


def test_the_schema_generates_without_warnings(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())


def test_api_autosave_from_a_session_needs_the_csrf_token_and_refusals_keep_the_api_shape(setup):  # noqa: F811
    # A phone's browser signs in with its session: the API then wants the CSRF token, and every
    # refusal (CSRF, a bad token, a bad body, someone else's attempt) changes nothing.
    contest = make_contest(setup, results_shown="after_submit")
    member = factories.member(setup["branch"])
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(member)
    started = browser.post(f"/api/v1/online/{contest.pk}/attempts/", {"device": "web-1"}, format="json")
    assert started.status_code == 403 and started.json()["error"]["code"] == "forbidden"
    csrf = "a" * 32
    browser.cookies["csrftoken"] = csrf
    browser.credentials(HTTP_X_CSRFTOKEN=csrf)
    assert browser.post(f"/api/v1/online/{contest.pk}/attempts/", {"device": "web-1"}, format="json").status_code == 201
    attempt = Attempt.objects.get(member=member)
    item = attempt.items.get(position=1)
    url = f"/api/v1/online/attempts/{attempt.pk}/items/1/"
    saved = browser.put(url, {"device": "web-1", "response": key_of(item)}, format="json")
    assert saved.status_code == 200 and saved.json()["position"] == 1
    assert saved.json()["saved_at"].endswith("Z")  # as DRF's encoder writes it
    item.refresh_from_db()
    kept = item.saved_response
    assert kept
    browser.credentials()
    refused = browser.put(url, {"device": "web-1", "response": key_of(item)}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["message"].startswith("CSRF Failed")
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer not-a-key")
    assert stranger.put(url, {"device": "web-1", "response": "A"}, format="json").status_code == 401
    phone = token_client(member)
    blank = phone.put(url, {"device": " ", "response": "A"}, format="json")
    assert blank.status_code == 400 and blank.json()["error"]["field"] == "device"
    assert phone.put(url, {"device": "web-1"}, format="json").json()["error"]["field"] == "response"
    other = token_client(factories.member(setup["branch"]))
    assert other.put(url, {"device": "web-1", "response": "A"}, format="json").status_code == 404  # not theirs
    item.refresh_from_db()
    assert item.saved_response == kept


def test_online_refusals_have_the_apis_one_error_shape(taken_over):
    """Refusals of the online and relay endpoints read like every other API error:
    `{"error": {"code", "message", "field"}}`, in the request's language."""
    contest, api = taken_over.contest, taken_over.api
    refused = api.put(
        f"/api/v1/online/attempts/{taken_over.attempt.pk}/items/1/",
        {"device": "app-1", "response": "A"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    error = refused.json()["error"]
    assert refused.status_code == 409 and set(error) == {"code", "message", "field"}
    assert error["code"] == "taken_over" and error["message"].startswith("This attempt continues on another device.")
    assert error["field"] is None

    elsewhere = factories.unit_at("财政部/办公厅/机关党支部")
    outsider = token_client(factories.member(elsewhere))  # another organ's member: not there for them
    hidden = outsider.get(f"/api/v1/online/{contest.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    missing = outsider.get(f"/api/v1/online/{contest.pk + 1000}/", HTTP_ACCEPT_LANGUAGE="en")
    assert (hidden.status_code, hidden.json()) == (404, missing.json())
    # The same organ, outside the audience: the contest is seen, and said to be for others.
    colleague = token_client(factories.member(factories.unit_at("审计署/南京特派办/第一党支部")))
    not_for_them = colleague.get(f"/api/v1/online/{contest.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert not_for_them.status_code == 403
    assert not_for_them.json() == {
        "error": {"code": "not_in_audience", "message": "This contest is for other units.", "field": None}
    }


def test_a_save_to_an_attempt_id_past_the_databases_range_is_not_found(setup):  # noqa: F811
    # Found by the schema fuzz on SQLite: the id reached the driver, which cannot hold it (500).
    api = token_client(factories.member(setup["branch"]))
    huge = 10**24
    refused = api.put(f"/api/v1/online/attempts/{huge}/items/1/", {"device": "app-1", "response": ["A"]}, format="json")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
