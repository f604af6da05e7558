"""Small fixes from a walk through the calls: file types listed with the language's own comma,
an entry whose results are published says so, no co-author box on a call for single authors,
the assignment's draw code only where someone checks it, panels' English names, and a judge
who drops out leaving an entry with cleared scores passes it on or leaves it waiting for a judge."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from calls import judges, selectors, services
from calls.forms import EntryForm
from calls.models import Assignment, Entry, Panel, ScoreClearing
from calls.services import CallRejected
from tests import factories

from .conftest import open_essay_call, signed_in, upload
from .test_results import judged
from .test_review_judging import finalists, scores

# ---------------------------------------------------------------- (a) file types


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "本次征集接收 .docx、.pdf 文件。"), ("en", "This call takes .docx, .pdf files.")],
)
def test_a_refused_file_type_lists_the_calls_types_in_the_readers_language(essay_call, tree, language, expected):
    entry = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="征文")
    with translation.override(language), pytest.raises(CallRejected) as refused:
        services.entry_attach(entry=entry, upload=upload("essay.txt", b"plain text"))
    assert refused.value.message == expected


def test_the_call_and_entry_pages_list_the_file_types_with_the_chinese_enumeration_comma(client, essay_call, tree):
    member = factories.member(tree["gz1"])
    entry = services.entry_create(call=essay_call, author=member, title="征文")
    signed_in(client, member)
    assert ".docx、.pdf · 不超过 1 MB" in client.get(reverse("calls:detail", args=[essay_call.pk])).text
    assert ".docx、.pdf · 不超过 1 MB" in client.get(reverse("calls:entry", args=[entry.pk])).text
    english = signed_in(client, member, "en").get(reverse("calls:entry", args=[entry.pk])).text
    assert ".docx, .pdf · up to 1 MB" in english


# ---------------------------------------------------------------- (b) results published


def test_an_entry_whose_results_are_published_says_so_with_its_prize_and_place(client, essay_call, tree, panel, owner):
    """A 90,90 -> 90.00 first (一等奖 for 1 place); B 85,80 -> 0.6 × 85 + 0.4 × 80 = 83.00 second
    (二等奖); C 70,70 -> 70.00 third, no prize."""
    a, b, c = judged(essay_call, tree, panel, owner, [[(90, 90)] * 3, [(85, 80)] * 3, [(70, 70)] * 3])
    services.results_publish(call=essay_call, by=owner)
    with pytest.raises(CallRejected) as refused:
        services.check_changeable(Entry.objects.get(pk=a.pk))
    assert refused.value.code == "published"

    page = signed_in(client, b.author).get(reverse("calls:entry", args=[b.pk])).text
    assert "结果已公布（二等奖，第 2 名），作品不能再修改。" in page and "已进入审核" not in page
    page = signed_in(client, c.author).get(reverse("calls:entry", args=[c.pk])).text
    assert "结果已公布（第 3 名），作品不能再修改。" in page
    page = signed_in(client, a.author, "en").get(reverse("calls:entry", args=[a.pk])).text
    assert "The results are published (一等奖, rank 1); the entry can no longer change." in page


# ---------------------------------------------------------------- (c) co-authors


def test_a_call_for_single_authors_asks_for_no_co_authors(client, tree):
    call = open_essay_call(tree["audit"], max_coauthors=0)
    member = factories.member(tree["gz1"])
    assert "coauthors" not in EntryForm(call=call, author=member).fields
    page = signed_in(client, member).get(reverse("calls:detail", args=[call.pk])).text
    assert 'name="coauthors"' not in page and "合作者" not in page
    created = client.post(reverse("calls:detail", args=[call.pk]), {"title": "独立完成", "coauthors": "x"})
    assert created.status_code == 302
    entry = call.entries.get()
    assert entry.title == "独立完成" and not entry.coauthors.exists()
    page = client.get(reverse("calls:entry", args=[entry.pk])).text
    assert 'name="coauthors"' not in page and "最多允许 0 名合作者" not in page
    assert client.post(reverse("calls:entry", args=[entry.pk]), {"title": "改名", "summary": ""}).status_code == 302
    entry.refresh_from_db()
    assert entry.title == "改名"


def test_a_call_with_co_authors_still_asks_for_them(client, essay_call, tree):
    page = signed_in(client, factories.member(tree["gz1"])).get(reverse("calls:detail", args=[essay_call.pk])).text
    assert 'name="coauthors"' in page


# ---------------------------------------------------------------- (d) the draw code


def test_the_assignment_seed_shows_only_as_a_draw_code_under_how_judges_were_assigned(
    client, essay_call, tree, panel, owner
):
    finalists(essay_call, [tree["gz2"]], 2)
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="3fb78de95e6dfdaf")
    page = signed_in(client, owner).get(reverse("calls:manage", args=[essay_call.pk])).text
    assert "随机种子" not in page
    how = page.split('id="assignment-how"')[1].split("</details>")[0]
    assert "评委是如何分配的" in how and "抽签码（供核验）：<code" in how and "3fb78de95e6dfdaf" in how
    assert page.count("3fb78de95e6dfdaf") == 2  # there, and in the log's line for the run
    assert "共分配 6 份，抽签码 3fb78de95e6dfdaf" in page


# ---------------------------------------------------------------- (e) panels' English names


def test_a_panel_has_an_english_name_for_english_pages(client, essay_call, tree, owner):
    signed_in(client, owner)
    judge = factories.member(tree["jjj1"], real_name="京评委")
    client.post(
        reverse("calls:panel_add", args=[essay_call.pk]),
        {"name": "初评组", "name_en": "First-round panel", "judges": [judge.pk]},
    )
    panel = Panel.objects.get(call=essay_call)
    assert (panel.name, panel.name_en) == ("初评组", "First-round panel")
    url = reverse("calls:manage", args=[essay_call.pk])
    assert "<b>First-round panel</b>" in signed_in(client, owner, "en").get(url).text
    assert "<b>初评组</b>" in signed_in(client, owner).get(url).text


def test_the_demo_panel_has_an_english_name():
    from calls import demo

    assert demo.PANEL_NAMES == {"特派办微党课评审组": "Special commissioners' offices micro-class panel"}


# ---------------------------------------------------------------- (f) a judge drops out


def _cleared(essay_call, tree, owner, panel_judges):
    """One entry from 广州's second branch, one judge each: the first of `panel_judges` holds it,
    scores 80,80 and the organiser clears the scores (the judge scored carelessly)."""
    essay_call.judges_per_entry = 1
    essay_call.save()
    panel = Panel.objects.create(call=essay_call, name="评审组")
    panel.judges.set(panel_judges)
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="f")
    (held,) = Assignment.objects.filter(entry=entry)
    assert held.judge == panel_judges[0]
    services.score_record(assignment=held, by=held.judge, values=scores(essay_call, 80, 80))
    judges.scores_clear(assignment=held, by=owner, reason="打分草率")
    return panel, entry, held


def test_a_judge_dropping_out_passes_on_an_entry_whose_scores_were_cleared(essay_call, tree, owner):
    """Two judges (the seed gives the entry to 京评委甲); 甲's 80,80 cleared. 甲 drops out: the
    assignment, with the cleared scores and the clearing, passes to 京评委乙, who scores 70,90:
    0.6 × 70 + 0.4 × 90 = 42 + 36 = 78.00."""
    first = factories.member(tree["jjj1"], real_name="京评委甲")
    second = factories.member(tree["jjj1"], real_name="京评委乙")
    panel, entry, held = _cleared(essay_call, tree, owner, [first, second])

    reassigned, stranded = judges.judge_withdraw(call=essay_call, judge=first, by=owner, reason="生病")

    assert ([a.pk for a in reassigned], stranded) == ([held.pk], [])
    held.refresh_from_db()
    assert held.judge == second
    assert ScoreClearing.objects.get(assignment=held).judge == first  # the record stays
    assert list(selectors.unassigned_entries(essay_call)) == []
    services.score_record(assignment=held, by=second, values=scores(essay_call, 70, 90))
    (row,) = selectors.results(essay_call)
    assert (row.final, row.missing) == (Decimal("78.00"), 0)


def test_an_entry_left_with_cleared_scores_and_no_free_judge_waits_for_a_judge(client, essay_call, tree, owner):
    """The panel's only judge drops out after their scores were cleared: no one can take the
    entry over, so it is named as having no judge, locking is refused for it, and once a judge
    joins the panel the panel's button assigns it."""
    only = factories.member(tree["jjj1"], real_name="京评委甲")
    panel, entry, held = _cleared(essay_call, tree, owner, [only])

    signed_in(client, owner)
    withdrawn = client.post(
        reverse("calls:judge_withdraw", args=[essay_call.pk, only.pk]), {"reason": "调离"}, follow=True
    ).text
    assert f"{entry.title} 现在没有评委" in withdrawn
    assert list(selectors.unassigned_entries(essay_call)) == [entry]
    assert Assignment.objects.get(pk=held.pk).judge == only  # the cleared scores stay on record
    page = client.get(reverse("calls:manage", args=[essay_call.pk])).text
    assert f"尚无评委：{entry.title}" in page
    with pytest.raises(CallRejected) as refused:
        services.scores_lock(call=essay_call, by=owner, close_now=True)
    assert entry.title in refused.value.message

    newcomer = factories.member(tree["jjj1"], real_name="京评委乙")
    panel.judges.add(newcomer)
    (assigned,) = services.assignment_run(call=essay_call, panel=panel, by=owner, seed="g")
    assert (assigned.entry, assigned.judge) == (entry, newcomer)
    assert list(selectors.unassigned_entries(essay_call)) == []
