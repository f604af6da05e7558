"""Prizes and scoring settings are fixed with the scores: once locked (and for good once
published) the call form shows them without boxes, with the reason, and the server refuses a
change; after judging is unlocked (a reason in the log) a change is made and logged."""

from decimal import Decimal

import pytest
from django.urls import reverse

from calls import selectors, services
from calls.models import AuditEvent
from calls.services import CallRejected

from .conftest import signed_in
from .test_pages import edit_form
from .test_results import judged

PUBLISHED = "结果已公布，奖项和计分方式不能再修改。"
LOCKED = "评分已锁定，奖项和计分方式不能修改：请先在征集页面解锁评审（需填写原因，记入操作记录）。"


@pytest.fixture
def tied(essay_call, tree, panel, owner):
    """甲 and 乙 score 80,80 from three judges: 0.6 × 80 + 0.4 × 80 = 80.00 each; 丙 70,75:
    0.6 × 70 + 0.4 × 75 = 42 + 30 = 72.00. One prize by count, 一等奖 for 1 place, ties at the
    boundary sharing it: 甲 and 乙 tie first with 一等奖, 丙 third with none. Locked."""
    essay_call.prize_tiers.filter(position=1).delete()
    entries = judged(essay_call, tree, panel, owner, [[(80, 80)] * 3, [(80, 80)] * 3, [(70, 75)] * 3])
    return entries


def prizes(call):
    call.refresh_from_db()
    return [(row.entry.title, row.final, row.rank, row.prize) for row in selectors.results(call)]


AS_JUDGED = [
    ("征文0", Decimal("80.00"), 1, "一等奖"),
    ("征文1", Decimal("80.00"), 1, "一等奖"),
    ("征文2", Decimal("72.00"), 3, ""),
]


def posted(call, tree, **fields):
    """The call form as posted, with prize tiers: the levels and the rubric are locked by now."""
    return {
        **edit_form(call, tree),
        "tiers-TOTAL_FORMS": 1,
        "tiers-INITIAL_FORMS": 0,
        "tiers-0-name": "一等奖",
        "tiers-0-value": "1",
        **fields,
    }


def test_published_prizes_cannot_be_changed_on_the_call_form(client, essay_call, tree, tied, owner):
    services.results_publish(call=essay_call, by=owner)
    assert prizes(essay_call) == AS_JUDGED
    signed_in(client, owner)
    url = reverse("calls:call_edit", args=[essay_call.pk])

    page = client.get(url).text
    assert 'id="tiers-locked"' in page and 'name="tiers-0-name"' not in page
    assert PUBLISHED in page
    assert (
        '<select name="prize_mode"' in page and "disabled" in page.split('<select name="prize_mode"')[1].split(">")[0]
    )

    # The tester's edit: by percentage, 60 then 50 (丙 would have got 二等奖).
    by_percent = posted(
        essay_call,
        tree,
        prize_mode="percent",
        **{"tiers-TOTAL_FORMS": 2, "tiers-0-value": "60", "tiers-1-name": "二等奖", "tiers-1-value": "50"},
    )
    refused = client.post(url, by_percent)
    assert refused.status_code == 200 and PUBLISHED in refused.text
    # Another: the tiers alone (特等奖 for 1 place would take 一等奖 from 甲 and 乙).
    tiers_only = posted(essay_call, tree, **{"tiers-0-name": "特等奖"})
    assert PUBLISHED in client.post(url, tiers_only).text
    # A scoring setting alone: normalising per judge, and dropping extremes from 3 scores.
    assert PUBLISHED in client.post(url, posted(essay_call, tree, normalise_per_judge="on")).text
    assert PUBLISHED in client.post(url, posted(essay_call, tree, drop_extremes_from=3)).text

    essay_call.refresh_from_db()
    assert (essay_call.prize_mode, essay_call.drop_extremes_from, essay_call.normalise_per_judge) == ("count", 5, False)
    assert list(essay_call.prize_tiers.values_list("name", "value")) == [("一等奖", Decimal("1.00"))]
    assert prizes(essay_call) == AS_JUDGED
    honours = client.get(reverse("calls:honours", args=[essay_call.pk])).text
    jia, yi, bing = tied
    assert "一等奖" in honours and "二等奖" not in honours and "特等奖" not in honours
    assert f'id="honour-{jia.pk}"' in honours and f'id="honour-{yi.pk}"' in honours
    assert f'id="honour-{bing.pk}"' not in honours
    assert not AuditEvent.objects.filter(call=essay_call, action=AuditEvent.Action.RESULT_SETTINGS).exists()

    # The page as it is sent (the locked settings are not posted) still saves the rest.
    as_sent = {key: value for key, value in posted(essay_call, tree).items() if not key.startswith("tiers-")}
    for name in services.RESULT_SETTINGS:
        as_sent.pop(name, None)
    assert client.post(url, as_sent | {"title": "改过的标题"}).status_code == 302
    essay_call.refresh_from_db()
    assert essay_call.title == "改过的标题" and prizes(essay_call) == AS_JUDGED


def test_the_service_refuses_other_tiers_once_scores_are_locked(essay_call, tied):
    with pytest.raises(CallRejected) as refused:
        services.call_settings_save(
            call=essay_call, levels=[], criteria=[], tiers=[("一等奖", Decimal(60)), ("二等奖", Decimal(50))]
        )
    assert (refused.value.code, refused.value.message) == ("results_locked", LOCKED)
    # The same tiers again are no change.
    services.call_settings_save(call=essay_call, levels=[], criteria=[], tiers=[("一等奖", Decimal(1))])
    assert prizes(essay_call) == AS_JUDGED


def test_after_unlocking_with_a_reason_a_prize_change_is_made_and_logged(client, essay_call, tree, tied, owner):
    """Score bands: 一等奖 from 80, 二等奖 from 70: 甲 and 乙 (80.00) first, 丙 (72.00) second."""
    signed_in(client, owner)
    url = reverse("calls:call_edit", args=[essay_call.pk])
    bands = posted(
        essay_call,
        tree,
        prize_mode="band",
        **{"tiers-TOTAL_FORMS": 2, "tiers-0-value": "80", "tiers-1-name": "二等奖", "tiers-1-value": "70"},
    )
    assert LOCKED in client.post(url, bands).text
    assert prizes(essay_call) == AS_JUDGED

    services.scores_unlock(call=essay_call, by=owner, reason="并列第一，改按分数段评奖")
    assert client.post(url, bands).status_code == 302
    services.scores_lock(call=essay_call, by=owner, close_now=True)

    assert prizes(essay_call) == [
        ("征文0", Decimal("80.00"), 1, "一等奖"),
        ("征文1", Decimal("80.00"), 1, "一等奖"),
        ("征文2", Decimal("72.00"), 3, "二等奖"),
    ]
    (event,) = AuditEvent.objects.filter(call=essay_call, action=AuditEvent.Action.RESULT_SETTINGS)
    assert event.detail_params == {"settings": ["prize_mode", "prize_tiers"]}
    log = client.get(reverse("calls:manage", args=[essay_call.pk])).text
    assert "并列第一，改按分数段评奖" in log  # the unlock's reason
    assert "评审后修改了奖项或计分方式" in log and "已修改：奖项、奖项等级" in log
