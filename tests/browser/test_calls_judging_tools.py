# ruff: noqa: F811 (the essay_call fixture imported from tests.calls.conftest)
"""The organiser's judging tools in the browser: the similarity page with the shared passages side
by side and a decision, the panel statistics with Kendall's W and a flagged entry, and a
judge-only account that signs in with its printed password and lands on its assignments."""

from decimal import Decimal

import pytest
from django.conf import settings as django_settings

from calls import judges, services
from calls.models import SimilarityDecision
from calls.similarity import similarity_check
from tests import factories
from tests.browser.test_shell import sign_in
from tests.calls.conftest import essay_call  # noqa: F401 (the fixture)
from tests.calls.test_review_judging import finalists, scores
from tests.calls.test_similarity import essay
from tests.calls.test_statistics import W_EXAMPLE, _score_matrix

pytestmark = pytest.mark.browser

SHARED = (
    "党的二十大报告深刻阐述了新时代新征程中国共产党的使命任务，为我们做好审计工作指明了前进方向。"
    "我们要坚持以习近平新时代中国特色社会主义思想为指导，依法全面履行审计监督职责。"
)


def test_similarity_and_panel_statistics_pages(
    live_server, transactional_db, tree, essay_call, page_factory, screenshot
):
    base = live_server.url
    factories.organiser(tree["audit"], username="organ", real_name="署组织者", password=django_settings.DEMO_PASSWORD)
    own = "我们支部结合审计实践，把学习成果转化为推动工作的强大动力。"
    essay(essay_call, factories.member(tree["gz1"], real_name="李文"), [SHARED, own], "守正创新")
    essay(essay_call, factories.member(tree["gz2"], real_name="王芳"), ["作为一名审计干部，", SHARED], "踔厉奋发")
    similarity_check(call_id=essay_call.pk)

    organiser = page_factory()
    sign_in(organiser, base, "organ")
    organiser.goto(f"{base}/calls/manage/{essay_call.pk}/")
    organiser.click("#similarity-link")
    organiser.wait_for_selector("mark")
    screenshot(organiser, "calls-similarity-desktop")
    organiser.fill("input[name=note]", "同引一篇讲话，已核实")
    organiser.click("button[value=fine]")
    organiser.wait_for_selector("[id^=decision-]")
    assert SimilarityDecision.objects.get().verdict == "fine"

    # The statistics of a complete panel: 3 judges × 4 entries, W = 0.8133 (tests/calls/test_statistics.py).
    essay_call.levels.all().delete()
    essay_call.spread_threshold = Decimal("14.5")
    essay_call.save()
    panel = essay_call.panels.create(name="终评组")
    three = [factories.member(tree["jjj1"], real_name=f"评委{n}") for n in (1, 2, 3)]
    panel.judges.set(three)
    entries = sorted(finalists(essay_call, [tree["gz2"]], 4), key=lambda e: e.pk)
    services.assignment_run(call=essay_call, panel=panel, by=three[0], seed="shot")
    _score_matrix(essay_call, entries, W_EXAMPLE)
    organiser.goto(f"{base}/calls/manage/{essay_call.pk}/statistics/")
    assert organiser.inner_text(f"#agreement-{panel.pk}") == "0.813"
    assert organiser.locator(f"#flagged-{panel.pk} li").count() == 2
    screenshot(organiser, "calls-panel-statistics-desktop")
    phone = page_factory(phone=True)
    sign_in(phone, base, "organ")
    phone.goto(f"{base}/calls/manage/{essay_call.pk}/statistics/")
    screenshot(phone, "calls-panel-statistics-phone")


def test_a_judge_only_account_signs_in_changes_its_password_and_sees_only_its_entries(
    live_server, transactional_db, tree, essay_call, page_factory, screenshot
):
    base = live_server.url
    organiser = factories.organiser(tree["audit"], username="organ", password=django_settings.DEMO_PASSWORD)
    account, password = judges.judge_account_create(by=organiser, unit=tree["audit"], name="外聘专家")
    panel = essay_call.panels.create(name="评审组")
    panel.judges.set([account.user])
    essay_call.judges_per_entry = 1
    essay_call.save()
    finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=organiser, seed="j")

    judge = page_factory(phone=True)
    judge.goto(f"{base}/accounts/login/")
    judge.fill("#id_username", account.user.username)
    judge.fill("#id_password", password)
    judge.click("#login-submit")
    judge.wait_for_url("**/accounts/password/")
    judge.fill("#id_old_password", password)
    judge.fill("#id_new_password1", "Expert-own-2026")
    judge.fill("#id_new_password2", "Expert-own-2026")
    judge.click("form:has(#id_old_password) button[type=submit]")
    judge.goto(f"{base}/")
    judge.wait_for_selector("#assignment-list a")
    assert judge.locator("#tabbar").count() == 0
    screenshot(judge, "calls-judge-only-assignments-phone")
    judge.click("#assignment-list a")
    judge.fill(f"#criterion-{essay_call.criteria.first().pk}", "88")
    judge.fill(f"#criterion-{essay_call.criteria.last().pk}", "90")
    judge.click("#score-save")
    judge.wait_for_selector("#assignment-list")
    assert services.current_scores(essay_call.entries.get().assignments.get()) == scores(essay_call, 88, 90)
    response = judge.goto(f"{base}/calls/")
    assert response.status == 403
