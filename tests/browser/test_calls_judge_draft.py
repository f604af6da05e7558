# ruff: noqa: F811 (the essay_call fixture imported from tests.calls.conftest)
"""Judging on a phone: a judge saves a draft with one criterion scored, comes back from the list
(which says what is left), finishes and submits, and a blind entry's page names neither author nor
unit; the organiser's results table keeps entry titles readable."""

import pytest
from django.conf import settings as django_settings

from calls import services
from calls.models import Assignment
from tests import factories
from tests.browser.test_shell import sign_in
from tests.calls.conftest import essay_call  # noqa: F401 (the fixture)
from tests.calls.test_review_judging import finalists, scores

pytestmark = pytest.mark.browser


def test_a_judge_saves_a_draft_comes_back_and_submits(
    live_server, transactional_db, tree, essay_call, page_factory, screenshot
):
    base = live_server.url
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    judge_user = factories.member(
        tree["jjj1"], username="judge", real_name="评委甲", password=django_settings.DEMO_PASSWORD
    )
    panel = essay_call.panels.create(name="评审组")
    panel.judges.set([judge_user])
    services.assignment_run(call=essay_call, panel=panel, by=judge_user, seed="draft")
    assignment = Assignment.objects.get()
    content, style = essay_call.criteria.all()

    judge = page_factory(phone=True)
    sign_in(judge, base, "judge")
    judge.goto(f"{base}/calls/judging/")
    assert "共 1 件，还有 1 件待评分" in judge.inner_text("#assignment-list")
    judge.click("#assignment-list a")
    page_text = judge.content()
    assert entry.author.real_name not in page_text and entry.unit.name not in page_text
    judge.fill(f"#criterion-{content.pk}", "88")
    judge.click("#score-draft")
    judge.wait_for_selector(".alert-success")
    assert "草稿已保存" in judge.inner_text(".alert-success")
    assert services.current_scores(assignment) == {content.pk: 88}
    screenshot(judge, "calls-judge-draft-phone")

    judge.goto(f"{base}/calls/judging/")
    assert "草稿" in judge.inner_text("#assignment-list") and "还有 1 件待评分" in judge.inner_text("#assignment-list")
    judge.click("#assignment-list a")
    assert judge.input_value(f"#criterion-{content.pk}") == "88"
    judge.fill(f"#criterion-{style.pk}", "90")
    judge.click("#score-save")
    judge.wait_for_selector(".judging-left")
    assert "1 件均已评分" in judge.inner_text("#assignment-list")
    assert services.current_scores(assignment) == scores(essay_call, 88, 90)


def test_the_results_table_on_a_phone_keeps_entry_titles_readable(
    live_server, transactional_db, tree, essay_call, page_factory, screenshot
):
    # The entry column was squeezed to a character or two a line beside the totals and prizes.
    base = live_server.url
    factories.organiser(tree["audit"], username="organ", password=django_settings.DEMO_PASSWORD)
    entries = finalists(essay_call, [tree["gz2"]], 2)
    judge_user = factories.member(tree["jjj1"], real_name="评委甲")
    panel = essay_call.panels.create(name="评审组")
    panel.judges.set([judge_user])
    services.assignment_run(call=essay_call, panel=panel, by=judge_user, seed="phone")
    for assignment, value in zip(Assignment.objects.order_by("entry_id"), (80, 90), strict=True):
        services.score_record(assignment=assignment, by=judge_user, values=scores(essay_call, value, value))
    organiser = page_factory(phone=True)
    sign_in(organiser, base, "organ")
    organiser.goto(f"{base}/calls/manage/{essay_call.pk}/")
    cell = organiser.locator("#results-table td", has_text=entries[0].title).first
    assert cell.bounding_box()["width"] >= 150
    screenshot(organiser, "calls-results-phone")
