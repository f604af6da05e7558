"""A judge's scores of an entry set aside before the results are final: a judge changes their own
until the lock (as before); an organiser of the call clears a judge's scores of one entry, with a
reason, for the same judge to score again or for another judge of the panel, the scores kept on
record and the clearing in the log. Totals and finals are worked out by hand in the comments."""

from decimal import Decimal

import pytest
from django.urls import reverse

from calls import judges, selectors, services
from calls.models import Assignment, AuditEvent, ScoreClearing, ScoreEvent
from calls.services import CallRejected

from .conftest import signed_in
from .test_review_judging import finalists, scores


def score(assignment, content, style):
    call = assignment.entry.call
    services.score_record(assignment=assignment, by=assignment.judge, values=scores(call, content, style))


def judged(essay_call, tree, panel, owner):
    """One entry (from 广州's second branch) held by three of the panel's four judges, who score
    80,70 -> 0.6 × 80 + 0.4 × 70 = 76; 90,80 -> 86; 70,60 -> 66. The fourth is free to take it."""
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="c")
    first, second, third = Assignment.objects.filter(entry=entry).order_by("judge_id")
    score(first, 80, 70)
    score(second, 90, 80)
    score(third, 70, 60)
    return entry, first, second, third


def totals(call):
    (row,) = selectors.results(call)
    return sorted(row.judge_totals), row.final, row.missing


def test_an_organiser_clears_a_judges_scores_and_the_judge_scores_the_entry_again(
    client, essay_call, tree, panel, owner
):
    entry, first, second, third = judged(essay_call, tree, panel, owner)
    # (76 + 86 + 66) / 3 = 76.00 (fewer than 5 scores: none dropped)
    assert totals(essay_call) == ([Decimal(66), Decimal(76), Decimal(86)], Decimal("76.00"), 0)
    cleared = judges.scores_clear(assignment=third, by=owner, reason="评分录反了，请重评")
    # Third's 66 no longer counts: one score missing, no final.
    assert totals(essay_call) == ([Decimal(76), Decimal(86)], None, 1)
    content, style = essay_call.criteria.values_list("pk", flat=True)
    assert (cleared.judge, cleared.by, cleared.reassigned_to) == (third.judge, owner, None)
    assert cleared.values == {str(content): "70.00", str(style): "60.00"}
    # Kept on record: 2 + 2 + 2 events given, 6 in the log, 4 counting.
    assert (ScoreEvent.every.count(), ScoreEvent.objects.count()) == (6, 4)
    event = essay_call.audit_events.get(action=AuditEvent.Action.SCORES_CLEARED)
    said = f"{third.judge.display_name} × 征文0: 评分录反了，请重评"
    assert (event.by, event.entry, event.detail) == (owner, entry, said)

    # The judge's page is empty again and says why; they score 50,40 -> 30 + 16 = 46.
    page = signed_in(client, third.judge).get(reverse("calls:judging_entry", args=[third.pk])).text
    assert 'id="scores-cleared"' in page and "评分录反了，请重评" in page
    assert 'value="70"' not in page
    score(third, 50, 40)
    assert 'id="scores-cleared"' not in client.get(reverse("calls:judging_entry", args=[third.pk])).text
    # (76 + 86 + 46) / 3 = 208 / 3 = 69.33
    assert totals(essay_call) == ([Decimal(46), Decimal(76), Decimal(86)], Decimal("69.33"), 0)
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    services.results_publish(call=essay_call, by=owner)
    with pytest.raises(CallRejected) as refused:
        judges.scores_clear(assignment=third, by=owner, reason="再改")
    assert refused.value.code == "published"


def test_cleared_and_given_to_the_panels_free_judge_who_scores_it_instead(client, essay_call, tree, panel, owner):
    entry, first, second, third = judged(essay_call, tree, panel, owner)
    (free,) = panel.judges.exclude(pk__in=[first.judge_id, second.judge_id, third.judge_id])
    old_judge = second.judge
    signed_in(client, owner, "en")
    response = client.post(
        reverse("calls:scores_clear", args=[essay_call.pk, entry.pk]),
        {"assignment": second.pk, "reason": "Scored for the wrong panel", "reassign": "1"},
        follow=True,
    )
    assert f"The scores {old_judge.display_name} gave “征文0” are cleared; {free.display_name} scores it now." in (
        response.text
    )
    second.refresh_from_db()
    assert second.judge == free
    assert signed_in(client, old_judge).get(reverse("calls:judging_entry", args=[second.pk])).status_code == 404
    # The 86 is set aside: 76 and 66 count; the new judge scores 60,50 -> 36 + 20 = 56.
    assert totals(essay_call) == ([Decimal(66), Decimal(76)], None, 1)
    score(second, 60, 50)
    # (76 + 56 + 66) / 3 = 198 / 3 = 66.00
    assert totals(essay_call) == ([Decimal(56), Decimal(66), Decimal(76)], Decimal("66.00"), 0)
    cleared = ScoreClearing.objects.get()
    assert (cleared.judge, cleared.reassigned_to) == (old_judge, free)
    assert ScoreEvent.every.filter(assignment=second, by=old_judge).count() == 2  # still on record


def test_a_refused_clearing_says_why_and_keeps_what_was_typed(client, essay_call, tree, panel, owner, gz_organiser):
    entry, first, second, third = judged(essay_call, tree, panel, owner)
    panel.judges.remove(*panel.judges.exclude(pk__in=[first.judge_id, second.judge_id, third.judge_id]))
    url = reverse("calls:scores_clear", args=[essay_call.pk, entry.pk])
    manage = reverse("calls:manage", args=[essay_call.pk])
    assert "清除评委的评分" in signed_in(client, owner).get(manage).text
    response = signed_in(client, owner, "en").post(
        url, {"assignment": first.pk, "reason": "Wrong entry", "reassign": "1"}
    )
    assert response.status_code == 200
    assert "No other judge of panel 评审组 is free to take “征文0”; the scores were not cleared." in response.text
    assert 'value="Wrong entry"' in response.text and "checked" in response.text
    assert client.post(url, {"assignment": first.pk, "reason": " "}).status_code == 200
    assert not ScoreClearing.objects.exists() and ScoreEvent.objects.count() == 6
    for user, status in [(gz_organiser, 403), (first.judge, 403)]:
        assert signed_in(client, user).post(url, {"assignment": first.pk, "reason": "试试"}).status_code == status
    with pytest.raises(CallRejected) as refused:
        judges.scores_clear(assignment=first, by=gz_organiser, reason="试试")
    assert refused.value.code == "not_allowed"
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    assert "清除评委的评分" not in signed_in(client, owner).get(manage).text
    with pytest.raises(CallRejected) as refused:
        judges.scores_clear(assignment=first, by=owner, reason="锁定后")
    assert refused.value.code == "locked"
    assert not ScoreClearing.objects.exists()
