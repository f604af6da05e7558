"""A call's optional English title, rules, prize and criterion names: typed on the call form, shown
to members, judges and organisers reading in English, in exports, and the text as typed otherwise."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from calls import services
from calls.live import presenters
from calls.models import Assignment, Call
from tests import factories
from tests.factories import client_in

from .night import speech_night
from .test_pages import edit_form
from .test_results import judged
from .test_review_judging import finalists


@pytest.fixture
def organiser(tree):
    return factories.organiser(tree["audit"], username="audit-organiser", real_name="署组织者")


def _form(call, tree, **fields) -> dict:
    return {
        **edit_form(call, tree),
        "rules": call.rules,
        "levels-TOTAL_FORMS": 0,
        "levels-INITIAL_FORMS": 0,
        "criteria-TOTAL_FORMS": 2,
        "criteria-INITIAL_FORMS": 0,
        "criteria-0-name": "内容",
        "criteria-0-weight": "60",
        "criteria-0-min_score": "0",
        "criteria-0-max_score": "100",
        "criteria-1-name": "文采",
        "criteria-1-weight": "40",
        "criteria-1-min_score": "0",
        "criteria-1-max_score": "100",
        "tiers-TOTAL_FORMS": 2,
        "tiers-INITIAL_FORMS": 0,
        "tiers-0-name": "一等奖",
        "tiers-0-name_en": "First prize",
        "tiers-0-value": 1,
        "tiers-1-name": "二等奖",
        "tiers-1-name_en": "",
        "tiers-1-value": 1,
        **fields,
    }


def test_an_organiser_types_the_english_title_rules_and_prize_names_on_the_call_form(essay_call, tree, organiser):
    url = reverse("calls:call_edit", args=[essay_call.pk])
    client = client_in("zh-hans", organiser)

    saved = client.post(url, _form(essay_call, tree, title_en="Essay call", rules_en="At most 3,000 characters."))

    assert saved.status_code == 302
    essay_call.refresh_from_db()
    assert (essay_call.title_en, essay_call.rules_en) == ("Essay call", "At most 3,000 characters.")
    assert list(essay_call.prize_tiers.values_list("name", "name_en")) == [("一等奖", "First prize"), ("二等奖", "")]
    page = client.get(url).text  # the form shows them again to change
    assert 'value="Essay call"' in page and 'name="tiers-0-name_en" value="First prize"' in page


def test_an_over_long_english_title_or_prize_name_is_refused_and_changes_nothing(essay_call, tree, organiser):
    url = reverse("calls:call_edit", args=[essay_call.pk])
    client = client_in("en", organiser)

    page = client.post(url, _form(essay_call, tree, title_en="E" * 121))
    assert page.status_code == 200
    assert "title_en" in page.context["form"].errors
    assert "Ensure this value has at most 120 characters (it has 121)." in page.text
    page = client.post(url, _form(essay_call, tree, title_en="Essay call", **{"tiers-0-name_en": "P" * 41}))
    assert page.status_code == 200
    assert "name_en" in page.context["tiers"].forms[0].errors
    assert "Ensure this value has at most 40 characters (it has 41)." in page.text

    essay_call.refresh_from_db()
    assert essay_call.title_en == ""
    assert list(essay_call.prize_tiers.values_list("name", "name_en")) == [("一等奖", ""), ("二等奖", "")]


def test_members_read_the_call_in_english_and_a_call_without_english_reads_as_typed(essay_call, tree):
    member = factories.member(tree["gz1"])
    detail = reverse("calls:detail", args=[essay_call.pk])
    listing = reverse("calls:list")
    english = client_in("en", member)
    for url in (detail, listing):
        page = english.get(url).text
        assert "学习二十大征文" in page  # nothing in English yet: as typed

    Call.objects.filter(pk=essay_call.pk).update(title_en="Essay call", rules_en="At most 3,000 characters.")
    for url in (detail, listing):
        page = english.get(url).text
        assert "Essay call" in page and "学习二十大征文" not in page
        chinese = client_in("zh-hans", member).get(url).text
        assert "学习二十大征文" in chinese and "Essay call" not in chinese
    assert "At most 3,000 characters." in english.get(detail).text
    assert "不超过3000字" in client_in("zh-hans", member).get(detail).text


@pytest.fixture
def published(essay_call, tree, panel, organiser):
    """A first prize with an English name (A, 90), a second without one (B, 83), published."""
    Call.objects.filter(pk=essay_call.pk).update(title_en="Essay call")
    essay_call.refresh_from_db()
    essay_call.prize_tiers.filter(position=0).update(name_en="First prize")
    a, b, c = judged(essay_call, tree, panel, organiser, [[(90, 90)] * 3, [(85, 80)] * 3, [(70, 70)] * 3])
    services.results_publish(call=essay_call, by=organiser)
    return {"call": essay_call, "a": a, "b": b}


def test_prizes_read_in_english_on_the_honour_list_and_entry_page_and_as_typed_without(published, organiser):
    call, a, b = published["call"], published["a"], published["b"]
    honours = reverse("calls:honours", args=[call.pk])
    english = client_in("en", organiser).get(honours).text
    assert "Essay call" in english and "First prize" in english and "一等奖" not in english
    assert "二等奖" in english  # no English name: as typed
    chinese = client_in("zh-hans", organiser).get(honours).text
    assert "一等奖" in chinese and "First prize" not in chinese and "Essay call" not in chinese

    author_page = client_in("en", a.author).get(reverse("calls:entry", args=[a.pk])).text
    assert "First prize" in author_page and "Essay call" in author_page
    assert "二等奖" in client_in("en", b.author).get(reverse("calls:entry", args=[b.pk])).text


def test_the_scores_export_and_judges_pages_name_the_call_and_prizes_in_english(published, organiser, panel):
    call = published["call"]
    book = load_workbook(
        BytesIO(client_in("en", organiser).get(reverse("calls:scores_export", args=[call.pk])).content)
    )
    assert book.worksheets[0]["A1"].value == "Essay call"
    prizes = [row[-1] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert prizes == ["First prize", "二等奖", None]
    chinese = load_workbook(
        BytesIO(client_in("zh-hans", organiser).get(reverse("calls:scores_export", args=[call.pk])).content)
    )
    assert chinese.worksheets[0]["A1"].value == "学习二十大征文"
    chinese_prizes = [row[-1] for row in chinese.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert chinese_prizes == ["一等奖", "二等奖", None]

    judge = panel.judges.filter(unit__isnull=False).first()
    judging = client_in("en", judge).get(reverse("calls:judging")).text
    assert "Essay call" in judging and "学习二十大征文" not in judging


def test_an_organiser_types_english_criterion_names_on_the_call_form(essay_call, tree, organiser):
    url = reverse("calls:call_edit", args=[essay_call.pk])
    client = client_in("zh-hans", organiser)

    saved = client.post(url, _form(essay_call, tree, **{"criteria-0-name_en": " Content "}))

    assert saved.status_code == 302
    assert list(essay_call.criteria.values_list("name", "name_en")) == [("内容", "Content"), ("文采", "")]
    page = client.get(url).text  # the form shows it again to change
    assert 'name="criteria-0-name_en" value="Content"' in page
    assert "英文评分标准名称" in page


def test_an_over_long_english_criterion_name_is_refused_and_changes_nothing(essay_call, tree, organiser):
    url = reverse("calls:call_edit", args=[essay_call.pk])

    page = client_in("en", organiser).post(url, _form(essay_call, tree, **{"criteria-0-name_en": "C" * 61}))

    assert page.status_code == 200
    assert "name_en" in page.context["criteria"].forms[0].errors
    assert "Ensure this value has at most 60 characters (it has 61)." in page.text
    assert list(essay_call.criteria.values_list("name_en", flat=True)) == ["", ""]


def test_judges_read_criteria_in_english_and_a_criterion_without_english_as_typed(essay_call, tree, panel, organiser):
    essay_call.criteria.filter(name="内容").update(name_en="Content")
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=essay_call, panel=panel, by=organiser, seed="x")
    assignment = Assignment.objects.filter(entry=entry).order_by("judge_id").first()
    url = reverse("calls:judging_entry", args=[assignment.pk])

    english = client_in("en", assignment.judge)
    page = english.get(url).text
    assert "Content" in page and "内容" not in page
    assert "文采" in page  # no English name: as typed
    chinese = client_in("zh-hans", assignment.judge).get(url).text
    assert "内容" in chinese and "Content" not in chinese

    # A box left empty is named the page's way.
    refused = english.post(url, {f"criterion-{c.pk}": "" for c in essay_call.criteria.all()}, follow=True)
    assert "Enter a number for Content, 文采." in refused.text  # commas on an English page
    assert "内容" not in refused.text


def test_the_scores_export_and_the_locked_rubric_name_criteria_in_english(published, organiser):
    call = published["call"]
    call.criteria.filter(name="内容").update(name_en="Content")
    export = reverse("calls:scores_export", args=[call.pk])
    english = load_workbook(BytesIO(client_in("en", organiser).get(export).content)).worksheets[0]
    header = [cell.value for cell in english[3]]
    assert "Content" in header and "文采" in header and "内容" not in header
    chinese = load_workbook(BytesIO(client_in("zh-hans", organiser).get(export).content)).worksheets[0]
    assert "内容" in [cell.value for cell in chinese[3]]

    # Scored: the form lists the rubric instead of its fields, in the page's language.
    form = client_in("en", organiser).get(reverse("calls:call_edit", args=[call.pk])).text
    locked = form[form.index('id="criteria-locked"') :]
    assert "Content (0–100" in locked and "文采 (0–100" in locked


def test_a_nights_frames_carry_each_criterions_english_name_or_its_name_as_typed(tree):
    night = speech_night(tree)
    night["call"].criteria.filter(name="内容").update(name_en="Content")

    frame = presenters.build(night["night"], seq=1, event="snapshot")

    assert [(c["name"], c["name_en"]) for c in frame["criteria"]] == [("内容", "Content"), ("表达", "表达")]


def test_the_judge_accounts_way_back_names_the_call_in_english(essay_call, organiser):
    Call.objects.filter(pk=essay_call.pk).update(title_en="Essay call")
    url = f"{reverse('calls:judge_accounts')}?call={essay_call.pk}"

    english = client_in("en", organiser).get(url).text
    chinese = client_in("zh-hans", organiser).get(url).text

    assert "Back to Essay call" in english and "学习二十大征文" not in english
    assert "返回“学习二十大征文”" in chinese
