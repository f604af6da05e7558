"""Certificates print on any viewer: their Chinese font is embedded, and what they say is right."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings import pdfs
from tests.rankings.test_pages import board, publish  # noqa: F401 - fixture
from tests.rankings.test_services import compute, study  # noqa: F401 - fixture


@pytest.fixture
def certificate(client, board):  # noqa: F811
    publish(board)
    client.force_login(board["admin"])
    response = client.get(reverse("rankings:certificate", args=[board["rule"].slug, board["people"]["f"].pk]))
    assert response.status_code == 200
    return response.content


def test_every_font_in_a_certificate_is_embedded(certificate, tmp_path):
    fonts = pdfs.fonts(certificate, tmp_path)
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts


def test_a_certificate_shows_its_text_on_a_viewer_without_fonts_of_its_own(certificate, tmp_path):
    assert pdfs.dark_pixels_without_system_fonts(certificate, tmp_path) > 200


def test_the_footer_is_translated_and_its_separators_print(certificate, tmp_path):
    words = pdfs.text(certificate, tmp_path)
    assert "F（京津冀特派办机关党支部）" in words.replace(" ", "")
    assert "核验码：" in words and "哈希" not in words and "hash" not in words
    assert "·" in words and "\ufffd" not in words


def test_a_unit_certificate_names_the_unit_once(client, study, tmp_path):  # noqa: F811
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = factories.ranking_rule(
        study["tree"]["audit"],
        subject="unit",
        unit_level=3,
        metric="per_capita",
        sources=[{"kind": "points"}],
        prize_mode="count",
        prize_tiers=[{"name": "一等奖", "value": 1}],
    )
    snapshot = compute(rule).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    client.force_login(admin)
    winner = study["tree"]["jjj1"]
    pdf = client.get(reverse("rankings:certificate", args=[rule.slug, winner.pk])).content
    assert pdfs.text(pdf, tmp_path).count("机关党支部") == 1


def test_a_missing_font_gives_a_clear_message_not_a_blank_certificate(client, certificate, board, settings):  # noqa: F811
    settings.RANKINGS_CERTIFICATE_FONT = "/nonexistent/font.ttc"
    url = reverse("rankings:certificate", args=[board["rule"].slug, board["people"]["f"].pk])
    page = client.get(url, follow=True)
    assert page.status_code == 200 and not page.content.startswith(b"%PDF")
    assert "/nonexistent/font.ttc" in page.content.decode() and "fonts-wqy-microhei" in page.content.decode()


def test_organisers_print_every_certificate_of_the_published_results_as_one_pdf(client, board, tmp_path):  # noqa: F811
    url = reverse("rankings:certificate_bundle", args=[board["rule"].slug])
    board_url = reverse("rankings:board", args=[board["rule"].slug])
    organiser = factories.organiser(board["tree"]["audit"])
    client.force_login(organiser)
    assert client.get(url).status_code == 404  # nothing published yet
    publish(board)
    assert url in client.get(board_url).content.decode()
    pdf = client.get(url).content
    winners = ["F", "D", "E"]  # one first prize, two second prizes
    assert pdfs.page_count(pdf, tmp_path) == len(winners)
    assert all(font["emb"] == "yes" for font in pdfs.fonts(pdf, tmp_path))
    words = pdfs.text(pdf, tmp_path)
    assert [page.split()[2][0] for page in words.split("\f") if page.strip()] == winners  # after 兹表彰
    client.force_login(board["people"]["f"])
    assert client.get(url).status_code == 403 and url not in client.get(board_url).content.decode()


def test_the_system_check_warns_at_deploy_time_when_the_certificate_font_is_missing(settings):
    settings.RANKINGS_CERTIFICATE_FONT = "/nonexistent/font.ttc"
    with pytest.raises(SystemCheckError, match="rankings.W001"):
        call_command("check", fail_level="WARNING")
