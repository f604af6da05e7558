"""A call published while still open (before publishing waited for the closing) reads as finished
everywhere, and an entry reopened for its author holds the lock and the publishing until the
reopening ends."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import services
from calls.models import Call, Reopening
from calls.services import CallRejected
from tests import factories
from tests.api.test_home_notifications_api import api

from .conftest import signed_in, submitted_essay
from .test_call_closing import scored


def shown(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def test_a_call_published_while_open_reads_as_closed_at_its_publishing_everywhere(client, essay_call, tree):
    """Built as such a call stands in the database: opened ten days ago, to close in ten days,
    its results published two days ago."""
    now = timezone.now()
    published = now - timedelta(days=2)
    Call.objects.filter(pk=essay_call.pk).update(
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=10),
        scores_locked_at=published,
        results_published_at=published,
    )
    essay_call.refresh_from_db()
    assert essay_call.ends_at == published
    member = factories.member(tree["gz2"])
    signed_in(client, member)

    # The call list: among the other calls, closed when it was published, neither open nor "opens".
    listed = client.get(reverse("calls:list")).text
    open_part, other_part = listed.split('id="other-calls"')
    assert essay_call.title not in open_part
    assert f"已截止（{shown(published)}）" in other_part
    assert f"{shown(essay_call.opens_at)} 开始" not in other_part
    # Its page: the window ends at the publishing, submissions closed (not "open on ...").
    detail = client.get(reverse("calls:detail", args=[essay_call.pk])).text
    assert f"{shown(essay_call.opens_at)} – {shown(published)}" in detail
    assert shown(essay_call.closes_at) not in detail
    assert "提交已截止。" in detail and 'id="call-opens"' not in detail and 'id="entry-form"' not in detail
    # The home page and the API do not offer it.
    assert 'id="home-calls"' not in client.get("/").text
    assert api(member).get("/api/v1/calls/").json()["count"] == 0
    # The organiser's pages give the same window.
    organiser = signed_in(client, factories.organiser(tree["audit"]))
    for name, args in (("calls:manage_list", []), ("calls:manage", [essay_call.pk])):
        page = organiser.get(reverse(name, args=args)).text
        assert shown(published) in page and shown(essay_call.closes_at) not in page, name


def test_a_call_closing_before_its_publishing_keeps_its_closing_time(essay_call):
    closes = timezone.now() - timedelta(days=3)
    Call.objects.filter(pk=essay_call.pk).update(
        opens_at=closes - timedelta(days=7),
        closes_at=closes,
        scores_locked_at=closes + timedelta(days=1),
        results_published_at=closes + timedelta(days=2),
    )
    essay_call.refresh_from_db()
    assert essay_call.ends_at == closes


def reopened_draft(call, tree, owner, hours=2):
    """A draft begun while the call was open; the call then closes and the draft is reopened for
    `hours` hours."""
    draft = services.entry_create(call=call, author=factories.member(tree["gz1"]), title="补交的征文")
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(minutes=5))
    call.refresh_from_db()
    until = timezone.now() + timedelta(hours=hours)
    return services.entry_reopen(entry=draft, by=owner, until=until, reason="出差补交")


def test_scores_are_not_locked_while_an_entry_is_reopened(client, essay_call, tree, panel, owner):
    """Reopened too, later still: an entry in judging and a withdrawn one, which cannot change
    whatever their reopening says and hold nothing."""
    (finalist,) = scored(essay_call, tree, panel, owner)
    withdrawn = services.entry_create(call=essay_call, author=factories.member(tree["gz2"]), title="撤回的征文")
    services.entry_withdraw(entry=withdrawn, by=withdrawn.author)
    reopening = reopened_draft(essay_call, tree, owner)
    until = shown(reopening.until)
    for entry in (finalist, withdrawn):
        services.entry_reopen(entry=entry, by=owner, until=timezone.now() + timedelta(hours=5), reason="误操作")

    for close_now in (False, True):
        with pytest.raises(CallRejected) as refused:
            services.scores_lock(call=essay_call, by=owner, close_now=close_now)
        assert refused.value.code == "reopened"
        assert "补交的征文" in refused.value.message and until in refused.value.message
    essay_call.refresh_from_db()
    assert essay_call.scores_locked_at is None

    # The page says when the reopening ends instead of offering the lock.
    page = signed_in(client, owner).get(reverse("calls:manage", args=[essay_call.pk])).text
    assert 'id="lock-button"' not in page and 'id="publish-button"' not in page
    assert f"“补交的征文”已为作者重新开放至 {until}：待重新开放结束后，方可锁定评分并公布结果。" in page
    english = signed_in(client, owner, "en").get(reverse("calls:manage", args=[essay_call.pk])).text
    assert "“补交的征文” is reopened for its author until" in english
    # Posted all the same, it is refused with the same words.
    signed_in(client, owner)
    answer = client.post(reverse("calls:judging_action", args=[essay_call.pk, "lock"]), follow=True).text
    assert f"已为作者重新开放至 {until}" in answer
    essay_call.refresh_from_db()
    assert essay_call.scores_locked_at is None

    # Once the draft's reopening has ended, the lock is offered and taken.
    Reopening.objects.filter(pk=reopening.pk).update(until=timezone.now() - timedelta(seconds=1))
    page = client.get(reverse("calls:manage", args=[essay_call.pk])).text
    assert 'id="lock-button"' in page and 'id="reopened-until"' not in page
    assert services.scores_lock(call=essay_call, by=owner).scores_locked_at is not None


def test_no_entry_is_reopened_once_the_scores_are_locked_until_judging_is_unlocked(
    client, essay_call, tree, panel, owner
):
    """What the author would change could not be judged: the scores are final while locked. The
    form is not offered, a posted one is refused, and unlocking (with a reason) allows it again."""
    draft = submitted_essay(essay_call, factories.member(tree["gz1"]), title="补交的征文")
    services.entry_return(entry=draft, by=owner, reason="请补充材料")
    scored(essay_call, tree, panel, owner)
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    until = timezone.now() + timedelta(hours=1)
    with pytest.raises(CallRejected) as refused:
        services.entry_reopen(entry=draft, by=owner, until=until, reason="出差补交")
    assert refused.value.code == "scores_locked"
    assert not Reopening.objects.exists()

    signed_in(client, owner)
    page = client.get(reverse("calls:manage", args=[essay_call.pk])).text
    assert "补交的征文" in page and reverse("calls:entry_reopen", args=[draft.pk]) not in page
    answer = client.post(
        reverse("calls:entry_reopen", args=[draft.pk]),
        {"until": timezone.localtime(until).strftime("%Y-%m-%dT%H:%M"), "reason": "出差补交"},
        follow=True,
    ).text
    assert "本征集的评分已锁定：请先解锁评审（并说明原因），再重新开放作品。" in answer
    assert not Reopening.objects.exists()

    services.scores_unlock(call=essay_call, by=owner, reason="补交材料")
    page = client.get(reverse("calls:manage", args=[essay_call.pk])).text
    assert reverse("calls:entry_reopen", args=[draft.pk]) in page
    assert services.entry_reopen(entry=draft, by=owner, until=until, reason="出差补交").entry_id == draft.pk


def test_results_are_not_published_while_a_reopening_made_after_the_lock_runs(client, essay_call, tree, panel, owner):
    """Before reopenings were refused after the lock, one could be made then: built as it stands
    in the database, it still holds the publishing until it ends."""
    scored(essay_call, tree, panel, owner)
    draft = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="补交的征文")
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    reopening = Reopening.objects.create(
        entry=draft, until=timezone.now() + timedelta(hours=1), reason="出差补交", by=owner
    )
    with pytest.raises(CallRejected) as refused:
        services.results_publish(call=essay_call, by=owner)
    assert refused.value.code == "reopened" and shown(reopening.until) in refused.value.message
    page = signed_in(client, owner).get(reverse("calls:manage", args=[essay_call.pk])).text
    assert 'id="publish-button"' not in page and 'id="reopened-until"' in page


def test_a_reopened_entry_already_recommended_holds_nothing(essay_call, tree, owner):
    """Submitted and recommended by its branch, then reopened: its author still cannot change it
    (it is under review), so its reopening holds neither the lock nor the publishing."""
    entry = submitted_essay(essay_call, factories.member(tree["gz1"]), title="已推荐的征文")
    services.entry_forward(entry=entry, by=owner, note="支部推荐")
    Call.objects.filter(pk=essay_call.pk).update(closes_at=timezone.now() - timedelta(minutes=5))
    entry.refresh_from_db()
    services.entry_reopen(entry=entry, by=owner, until=timezone.now() + timedelta(hours=2), reason="补充材料")
    with pytest.raises(CallRejected) as refused:
        services.check_changeable(entry)
    assert refused.value.code == "under_review"
    assert services.running_reopening(essay_call) is None
    services.check_no_reopening(essay_call)  # refuses nothing


def test_an_entry_is_not_reopened_once_the_results_went_out_after_its_page_was_read(essay_call, tree, owner):
    """The organiser's entry (and its call) read before the results were published in another
    request: the reopening reads the call's row as it is now, and is refused."""
    draft = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="迟到的征文")
    stale = type(draft).objects.select_related("call").get(pk=draft.pk)
    assert stale.call.results_published_at is None
    published = timezone.now() - timedelta(minutes=1)
    Call.objects.filter(pk=essay_call.pk).update(
        closes_at=published, scores_locked_at=published, results_published_at=published
    )
    with pytest.raises(CallRejected) as refused:
        services.entry_reopen(entry=stale, by=owner, until=timezone.now() + timedelta(hours=1), reason="补交")
    assert refused.value.code == "published"
    assert not Reopening.objects.filter(entry=draft).exists()
