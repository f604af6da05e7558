"""A member who must replace a temporary password is refused everywhere else too, with a reason a
script can act on: the JSON endpoints the pages' scripts call (an online attempt's autosave, the
video heartbeat, resumable uploads, a big screen's poll...), the API's schema and documentation,
and a stream URL signed before the password was set. (The sockets: tests/contests/
test_password_sockets.py; the pages and the API: test_password_reset.py.)"""

import json
import uuid
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from lessons.models import Lesson
from orgs import services
from orgs.models import User
from tests import factories
from tests.lessons.test_videos import ten_minute_lesson

pytestmark = pytest.mark.django_db

FETCH = "*/*"  # what a script's fetch() sends unless told otherwise
PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # a browser's link or form

# (method, path): the JSON endpoints outside /api/v1/ that the pages' scripts call. The refusal
# comes before the view, so the ids need not name anything.
SCRIPT_ENDPOINTS = [
    ("post", "/lessons/1/heartbeat/"),
    ("get", "/lessons/1/status.json"),
    ("post", "/lessons/1/upload/start/"),
    ("put", f"/lessons/uploads/{uuid.UUID(int=1)}/"),
    ("get", f"/lessons/uploads/{uuid.UUID(int=1)}/"),
    ("post", "/calls/entries/1/upload/start/"),
    ("post", "/contests/online/attempts/1/items/1/"),
    ("get", "/contests/online/manage/1/screen.json"),
    ("get", "/imports/1/progress.json"),
    ("get", "/papers/candidates.json"),
    ("post", "/lessons/hours/rules/1/preview.json"),
    ("get", "/api/schema/"),
]


def marked(member: User) -> User:
    User.objects.filter(pk=member.pk).update(must_change_password=True)
    return member


def signed_in(user) -> Client:
    browser = Client(enforce_csrf_checks=False)
    browser.force_login(user)
    browser.cookies["django_language"] = "en"
    return browser


@pytest.mark.parametrize(("method", "path"), SCRIPT_ENDPOINTS)
def test_a_scripts_request_is_refused_with_password_change_required(tree, method, path):
    browser = signed_in(marked(factories.organiser(tree["gz"])))

    response = getattr(browser, method)(path, HTTP_ACCEPT=FETCH, content_type="application/json")

    assert response.status_code == 403, (path, response.status_code, response.get("Location"))
    error = response.json()["error"]
    assert error["code"] == "password_change_required"
    assert error["message"] == "This account has a temporary password: choose your own on the website first."


def test_a_page_is_still_sent_to_the_password_page_and_so_are_the_api_documentation_pages(tree):
    browser = signed_in(marked(factories.organiser(tree["gz"])))
    for path in ("/", "/lessons/", "/contests/online/manage/1/screen/", "/api/docs/", "/api/redoc/"):
        response = browser.get(path, HTTP_ACCEPT=PAGE)
        assert response.status_code == 302 and response["Location"] == "/accounts/password/", path
    # A request that says nothing of what it accepts is taken as a page, as before.
    assert browser.get("/").status_code == 302


def test_a_member_without_the_mark_reaches_the_same_endpoints(tree):
    browser = signed_in(factories.organiser(tree["gz"]))
    assert browser.get("/papers/candidates.json", HTTP_ACCEPT=FETCH).status_code == 200
    assert browser.get("/api/schema/", HTTP_ACCEPT=FETCH).status_code == 200


def test_the_schema_refuses_a_marked_accounts_token(tree, gz_organiser):
    member = factories.member(tree["gz1"])
    password = services.member_password_reset(member=member, by=gz_organiser)
    token = APIClient().post("/api/v1/auth/token/", {"username": member.username, "password": password}).json()
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token['token']}")

    response = api.get("/api/schema/?format=json")

    assert response.status_code == 403
    assert json.loads(response.content)["error"]["code"] == "password_change_required"


def test_a_stream_url_signed_before_the_temporary_password_stops_serving(tree, gz_organiser, settings):
    member = factories.member(tree["gz1"])
    lesson = ten_minute_lesson(tree["gz"])
    video = Path(settings.MEDIA_ROOT) / f"lessons/{lesson.pk}/video.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"0123456789")
    Lesson.objects.filter(pk=lesson.pk).update(mp4=f"lessons/{lesson.pk}/video.mp4")
    api = APIClient()
    api.force_authenticate(member)
    url = api.get(f"/api/v1/lessons/{lesson.pk}/stream/").json()["mp4"]
    player = APIClient()  # a native player: no token, no cookie
    assert player.get(url).status_code == 200

    services.member_password_reset(member=member, by=gz_organiser)

    refused = player.get(url)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "password_change_required"
