"""Prize tiers named in Chinese with an optional English name: boards, honour lists, the big
screen, the member's home, exports and certificates name a prize in the reader's language."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from rankings.models import RankingRule
from rankings.params import RuleParams
from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings import pdfs
from tests.rankings.test_rule_builder import NEW, admin_client, form_data, preview  # noqa: F401 - fixture
from tests.rankings.test_services import compute, member_rule, study  # noqa: F401 - fixture

# The study's points: F 50 takes the first prize, D 40 and E 35 the second.
TIERS = [{"name": "一等奖", "name_en": "First prize", "value": 1}, {"name": "二等奖", "value": 2}]


@pytest.fixture
def published(study):  # noqa: F811
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = member_rule(study, prize_mode="count", prize_tiers=TIERS)
    snapshot = compute(rule).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    return {"admin": admin, "rule": rule, **study}


def get(client, url, language):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_english_pages_name_a_prize_in_english_and_a_tier_without_one_as_typed(client, published):
    slug = published["rule"].slug
    client.force_login(published["people"]["f"])
    for name in ("rankings:board", "rankings:honours", "rankings:screen"):
        english = get(client, reverse(name, args=[slug]), "en")
        assert "First prize" in english and "一等奖" not in english, name
        assert "二等奖" in english, name  # no English name given: the name as typed
        chinese = get(client, reverse(name, args=[slug]), "zh-hans")
        assert "一等奖" in chinese and "First prize" not in chinese, name
    # The member's own place on the home page: its My place card names the prize in each language
    # (no longer after the member's own name).
    english_place = get(client, reverse("home"), "en").split('id="my-places"')[1]
    assert "First prize" in english_place and "一等奖" not in english_place
    assert "一等奖" in get(client, reverse("home"), "zh-hans").split('id="my-places"')[1]


def test_exports_and_certificates_name_the_prize_in_the_language_they_are_asked_in(client, published, tmp_path):
    slug = published["rule"].slug
    client.force_login(published["admin"])
    for language, first in (("en", "First prize"), ("zh-hans", "一等奖")):
        book = load_workbook(
            BytesIO(client.get(reverse("rankings:export", args=[slug]), HTTP_ACCEPT_LANGUAGE=language).content)
        )
        rows = list(book.active.iter_rows(values_only=True))
        header = next(i for i, row in enumerate(rows) if row[0] in ("Rank", "名次"))
        prize = rows[header].index("Prize" if language == "en" else "奖项")
        assert [row[prize] for row in rows[header + 1 : header + 4]] == [first, "二等奖", "二等奖"]
    winner = published["people"]["f"].pk
    url = reverse("rankings:certificate", args=[slug, winner])
    assert "First prize" in pdfs.text(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content, tmp_path)
    assert "一等奖" in pdfs.text(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content, tmp_path)


def test_a_prize_renamed_since_the_results_reads_as_recorded(published):
    rule = published["rule"]
    rule.prize_tiers = [{"name": "特等奖", "name_en": "Grand prize", "value": 1}]
    with translation.override("en"):
        assert rule.display_prize("一等奖") == "一等奖"
        assert rule.display_prize("特等奖") == "Grand prize"
    with translation.override("zh-hans"):
        assert rule.display_prize("特等奖") == "特等奖"


def test_the_rule_builder_saves_each_tiers_english_name_beside_its_name(admin_client, study):  # noqa: F811
    data = form_data(study["tree"], tier_name_en=["  First   prize ", ""])
    assert admin_client.post(NEW, data).status_code == 302
    rule = RankingRule.objects.get(slug="branch-points")
    assert rule.prize_tiers == [
        {"name": "一等奖", "name_en": "First prize", "value": 1.0},
        {"name": "二等奖", "value": 2.0},
    ]
    # Display only: the parameters a snapshot records and hashes leave it out.
    assert [tier.get("name_en") for tier in RuleParams.from_rule(rule).prize_tiers] == [None, None]
    page = admin_client.get(reverse("rankings:rule_edit", args=[rule.slug])).content.decode()
    assert 'name="tier_name_en" value="First prize"' in page and 'name="tier_name_en" value=""' in page
    # The preview names the prize as the English page will (counted at the end of today: the
    # members were made today, after the points' day).
    data["period_ends_on"] = timezone.localdate().isoformat()
    shown = preview(admin_client, reverse("rankings:rule_edit", args=[rule.slug]), data).content.decode()
    assert "First prize" in shown and "一等奖" not in shown


def test_a_prize_name_too_long_to_record_is_refused_on_its_row_and_nothing_is_saved(admin_client, study):  # noqa: F811
    # A snapshot row records at most 40 characters of prize: a longer name failed the
    # computation on PostgreSQL, long after the rule was saved.
    page = admin_client.post(
        NEW, form_data(study["tree"], tier_name=["一" * 41, "二等奖"], tier_name_en=["x" * 41, ""])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "A prize name is at most 40 characters long." in html
    assert "The English name is at most 40 characters long." in html
    assert 'value="' + "x" * 41 + '"' in html  # kept as typed, to be shortened
    assert not RankingRule.objects.filter(slug="branch-points").exists()
