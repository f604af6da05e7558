"""API tokens: one per device, expiring, revocable by their owner and by whoever manages the
owner; and the one error shape every API error has."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from orgs.models import ApiToken
from orgs.tokens import key_hash
from tests import factories

SIGN_IN = "/api/v1/auth/token/"


def sign_in(username: str, device: str = "phone", **headers) -> dict:
    response = APIClient().post(
        SIGN_IN, {"username": username, "password": factories.PASSWORD, "device": device}, **headers
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(key: str, **headers) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}", **headers)


def test_a_token_is_stored_only_as_its_hash_and_expires_after_api_token_days(tree, settings):
    settings.API_TOKEN_DAYS = 7
    factories.member(tree["gz1"], username="zhang")
    before = timezone.now()
    issued = sign_in("zhang", device="华为 Mate")
    stored = ApiToken.objects.get(pk=issued["id"])
    assert stored.key_hash == key_hash(issued["token"]) and issued["token"] not in stored.key_hash
    assert before + timedelta(days=7) <= stored.expires_at <= timezone.now() + timedelta(days=7)
    assert bearer(issued["token"]).get("/api/v1/me/").json()["username"] == "zhang"
    assert issued["device"] == "华为 Mate"


def test_signing_in_again_on_a_device_replaces_its_token_and_other_devices_keep_theirs(tree):
    factories.member(tree["gz1"], username="zhang")
    first_phone = sign_in("zhang", device="phone")["token"]
    tablet = sign_in("zhang", device="tablet")["token"]
    second_phone = sign_in("zhang", device="phone")["token"]
    refused = bearer(first_phone, HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/me/")
    assert refused.status_code == 401
    assert refused.json() == {
        "error": {"code": "token_invalid", "message": "This token is not valid: sign in again.", "field": None}
    }
    assert bearer(tablet).get("/api/v1/me/").status_code == 200
    listed = bearer(second_phone).get("/api/v1/auth/tokens/").json()["results"]
    assert sorted((t["device"], t["current"]) for t in listed) == [("phone", True), ("tablet", False)]


def test_an_expired_token_is_refused_with_its_own_code(tree):
    factories.member(tree["gz1"], username="zhang")
    key = sign_in("zhang")["token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = bearer(key).get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_expired"
    assert refused.json()["error"]["message"] == "此令牌已过期：请重新登录。"


def test_a_deactivated_members_token_stops_working(tree):
    member = factories.member(tree["gz1"], username="zhang")
    key = sign_in("zhang")["token"]
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert bearer(key).get("/api/v1/me/").status_code == 401


def test_last_used_is_recorded(tree):
    factories.member(tree["gz1"], username="zhang")
    issued = sign_in("zhang")
    assert ApiToken.objects.get(pk=issued["id"]).last_used_at is None
    bearer(issued["token"]).get("/api/v1/me/")
    assert ApiToken.objects.get(pk=issued["id"]).last_used_at is not None


def test_the_owner_revokes_a_device_and_signs_out_another(tree):
    factories.member(tree["gz1"], username="zhang")
    phone = sign_in("zhang", device="phone")
    tablet = sign_in("zhang", device="tablet")
    assert bearer(phone["token"]).delete(f"/api/v1/auth/tokens/{tablet['id']}/").status_code == 204
    assert bearer(tablet["token"]).get("/api/v1/me/").status_code == 401
    assert bearer(phone["token"]).delete(SIGN_IN).status_code == 204
    assert bearer(phone["token"]).get("/api/v1/me/").status_code == 401
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0


def test_an_organiser_of_the_members_unit_lists_and_revokes_and_another_cannot(tree, gz_organiser):
    member = factories.member(tree["gz1"], username="zhang")
    phone = sign_in("zhang", device="phone")
    mine = bearer(sign_in("gz-organiser", device="desk")["token"])
    listed = mine.get(f"/api/v1/auth/tokens/?member={member.pk}").json()["results"]
    assert [t["device"] for t in listed] == ["phone"]
    factories.organiser(tree["jjj"], username="jjj-organiser")
    theirs = bearer(sign_in("jjj-organiser", device="desk")["token"])
    assert theirs.get(f"/api/v1/auth/tokens/?member={member.pk}").status_code == 404  # not there for them
    assert theirs.delete(f"/api/v1/auth/tokens/{phone['id']}/").status_code == 404
    assert bearer(phone["token"]).get("/api/v1/me/").status_code == 200
    assert mine.delete(f"/api/v1/auth/tokens/{phone['id']}/").status_code == 204
    assert bearer(phone["token"]).get("/api/v1/me/").status_code == 401
    assert ApiToken.objects.get(pk=phone["id"]).revoked_by == gz_organiser


def test_a_member_cannot_list_or_revoke_anothers_tokens(tree):
    factories.member(tree["gz1"], username="zhang")
    other = factories.member(tree["gz1"], username="li")
    li_phone = sign_in("li")
    zhang = bearer(sign_in("zhang")["token"])
    assert zhang.get(f"/api/v1/auth/tokens/?member={other.pk}").status_code == 403
    assert zhang.delete(f"/api/v1/auth/tokens/{li_phone['id']}/").status_code == 404
    assert zhang.get("/api/v1/auth/tokens/?member=abc").json()["error"]["field"] == "member"


def test_wrong_password_gets_the_error_shape_in_the_requests_language(tree):
    factories.member(tree["gz1"], username="zhang")
    refused = APIClient().post(SIGN_IN, {"username": "zhang", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert refused.json() == {
        "error": {"code": "bad_credentials", "message": "Wrong username or password.", "field": None}
    }
    missing = APIClient().post(SIGN_IN, {"username": "zhang"}, HTTP_ACCEPT_LANGUAGE="en")
    assert missing.json() == {"error": {"code": "required", "message": "This field is required.", "field": "password"}}


def test_errors_share_one_shape_with_the_protocols_codes(tree, gz_organiser):
    anonymous = APIClient().get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "signed_out"
    api = bearer(sign_in("gz-organiser")["token"])
    malformed = api.post(
        "/api/v1/members/", data="{not json", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed_json"
    # A body in a media type no parser reads (the schema fuzz met one on a join): 415, documented.
    unreadable = api.post("/api/v1/contests/join/", data="code=ABC123", content_type="text/plain")
    assert unreadable.status_code == 415 and unreadable.json()["error"]["code"] == "unsupported_media_type"
    documented = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "415" in documented["paths"]["/api/v1/contests/join/"]["post"]["responses"]
    past_the_end = api.get("/api/v1/units/?page=99")
    assert past_the_end.status_code == 404
    assert past_the_end.json() == {"error": {"code": "no_such_page", "message": "没有第 99 页。", "field": "page"}}
    above = api.get(f"/api/v1/units/{tree['audit'].pk}/")
    assert above.status_code == 403 and above.json()["error"]["code"] == "forbidden"
    outside = api.get(f"/api/v1/units/{tree['jjj'].pk}/")
    assert outside.status_code == 404 and outside.json()["error"]["code"] == "not_found"


def test_a_path_that_names_nothing_answers_in_the_error_shape_not_a_page(tree, gz_organiser):
    api = bearer(sign_in("gz-organiser")["token"])
    for path in ("/api/v1/members/null,null/", "/api/v1/units/abc/", "/api/v1/no-such-thing/"):
        response = api.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert response.json()["error"] == {
            "code": "not_found",
            "message": "There is nothing at this address.",
            "field": None,
        }
    assert api.delete("/api/v1/auth/tokens/null,null/").json()["error"]["code"] == "not_found"


def test_a_password_change_ends_the_members_tokens(tree):
    member = factories.member(tree["gz1"], username="zhang")
    key = sign_in("zhang")["token"]
    member.set_password("another-horse-battery-8")
    member.save(update_fields=["password"])
    refused = bearer(key).get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "password_changed"


def test_drf_authtoken_keys_carry_over_hashed_as_legacy_devices(tree, settings):
    """The migration that replaced DRF's authtoken: a client signed in before keeps working."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = import_module("orgs.migrations.0002_api_tokens_per_device")
    member = factories.member(tree["gz1"], username="zhang")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer, created date)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", ["0123456789abcdef", member.pk, "2026-01-01"])
        editor = SimpleNamespace(connection=connection, execute=cursor.execute, quote_name=connection.ops.quote_name)
        migration.keep_authtoken_keys(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert bearer("0123456789abcdef").get("/api/v1/me/").json()["username"] == "zhang"
    assert ApiToken.objects.get().device == "legacy"


def device_list(html: str, list_id: str) -> str:
    """The devices listed on a page (not the message that says one was signed out)."""
    return html.split(f'id="{list_id}"', 1)[1].split("</ul>", 1)[0]


def test_a_member_sees_the_apps_signed_in_and_signs_one_out(client, tree):
    member = factories.member(tree["gz1"], username="zhang")
    colleague = factories.member(tree["gz1"], username="li")
    phone, tablet = sign_in("zhang", device="华为 Mate"), sign_in("zhang", device="iPad")
    theirs = sign_in("li", device="荣耀")
    client.force_login(member)
    page = device_list(client.get("/me/devices/").content.decode(), "my-devices")
    assert "华为 Mate" in page and "iPad" in page and "荣耀" not in page
    assert 'href="/me/devices/"' in client.get("/me/").content.decode()

    assert client.post(f"/me/devices/{phone['id']}/sign-out/").status_code == 302
    assert bearer(phone["token"]).get("/api/v1/me/").status_code == 401
    assert bearer(tablet["token"]).get("/api/v1/me/").status_code == 200
    page = device_list(client.get("/me/devices/").content.decode(), "my-devices")
    assert "华为 Mate" not in page and "iPad" in page
    # Another member's device is not there to sign out.
    assert client.post(f"/me/devices/{theirs['id']}/sign-out/").status_code == 404
    assert bearer(theirs["token"]).get("/api/v1/me/").status_code == 200
    # Opened as a page (not its button's POST), the address goes to the devices page and signs out nothing.
    opened = client.get(f"/me/devices/{tablet['id']}/sign-out/")
    assert (opened.status_code, opened["Location"]) == (302, "/me/devices/")
    assert bearer(tablet["token"]).get("/api/v1/me/").status_code == 200

    # A new password ends every token, and the list says so by showing none.
    member.set_password("another-horse-battery-8")
    member.save(update_fields=["password"])
    client.force_login(member)
    assert "iPad" not in device_list(client.get("/me/devices/").content.decode(), "my-devices")
    assert colleague.api_tokens.count() == 1


def test_an_organiser_signs_a_member_out_of_a_lost_phone(client, tree):
    member = factories.member(tree["gz1"], username="zhang")
    phone = sign_in("zhang", device="华为 Mate")
    outsider = factories.organiser(tree["jjj"])
    client.force_login(outsider)
    url = f"/orgs/members/{member.pk}/devices/{phone['id']}/sign-out/"
    assert client.post(url).status_code in (403, 404)
    assert bearer(phone["token"]).get("/api/v1/me/").status_code == 200

    organiser = factories.organiser(tree["gz"])
    client.force_login(organiser)
    assert "华为 Mate" in device_list(client.get(f"/orgs/members/{member.pk}/").content.decode(), "member-devices")
    assert client.post(url).status_code == 302
    assert bearer(phone["token"]).get("/api/v1/me/").status_code == 401
    assert ApiToken.objects.get(pk=phone["id"]).revoked_by == organiser
    assert "华为 Mate" not in device_list(client.get(f"/orgs/members/{member.pk}/").content.decode(), "member-devices")
