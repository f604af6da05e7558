"""POST-only addresses in one place (quizsite.middleware.FormPagesMiddleware): a form sent while
signed out signs in back to the page it was on, with a note to send it again; a GET of a POST-only
address goes to the page above it. Across the areas members reach: study, notebook, lessons,
calls and contests."""

import pytest
from django.test import Client

from quizsite.middleware import RESUBMIT_KEY
from tests import factories

pytestmark = pytest.mark.django_db

POST_ONLY = [
    # (POST-only address, the page above it: the nearest address that is a page)
    ("/study/papers/3/start/", "/study/"),
    ("/study/notebook/5/review/", "/study/notebook/"),
    ("/study/notebook/5/remove/", "/study/notebook/"),
    ("/study/notebook/restore/", "/study/notebook/"),
    ("/study/attempts/7/submit/", "/study/attempts/7/"),
    ("/lessons/4/heartbeat/", "/lessons/4/"),
    ("/calls/entries/2/review/", "/calls/entries/2/"),
    ("/contests/online/1/start/", "/contests/online/1/"),
]


@pytest.mark.parametrize(("address", "page"), POST_ONLY)
def test_a_get_of_a_post_only_address_goes_to_the_page_above_it(address, page):
    client = Client()
    client.force_login(factories.member("审计署/广州特派办/第一党支部"))
    response = client.get(address)
    assert (response.status_code, response["Location"]) == (302, page)


# The heartbeat is a script's: signed out, it answers 401 in JSON itself.
FORMS = [(address, page) for address, page in POST_ONLY if not address.endswith("/heartbeat/")]


@pytest.mark.parametrize(("address", "page"), FORMS)
def test_a_form_sent_signed_out_signs_in_back_to_the_page_it_was_on_with_a_note(address, page):
    client = Client()
    sent = client.post(address, {"response": "A"}, HTTP_REFERER="http://testserver/study/?tab=2")
    # The form's page (its Referer), not the POST-only address the browser would GET after it.
    assert sent["Location"] == "/accounts/login/?next=/study/%3Ftab%3D2"
    assert client.session[RESUBMIT_KEY] == "/study/"

    client.force_login(factories.member("审计署/广州特派办/第一党支部", username="back"))
    landed = client.get("/study/", HTTP_ACCEPT_LANGUAGE="en")
    assert "You had been signed out, so what you last sent was not saved." in landed.content.decode()
    assert RESUBMIT_KEY not in client.session


def test_a_form_sent_signed_out_prefers_its_next_field_and_refuses_another_site():
    client = Client()
    sent = client.post("/study/notebook/5/review/", {"next": "/study/notebook/?state=mastered"})
    assert sent["Location"] == "/accounts/login/?next=/study/notebook/%3Fstate%3Dmastered"
    # A `next` or Referer of another site is never the way back: the page above the address is.
    elsewhere = client.post(
        "/study/notebook/5/review/", {"next": "https://evil.example/"}, HTTP_REFERER="https://evil.example/x"
    )
    assert elsewhere["Location"] == "/accounts/login/?next=/study/notebook/"


def test_a_script_sending_signed_out_leaves_no_note_and_the_api_answers_for_itself():
    client = Client()
    sent = client.post("/study/notebook/5/review/", {}, HTTP_SEC_FETCH_MODE="cors")
    assert sent["Location"] == "/accounts/login/?next=/study/notebook/"
    assert RESUBMIT_KEY not in client.session
    assert client.post("/api/v1/study/attempts/1/answers/", {}).status_code in (401, 403, 404)
