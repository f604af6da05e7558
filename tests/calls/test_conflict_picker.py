"""An organiser records a conflict of interest by picking one of the call's panel judges and the
entries concerned from lists (the judges' picker), not by typing a name. Another organ's account,
a member who judges nothing here and an id no account has get the same answer, word for word, so
the form probes nothing; an entry of another call or a draft is refused with a clear message; and
one refused entry records none of them."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from calls import judges, services
from calls.models import Assignment, Conflict
from calls.services import CallRejected
from tests import factories

from .conftest import open_essay_call, signed_in, submitted_essay
from .test_review_judging import finalists

URL = "calls:conflict_record"


def record(client, call, *, judge, entries, reason="亲属关系", follow=False):
    body = {"conflict-judge": judge, "conflict-entries": entries, "conflict-reason": reason}
    return client.post(reverse(URL, args=[call.pk]), body, follow=follow)


def judge_error(page) -> str:
    """The error under the judge's picker, as the organiser reads it."""
    match = re.search(r'id="id_conflict-judge".*?<div class="invalid-feedback d-block">(.*?)</div>', page.text, re.S)
    assert match, "no error under the judge"
    return match.group(1)


def select(text: str, element_id: str) -> str:
    """The select element of that id, options and all."""
    start = text.rindex("<select", 0, text.index(f'id="{element_id}"'))
    return text[start : text.index("</select>", start)]


def same_page(text: str, value) -> str:
    """The page less its CSRF tokens, which differ on every answer, and the value it echoes."""
    text = text.replace(f"为 {value} 的成员", "为 X 的成员")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def test_the_manage_page_offers_the_panels_judges_and_the_calls_entries_in_pickers(
    client, essay_call, tree, panel, owner
):
    gz_entry, jjj_entry = finalists(essay_call, [tree["gz2"], tree["jjj1"]], 2)
    draft = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="草稿征文")
    bystander = factories.member(tree["gz1"], real_name="旁观者")
    stranger = factories.member(tree["budget"], real_name="预算司李某")

    page = signed_in(client, owner).get(reverse("calls:manage", args=[essay_call.pk]))

    judge_select = select(page.text, "id_conflict-judge")
    entries_select = select(page.text, "id_conflict-entries")
    for judge in panel.judges.all():
        assert f'<option value="{judge.pk}"' in judge_select
    for outsider in (bystander, stranger, owner):
        assert f'<option value="{outsider.pk}"' not in judge_select and outsider.real_name not in judge_select
    assert f'<option value="{gz_entry.pk}"' in entries_select and f'<option value="{jjj_entry.pk}"' in entries_select
    assert f'<option value="{draft.pk}"' not in entries_select and "草稿征文" not in page.text
    # Each entry shows its unit's path and its author, for the picker to search.
    assert "审计署/京津冀特派办/机关党支部" in entries_select and jjj_entry.author.display_name in entries_select
    assert 'data-judge-picker=""' in judge_select and 'data-judge-picker=""' in entries_select
    assert "judge_picker.js" in page.text
    # The typed name box is gone.
    assert 'name="judge"' not in page.text


def test_an_organiser_picks_a_judge_and_two_entries_and_both_pass_to_the_free_judge(
    client, essay_call, tree, panel, owner
):
    entries = finalists(essay_call, [tree["gz2"]], 2)
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="c")
    # Four judges, three per entry: six assignments, so two judges hold both entries.
    holder = next(judge for judge in panel.judges.all() if Assignment.objects.filter(judge=judge).count() == 2)

    page = record(signed_in(client, owner), essay_call, judge=holder.pk, entries=[e.pk for e in entries], follow=True)

    assert f"已登记{holder.display_name}与 2 件作品的回避。" in page.text
    for entry in entries:
        assert Conflict.objects.get(entry=entry, judge=holder).reason == "亲属关系"
        # Each entry had every judge but one; that one takes the holder's place.
        others = set(panel.judges.exclude(pk=holder.pk))
        assert set(Assignment.objects.filter(entry=entry).values_list("judge", flat=True)) == {j.pk for j in others}
        new_judge = Assignment.objects.filter(entry=entry).order_by("-pk").first().judge
        assert f"“{entry.title}”改由{new_judge.display_name}评审。" in page.text


@pytest.mark.parametrize("who", ["other_organ_member", "other_organ_judge_account", "own_member_on_no_panel"])
def test_an_account_off_the_calls_panels_gets_the_answer_an_unknown_id_gets(
    client, essay_call, tree, panel, owner, who
):
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    if who == "other_organ_member":
        account = factories.member(tree["budget"], username="yusuan-li", real_name="预算司李某")
    elif who == "other_organ_judge_account":
        account = judges.judge_account_create(by=factories.organiser(tree["mof"]), unit=tree["mof"], name="财政部专家")[
            0
        ].user
    else:
        account = factories.member(tree["jjj1"], real_name="京津冀某人")
    # Assigned: the page has no panel form (which offers the organiser's own members).
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="c")
    signed_in(client, owner)

    named = record(client, essay_call, judge=account.pk, entries=[entry.pk])
    unknown = record(client, essay_call, judge=987654321, entries=[entry.pk])
    typed = record(client, essay_call, judge=account.username, entries=[entry.pk])

    assert named.status_code == unknown.status_code == typed.status_code == 200
    assert judge_error(named) == f"没有工号或用户名为 {account.pk} 的成员。"
    assert judge_error(unknown) == "没有工号或用户名为 987654321 的成员。"
    assert judge_error(typed) == f"没有工号或用户名为 {account.username} 的成员。"
    # Word for word the same page but for the value echoed: nothing tells the account exists.
    assert same_page(named.text, account.pk) == same_page(unknown.text, 987654321)
    assert account.real_name not in named.text
    assert not Conflict.objects.exists()
    # What was typed stays in the form.
    assert 'value="亲属关系"' in named.text


def test_only_entries_handed_in_to_this_call_can_be_named(client, essay_call, tree, panel, owner):
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    draft = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="草稿")
    elsewhere = open_essay_call(tree["mof"], title="财政部征文")
    other = submitted_essay(elsewhere, factories.member(tree["budget"]), title="财政部的征文")
    judge = panel.judges.first()
    signed_in(client, owner)

    for posted in ([other.pk], [draft.pk], [entry.pk, other.pk], ["abc"], []):
        page = record(client, essay_call, judge=judge.pk, entries=posted)
        assert page.status_code == 200
        message = "请至少选择一件作品。" if not posted else "请从本次征集的作品列表中选择作品。"
        assert message in page.text, posted
        assert "财政部的征文" not in page.text
    assert not Conflict.objects.exists()


def test_an_empty_reason_is_refused_and_keeps_the_picks(client, essay_call, tree, panel, owner):
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    judge = panel.judges.first()

    page = record(signed_in(client, owner), essay_call, judge=judge.pk, entries=[entry.pk], reason="  ")

    assert "请说明回避原因。" in page.text and not Conflict.objects.exists()
    assert re.search(rf'<option value="{judge.pk}"[^>]*selected', page.text)
    assert re.search(rf'<option value="{entry.pk}"[^>]*selected', page.text)
    assert '<details class="card qs-card mb-3" id="conflict-record" open>' in page.text


def test_one_scored_entry_refuses_the_whole_conflict_and_names_it(client, essay_call, tree, panel, owner):
    entries = finalists(essay_call, [tree["gz2"]], 2)
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="c")
    holder = next(judge for judge in panel.judges.all() if Assignment.objects.filter(judge=judge).count() == 2)
    scored = Assignment.objects.get(judge=holder, entry=entries[1])
    criteria = list(essay_call.criteria.all())
    services.score_record(assignment=scored, by=holder, values={c.pk: Decimal(80) for c in criteria})

    page = record(signed_in(client, owner), essay_call, judge=holder.pk, entries=[e.pk for e in entries])

    assert f"{holder.display_name}已为“{entries[1].title}”打分" in page.text
    assert not Conflict.objects.exists()
    assert Assignment.objects.filter(judge=holder).count() == 2  # the unscored one stays too


def test_the_service_refuses_an_organiser_naming_someone_off_the_panels(essay_call, tree, panel, owner):
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    outsider = factories.member(tree["jjj1"])
    with pytest.raises(CallRejected) as refused:
        judges.conflict_record(entry=entry, judge=outsider, by=owner, reason="亲属")
    assert refused.value.code == "not_a_judge"
    assert not Conflict.objects.exists()
