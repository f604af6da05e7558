# ruff: noqa: F811 (the essay_call, owner and panel fixtures imported from tests.calls.conftest)
"""An organiser clears a judge's scores of an entry on the call's page, on a phone and a desktop,
in both languages: a refusal (no other judge of the panel is free) says why in the form and keeps
what was typed; cleared, the judge's total leaves the results and the log says who did it."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from calls.models import ScoreClearing
from tests.calls.conftest import essay_call, owner, panel  # noqa: F401 (the fixtures)
from tests.calls.test_scores_clear import judged

pytestmark = pytest.mark.browser

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}

TEXTS = {
    "zh-hans": {
        "none_free": "评审组没有其他评委可以接手“征文0”，评分未清除。",
        "cleared": "对“征文0”的评分已清除，请该评委重新评分。",
        "log": "清除了评委对作品的评分",
    },
    "en": {
        "none_free": "No other judge of panel 评审组 is free to take “征文0”; the scores were not cleared.",
        "cleared": "gave “征文0” are cleared; they score it again.",
        "log": "Cleared a judge's scores of an entry",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("phone", [True, False])
def test_an_organiser_clears_a_judges_scores_on_the_calls_page(
    asgi_server, tree, essay_call, owner, panel, signed_in_page, language, phone
):
    texts = TEXTS[language]
    entry, first, second, third = judged(essay_call, tree, panel, owner)
    # Only the three holding the entry stay on the panel: none is free to take it over.
    panel.judges.remove(*panel.judges.exclude(pk__in=[first.judge_id, second.judge_id, third.judge_id]))
    page = signed_in_page(owner, phone=phone, viewport=PHONE if phone else DESKTOP)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{asgi_server}/calls/manage/{essay_call.pk}/")
    form = page.locator("#results-table .scores-clear")
    form.locator("summary").click()
    form.locator("select[name=assignment]").select_option(str(third.pk))
    form.locator("input[name=reason]").fill("评分录反了")
    form.locator("input[name=reassign]").check()
    form.locator("button").click()

    form = page.locator("#results-table .scores-clear")
    expect(form.locator("[role=alert]")).to_have_text(texts["none_free"])
    expect(form.locator("input[name=reason]")).to_have_value("评分录反了")
    expect(form.locator("input[name=reassign]")).to_be_checked()
    expect(form.locator("select[name=assignment]")).to_have_value(str(third.pk))
    shot = f"/tmp/shots/live/calls-clear-refused-{language}-{'phone' if phone else 'desktop'}.png"
    form.scroll_into_view_if_needed()
    page.screenshot(path=shot, full_page=True)
    assert not ScoreClearing.objects.exists()

    form.locator("input[name=reassign]").uncheck()
    form.locator("button").click()
    expect(page.locator(".alert-success")).to_contain_text(texts["cleared"])
    expect(page.locator("#results-table .missing-scores")).to_be_visible()
    expect(page.locator("body")).to_contain_text(texts["log"])
    page.screenshot(
        path=f"/tmp/shots/live/calls-clear-done-{language}-{'phone' if phone else 'desktop'}.png", full_page=True
    )
    assert ScoreClearing.objects.get().judge == third.judge


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("phone", [True, False])
def test_the_judge_whose_scores_were_cleared_is_told_why_and_scores_again(
    asgi_server, tree, essay_call, owner, panel, signed_in_page, language, phone
):
    from calls import judges

    entry, first, second, third = judged(essay_call, tree, panel, owner)
    judges.scores_clear(assignment=third, by=owner, reason="评分录反了")
    page = signed_in_page(third.judge, phone=phone, viewport=PHONE if phone else DESKTOP)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
    page.goto(f"{asgi_server}/calls/judging/{third.pk}/")
    said = {"zh-hans": "征集活动的组织者清除了您对这件作品的评分", "en": "The call's organiser cleared your scores"}
    expect(page.locator("#scores-cleared")).to_contain_text(said[language])
    expect(page.locator("#scores-cleared")).to_contain_text("评分录反了")
    expect(page.locator("#score-form input[type=number]").first).to_have_value("")
    page.locator("#scores-cleared").scroll_into_view_if_needed()
    page.screenshot(path=f"/tmp/shots/live/calls-judge-cleared-{language}-{'phone' if phone else 'desktop'}.png")
