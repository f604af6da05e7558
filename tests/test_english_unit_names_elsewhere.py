"""Units' English names on English pages beyond the boards: the rule builder's tree levels, the
study-hours rule of an organ, and refusals that name a unit. Chinese pages keep the names typed."""

import re

from django.urls import reverse

from lessons.models import Series
from tests import factories
from tests.factories import client_in
from tests.rankings.test_services import member_rule, study  # noqa: F401 - fixture

GZ = "Guangzhou Resident Office"
AUDIT = "National Audit Office"


def name_in_english(unit, english: str) -> None:
    unit.name_en = english
    unit.save(update_fields=["name_en"])


def test_the_rule_builder_lists_the_tree_levels_in_english_on_an_english_page(study):  # noqa: F811
    name_in_english(study["tree"]["audit"], AUDIT)
    name_in_english(study["tree"]["gz"], GZ)
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    page = client_in("en", admin).get(reverse("rankings:rule_new")).content.decode()
    assert re.findall(r"<li>(Level \d: [^<]*)</li>", page) == [
        f"Level 1: {AUDIT}",
        f"Level 2: {GZ}, 京津冀特派办",  # 京津冀特派办 has no English name
        "Level 3: 第一党支部, 第二党支部, 机关党支部",
    ]


def test_an_organs_study_hours_rule_is_named_in_english_on_an_english_page(tree, gz_organiser):
    name_in_english(tree["audit"], AUDIT)
    url = f"/lessons/hours/rules/{tree['audit'].pk}/"
    page = client_in("en", gz_organiser).get(url).content.decode()
    assert f"<title>Study-hours rule · {AUDIT}" in page
    assert f"Only an administrator of {AUDIT} changes its study-hours rule" in page and "审计署" not in page
    chinese = client_in("zh-hans", gz_organiser).get(url).content.decode()
    assert "审计署" in chinese and AUDIT not in chinese


def test_a_refusal_names_the_unit_in_english_on_an_english_page(study):  # noqa: F811
    name_in_english(study["tree"]["audit"], AUDIT)
    rule = member_rule(study)
    organiser = factories.organiser(study["tree"]["audit"], username="organiser")
    page = client_in("en", organiser).get(reverse("rankings:manage", args=[rule.slug]))
    assert page.status_code == 403
    assert f"Only administrators of {AUDIT} can manage this ranking." in page.content.decode()


def test_a_series_and_a_lessons_xlsx_name_their_units_in_english_from_an_english_page(tree, gz_organiser):
    """The sheet of units named each one as typed (广州特派办) beside a members' sheet in English."""
    from io import BytesIO

    from openpyxl import load_workbook

    from tests.lessons.test_series_progress import ready, videos_lesson

    name_in_english(tree["gz"], GZ)
    name_in_english(tree["gz1"], "First Party Branch")
    series = Series.objects.create(slug="hall", title="廉政讲堂", unit=tree["gz"])
    lesson = ready(videos_lesson("必修课", tree["gz"], series, required=True))
    factories.member(tree["gz1"], username="jia", real_name="甲")
    for url in (f"/lessons/series/{series.pk}/progress.xlsx", f"/lessons/{lesson.pk}/report.xlsx"):
        for language, office, branch in (("en", GZ, "First Party Branch"), ("zh-hans", "广州特派办", "第一党支部")):
            export = client_in(language, gz_organiser).get(url)
            book = load_workbook(BytesIO(b"".join(export.streaming_content) if export.streaming else export.content))
            units = [row[0] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)]
            assert units[:2] == [office, branch], (url, language, units)
