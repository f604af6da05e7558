"""Who may download what: exports and anyone's certificate are for the rule unit's organisers and
administrators; a member gets their own certificate only. All through real HTTP requests."""

import pytest
from django.urls import reverse

from tests import factories
from tests.rankings.test_pages import board, publish  # noqa: F401 - fixture
from tests.rankings.test_services import study  # noqa: F401 - fixture


@pytest.fixture
def published(board):  # noqa: F811
    publish(board)
    return board


def urls(results) -> dict[str, str]:
    slug, people = results["rule"].slug, results["people"]
    return {
        "export": reverse("rankings:export", args=[slug]),
        "f_certificate": reverse("rankings:certificate", args=[slug, people["f"].pk]),
        "d_certificate": reverse("rankings:certificate", args=[slug, people["d"].pk]),
    }


def test_a_plain_member_gets_neither_the_export_nor_someone_elses_certificate(client, published):
    client.force_login(published["people"]["a"])  # in the rule's unit, no prize, no role
    for url in urls(published).values():
        assert client.get(url).status_code == 403


def test_a_prize_winner_gets_their_own_certificate_only(client, published):
    client.force_login(published["people"]["f"])
    assert client.get(urls(published)["f_certificate"]).status_code == 200
    assert client.get(urls(published)["d_certificate"]).status_code == 403
    assert client.get(urls(published)["export"]).status_code == 403


def test_organisers_of_another_or_a_lower_unit_are_refused(client, published):
    # Another organ's organiser does not find the ranking; a lower unit's sees it but is refused.
    for unit, status in ((published["tree"]["budget"], 404), (published["tree"]["gz"], 403)):
        client.force_login(factories.organiser(unit))
        for url in urls(published).values():
            assert client.get(url).status_code == status


def test_an_organiser_of_the_rules_unit_downloads_the_export_and_every_certificate(client, published):
    client.force_login(factories.organiser(published["tree"]["audit"]))
    for url in urls(published).values():
        assert client.get(url).status_code == 200


def test_the_board_offers_a_member_only_their_own_certificate_and_no_export(client, published):
    client.force_login(published["people"]["f"])
    page = client.get(reverse("rankings:board", args=[published["rule"].slug])).content.decode()
    assert urls(published)["f_certificate"] in page
    assert urls(published)["d_certificate"] not in page and urls(published)["export"] not in page
