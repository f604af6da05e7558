# ruff: noqa: F811 (the essay_call and owner fixtures imported from tests.calls.conftest)
"""A call locked while an entry had no judge free of conflicts, walked in the browser: the call's
page names the entry and the panel whose judges all have a conflict with it, the organiser
unlocks judging (it asks first, and takes a reason), gives the entry to another panel, and the
notice is gone."""

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from calls.models import Assignment, Call
from tests.calls.conftest import essay_call, owner  # noqa: F401 (the fixtures)
from tests.calls.test_unlock_and_no_free_judge import strand

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("phone", [False, True])
def test_an_organiser_unlocks_judging_and_gives_an_entry_no_judge_could_score_to_another_panel(
    asgi_server, tree, essay_call, owner, signed_in_page, phone
):
    jia, _yi, _first, second = strand(essay_call, tree, owner, second_panel=True)
    # Locked before the lock checked that every entry had judges.
    Call.objects.filter(pk=essay_call.pk).update(scores_locked_at=timezone.now())
    page = signed_in_page(owner, phone=phone)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": asgi_server}])
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.goto(f"{asgi_server}/calls/manage/{essay_call.pk}/")

    notice = page.locator("#no-free-judge")
    expect(notice).to_contain_text("“甲”无评委可评：第一评审组的每位评委都与其存在利益冲突")
    expect(notice).to_contain_text("请先解锁评审，再为其安排评委。")
    page.click("#unlock-judging summary")
    page.fill("#unlock-judging input[name=reason]", "甲没有评委")
    page.click("#unlock-button")
    expect(page.locator(".alert-success")).to_contain_text("评审已解锁")
    expect(page.locator("#lock-button")).to_be_visible()
    assert asked[0].startswith("现在解锁评审吗？")

    page.locator(f"#no-free-judge-{jia.pk} .elsewhere-form button").click()
    expect(page.locator(".alert-success")).to_contain_text("已完成 1 项分配")
    expect(page.locator("#no-free-judge")).to_have_count(0)
    assert asked[1] == "现在将“甲”分配给第二评审组吗？"
    (given,) = Assignment.objects.filter(entry=jia)
    assert (given.judge.real_name, given.panel) == ("广州评委", second)
