"""A call's results wait for its window: the scores are locked and the results published only once
the call has closed (or it is closed as the scores are locked), and a call whose results are
published takes no entries, recommendations or reopenings whatever its dates. A new call's default
rubric is named in both languages; winners reach the library in prize order."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import results, services
from calls.models import Assignment, AuditEvent, Call, Entry
from calls.services import CallRejected
from lessons.models import Lesson
from tests import factories
from tests.api.test_home_notifications_api import api

from .conftest import signed_in, submitted_essay
from .test_pages import _inputs, edit_form
from .test_review_judging import finalists, scores


def scored(call, tree, panel, owner, count=1):
    """`count` entries straight into judging, each scored 80, 80 by its three judges of jjj1."""
    entries = finalists(call, [tree["gz2"]], count)
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=call, panel=panel, by=owner, seed="x")
    for assignment in Assignment.objects.filter(entry__in=entries):
        services.score_record(assignment=assignment, by=assignment.judge, values=scores(call, 80, 80))
    return entries


def test_scores_are_not_locked_while_the_call_takes_entries_unless_it_is_closed_then(
    client, essay_call, tree, panel, owner
):
    scored(essay_call, tree, panel, owner)
    closes = timezone.localtime(essay_call.closes_at).strftime("%Y-%m-%d %H:%M")
    with pytest.raises(CallRejected) as refused:
        services.scores_lock(call=essay_call, by=owner)
    assert refused.value.code == "still_open" and closes in refused.value.message
    essay_call.refresh_from_db()
    assert essay_call.scores_locked_at is None

    # The page offers the lock as closing the call, and says why.
    page = signed_in(client, owner).get(reverse("calls:manage", args=[essay_call.pk])).text
    assert '<input type="hidden" name="close_now" value="1">' in page and "截止征集并锁定评分" in page
    assert f"本征集接收作品至 {closes}，截止前提交的作品仍会进入评审" in page
    assert 'id="publish-button"' not in page

    before = timezone.now()
    client.post(reverse("calls:judging_action", args=[essay_call.pk, "lock"]), {"close_now": "1"})
    essay_call.refresh_from_db()
    assert essay_call.scores_locked_at is not None and before <= essay_call.closes_at <= timezone.now()
    assert essay_call.closes_at == essay_call.scores_locked_at
    lock = AuditEvent.objects.get(call=essay_call, action="lock")
    assert lock.display_detail == f"同时截止征集（原定 {closes} 截止）"
    # Closed: a member can no longer enter, and the results may be published.
    with pytest.raises(CallRejected) as late:
        services.entry_create(call=essay_call, author=factories.member(tree["gz2"]), title="迟到")
    assert late.value.code == "closed"
    page = client.get(reverse("calls:manage", args=[essay_call.pk])).text
    assert 'id="publish-button"' in page and 'id="still-open"' not in page
    assert services.results_publish(call=essay_call, by=owner).results_published_at is not None


def test_results_locked_while_the_call_was_open_are_published_only_once_it_has_closed(
    client, essay_call, tree, panel, owner
):
    """A call locked before the lock checked the window (its closing time still tomorrow)."""
    scored(essay_call, tree, panel, owner)
    Call.objects.filter(pk=essay_call.pk).update(scores_locked_at=timezone.now())
    with pytest.raises(CallRejected) as refused:
        services.results_publish(call=essay_call, by=owner)
    assert refused.value.code == "still_open"
    page = signed_in(client, owner).get(reverse("calls:manage", args=[essay_call.pk])).text
    assert 'id="publish-button"' not in page
    closes = timezone.localtime(essay_call.closes_at).strftime("%Y-%m-%d %H:%M")
    assert f"本征集接收作品至 {closes}，截止后才能发布结果。" in page
    Call.objects.filter(pk=essay_call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert services.results_publish(call=essay_call, by=owner).results_published_at is not None


def test_a_call_with_published_results_takes_no_entries_recommendations_or_reopenings(
    client, essay_call, tree, gz_organiser
):
    """Published while its window is still open (before publishing checked it): the dates say
    open, the results say final."""
    waiting = submitted_essay(essay_call, factories.member(tree["gz2"]), title="待推荐")
    assert waiting.status == Entry.Status.SUBMITTED and waiting.at_unit is not None
    reviewer = factories.organiser(waiting.at_unit)
    draft = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="草稿")
    now = timezone.now()
    Call.objects.filter(pk=essay_call.pk).update(scores_locked_at=now, results_published_at=now)
    essay_call.refresh_from_db()
    newcomer = factories.member(tree["gz2"])

    for attempt in (
        lambda: services.entry_create(call=essay_call, author=newcomer, title="迟到的作品"),
        lambda: services.entry_update(entry=draft, by=draft.author, title="改", summary=""),
        lambda: services.entry_forward(entry=waiting, by=reviewer, note="推荐"),
        lambda: services.entry_return(entry=waiting, by=reviewer, reason="退回"),
        lambda: services.entry_reopen(
            entry=draft, by=factories.organiser(tree["audit"]), until=now + timedelta(days=1), reason="补交"
        ),
    ):
        with pytest.raises(CallRejected) as refused:
            attempt()
        assert refused.value.code == "published"
    assert Entry.objects.filter(call=essay_call).count() == 2
    waiting.refresh_from_db()
    assert waiting.status == Entry.Status.SUBMITTED and not waiting.reviews.exists()

    # The pages and the API agree: no entry form, not among the open calls, no review form.
    detail = signed_in(client, newcomer).get(reverse("calls:detail", args=[essay_call.pk])).text
    assert 'id="entry-form"' not in detail
    assert essay_call.title not in client.get(reverse("calls:list")).text.split('id="other-calls"')[0]
    assert api(newcomer).get("/api/v1/calls/").json()["count"] == 0
    manage = signed_in(client, reviewer).get(reverse("calls:manage", args=[essay_call.pk])).text
    assert "结果已公布，作品不再推荐。" in manage and "review-form" not in manage


def test_a_new_calls_default_rubric_is_named_in_english_for_an_english_judge(client, essay_call, tree, panel):
    """The organiser works in English; the defaults still carry both names (内容/Content 60 %,
    表达/Presentation 40 %), and the English judge reads the English ones."""
    organiser = factories.organiser(tree["audit"])
    page = signed_in(client, organiser, "en").get(reverse("calls:call_new")).text
    criteria = _inputs(page, "criteria-")
    assert [criteria[f"criteria-{i}-{field}"] for i in (0, 1) for field in ("name", "name_en", "weight")] == [
        "内容",
        "Content",
        "60",
        "表达",
        "Presentation",
        "40",
    ]
    data = edit_form(essay_call, tree) | criteria | {"title": "新征文", "judges_per_entry": 1}
    data |= {"levels-TOTAL_FORMS": 0, "levels-INITIAL_FORMS": 0, "tiers-TOTAL_FORMS": 0, "tiers-INITIAL_FORMS": 0}
    assert client.post(reverse("calls:call_new"), data).status_code == 302
    call = Call.objects.get(title="新征文")
    (entry,) = finalists(call, [tree["gz2"]], 1)
    judge = factories.member(tree["jjj1"])
    panel = call.panels.create(name="评审组")
    panel.judges.set([judge])
    services.assignment_run(call=call, panel=panel, by=organiser, seed="x")
    (assignment,) = Assignment.objects.filter(entry=entry)
    form = signed_in(client, judge, "en").get(reverse("calls:judging_entry", args=[assignment.pk])).text
    assert "Content" in form and "Presentation" in form
    assert "内容" not in form and "表达" not in form


def test_winners_reach_the_library_first_prize_first(client, essay_call, tree, panel, owner, settings):
    """Three winners (first, second, third prize by count, one each) with ready videos: the
    member's library lists them first, second, third."""
    essay_call.prize_tiers.create(position=2, name="三等奖", value=1)
    entries = finalists(essay_call, [tree["gz2"]], 3)  # sent as essays: no video to make here
    Call.objects.filter(pk=essay_call.pk).update(kind=Call.Kind.MICRO_CLASS)
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="x")
    for entry, mark in zip(entries, (90, 80, 70), strict=True):
        for assignment in Assignment.objects.filter(entry=entry):
            services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, mark, mark))
        folder = settings.MEDIA_ROOT / f"calls/{essay_call.pk}/{entry.pk}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "video.mp4").write_bytes(b"video")
    Entry.objects.filter(pk__in=[e.pk for e in entries]).update(video_status="ready")
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    services.results_publish(call=essay_call, by=owner)
    # The second prize's video is ready first; the others follow in a later run.
    Entry.objects.filter(pk__in=[entries[0].pk, entries[2].pk]).update(video_status="processing")
    assert len(results.winners_publish_to_library(call=essay_call, by=owner, audience=[])) == 1
    Entry.objects.filter(pk__in=[entries[0].pk, entries[2].pk]).update(video_status="ready")
    assert len(results.winners_publish_to_library(call=essay_call, by=owner, audience=[])) == 2
    Lesson.objects.update(status=Lesson.Status.READY)

    library = signed_in(client, factories.member(tree["gz2"])).get(reverse("lessons:library")).text
    positions = [library.index(f"征文{n}") for n in range(3)]
    assert positions == sorted(positions)
