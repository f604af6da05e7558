import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from orgs.models import MemberPlacement, User
from tests import factories


@pytest.fixture
def api(gz_organiser):
    client = APIClient()
    client.force_authenticate(gz_organiser)
    return client


def test_token_auth_round_trip(tree, gz_organiser):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": "gz-organiser", "password": factories.PASSWORD}).json()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "gz-organiser" and me["unit_path"] == "审计署/广州特派办"
    assert me["roles"] == [{"role": "organiser", "unit": tree["gz"].pk}]


def test_unauthenticated_requests_are_refused(db):
    assert APIClient().get("/api/v1/members/").status_code in (401, 403)


def test_units_are_scoped(api, tree):
    names = [u["name"] for u in api.get("/api/v1/units/").json()["results"]]
    assert names == ["广州特派办", "第一党支部", "第二党支部"]
    assert api.get(f"/api/v1/units/{tree['jjj'].pk}/").status_code == 404  # another office's: not there
    assert api.get(f"/api/v1/units/{tree['audit'].pk}/").status_code == 403  # above: seen, not managed
    assert api.get(f"/api/v1/units/{tree['gz1'].pk}/").json()["full_path"] == "审计署/广州特派办/第一党支部"


def test_members_are_scoped(api, tree):
    inside = factories.member(tree["gz1"], real_name="张三丰")
    outside = factories.member(tree["jjj1"], real_name="李四光")
    names = {m["real_name"] for m in api.get("/api/v1/members/").json()["results"]}
    assert "张三丰" in names and "李四光" not in names
    assert api.get(f"/api/v1/members/{inside.pk}/").status_code == 200
    assert api.get(f"/api/v1/members/{outside.pk}/").status_code == 404  # another office's: not there
    above = factories.member(tree["audit"], real_name="王五")  # on the line up: seen, not managed
    response = api.get(f"/api/v1/members/{above.pk}/")
    assert response.status_code == 403 and response.json()["error"]["message"] == "该成员不在您管理的单位范围内。"


def test_patching_a_member_outside_scope_changes_nothing(api, tree):
    outside = factories.member(tree["jjj1"], real_name="李四光")
    assert api.patch(f"/api/v1/members/{outside.pk}/", {"real_name": "x"}).status_code == 404
    outside.refresh_from_db()
    assert outside.real_name == "李四光"


def test_patching_the_unit_records_a_move(api, tree):
    person = factories.member(tree["gz1"])
    response = api.patch(f"/api/v1/members/{person.pk}/", {"unit": tree["gz2"].pk, "reason": "调整"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["unit_path"] == "审计署/广州特派办/第二党支部"
    assert MemberPlacement.objects.filter(member=person).latest("effective_at").reason == "调整"


def test_moving_a_member_out_of_scope_is_refused(api, tree):
    person = factories.member(tree["gz1"])
    response = api.patch(f"/api/v1/members/{person.pk}/", {"unit": tree["jjj1"].pk}, format="json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "unit"


def test_create_member_in_scope(api, tree):
    response = api.post(
        "/api/v1/members/",
        {"username": "new1", "real_name": "新人", "employee_no": "N1", "unit": tree["gz2"].pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["unit_path"] == "审计署/广州特派办/第二党支部"
    assert "password" not in response.json()


def test_create_member_with_a_taken_employee_number_is_a_clear_400(api, tree):
    factories.member(tree["gz1"], employee_no="DUP")
    response = api.post(
        "/api/v1/members/", {"username": "new2", "real_name": "新人", "employee_no": "DUP", "unit": tree["gz2"].pk}
    )
    assert response.status_code == 400


def test_plain_member_cannot_list_members(tree):
    client = APIClient()
    client.force_authenticate(factories.member(tree["gz1"]))
    assert client.get("/api/v1/members/").status_code == 403
    assert client.get("/api/v1/me/").status_code == 200


def test_schema_and_docs_are_served_without_a_cdn(client, db):
    client.force_login(factories.member(factories.unit_at("审计署", kind="organ")))
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/members/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    # No address outside the site (the page's CSRF token is random: once it held the letters "cdn").
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", docs, re.IGNORECASE)
    assert "cdn." not in docs.lower() and "/static/drf_spectacular_sidecar/" in docs


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_api_documentation_pages_send_an_anonymous_visitor_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={path}"


def test_api_schema_is_refused_without_sign_in(db):
    assert APIClient().get("/api/schema/").status_code in (401, 403)
    assert APIClient().get("/api/schema/", HTTP_AUTHORIZATION="Token not-a-token").status_code in (401, 403)


def test_api_schema_is_served_to_a_token_holder(tree):
    factories.member(tree["gz1"], username="t")
    token = APIClient().post("/api/v1/auth/token/", {"username": "t", "password": factories.PASSWORD}).json()
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token['token']}")
    assert client.get("/api/schema/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/members/", "/api/v1/units/"])
def test_api_lists_take_a_page_size_and_refuse_a_bad_one(api, tree, path):
    factories.member(tree["gz1"])
    first = api.get(path, {"page_size": 1}).json()
    assert len(first["results"]) == 1 and first["count"] > 1 and "page_size=1" in first["next"]
    for bad in ("abc", "0", "-1"):
        response = api.get(path, {"page_size": bad})
        assert response.status_code == 400 and response.json()["error"]["field"] == "page_size"


@pytest.mark.parametrize("number", ["-5", "1.5", "10 01", "示例001"])
def test_create_member_with_a_malformed_employee_number_is_refused_on_its_field(api, tree, number):
    response = api.post(
        "/api/v1/members/",
        {"username": "new3", "real_name": "新人", "employee_no": number, "unit": tree["gz2"].pk},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "employee_no_form" and error["field"] == "employee_no"
    assert not User.objects.filter(username="new3").exists()
