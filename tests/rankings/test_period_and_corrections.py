"""What an administrator's read-only walk of the boards missed: the period counted is shown
wherever the results are, a correction reads as one (on the board and in the notices, with its
reason), tiers covering more places than are ranked are flagged, and a certificate is named for
people, not by an account's number."""

import datetime as dt
from io import BytesIO
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from notifications.models import Notification
from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings.test_rule_builder import form_data, preview
from tests.rankings.test_services import build_study, compute, member_rule, points

# f 50, d 40, e 35, a 30, b 20, c 10 points on 2026-11-20 (`build_study`).
TIERS = [{"name": "一等奖", "value": 1}, {"name": "二等奖", "value": 2}]


@pytest.fixture
def study(tree):
    return build_study(tree)


@pytest.fixture
def admin(study):
    return factories.administrator(study["tree"]["audit"], username="boss", real_name="王审核")


def dated_rule(study, starts_on, ends_on, **fields):
    return factories.ranking_rule(
        study["tree"]["audit"],
        subject="member",
        sources=[{"kind": "points"}],
        period_starts_on=starts_on,
        period_ends_on=ends_on,
        **fields,
    )


def published(rule, admin, **kwargs):
    return snapshot_publish(snapshot=snapshot_approve(snapshot=compute(rule).snapshot, by=admin), by=admin, **kwargs)


def page(user, language, url) -> str:
    response = factories.client_in(language, user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_correction_says_so_with_its_reason_and_tells_only_changed_winners_of_certificates(study, admin):
    people = study["people"]
    rule = member_rule(study, title="十二月积分榜", prize_mode="count", prize_tiers=TIERS)
    published(rule, admin)
    # v1: f first prize; d and e second.
    first_certificates = set(Notification.objects.filter(kind="certificate_ready").values_list("recipient", flat=True))
    assert first_certificates == {people["f"].pk, people["d"].pk, people["e"].pk}
    Notification.objects.all().delete()

    points(people["c"], 45, "c-2")  # c: 10 + 45 = 55, now first
    published(rule, admin, reason="补录一名同志的学习积分")

    # v2: c first (new), f second (was first), d second (unchanged), e none (lost it).
    notices = Notification.objects.filter(kind="results_published")
    assert notices.count() == 6
    with translation.override("zh-hans"):
        assert {n.title for n in notices} == {"排行榜已更正：十二月积分榜"}
        assert {n.body for n in notices} == {"排行榜已更正（原因：补录一名同志的学习积分），请查看您现在的名次。"}
    with translation.override("en"):
        assert {n.title for n in notices} == {"Results corrected: 十二月积分榜"}
    certified = set(Notification.objects.filter(kind="certificate_ready").values_list("recipient", flat=True))
    assert certified == {people["c"].pk, people["f"].pk}

    board = reverse("rankings:board", args=[rule.slug])
    chinese = page(people["a"], "zh-hans", board)
    assert "取代第 1 版。原因：补录一名同志的学习积分" in chinese and "更正于 " in chinese
    english = page(people["a"], "en", board)
    assert "replacing version 1. Reason: 补录一名同志的学习积分" in english
    assert "Published " not in english.split('id="published-line"')[1][:200]


def test_a_first_publication_still_reads_as_published(study, admin):
    rule = member_rule(study, title="十二月积分榜")
    published(rule, admin)
    with translation.override("zh-hans"):
        (notice,) = Notification.objects.filter(kind="results_published", recipient=study["people"]["a"])
        assert notice.title == "排行榜已发布：十二月积分榜"
    assert "更正于" not in page(study["people"]["a"], "zh-hans", reverse("rankings:board", args=[rule.slug]))


def test_the_period_is_shown_on_the_board_honours_big_screen_manage_page_and_export(study, admin):
    rule = dated_rule(study, dt.date(2026, 11, 20), dt.date(2026, 12, 7), prize_mode="count", prize_tiers=TIERS)
    snapshot = published(rule, admin)
    pages = ["board", "honours", "screen", "manage"]
    for name in pages:
        url = reverse(f"rankings:{name}", args=[rule.slug])
        assert "统计期：2026-11-20 至 2026-12-07" in page(admin, "zh-hans", url), name
        assert "Period: 20 Nov 2026 – 7 Dec 2026" in page(admin, "en", url), name

    response = factories.client_in("zh-hans", admin).get(reverse("rankings:export", args=[rule.slug]))
    sheet = load_workbook(BytesIO(response.content)).active
    # The label in its own cell, the days beside it (the days said "Period:" again).
    assert [cell.value for cell in sheet[2]][6:8] == ["统计期", "2026-11-20 至 2026-12-07"]
    english = factories.client_in("en", admin).get(reverse("rankings:export", args=[rule.slug]))
    english_sheet = load_workbook(BytesIO(english.content)).active
    assert [cell.value for cell in english_sheet[2]][6:8] == ["Period", "20 Nov 2026 – 7 Dec 2026"]
    approved = snapshot.approved_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    published_at = snapshot.published_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    assert [cell.value for cell in sheet[5]][2:6] == [
        "审核人",
        f"王审核, {approved}",
        "发布人",
        f"王审核, {published_at}",
    ]


def test_a_rule_without_dates_says_it_counts_every_fact(study, admin):
    rule = dated_rule(study, None, None)
    published(rule, admin)
    board = page(admin, "en", reverse("rankings:board", args=[rule.slug]))
    assert "Period: no dates set, every fact up to the computation" in board


def test_tiers_covering_more_places_than_are_ranked_are_flagged_not_refused(study, admin):
    # 6 ranked; 4 + 3 = 7 places: everyone ranked would get a prize.
    tiers = [{"name": "一等奖", "value": 4}, {"name": "二等奖", "value": 3}]
    rule = member_rule(study, prize_mode="count", prize_tiers=tiers)
    compute(rule)
    manage = page(admin, "en", reverse("rankings:manage", args=[rule.slug]))
    assert "v1: The prize tiers cover 7 places; only 6 are ranked, so every one of them gets a prize." in manage
    chinese = page(admin, "zh-hans", reverse("rankings:manage", args=[rule.slug]))
    assert "各奖项共设 7 个名额，但上榜的只有 6 个，每个上榜者都将获奖。" in chinese

    enough = member_rule(study, slug="enough", prize_mode="count", prize_tiers=TIERS)
    compute(enough)
    assert "prize-places-warning" not in page(admin, "en", reverse("rankings:manage", args=[enough.slug]))


def test_the_preview_flags_tiers_covering_more_places_than_are_ranked(study, admin):
    client = factories.client_in("en", admin)
    # The form's rule: all six members of 审计署, points on 2026-11-20; 5 + 2 = 7 places.
    response = preview(client, reverse("rankings:rule_new"), form_data(study["tree"], tier_value=["5", "2"]))
    assert response.context["preview"]["eligible_count"] == 6
    assert "The prize tiers cover 7 places; only 6 are ranked" in response.content.decode()
    response = preview(client, reverse("rankings:rule_new"), form_data(study["tree"], tier_value=["4", "2"]))
    assert 'id="prize-places-warning"' not in response.content.decode()


def test_a_members_certificate_is_named_for_the_board_and_the_member(study, admin):
    f = study["people"]["f"]
    rule = member_rule(study, title="十二月积分榜", slug="dec-walk", prize_mode="count", prize_tiers=TIERS)
    published(rule, admin)
    response = factories.client_in("zh-hans", f).get(reverse("rankings:certificate", args=[rule.slug, f.pk]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith('inline; filename="dec-walk-v1-certificate.pdf"; filename*=')
    assert unquote(disposition.split("UTF-8''")[1]) == "十二月积分榜-F.pdf"
    assert f"-{f.pk}.pdf" not in disposition
