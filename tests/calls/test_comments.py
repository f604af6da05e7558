"""A judge's optional comment with their scores: kept with every change, length-limited, refused
after the lock, escaped on the pages, read by organisers (page and export) and no one else."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from calls import selectors, services
from calls.models import Assignment, Call, Entry, ScoreComment, ScoreEvent
from calls.services import CallRejected
from tests.spreadsheets import FORMULA, assert_written_as_text

from .test_judges import api
from .test_review_judging import finalists, scores


@pytest.fixture
def assigned(essay_call, tree, panel, gz_organiser):
    """One entry from gz2 judged by three of the panel's judges (seed fixed)."""
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="c")
    return entry, list(Assignment.objects.filter(entry=entry).select_related("judge").order_by("id"))


def test_a_comment_is_saved_and_every_change_is_kept(essay_call, assigned):
    _entry, (assignment, *_others) = assigned
    judge = assignment.judge
    services.score_record(assignment=assignment, by=judge, values=scores(essay_call, 80, 90), comment="立意好")
    assert services.current_comment(assignment) == "立意好"
    # Same scores, changed comment: only a comment row is added.
    services.score_record(assignment=assignment, by=judge, values=scores(essay_call, 80, 90), comment="  结构松散\r\n")
    # The same comment again (a NUL character dropped), and none sent: nothing added, the last stays.
    services.score_record(assignment=assignment, by=judge, values=scores(essay_call, 80, 90), comment="结构\x00松散")
    services.score_record(assignment=assignment, by=judge, values=scores(essay_call, 85, 90))
    assert services.current_comment(assignment) == "结构松散"
    history = list(ScoreComment.objects.values_list("text", "by"))
    assert history == [("立意好", judge.pk), ("结构松散", judge.pk)]
    assert ScoreEvent.objects.count() == 3  # 80, 90, then 85
    services.score_record(assignment=assignment, by=judge, values=scores(essay_call, 85, 90), comment="")
    assert services.current_comment(assignment) == ""
    assert ScoreComment.objects.count() == 3
    assert selectors.latest_comments(essay_call) == {}


def test_a_comment_too_long_is_refused_and_nothing_is_recorded(essay_call, assigned):
    _entry, (assignment, *_others) = assigned
    with pytest.raises(CallRejected) as refused:
        services.score_record(
            assignment=assignment, by=assignment.judge, values=scores(essay_call, 80, 90), comment="好" * 1001
        )
    assert refused.value.code == "comment_too_long"
    assert "1001" in refused.value.message
    assert not ScoreComment.objects.exists() and not ScoreEvent.objects.exists()
    services.score_record(
        assignment=assignment, by=assignment.judge, values=scores(essay_call, 80, 90), comment="好" * 1000
    )
    assert len(services.current_comment(assignment)) == 1000


def test_a_comment_after_the_lock_is_refused(essay_call, assigned, gz_organiser):
    _entry, (assignment, *others) = assigned
    services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, 80, 90), comment="甲")
    for other in others:  # the lock waits for every judge's scores
        services.score_record(assignment=other, by=other.judge, values=scores(essay_call, 70, 70))
    services.scores_lock(call=essay_call, by=gz_organiser, close_now=True)
    with pytest.raises(CallRejected) as locked:
        services.score_record(
            assignment=assignment, by=assignment.judge, values=scores(essay_call, 80, 90), comment="乙"
        )
    assert locked.value.code == "locked"
    assert list(ScoreComment.objects.values_list("text", flat=True)) == ["甲"]


def test_the_judging_page_saves_the_comment_and_shows_it_escaped(client, essay_call, assigned):
    _entry, (assignment, *_others) = assigned
    content, style = essay_call.criteria.all()
    url = reverse("calls:judging_entry", args=[assignment.pk])
    client.force_login(assignment.judge)
    typed = "<script>alert(1)</script> 好"
    client.post(url, {f"criterion-{content.pk}": "80", f"criterion-{style.pk}": "90", "comment": typed})
    assert services.current_comment(assignment) == typed
    html = client.get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 好</textarea>" in html
    assert "<script>alert(1)" not in html
    too_long = client.post(
        url, {f"criterion-{content.pk}": "70", f"criterion-{style.pk}": "90", "comment": "长" * 1001}, follow=True
    ).content.decode()
    assert "评语最多 1000 个字符，这条有 1001 个。" in too_long
    assert "长" * 1001 in too_long  # what they typed is kept in the box
    assert services.current_comment(assignment) == typed
    assert services.current_scores(assignment) == scores(essay_call, 80, 90)


def test_organisers_read_comments_other_judges_and_the_author_do_not(client, essay_call, assigned, owner):
    entry, (first, second, _third) = assigned
    services.score_record(
        assignment=first, by=first.judge, values=scores(essay_call, 80, 90), comment="<b>论据</b>充分"
    )
    services.score_record(assignment=second, by=second.judge, values=scores(essay_call, 70, 60), comment="错别字多")
    client.force_login(owner)
    manage = client.get(reverse("calls:manage", args=[essay_call.pk])).content.decode()
    assert "&lt;b&gt;论据&lt;/b&gt;充分" in manage and "<b>论据</b>" not in manage
    assert f"<b>{second.judge.display_name}</b>：错别字多" in manage
    assert "2 条评委评语" in manage
    client.force_login(second.judge)
    other_judge = client.get(reverse("calls:judging_entry", args=[second.pk])).content.decode()
    assert "错别字多" in other_judge and "论据" not in other_judge
    assert "论据" not in str(api(second.judge).get(f"/api/v1/calls/assignments/{second.pk}/").json())
    client.force_login(entry.author)
    mine = client.get(reverse("calls:entry", args=[entry.pk])).content.decode()
    assert entry.title in mine and "论据" not in mine and "错别字多" not in mine
    assert client.get(reverse("calls:manage", args=[essay_call.pk])).status_code in (302, 403, 404)


def test_the_scores_export_has_each_judges_comment(client, essay_call, assigned, owner):
    _entry, (first, second, third) = assigned
    services.score_record(assignment=first, by=first.judge, values=scores(essay_call, 80, 90), comment="=1+1 公式不算")
    services.score_record(assignment=second, by=second.judge, values=scores(essay_call, 70, 60))
    client.force_login(owner)
    response = client.get(reverse("calls:scores_export", args=[essay_call.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[2][-2:] == ("去掉", "评语")
    by_judge = {row[3]: row[-1] for row in rows[3:]}
    assert by_judge == {
        first.judge.display_name: "=1+1 公式不算",
        second.judge.display_name: None,
        third.judge.display_name: None,
    }


def test_the_scores_export_writes_formula_like_titles_names_and_comments_as_text(client, essay_call, assigned, owner):
    entry, (first, second, _third) = assigned
    Entry.objects.filter(pk=entry.pk).update(title=FORMULA)
    Call.objects.filter(pk=essay_call.pk).update(title="@学习二十大征文")
    first.panel.name = "+第一评审组"
    first.panel.save()
    services.score_record(assignment=first, by=first.judge, values=scores(essay_call, 80, 90), comment="=1+1 公式不算")
    services.score_record(assignment=second, by=second.judge, values=scores(essay_call, 70, 60), comment="-扣 5 分")
    client.force_login(owner)
    response = client.get(reverse("calls:scores_export", args=[essay_call.pk]))
    assert_written_as_text(response.content, FORMULA, "@学习二十大征文", "+第一评审组", "=1+1 公式不算", "-扣 5 分")


def test_the_api_takes_and_answers_the_comment(essay_call, assigned, gz_organiser):
    _entry, (assignment, *others) = assigned
    content, style = essay_call.criteria.values_list("pk", flat=True)
    url = f"/api/v1/calls/assignments/{assignment.pk}/scores/"
    client = api(assignment.judge)
    marks = [{"criterion": content, "score": 80}, {"criterion": style, "score": 90}]
    saved = client.post(url, {"scores": marks, "comment": "<i>好</i>"}, format="json")
    assert (saved.status_code, saved.json()["comment"]) == (200, "<i>好</i>")
    kept = client.post(url, {"scores": marks}, format="json")
    assert kept.json()["comment"] == "<i>好</i>"
    assert client.get(f"/api/v1/calls/assignments/{assignment.pk}/").json()["comment"] == "<i>好</i>"
    long = client.post(url, {"scores": marks, "comment": "x" * 1001}, format="json")
    error = long.json()["error"]
    assert (long.status_code, error["code"], error["field"]) == (400, "comment_too_long", "comment")
    for other in others:  # the lock waits for every score
        services.score_record(assignment=other, by=other.judge, values=scores(essay_call, 70, 70))
    services.scores_lock(call=essay_call, by=gz_organiser, close_now=True)
    locked = client.post(url, {"scores": marks, "comment": "改"}, format="json")
    assert (locked.status_code, locked.json()["error"]["code"]) == (409, "locked")
    assert list(ScoreComment.objects.values_list("text", flat=True)) == ["<i>好</i>"]
