"""What walking a call as its users do turned up: the steps that cannot be undone ask first,
assigning says which entries got fewer judges than the call asks, and a score left empty is named
and marked."""

import re
from decimal import Decimal

from django.urls import reverse

from calls import services
from calls.models import Assignment, Panel, ScoreEvent
from tests import factories

from .conftest import signed_in
from .test_review_judging import finalists, scores


def form_asks(page: str, action_fragment: str) -> str:
    """The data-confirm question of the form posting to a URL containing `action_fragment`."""
    match = re.search(rf'<form method="post" action="[^"]*{re.escape(action_fragment)}"[^>]*>', page)
    assert match, f"no form posting to {action_fragment}"
    asked = re.search(r'data-confirm="([^"]*)"', match.group(0))
    assert asked, f"the form posting to {action_fragment} does not ask first"
    return asked.group(1)


def test_assigning_locking_publishing_and_a_judge_dropping_out_ask_first(client, essay_call, tree, panel, owner):
    finalists(essay_call, [tree["gz2"]], 1)
    signed_in(client, owner)
    url = reverse("calls:manage", args=[essay_call.pk])

    assert "分配后评审组不能再修改" in form_asks(client.get(url).text, "/assign/")

    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="c")
    page = client.get(url).text
    assert "结果发布之前可以解锁" in form_asks(page, "/lock/")
    judge = Assignment.objects.order_by("judge_id").first().judge
    assert f"将{judge.display_name}移出评审组吗" in form_asks(page, f"/judges/{judge.pk}/withdraw/")

    for assignment in Assignment.objects.all():  # the lock waits for every score
        services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, 70, 70))
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    assert "发布后无法撤回" in form_asks(client.get(url).text, "/publish/")


def test_withdrawing_an_entry_asks_first(client, essay_call, tree):
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=essay_call, author=author, title="我的征文")

    page = signed_in(client, author).get(reverse("calls:entry", args=[entry.pk])).text

    form = page[: page.index('id="entry-withdraw"')]
    form = form[form.rindex("<form") :]
    assert 'data-confirm="确定撤回该作品吗？撤回后不能再次提交' in form


def test_assigning_names_the_entries_that_got_fewer_judges_than_the_call_asks(client, essay_call, tree, owner):
    """Three judges per entry, a panel of two: one from 第一党支部 and one from 京津冀. The entry
    from 第二党支部 gets both (2 < 3: all the panel has, which is said of the panel); the one from
    第一党支部 gets only the 京津冀 judge (1 < 2: a conflict, which is said of the entry)."""
    gz1_entry, gz2_entry = finalists(essay_call, [tree["gz1"], tree["gz2"]], 2)
    panel = Panel.objects.create(call=essay_call, name="评审组")
    panel.judges.set([factories.member(tree["gz1"]), factories.member(tree["jjj1"])])

    page = signed_in(client, owner).post(
        reverse("calls:judging_action", args=[essay_call.pk, "assign"]), {"panel": panel.pk}, follow=True
    )

    assert Assignment.objects.filter(entry=gz1_entry).count() == 1
    assert Assignment.objects.filter(entry=gz2_entry).count() == 2
    assert "已完成 3 项分配。" in page.text
    assert "评审组“评审组”只有 2 位评委，少于本次征集要求的每件作品 3 位" in page.text
    assert f"{gz1_entry.title}分配到的评委少于 2 位" in page.text and f"{gz2_entry.title}分配到" not in page.text


def test_assigning_every_entry_in_full_warns_of_nothing(client, essay_call, tree, panel, owner):
    finalists(essay_call, [tree["gz2"]], 1)
    page = signed_in(client, owner).post(
        reverse("calls:judging_action", args=[essay_call.pk, "assign"]), {"panel": panel.pk}, follow=True
    )
    assert "已完成 3 项分配。" in page.text and "分配到的评委少于" not in page.text


def test_a_score_left_empty_is_named_and_marked_and_nothing_is_recorded(client, essay_call, tree, panel, owner):
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="c")
    assignment = Assignment.objects.filter(entry=entry).order_by("pk").first()
    content, style = essay_call.criteria.order_by("position")
    signed_in(client, assignment.judge)

    page = client.post(
        reverse("calls:judging_entry", args=[assignment.pk]),
        {f"criterion-{content.pk}": "85", f"criterion-{style.pk}": "", "action": "submit"},
    )

    assert page.status_code == 200
    assert "请填写以下评分标准的分数：文采。" in page.text
    marked = re.search(rf'<input class="([^"]*)"[^>]*id="criterion-{style.pk}"', page.text).group(1)
    assert "is-invalid" in marked
    kept = re.search(rf'<input class="([^"]*)"[^>]*id="criterion-{content.pk}" value="85"', page.text)
    assert kept and "is-invalid" not in kept.group(1)
    assert not ScoreEvent.objects.exists()

    # Both: both named, in the rubric's order; a word where a number goes is said to be no number.
    page = client.post(
        reverse("calls:judging_entry", args=[assignment.pk]),
        {f"criterion-{content.pk}": "", f"criterion-{style.pk}": "", "action": "submit"},
    )
    assert "请填写以下评分标准的分数：内容、文采。" in page.text
    page = client.post(
        reverse("calls:judging_entry", args=[assignment.pk]),
        {f"criterion-{content.pk}": "", f"criterion-{style.pk}": "x", "action": "submit"},
    )
    assert "请填写以下评分标准的分数：内容。请用普通数字填写以下评分标准的分数，如 88 或 88.25：文采。" in page.text
    # A draft keeps what is filled in; an empty box is no error there.
    client.post(
        reverse("calls:judging_entry", args=[assignment.pk]),
        {f"criterion-{content.pk}": "85", f"criterion-{style.pk}": "", "action": "draft"},
    )
    assert list(ScoreEvent.objects.values_list("value", flat=True)) == [Decimal("85")]


def test_the_judge_accounts_page_opened_from_a_call_leads_back_to_it(client, essay_call, tree, owner):
    """It was a dead end: an organiser who created a judge there had to find the call again."""
    signed_in(client, owner)
    manage = client.get(reverse("calls:manage", args=[essay_call.pk])).text
    link = re.search(r'href="([^"]*)" id="judge-accounts-link"', manage).group(1)
    assert link == f"{reverse('calls:judge_accounts')}?call={essay_call.pk}"

    page = client.post(link, {"name": "外聘专家", "contact": "", "unit": tree["audit"].pk})

    assert 'id="judge-slip"' in page.text
    assert f'href="{reverse("calls:manage", args=[essay_call.pk])}#judging-tools" id="back-to-call"' in page.text
    assert f"返回“{essay_call.title}”" in page.text


def test_the_way_back_names_no_call_the_organiser_does_not_organise(client, essay_call, tree):
    """Another organ's organiser, or a made-up number: no link, no title."""
    signed_in(client, factories.organiser(tree["mof"]))
    for value in (str(essay_call.pk), "abc", "987654321"):
        page = client.get(reverse("calls:judge_accounts"), {"call": value})
        assert page.status_code == 200
        assert 'id="back-to-call"' not in page.text and essay_call.title not in page.text
