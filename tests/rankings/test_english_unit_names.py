"""Units' English names on English leaderboards, exports, big screens and certificates, looked up
when shown: a published snapshot keeps its rows and hashes, and Chinese pages are unchanged."""

import re
from io import BytesIO

from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from orgs import services as org_services
from rankings import services
from rankings.exports import certificate_pdf
from rankings.models import RankingRule, Snapshot
from tests import factories
from tests.rankings import pdfs
from tests.rankings.test_pages import board, publish  # noqa: F401 - fixture
from tests.rankings.test_services import compute, member_rule, study  # noqa: F401 - fixture

GZ = "Guangzhou Resident Office"
JJJ = "Beijing-Tianjin-Hebei Resident Office"


def name_in_english(unit, english: str) -> None:
    unit.name_en = english
    unit.save(update_fields=["name_en"])


def test_an_english_board_names_units_in_english_and_a_chinese_one_as_typed(client, board):  # noqa: F811
    publish(board)
    tree = board["tree"]
    name_in_english(tree["gz"], GZ)
    name_in_english(tree["gz1"], "First Party Branch")
    client.force_login(board["admin"])
    url = reverse("rankings:board", args=[board["rule"].slug])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # A's unit path below the rule's unit, and the parent unit in the group list.
    assert f"{GZ}/First Party Branch" in english and f"{GZ} (5)" in english
    # A unit without an English name reads as typed: 京津冀特派办/机关党支部 (F).
    assert "京津冀特派办/机关党支部" in english and "广州特派办/第一党支部" not in english
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "广州特派办/第一党支部" in chinese and GZ not in chinese


def test_english_names_leave_a_published_snapshot_and_its_hashes_as_they_were(board):  # noqa: F811
    publish(board)
    before = Snapshot.objects.get(pk=board["snapshot"].pk)
    rows_before = list(before.rows.order_by("subject_id").values_list("label", "unit_name", "group_name"))
    name_in_english(board["tree"]["gz"], GZ)
    name_in_english(board["tree"]["gz1"], "First Party Branch")
    after = Snapshot.objects.get(pk=before.pk)
    assert (after.rows_hash, after.input_hash) == (before.rows_hash, before.input_hash)
    assert list(after.rows.order_by("subject_id").values_list("label", "unit_name", "group_name")) == rows_before
    with translation.override("en"):
        check = services.snapshot_recompute(snapshot=after)
    assert check.ok and check.rows_hash == before.rows_hash


def test_a_unit_renamed_since_the_freeze_keeps_its_frozen_name_in_english_too(client, study):  # noqa: F811
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = member_rule(study)
    services.population_freeze(rule=rule)
    snapshot = compute(rule).snapshot
    services.snapshot_publish(snapshot=services.snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    tree = study["tree"]
    name_in_english(tree["gz"], GZ)
    # 第一党支部 becomes 第一支部, "First Branch": the ranking froze 第一党支部, which has no
    # English name, so English pages keep the name frozen rather than translate the new one.
    org_services.unit_update(unit=tree["gz1"], name="第一支部", name_en="First Branch", kind="branch")
    client.force_login(admin)
    page = client.get(reverse("rankings:board", args=[rule.slug]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{GZ}/第一党支部" in page and "First Branch" not in page


def test_the_english_export_and_big_screen_name_units_in_english(client, board):  # noqa: F811
    publish(board)
    name_in_english(board["tree"]["gz"], GZ)
    name_in_english(board["tree"]["jjj"], JJJ)
    name_in_english(board["tree"]["audit"], "National Audit Office")
    client.force_login(board["admin"])
    slug = board["rule"].slug
    export = client.get(reverse("rankings:export", args=[slug]), HTTP_ACCEPT_LANGUAGE="en")
    sheet = load_workbook(BytesIO(export.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert f"{JJJ}/机关党支部" in values and JJJ in values  # F's unit, and F's group
    assert not any("京津冀特派办" in value for value in values)
    screen = client.get(reverse("rankings:screen", args=[slug]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{GZ}/第一党支部" in screen and "National Audit Office" in screen and "审计署" not in screen
    chinese = client.get(reverse("rankings:screen", args=[slug]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "审计署" in chinese and "National Audit Office" not in chinese


def test_an_english_certificate_names_the_unit_in_english_and_sets_latin_text_in_an_embedded_latin_font(
    board,  # noqa: F811
    tmp_path,
):
    publish(board)
    name_in_english(board["tree"]["jjj"], JJJ)
    name_in_english(board["tree"]["jjj1"], "Office Party Branch")
    name_in_english(board["tree"]["audit"], "National Audit Office")
    row = board["snapshot"].rows.get(label="F")
    with translation.override("en"):
        pdf = certificate_pdf(row)
    words = " ".join(pdfs.text(pdf, tmp_path).split())
    # The unit named from itself up, as English addresses go; the issuer in English.
    assert f"This certifies that F (Office Party Branch, {JJJ}) placed 1st in “排名”" in words
    assert "National Audit Office" in words
    fonts = pdfs.fonts(pdf, tmp_path)
    assert all(font["emb"] == "yes" for font in fonts), fonts
    assert any("DejaVuSans" in font["name"] for font in fonts), fonts
    assert any("WenQuanYi" in font["name"] for font in fonts), fonts  # 排名, 一等奖


def test_members_of_a_ranked_unit_read_its_english_name_in_the_notice_in_english(study):  # noqa: F811
    from notifications.models import Notification

    name_in_english(study["tree"]["gz"], GZ)
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = factories.ranking_rule(
        study["tree"]["audit"], subject="unit", unit_level=2, metric="per_capita", sources=[{"kind": "points"}]
    )
    snapshot = compute(rule).snapshot
    services.snapshot_publish(snapshot=services.snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    notice = Notification.objects.get(recipient=study["people"]["a"], kind="results_published")
    with translation.override("en"):
        assert notice.body == f"The board is published; see where {GZ} stands on it."
    with translation.override("zh-hans"):
        assert notice.body == "排行榜已发布，去看看广州特派办的名次。"


def test_curly_quotes_take_the_latin_font_in_english_and_the_cjk_font_in_chinese():
    from rankings.exports import CertificateFonts

    fonts = CertificateFonts(cjk="CJK", latin="Latin")
    with translation.override("en"):
        assert fonts.runs("placed 1st in “排名”") == [("placed 1st in “", "Latin"), ("排名", "CJK"), ("”", "Latin")]
    with translation.override("zh-hans"):
        assert fonts.runs("在“排名”中排名第1") == [("在“排名”中排名第", "CJK"), ("1", "Latin")]


def test_leaderboard_api_rows_carry_the_english_names_the_english_board_shows(client, board):  # noqa: F811
    tree = board["tree"]
    services.population_freeze(rule=board["rule"])
    publish(board)
    RankingRule.objects.filter(pk=board["rule"].pk).update(
        prize_tiers=[{"name": "一等奖", "name_en": "First prize", "value": 1}, {"name": "二等奖", "value": 2}]
    )
    name_in_english(tree["gz"], GZ)
    name_in_english(tree["gz1"], "First Party Branch")
    # 第二党支部 became 第二支部 after the freeze: its rows keep the frozen name, with no English one.
    org_services.unit_update(unit=tree["gz2"], name="第二支部", name_en="Second Branch", kind="branch")
    client.force_login(board["admin"])
    body = client.get(f"/api/v1/rankings/{board['rule'].slug}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    rows = {row["label"]: row for row in body["results"]}
    fields = ("unit_name", "unit_name_en", "group_name", "group_name_en", "prize", "prize_en")
    # F 50, D 40, E 35, A 30, B 20, C 10: one first prize (F), two second prizes (D, E).
    assert [rows["F"][name] for name in fields] == ["机关党支部", "", "京津冀特派办", "", "一等奖", "First prize"]
    assert [rows["D"][name] for name in fields] == ["第二党支部", "", "广州特派办", GZ, "二等奖", ""]
    assert [rows["A"][name] for name in fields] == ["第一党支部", "First Party Branch", "广州特派办", GZ, "", ""]
    # The language of the request changes nothing: programs choose.
    english = client.get(f"/api/v1/rankings/{board['rule'].slug}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["results"] == body["results"]


def places_shown(page: str) -> list[str]:
    """The home's places as read: each board's title and the row's label (the links search the
    board by the name as typed, which is not shown)."""
    places = page[page.index('id="my-places"') :]
    return re.findall(r'<div class="(?:fw-semibold text-break|small qs-muted text-truncate)">([^<]*)</div>', places)


def unit_board(study):  # noqa: F811
    """A published board ranking 广州特派办 and 京津冀特派办 (points per head), named in English after."""
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = factories.ranking_rule(
        study["tree"]["audit"],
        title="积分排行",
        title_en="Points board",
        subject="unit",
        unit_level=2,
        metric="per_capita",
        sources=[{"kind": "points"}],
    )
    services.population_freeze(rule=rule)
    snapshot = compute(rule).snapshot
    services.snapshot_publish(snapshot=services.snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    name_in_english(study["tree"]["gz"], GZ)
    return rule


def test_a_members_place_on_a_unit_board_names_the_unit_in_english_on_the_english_home(client, study):  # noqa: F811
    unit_board(study)
    client.force_login(study["people"]["a"])  # in 广州特派办/第一党支部
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert places_shown(english) == ["Points board", GZ]
    chinese = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert places_shown(chinese) == ["积分排行", "广州特派办"]
    [place] = client.get("/api/v1/home/").json()["places"]
    assert (place["title"], place["title_en"], place["label"], place["label_en"]) == (
        "积分排行",
        "Points board",
        "广州特派办",
        GZ,
    )


def test_a_unit_renamed_since_the_freeze_keeps_its_frozen_name_on_the_english_home(client, study):  # noqa: F811
    unit_board(study)
    org_services.unit_update(unit=study["tree"]["gz"], name="广州办", name_en="Guangzhou Office", kind="office")
    client.force_login(study["people"]["a"])
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert places_shown(english) == ["Points board", "广州特派办"]
    assert client.get("/api/v1/home/").json()["places"][0]["label_en"] == ""
