"""Draw rules beside fixed questions and beside each other: the builder's counts, its refusals, the
preview, and online contests' setup, all from one reckoning (lessons/draws.py)."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from contests.online.services import ContestSetupRejected, check_draw
from lessons.draws import DrawRule, draw_problems, rule_rooms
from lessons.models import Attempt, Paper, Question
from lessons.services.attempts import AttemptRejected, attempt_start
from tests import factories
from tests.lessons.test_authoring import bank, builder_post, editor  # noqa: F401


@pytest.fixture
def stocked(bank):  # noqa: F811
    """17 single-choice questions and one fill-in, as the tester's bank had them."""
    singles = [factories.question(bank, "single") for _n in range(17)]
    return {"singles": singles, "fill": factories.question(bank, "fill_blank")}


def rule_rows(bank, *rules):  # noqa: F811
    """The builder's rule columns for (type, count) pairs of `bank`."""
    return {
        "rule_bank": [str(bank.pk)] * len(rules),
        "rule_type": [t for t, _count in rules],
        "rule_tag": [""] * len(rules),
        "rule_difficulty": [""] * len(rules),
        "rule_count": [str(count) for _t, count in rules],
    }


def test_a_rule_draws_its_full_count_besides_the_fixed_questions_and_the_preview_adds_up(
    editor,  # noqa: F811
    bank,  # noqa: F811
    stocked,
    tree,
):
    fixed = [stocked["singles"][0], stocked["singles"][1], stocked["fill"]]
    post = builder_post(tree["gz"], question=[str(q.pk) for q in fixed], **rule_rows(bank, ("single", 15)))
    # The tester's bank: 15 published singles, 2 of them fixed: 13 left for a rule of 15, 2 short.
    Question.objects.filter(pk__in=[q.pk for q in stocked["singles"][15:]]).update(status="retired")
    page = editor.post(reverse("lessons:paper_new"), post).content.decode()
    assert "draws 15 questions; 15 match, but 2 of them are already on every paper" in page
    assert not Paper.objects.exists()
    # With all 17 published, 15 are left besides the 2 fixed.
    Question.objects.filter(pk__in=[q.pk for q in stocked["singles"][15:]]).update(status="published")
    assert editor.post(reverse("lessons:paper_new"), post).status_code == 302
    paper = Paper.objects.get()
    page = editor.get(reverse("lessons:paper_preview", args=[paper.pk])).content.decode()
    # 3 fixed + 15 drawn = 18 questions; points: 2 singles x 2 + 1 fill-in x 3 + 15 singles x 2 = 37.
    assert "18 questions" in page and "37 points in all" in page
    attempt = attempt_start(paper=paper, member=factories.member(tree["gz1"]))
    asked = [item.version.question_id for item in attempt.items.select_related("version")]
    assert len(asked) == len(set(asked)) == 18 and attempt.max_score == 37


def test_the_builder_refuses_a_rule_the_questions_left_beside_the_fixed_ones_cannot_fill(
    editor,  # noqa: F811
    bank,  # noqa: F811
    stocked,
    tree,
):
    fixed = [stocked["singles"][0], stocked["singles"][1], stocked["fill"]]
    post = builder_post(tree["gz"], question=[str(q.pk) for q in fixed], **rule_rows(bank, ("single", 16)))
    page = editor.post(reverse("lessons:paper_new"), post).content.decode()
    # 17 singles match; 2 are on every paper, so 15 are left for a rule drawing 16: 1 short.
    assert (
        f"Rule 1 ({bank.name} · Single choice) draws 16 questions; 17 match, but 2 of them are already "
        "on every paper and are not drawn again: 1 short." in page
    )
    assert not Paper.objects.exists()


def test_the_builders_live_count_leaves_out_fixed_questions_and_what_earlier_rules_may_take(
    editor,  # noqa: F811
    bank,  # noqa: F811
    stocked,
):
    fixed = [stocked["singles"][0], stocked["singles"][1], stocked["fill"]]
    query = {"question": [str(q.pk) for q in fixed], **rule_rows(bank, ("single", 5), ("", 4))}
    counts = editor.get(reverse("lessons:paper_rule_count"), query).json()
    # Rule 1: 17 singles match, 2 fixed: 15 left. Rule 2 (any type): 18 match, 3 fixed, and rule 1
    # may have drawn 5 of the 15 it shares: 18 - 3 - 5 = 10 left.
    assert counts == {
        "rules": [
            {"matching": 17, "available": 15, "count": 5},
            {"matching": 18, "available": 10, "count": 4},
        ]
    }


def test_a_broad_rule_before_a_narrow_one_is_refused_and_the_other_order_is_not(bank, stocked):  # noqa: F811
    broad, narrow = DrawRule(bank=bank, count=10), DrawRule(bank=bank, type="fill_blank", count=1)
    # The any-type rule may draw the only fill-in question first: 1 - 1 = 0 left for the fill-in rule.
    with translation.override("en"):
        (message,) = draw_problems([broad, narrow]).values()
    assert message.startswith("Rule 2 (") and "the rules before it (1) may draw 1 first: 1 short." in message
    # The fill-in rule first: the any-type rule has 18 - 1 = 17 left for its 10.
    assert draw_problems([narrow, broad]) == {}
    assert [room.available for room in rule_rooms([narrow, broad])] == [1, 17]


def test_an_online_contest_refuses_rules_the_same_way(bank, stocked):  # noqa: F811
    rules = [DrawRule(bank=bank, count=18), DrawRule(bank=bank, type="single", count=1)]
    with translation.override("zh-hans"), pytest.raises(ContestSetupRejected) as refused:
        check_draw(rules)
    # Rule 1 takes all 18; rule 2's 17 singles may all be gone: 1 short.
    assert refused.value.code == "draw_shortfall"
    assert re.search(
        r"第 2 条规则（.*）要抽 1 道题；在符合的 17 道中，它前面的规则（1）可能先抽走 17 道：缺 1 道。",
        str(refused.value),
    )


def test_the_preview_warns_when_the_banks_no_longer_fill_a_saved_draw(editor, bank, stocked, tree):  # noqa: F811
    paper = factories.paper(
        tree["gz"], questions=stocked["singles"][:2], rules=[{"bank": bank, "type": "single", "count": 15}]
    )
    stocked["singles"][2].status = "retired"
    stocked["singles"][2].save()
    page = editor.get(reverse("lessons:paper_preview", args=[paper.pk])).content.decode()
    # 16 singles are published now, 2 fixed: 14 left for 15, 1 short; the draw gives 2 + 14 = 16.
    assert 'id="draw-problems"' in page and "are not drawn again: 1 short." in page
    assert "16 questions" in page


def test_difficulty_reads_the_same_in_the_builder_and_online_contest_rules(editor, bank):  # noqa: F811
    builder = editor.get(reverse("lessons:paper_new")).content.decode()
    online = editor.get("/contests/online/manage/new/").content.decode()
    for page in (builder, online):
        assert '<option value="3">3 · medium</option>' in page


def test_a_rule_asking_more_than_match_counts_the_fixed_questions_in_its_gap(bank, stocked):  # noqa: F811
    single = DrawRule(bank=bank, type="single", count=20)
    fixed = [q.pk for q in stocked["singles"][:2]]
    with translation.override("en"):
        (message,) = draw_problems([single], fixed=fixed).values()
    # 17 match, 2 fixed: 15 left for 20, 5 short (not 20 - 17 = 3).
    assert message.endswith(
        "draws 20 questions; 17 match, but 2 of them are already on every paper and are not drawn again: 5 short."
    )


def test_a_rule_naming_a_knowledge_point_that_does_not_exist_is_refused_and_kept_as_typed(
    editor,  # noqa: F811
    bank,  # noqa: F811
    stocked,
    tree,
):
    """The builder used to drop a knowledge point it did not know and save the rule drawing from
    the whole bank: 5 of any of its 18 questions, silently."""
    post = builder_post(tree["gz"], **(rule_rows(bank, ("", 5)) | {"rule_tag": ["党史学习"]}))
    page = unescape(editor.post(reverse("lessons:paper_new"), post).content.decode())
    assert 'Rule 1: there is no knowledge point "党史学习", so no question has it.' in page
    assert 'name="rule_tag" list="known-tags" value="党史学习"' in page  # nothing typed is lost
    assert not Paper.objects.exists()


def test_a_rule_drawing_more_than_its_knowledge_point_has_names_it_and_its_count(
    editor,  # noqa: F811
    bank,  # noqa: F811
    stocked,
    tree,
):
    """党史 is on 2 published questions of the bank (a third is retired): a rule of 5 is 5 - 2 = 3
    short, and the message says of which knowledge point and how many it has."""
    for _n in range(3):
        factories.question(bank, "single", tags=["党史"])
    Question.objects.filter(pk=Question.objects.filter(tags__name="党史").order_by("pk").first().pk).update(
        status="retired"
    )
    post = builder_post(tree["gz"], **(rule_rows(bank, ("", 5)) | {"rule_tag": ["党史"]}))
    page = unescape(editor.post(reverse("lessons:paper_new"), post).content.decode())
    assert (
        f'Rule 1 draws 5 questions of the knowledge point "党史", which has 2 published questions in '
        f"{bank.display_name}: 3 short." in page
    )
    assert not Paper.objects.exists()


def test_a_member_starting_a_paper_whose_knowledge_point_lost_questions_is_told_and_nothing_starts(
    client,
    bank,  # noqa: F811
    stocked,
    tree,
):
    """Saved with 2 questions of 党史 for a rule of 2; one is retired since: the rule is 2 - 1 = 1
    short. The start used to give a paper of 1 question in silence."""
    tagged = [factories.question(bank, "single", tags=["党史"]) for _n in range(2)]
    tag = tagged[0].tags.get()
    paper = factories.paper(tree["gz"], rules=[{"bank": bank, "tag": tag, "count": 2}])
    assert attempt_start(paper=paper, member=factories.member(tree["gz1"])).items.count() == 2
    member = factories.member(tree["gz1"])
    Question.objects.filter(pk=tagged[1].pk).update(status="retired")
    with translation.override("en"), pytest.raises(AttemptRejected) as refused:
        attempt_start(paper=paper, member=member)
    assert refused.value.code == "draw_short"
    assert refused.value.message.startswith("This paper cannot be drawn in full")
    assert (
        f'Rule 1 draws 2 questions of the knowledge point "党史", which has 1 published question in '
        f"{bank.display_name}: 1 short." in refused.value.message
    )
    assert not Attempt.objects.filter(member=member).exists()
    # The member's page says it, in Chinese too, and starts nothing.
    client.force_login(member)
    response = client.post(reverse("lessons:paper_start", args=[paper.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert "这份试卷无法完整抽题" in response.content.decode()
    assert not Attempt.objects.filter(member=member).exists()


@pytest.fixture
def overlapping(bank):  # noqa: F811
    """Three rules over nine questions, the later ones sharing questions with the earlier ones:

    f1 fill-in, difficulty 1, 党章 | f2 fill-in, difficulty 1 | f3-f5 fill-ins, difficulty 3
    s1, s2 singles, difficulty 1   | s3, s4 singles, difficulty 3, 党章
    Rule 1 (difficulty 1, 2 of them) matches f1 f2 s1 s2; rule 2 (党章, 1) matches f1 s3 s4;
    rule 3 (fill-ins) matches f1-f5."""
    factories.question(bank, "fill_blank", difficulty=1, tags=["党章"])
    factories.question(bank, "fill_blank", difficulty=1)
    for _n in range(3):
        factories.question(bank, "fill_blank", difficulty=3)
    for _n in range(2):
        factories.question(bank, "single", difficulty=1)
    for _n in range(2):
        factories.question(bank, "single", difficulty=3, tags=["党章"])
    return {
        "rule_bank": [str(bank.pk)] * 3,
        "rule_type": ["", "", "fill_blank"],
        "rule_tag": ["", "党章", ""],
        "rule_difficulty": ["1", "", ""],
        "rule_count": ["2", "1", "3"],
    }


def test_a_question_two_earlier_rules_share_is_set_aside_once_not_once_for_each(
    editor,  # noqa: F811
    overlapping,
):
    """Rule 3's fill-ins f1-f5: rule 1 may draw f1 and f2 and rule 2 may draw f1, but not both
    may draw f1. Between them they take at most 2 of its 5 (rule 1 f1 f2; or rule 1 f2 and rule 2
    f1), so 5 - 2 = 3 are left in every draw. Adding their counts (2 + 1 = 3) left 5 - 3 = 2."""
    counts = editor.get(reverse("lessons:paper_rule_count"), overlapping).json()
    # Rule 1: 4 match, nothing before it. Rule 2: 3 match, rule 1 may draw f1 first: 3 - 1 = 2.
    assert counts == {
        "rules": [
            {"matching": 4, "available": 4, "count": 2},
            {"matching": 3, "available": 2, "count": 1},
            {"matching": 5, "available": 3, "count": 3},
        ]
    }


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "en",
            "Rule 3 ({bank} · Fill in the blank) draws 4 questions; of the 5 it matches, the rules before it (1, 2) "
            "may draw 2 first: 1 short.",
        ),
        (
            "zh-hans",
            "第 3 条规则（{bank} · 填空题）要抽 4 道题；在符合的 5 道中，"
            "它前面的规则（1、2）可能先抽走 2 道：缺 1 道。",
        ),
    ],
)
def test_the_builder_saves_overlapping_rules_that_always_fill_and_counts_the_gap_exactly(
    editor,  # noqa: F811
    bank,  # noqa: F811
    overlapping,
    tree,
    language,
    message,
):
    """Rule 3 drawing 3 of the 3 always left is saved; drawing 4 it is 4 - 3 = 1 short, the earlier
    rules taking at most 2 of its questions (not 2 + 1 = 3, which said 2 short)."""
    page = editor.post(
        reverse("lessons:paper_new"), builder_post(tree["gz"], **overlapping), HTTP_ACCEPT_LANGUAGE=language
    )
    assert page.status_code == 302
    post = builder_post(tree["gz"], **(overlapping | {"rule_count": ["2", "1", "4"]}))
    page = unescape(editor.post(reverse("lessons:paper_new"), post, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    assert message.format(bank=bank.display_name) in page
    assert Paper.objects.count() == 1


def test_stored_overlapping_rules_are_reckoned_the_same_way_and_the_draw_fills(bank, overlapping, tree):  # noqa: F811
    """With s1 and s2 retired, rule 1 (difficulty 1) must draw f1 and f2; rule 2 (党章) then draws
    s3 or s4, and rule 3 (fill-ins) has f3-f5: 3, its count. The sum of counts said 5 - 3 = 2."""
    Question.objects.filter(current__type="single", current__difficulty=1).update(status="retired")
    tag = Question.objects.filter(tags__name="党章").first().tags.get()
    paper = factories.paper(
        tree["gz"],
        rules=[
            {"bank": bank, "difficulty": 1, "count": 2},
            {"bank": bank, "tag": tag, "count": 1},
            {"bank": bank, "type": "fill_blank", "count": 3},
        ],
    )
    # Rule 1: f1 f2, 2. Rule 2: f1 s3 s4, less f1 rule 1 may take: 2. Rule 3: 5 less f1 f2: 3.
    assert [room.available for room in rule_rooms(list(paper.rules.all()))] == [2, 2, 3]
    assert draw_problems(list(paper.rules.all())) == {}
    attempt = attempt_start(paper=paper, member=factories.member(tree["gz1"]))
    asked = [item.version.question_id for item in attempt.items.select_related("version")]
    assert len(asked) == len(set(asked)) == 2 + 1 + 3
