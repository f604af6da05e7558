"""A number (or a search) in a URL's query or a typed field that str.isdigit() accepts but int() refuses
('²', '³', '①': digits, not decimal numbers) is treated as no number or refused with a message,
never a server error. Every `isdigit()` before an `int()` was one (now `isdecimal()`)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.rankings.test_services import compute, study  # noqa: F401 - fixture

SUPERSCRIPT_TWO = "²"


@pytest.fixture
def administrator_client(tree):
    client = Client(raise_request_exception=False)
    client.force_login(factories.administrator(tree["audit"]))
    return client


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("orgs:member_list", "unit"),
        ("orgs:unit_add", "parent"),
        ("member-list", "unit"),
        ("unit-list", "under"),
    ],
)
def test_a_unit_given_as_a_superscript_digit_is_ignored(administrator_client, url, query):
    response = administrator_client.get(reverse(url), {query: SUPERSCRIPT_TWO})
    assert response.status_code == 200


def test_a_member_given_as_a_superscript_digit_is_refused_with_a_message(administrator_client):
    response = administrator_client.get(reverse("api-tokens"), {"member": SUPERSCRIPT_TWO})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "member"


def test_a_leaderboard_group_or_version_given_as_a_superscript_digit_is_ignored(administrator_client, study):  # noqa: F811
    rule = factories.ranking_rule(
        study["tree"]["audit"], subject="unit", unit_level=3, metric="total", sources=[{"kind": "points"}]
    )
    compute(rule)
    board = reverse("rankings:board", args=[rule.slug])
    assert administrator_client.get(board, {"group": SUPERSCRIPT_TWO}).status_code == 200
    assert administrator_client.get(board, {"v": SUPERSCRIPT_TWO}).status_code == 200
    api = reverse("api-leaderboard", args=[rule.slug])
    assert administrator_client.get(api, {"group": SUPERSCRIPT_TWO}).status_code == 200


def test_an_expected_headcount_typed_as_a_superscript_digit_is_refused_beside_its_unit(administrator_client, study):  # noqa: F811
    tree = study["tree"]
    rule = factories.ranking_rule(
        tree["audit"], subject="unit", unit_level=3, metric="per_capita", sources=[{"kind": "points"}]
    )
    response = administrator_client.post(
        reverse("rankings:headcounts", args=[rule.slug]), {f"unit-{tree['gz1'].pk}": SUPERSCRIPT_TWO}
    )
    assert response.status_code == 200
    assert "请输入整数" in response.content.decode() or "Type a whole number" in response.content.decode()


def test_no_project_code_checks_a_number_with_isdigit():
    """The same mistake anywhere else (a relay order, a stake list, a difficulty in an import, a
    contest's unit filter): `isdecimal()` accepts exactly what int() reads."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    apps = ["calls", "contests", "lessons", "notifications", "orgs", "quizsite", "rankings"]
    found = [
        f"{path.relative_to(root)}:{number}"
        for app in apps
        for path in sorted((root / app).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if ".isdigit()" in line
    ]
    assert not found, "isdigit() accepts '²', which int() refuses: " + ", ".join(found)


@pytest.mark.parametrize("url", ["orgs:member_list", "member-list"])
def test_a_search_with_a_nul_character_finds_what_the_rest_of_it_names(administrator_client, tree, url):
    """PostgreSQL takes no NUL in a text parameter: a search for '李%00四' was a server error."""
    factories.member(tree["gz1"], username="lisi", real_name="李四")
    response = administrator_client.get(reverse(url), {"q": "李\x00四"})
    assert response.status_code == 200
    assert "李四" in response.content.decode()


def test_views_read_a_query_string_without_its_nul_characters(rf):
    from quizsite.middleware import QueryNulMiddleware

    seen = {}

    def view(request):
        seen.update(request.GET.lists())
        return None

    QueryNulMiddleware(view)(rf.get("/", {"q": "a\x00b", "unit\x00": ["1", "2\x00"]}))
    assert seen == {"q": ["ab"], "unit": ["1", "2"]}
