"""Judging that cannot leave an entry behind: entries that reach judging after the assignment get
judges, results rank and award only entries scored in full, locking and publishing wait for the
missing scores; a judge's wrong scores are all named at once; an author cannot be their own
co-author; a certificate does not wrap a quoted call title in a second pair of quotes."""

from decimal import Decimal

import pytest
from django.urls import reverse

from calls import selectors, services
from calls.models import Assignment, Call, Entry
from calls.services import CallRejected
from rankings.exports import Certificate, certificate_sentence
from tests import factories
from tests.rankings import pdfs

from .conftest import open_essay_call, signed_in, submitted_essay
from .test_review_judging import finalists, scores


def score(assignment, call, content, style):
    services.score_record(assignment=assignment, by=assignment.judge, values=scores(call, content, style))


# ---------------------------------------------------------------- entries that arrive later


def test_an_entry_reaching_judging_after_the_assignment_is_assigned_by_a_second_run(
    client, essay_call, tree, panel, gz_organiser, owner
):
    """Four judges (three of jjj1, one of gz1), three per entry. The first gz2 entry takes three
    of them, one judge holds nothing. The late gz2 entry goes to that judge first (load 0), then
    to two of the three holding one: loads 2, 2, 1, 1. The first entry keeps its judges."""
    (first,) = finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="first")
    first_judges = set(Assignment.objects.filter(entry=first).values_list("judge_id", flat=True))
    assert len(first_judges) == 3
    (idle,) = set(panel.judges.values_list("pk", flat=True)) - first_judges
    late = submitted_essay(essay_call, factories.member(tree["gz2"]), title="迟到的征文")
    assert late.status == Entry.Status.FINALIST
    assert list(selectors.unassigned_entries(essay_call)) == [late]

    # The organiser sees it has no judges, and a button to assign it.
    page = signed_in(client, owner).get(reverse("calls:manage", args=[essay_call.pk])).content.decode()
    assert "尚无评委：迟到的征文。" in page and "分配尚无评委的 1 件作品" in page
    # Locking now would leave it unjudged: refused, named.
    with pytest.raises(CallRejected) as refused:
        services.scores_lock(call=essay_call, by=gz_organiser, close_now=True)
    assert refused.value.code == "not_assigned" and "迟到的征文" in refused.value.message

    response = client.post(reverse("calls:judging_action", args=[essay_call.pk, "assign"]), {"panel": panel.pk})
    assert response.status_code == 302
    late_judges = set(Assignment.objects.filter(entry=late).values_list("judge_id", flat=True))
    assert len(late_judges) == 3 and idle in late_judges
    assert set(Assignment.objects.filter(entry=first).values_list("judge_id", flat=True)) == first_judges
    loads = [Assignment.objects.filter(judge_id=pk).count() for pk in panel.judges.values_list("pk", flat=True)]
    assert sorted(loads) == [1, 1, 2, 2]
    assert list(selectors.unassigned_entries(essay_call)) == []
    # Nothing left to assign: a third run says so.
    with pytest.raises(CallRejected) as again:
        services.assignment_run(call=essay_call, panel=panel, by=gz_organiser)
    assert again.value.code == "already_assigned"


# ---------------------------------------------------------------- incomplete scores


def test_an_entry_missing_scores_gets_no_rank_or_prize_and_holds_back_lock_and_publication(
    client, essay_call, tree, panel, gz_organiser, owner
):
    """Totals are 0.6 × content + 0.4 × style. A, scored by all three: 80,70 -> 76; 90,80 -> 86;
    70,60 -> 66; highest and lowest dropped from 3: 76.00. B, scored by one of three: 95,95 ->
    95, two missing. B is incomplete (95.00 so far), A alone is ranked: first, 一等奖."""
    a, b = finalists(essay_call, [tree["gz2"]], 2)
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="x")
    for assignment, (content, style) in zip(
        Assignment.objects.filter(entry=a).order_by("judge_id"), [(80, 70), (90, 80), (70, 60)], strict=True
    ):
        score(assignment, essay_call, content, style)
    b_assignments = list(Assignment.objects.filter(entry=b).order_by("judge_id"))
    score(b_assignments[0], essay_call, 95, 95)

    rows = selectors.results(essay_call)
    assert [(r.entry.pk, r.rank, r.final, r.prize, r.missing, r.so_far) for r in rows] == [
        (a.pk, 1, Decimal("76.00"), "一等奖", 0, None),
        (b.pk, None, None, "", 2, Decimal("95.00")),
    ]
    page = signed_in(client, owner, "en").get(reverse("calls:manage", args=[essay_call.pk])).content.decode()
    assert "Incomplete" in page and "95.00 so far" in page and "2 scores missing" in page
    assert (
        page.count('<span class="badge text-bg-danger">First prize')
        + page.count('<span class="badge text-bg-danger">一等奖')
        == 1
    )

    with pytest.raises(CallRejected) as refused:
        services.scores_lock(call=essay_call, by=gz_organiser, close_now=True)
    assert refused.value.code == "scores_missing"
    assert refused.value.message == "评分不全：征文1（缺 2 份）。请等评委评完，或将无法评分的评委移出评审组。"
    essay_call.refresh_from_db()
    assert essay_call.scores_locked_at is None
    # A call locked before the lock checked: publishing is refused the same way.
    Call.objects.filter(pk=essay_call.pk).update(scores_locked_at=essay_call.opens_at)
    essay_call.refresh_from_db()
    with pytest.raises(CallRejected) as not_published:
        services.results_publish(call=essay_call, by=gz_organiser)
    assert not_published.value.code == "scores_missing"
    essay_call.refresh_from_db()
    assert essay_call.results_published_at is None
    Call.objects.filter(pk=essay_call.pk).update(scores_locked_at=None)
    essay_call.refresh_from_db()

    # The two missing scores arrive: 85,85 -> 85; 75,75 -> 75. B: 95, 85, 75, extremes dropped:
    # 85.00, first; A 76.00 second (二等奖).
    score(b_assignments[1], essay_call, 85, 85)
    score(b_assignments[2], essay_call, 75, 75)
    assert [(r.entry.pk, r.rank, r.final, r.prize) for r in selectors.results(essay_call)] == [
        (b.pk, 1, Decimal("85.00"), "一等奖"),
        (a.pk, 2, Decimal("76.00"), "二等奖"),
    ]
    services.scores_lock(call=essay_call, by=gz_organiser, close_now=True)
    assert services.results_publish(call=essay_call, by=gz_organiser).results_published_at is not None


def test_a_withdrawn_judges_unfinished_draft_does_not_hold_the_results_back(essay_call, tree, panel, gz_organiser):
    """A judge who saved a draft (content only) and then withdrew can score no more, and no other
    judge is free: the entry's final rests on the two full scores, 80,80 -> 80 and 70,70 -> 70:
    75.00, ranked, and locking goes through."""
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="w")
    first, second, third = Assignment.objects.filter(entry=entry).order_by("judge_id")
    score(first, essay_call, 80, 80)
    score(second, essay_call, 70, 70)
    content_id = essay_call.criteria.values_list("pk", flat=True)[0]
    services.score_record(assignment=third, by=third.judge, values={content_id: Decimal(60)}, draft=True)
    from calls.judges import judge_withdraw

    judge_withdraw(call=essay_call, judge=third.judge, by=gz_organiser, reason="病假")
    (row,) = selectors.results(essay_call)
    assert (row.rank, row.final, row.missing) == (1, Decimal("75.00"), 0)
    assert services.scores_lock(call=essay_call, by=gz_organiser, close_now=True).scores_locked_at is not None


# ---------------------------------------------------------------- every wrong score named


@pytest.fixture
def three_criteria(tree, gz_organiser):
    call = open_essay_call(
        tree["audit"],
        title="三项评分",
        criteria=[
            ("内容", Decimal("0.5"), Decimal(0), Decimal(100)),
            ("文采", Decimal("0.3"), Decimal(0), Decimal(100)),
            ("结构", Decimal("0.2"), Decimal(0), Decimal(100)),
        ],
    )
    submitted_essay(call, factories.member(tree["gz2"]))
    judge = factories.member(tree["jjj1"], real_name="评委甲")
    panel = call.panels.create(name="评审组")
    panel.judges.set([judge])
    (assignment,) = services.assignment_run(call=call, panel=panel, by=gz_organiser, seed="three")
    return assignment


def test_every_wrong_score_is_named_at_once_and_its_box_marked(client, three_criteria):
    assignment = three_criteria
    content, style, shape = assignment.entry.call.criteria.values_list("pk", flat=True)
    with pytest.raises(CallRejected) as refused:
        services.score_record(
            assignment=assignment,
            by=assignment.judge,
            values={content: Decimal(-5), style: Decimal(101), shape: Decimal("80.555")},
        )
    assert (
        refused.value.message == "内容的分值范围为 0 至 100。文采的分值范围为 0 至 100。结构最多保留两位小数。"
    )  # Chinese sentences run on, no space after 。
    assert refused.value.criteria == [content, style, shape]
    assert not assignment.score_events.exists()

    signed_in(client, assignment.judge)
    response = client.post(
        reverse("calls:judging_entry", args=[assignment.pk]),
        {f"criterion-{content}": "-5", f"criterion-{style}": "101", f"criterion-{shape}": "80.555", "action": "submit"},
    )
    page = response.content.decode()
    assert "内容的分值范围为 0 至 100。文采的分值范围为 0 至 100。结构最多保留两位小数。" in page
    for pk in (content, style, shape):
        box = page[page.index(f'name="criterion-{pk}"') - 200 : page.index(f'name="criterion-{pk}"')]
        assert "is-invalid" in box and 'aria-invalid="true"' in box
    assert page.count('is-invalid"') == 3
    assert not assignment.score_events.exists()


# ---------------------------------------------------------------- co-authors


@pytest.mark.parametrize(
    ("language", "message"), [("zh-hans", "不能把自己列为合作者。"), ("en", "You cannot name yourself as a co-author.")]
)
def test_naming_yourself_as_a_co_author_is_refused_with_what_was_typed_kept(
    client, essay_call, tree, language, message
):
    author = factories.member(tree["gz2"], username="zhang-san")
    signed_in(client, author, language)
    response = client.post(
        reverse("calls:detail", args=[essay_call.pk]), {"title": "我的征文", "summary": "", "coauthors": "zhang-san"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'name="coauthors" value="zhang-san"' in page
    assert not essay_call.entries.exists()

    # On the entry page too, and in the service behind both.
    entry = services.entry_create(call=essay_call, author=author, title="我的征文")
    response = client.post(
        reverse("calls:entry", args=[entry.pk]), {"title": "我的征文", "summary": "", "coauthors": "zhang-san"}
    )
    page = response.content.decode()
    assert message in page and 'name="coauthors" value="zhang-san"' in page
    with pytest.raises(CallRejected) as refused:
        services.entry_update(entry=entry, by=author, title="我的征文", summary="", coauthors=[author])
    assert refused.value.code == "coauthor_self"
    assert not entry.coauthors.exists()


# ---------------------------------------------------------------- certificates


QUOTED = "“讲好身边审计故事”微党课比赛（演示）"
SIGNED = {"issuer": "审计署", "issued_on": "2026-12-05", "footer": ""}


def test_a_certificate_does_not_wrap_a_quoted_title_in_more_quotes(settings):
    from django.utils import translation

    for language, expected in [
        ("zh-hans", f"在{QUOTED}中排名第 1，荣获"),
        ("en", f"placed 1st in {QUOTED} and was awarded"),
    ]:
        with translation.override(language):
            quoted = Certificate(name="张三", awarded_in=QUOTED, prize="一等奖", rank=1, **SIGNED)
            plain = Certificate(name="张三", awarded_in="学习二十大征文", prize="一等奖", rank=1, **SIGNED)
            assert certificate_sentence(quoted)[1] == expected
            assert "“学习二十大征文”" in certificate_sentence(plain)[1]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_calls_certificate_pdf_prints_a_quoted_title_once_quoted(
    client, essay_call, tree, panel, owner, tmp_path, language
):
    Call.objects.filter(pk=essay_call.pk).update(title=QUOTED)
    essay_call.refresh_from_db()
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="q")
    for assignment in Assignment.objects.filter(entry=entry):
        score(assignment, essay_call, 90, 90)
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    services.results_publish(call=essay_call, by=owner)
    signed_in(client, entry.author, language)
    response = client.get(reverse("calls:certificate", args=[entry.pk]))
    words = "".join(pdfs.text(response.content, tmp_path).split())
    assert "“讲好身边审计故事”微党课比赛（演示）" in words
    assert "““" not in words and "）”" not in words
