"""JSON from clients is read one way (quizsite.client_json): a body nested too deep is refused as
bad input (400, or the endpoint's own refusal), never a server error."""

import pytest
from rest_framework.test import APIClient

from lessons.models import Upload
from lessons.services import videos
from quizsite import client_json
from tests import factories
from tests.contests.test_online_pages import setup, started  # noqa: F401 (setup is a fixture)

pytestmark = pytest.mark.django_db

# 3,000 levels: past the parser's stack (Python's recursion limit, 1,000), in 6 KB.
TOO_DEEP = '{"code": ' + "[" * 3000 + "]" * 3000 + "}"


@pytest.mark.parametrize("text", [TOO_DEEP, TOO_DEEP.encode(), "{nope", b"\xff", "[NaN]", "[-Infinity]", "[1e99999]"])
def test_json_nested_too_deep_or_not_json_is_refused_as_a_value_error(text):
    with pytest.raises(client_json.BadJSON) as refused:
        client_json.loads(text)
    assert isinstance(refused.value, ValueError)  # what callers already refused


def test_json_nested_as_deep_as_a_client_may_send_is_read():
    assert client_json.loads(b'{"a": [[1, 2.5, "x"]], "b": null}') == {"a": [[1, 2.5, "x"]], "b": None}


@pytest.mark.parametrize("body", [TOO_DEEP, '{"code": 1e99999}', b"\xbf"])  # the last is not UTF-8
def test_an_api_body_nested_too_deep_or_with_an_endless_number_is_a_400_in_the_apis_error_shape(tree, body):
    api = APIClient()
    api.force_authenticate(factories.member(tree["gz1"]))
    response = api.post("/api/v1/contests/join/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json" and response.json()["error"]["field"] is None


@pytest.mark.parametrize("body", [TOO_DEEP, '{"filename": "a.mp4", "size": NaN}'])
def test_an_upload_announced_in_json_nested_too_deep_or_with_nan_is_refused_in_words(client, tree, body):
    lesson = videos.lesson_create(title="上传", unit=tree["gz"])
    client.force_login(factories.organiser(tree["gz"], username="org"))
    response = client.post(f"/lessons/{lesson.pk}/upload/start/", body, "application/json")
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "bad_request", "message": "请提供文件名和大小。", "field": None}
    assert not Upload.objects.exists()


def test_an_online_answer_saved_in_json_nested_too_deep_is_refused_as_bad_request(setup):  # noqa: F811
    _, client, attempt = started(setup)
    response = client.put(f"/contests/online/attempts/{attempt.pk}/items/1/", TOO_DEEP, "application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "bad_request")
