"""Sessions end where they should, whichever store keeps them (cached_db on Redis, the database
otherwise): a sign-out, a password change elsewhere and a deactivation sign the member out of
every browser at its next request."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgs import services
from tests import factories

pytestmark = pytest.mark.django_db

SIGNED_IN_PAGE = "password_change"  # any page that sends a signed-out visitor to the sign-in page


def signed_in(client: Client) -> bool:
    response = client.get(reverse(SIGNED_IN_PAGE))
    assert response.status_code in (200, 302)
    return response.status_code == 200


def browser_of(member) -> Client:
    """A browser signed in through the sign-in page, as a member signs in."""
    browser = Client()
    response = browser.post(reverse("login"), {"username": member.username, "password": factories.PASSWORD})
    assert response.status_code == 302, response.content[:400]
    assert signed_in(browser)  # its session is now read (and, on Redis, cached)
    return browser


def test_a_password_change_signs_the_member_out_of_their_other_browsers(tree):
    member = factories.member(tree["gz1"])
    phone, desktop = browser_of(member), browser_of(member)

    response = desktop.post(
        reverse("password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": "another-long-pass-9",
            "new_password2": "another-long-pass-9",
        },
    )

    assert response.status_code == 302
    assert signed_in(desktop)  # the browser that changed it stays signed in
    assert not signed_in(phone)


def test_a_deactivated_member_is_signed_out_at_their_next_request(tree, gz_organiser):
    member = factories.member(tree["gz1"])
    phone = browser_of(member)

    services.members_bulk_apply(by=gz_organiser, members=[member], action=services.BulkAction.DEACTIVATE)

    assert not signed_in(phone)


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(tree):
    member = factories.member(tree["gz1"])
    phone = browser_of(member)
    stolen = Client()
    stolen.cookies = phone.cookies.__class__(phone.cookies)  # the same session cookie elsewhere
    assert signed_in(stolen)

    phone.post(reverse("logout"))

    assert not signed_in(stolen)


@pytest.mark.skipif(not settings.REDIS_URL, reason="sessions are cached only with Redis")
def test_on_redis_a_signed_in_request_reads_its_session_from_the_cache_not_the_database(tree):
    phone = browser_of(factories.member(tree["gz1"]))

    with CaptureQueriesContext(connection) as queries:
        assert signed_in(phone)

    assert not [query["sql"] for query in queries if "django_session" in query["sql"]]
