"""Individual online contests: setup, the drawn paper, the window, attempts, devices, grading."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contests.online import services
from contests.online.models import IntegrityEvent, OnlineAttempt, OnlineAuditEntry
from contests.online.services import ContestSetupRejected, DrawRule
from lessons.models import Answer, Attempt, Paper
from lessons.services.attempts import AttemptRejected, paper_draw
from tests import factories

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)  # set again as each test starts (tests/conftest.py)


@pytest.fixture
def setup():
    organ = factories.unit_at("审计署")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    other = factories.unit_at("审计署/南京特派办/第一党支部")
    bank = factories.bank(organ)
    singles = [factories.question(bank, "single") for _ in range(4)]
    tfs = [factories.question(bank, "true_false") for _ in range(3)]
    organiser = factories.organiser(organ)
    return {
        "organ": organ,
        "branch": branch,
        "other": other,
        "bank": bank,
        "singles": singles,
        "tfs": tfs,
        "by": organiser,
    }


def make_contest(setup, *, rules=None, **fields):
    bank = setup["bank"]
    defaults = {
        "title": "党史知识网上答题",
        "unit": setup["organ"],
        "audience": [setup["branch"]],
        "opens_at": NOW - timedelta(hours=1),
        "closes_at": NOW + timedelta(days=7),
        "rules": rules
        or [DrawRule(bank=bank, type="single", count=2), DrawRule(bank=bank, type="true_false", count=1)],
        "by": setup["by"],
        "time_limit_s": 600,
        "max_attempts": 2,
    }
    defaults.update(fields)
    return services.online_contest_create(**defaults)


def start(contest, member, device="phone-1", at=None):
    return services.online_attempt_start(contest=contest, member=member, device=device, at=at or NOW)


def key_of(item) -> object:
    """The right answer in the letters this attempt shows (options may be shuffled)."""
    from lessons.presenters import shown_letters

    key = shown_letters(item, item.version.key)
    return key[0] if item.version.type == "single" else ("对" if key[0] else "错")


# ---------------------------------------------------------------- setup


def test_draw_shortfall_is_refused_at_setup_naming_the_rule_and_the_gap(setup):
    rules = [
        DrawRule(bank=setup["bank"], type="single", count=2),
        DrawRule(bank=setup["bank"], type="true_false", count=5),
    ]
    with pytest.raises(ContestSetupRejected) as refused:
        make_contest(setup, rules=rules)
    assert refused.value.code == "draw_shortfall"
    # Rule 2 draws 5 true/false questions; the bank has 3: 2 short.
    assert refused.value.message.startswith("第 2 条规则（")
    assert "要抽 5 道题，但只有 3 道符合：缺 2 道。" in refused.value.message
    assert not Paper.objects.exists()


def test_overlapping_rules_that_need_more_distinct_questions_than_exist_are_refused(setup):
    # 4 singles match both rules; rule 1 may draw 3 of them first, leaving 1 for rule 2's 3: 2 short.
    rules = [DrawRule(bank=setup["bank"], type="single", count=3), DrawRule(bank=setup["bank"], type="single", count=3)]
    with pytest.raises(ContestSetupRejected) as refused:
        make_contest(setup, rules=rules)
    assert refused.value.message.startswith("第 2 条规则（")
    assert "要抽 3 道题；在符合的 4 道中，它前面的规则（1）可能先抽走 3 道：缺 2 道。" in refused.value.message


def test_paper_is_drawn_per_member_and_reproducible_from_its_seed(setup):
    contest = make_contest(setup)
    first, second = factories.member(setup["branch"]), factories.member(setup["branch"])
    for member in (first, second):
        online = start(contest, member)
        items = list(online.attempt.items.order_by("position"))
        assert [i.version.type for i in items].count("single") == 2
        assert [i.version.type for i in items].count("true_false") == 1
        assert [i.version_id for i in items] == [v.pk for v in paper_draw(paper=contest.paper, seed=online.seed)]
    assert OnlineAttempt.objects.values("seed").distinct().count() == 2


def test_member_outside_the_audience_or_not_a_party_member_cannot_start(setup):
    contest = make_contest(setup, party_members_only=True)
    with pytest.raises(AttemptRejected) as refused:
        start(contest, factories.member(setup["other"]))
    assert refused.value.code == "not_in_audience"
    with pytest.raises(AttemptRejected) as refused:
        start(contest, factories.member(setup["branch"], is_party_member=False))
    assert refused.value.code == "party_members_only"


def test_starting_before_the_window_or_after_it_is_refused(setup):
    contest = make_contest(setup, opens_at=NOW + timedelta(hours=1), closes_at=NOW + timedelta(hours=2))
    member = factories.member(setup["branch"])
    with pytest.raises(AttemptRejected) as early:
        start(contest, member, at=NOW)
    assert early.value.code == "not_open_yet"
    with pytest.raises(AttemptRejected) as late:
        start(contest, member, at=NOW + timedelta(hours=2))
    assert late.value.code == "closed"
    assert not Attempt.objects.exists()


def test_a_second_attempt_past_the_limit_is_refused(setup):
    contest = make_contest(setup, max_attempts=1)
    member = factories.member(setup["branch"])
    online = start(contest, member)
    services.online_attempt_submit(online=online, device="phone-1", at=NOW + timedelta(minutes=1))
    with pytest.raises(AttemptRejected) as refused:
        start(contest, member, at=NOW + timedelta(minutes=2))
    assert refused.value.code == "no_attempts_left"


def test_deadline_is_the_time_limit_cut_at_the_window_end(setup):
    contest = make_contest(setup, closes_at=NOW + timedelta(minutes=5), time_limit_s=600)
    online = start(contest, factories.member(setup["branch"]))
    assert online.attempt.deadline_at == NOW + timedelta(minutes=5)


# ---------------------------------------------------------------- taking it


def test_save_after_the_deadline_is_refused_and_graded_as_of_the_deadline(setup):
    contest = make_contest(setup, time_limit_s=60)
    online = start(contest, factories.member(setup["branch"]))
    items = list(online.attempt.items.order_by("position"))
    services.online_answer_save(
        online=online, device="phone-1", position=1, response=key_of(items[0]), at=NOW + timedelta(seconds=30)
    )
    with pytest.raises(AttemptRejected) as refused:
        services.online_answer_save(
            online=online, device="phone-1", position=2, response=key_of(items[1]), at=NOW + timedelta(seconds=61)
        )
    assert refused.value.code == "deadline_passed"
    attempt = Attempt.objects.get(pk=online.attempt.pk)
    assert attempt.status == Attempt.Status.EXPIRED
    assert attempt.finished_at == NOW + timedelta(seconds=60)
    # Only the answer saved in time counts: one question's points (single 1 or true/false 1).
    assert attempt.score == Decimal(1)
    assert Answer.objects.filter(item__attempt=attempt, response__isnull=True).count() == 2


def test_answer_for_a_question_not_on_the_members_paper_is_refused(setup):
    contest = make_contest(setup)
    online = start(contest, factories.member(setup["branch"]))
    with pytest.raises(AttemptRejected) as refused:
        services.online_answer_save(online=online, device="phone-1", position=4, response="A", at=NOW)
    assert refused.value.code == "not_in_attempt"


def test_a_second_device_takes_over_and_the_first_is_frozen(setup):
    contest = make_contest(setup)
    member = factories.member(setup["branch"])
    first = start(contest, member, device="phone")
    second = start(contest, member, device="laptop", at=NOW + timedelta(seconds=5))
    assert second.pk == first.pk and second.takeovers == 1
    with pytest.raises(AttemptRejected) as frozen:
        services.online_answer_save(
            online=first, device="phone", position=1, response="A", at=NOW + timedelta(seconds=6)
        )
    assert frozen.value.code == "taken_over"
    with pytest.raises(AttemptRejected):
        services.online_attempt_submit(online=first, device="phone", at=NOW + timedelta(seconds=7))
    item = second.attempt.items.get(position=1)
    services.online_answer_save(
        online=second, device="laptop", position=1, response=key_of(item), at=NOW + timedelta(seconds=8)
    )
    assert IntegrityEvent.objects.filter(kind="takeover", online_attempt=first).count() == 1
    assert Attempt.objects.filter(member=member).count() == 1


def test_submitting_twice_returns_the_same_result(setup):
    contest = make_contest(setup)
    online = start(contest, factories.member(setup["branch"]))
    items = list(online.attempt.items.order_by("position"))
    for item in items:
        services.online_answer_save(
            online=online, device="phone-1", position=item.position, response=key_of(item), at=NOW
        )
    once = services.online_attempt_submit(online=online, device="phone-1", at=NOW + timedelta(minutes=1))
    twice = services.online_attempt_submit(online=online, device="phone-1", at=NOW + timedelta(minutes=2))
    # Two singles (1 point each) and a true/false (1 point), all right: 3 points.
    assert once.score == twice.score == Decimal(3)
    assert twice.finished_at == NOW + timedelta(minutes=1)
    assert Answer.objects.filter(item__attempt=once).count() == 3


def test_a_save_that_reaches_the_database_after_the_submit_is_refused_and_the_grade_stands(setup):
    contest = make_contest(setup)
    online = start(contest, factories.member(setup["branch"]))
    item = online.attempt.items.select_related("version").get(position=1)
    services.online_answer_save(online=online, device="phone-1", position=1, response=key_of(item), at=NOW)
    # A second request submits while this one still holds the attempt it read as open.
    submitted = services.online_attempt_submit(
        online=OnlineAttempt.objects.get(pk=online.pk), device="phone-1", at=NOW + timedelta(seconds=5)
    )
    assert online.attempt.is_open  # what the late save read before the submit
    wrong = next(choice for choice in ("A", "B", "C", "对", "错") if choice != key_of(item))
    if item.version.type == "true_false":
        wrong = "错" if key_of(item) == "对" else "对"
    with pytest.raises(AttemptRejected) as refused:
        services.online_answer_save(
            online=online, device="phone-1", position=1, response=wrong, item=item, at=NOW + timedelta(seconds=6)
        )
    assert refused.value.code == "attempt_finished"
    item.refresh_from_db()
    assert item.saved_response == item.version.key  # the answer saved in time, as graded
    assert Attempt.objects.get(pk=submitted.pk).score == submitted.score == Decimal(1)


def test_focus_loss_and_paste_are_recorded_per_question(setup):
    contest = make_contest(setup)
    online = start(contest, factories.member(setup["branch"]))
    services.integrity_record(online=online, device="phone-1", kind="focus_lost", position=2, at=NOW)
    services.integrity_record(online=online, device="phone-1", kind="paste", position=3, at=NOW)
    assert list(online.events.values_list("kind", "position")) == [("focus_lost", 2), ("paste", 3)]
    with pytest.raises(AttemptRejected):
        services.integrity_record(online=online, device="phone-1", kind="paste", position=9, at=NOW)


# ---------------------------------------------------------------- editing


def test_window_edited_while_attempts_run_may_only_move_forward_and_is_audited(setup):
    closes = NOW + timedelta(minutes=5)
    contest = make_contest(setup, closes_at=closes, time_limit_s=600)
    online = start(contest, factories.member(setup["branch"]))
    fields = {
        "contest": contest,
        "by": setup["by"],
        "title": contest.title,
        "audience": [setup["branch"]],
        "opens_at": contest.paper.opens_at,
        "party_members_only": False,
    }
    with pytest.raises(ContestSetupRejected) as refused:
        services.online_contest_update(closes_at=closes - timedelta(minutes=1), **fields)
    assert refused.value.code == "window_only_forward"
    with pytest.raises(ContestSetupRejected):
        services.online_contest_update(closes_at=closes, **{**fields, "opens_at": NOW - timedelta(hours=2)})
    services.online_contest_update(closes_at=closes + timedelta(hours=1), **fields)
    entry = OnlineAuditEntry.objects.get(contest=contest, action="window_moved")
    assert entry.actor == setup["by"] and entry.detail["closes_now"] == (closes + timedelta(hours=1)).isoformat()
    # The attempt's deadline was the old close; now it is its own limit (10 minutes from the start).
    assert Attempt.objects.get(pk=online.attempt.pk).deadline_at == NOW + timedelta(minutes=10)


def test_contest_papers_stay_out_of_the_study_hub(setup, client):
    contest = make_contest(setup)
    member = factories.member(setup["branch"])
    from lessons.selectors import papers_for_member

    assert contest.paper not in papers_for_member(member)
    client.force_login(member)
    assert client.post(f"/study/papers/{contest.paper.pk}/start/").status_code == 404
    online = start(contest, member)
    assert (
        client.put(
            f"/api/v1/study/attempts/{online.attempt.pk}/items/1/", {"response": "A"}, content_type="application/json"
        ).status_code
        == 403
    )


# ---------------------------------------------------------------- as a ranking source


def wrong_of(item) -> object:
    from lessons.presenters import shown_letters

    if item.version.type == "true_false":
        return "错" if item.version.key[0] else "对"
    key = shown_letters(item, item.version.key)
    return next(letter for letter in "ABC" if letter not in key)


def sit(contest, member, *, right: int, at):
    """One attempt answering the first `right` questions right and the rest wrong (1 point each)."""
    online = start(contest, member, at=at)
    for item in online.attempt.items.order_by("position"):
        response = key_of(item) if item.position <= right else wrong_of(item)
        services.online_answer_save(online=online, device="phone-1", position=item.position, response=response, at=at)
    services.online_attempt_submit(online=online, device="phone-1", at=at + timedelta(minutes=2))


def test_units_are_ranked_by_the_online_contests_participation_and_scores(setup):
    """第一党支部: 4 members; 甲 scored 1 then 3 (best counts: 3), 乙 3, 丙 2, 丁 did not take part:
    participation 3/4 = 0.75, total 8, mean 8/3 = 2.6667. 第二党支部: 2 members; 戊 scored 3,
    己 did not: participation 1/2 = 0.5, total 3, mean 3. 南京's branch has nobody."""
    from rankings.services import run_execute, run_request

    second = factories.unit_at("审计署/广州特派办/第二党支部")
    contest = make_contest(setup, audience=[setup["organ"]])
    first_branch = [factories.member(setup["branch"], real_name=n) for n in ("甲", "乙", "丙", "丁")]
    second_branch = [factories.member(second, real_name=n) for n in ("戊", "己")]
    sit(contest, first_branch[0], right=1, at=NOW)
    sit(contest, first_branch[0], right=3, at=NOW + timedelta(minutes=5))
    sit(contest, first_branch[1], right=3, at=NOW)
    sit(contest, first_branch[2], right=2, at=NOW)
    sit(contest, second_branch[0], right=3, at=NOW)

    def ranked(metric: str) -> dict:
        rule = factories.ranking_rule(
            setup["organ"],
            subject="unit",
            unit_level=3,
            metric=metric,
            sources=[{"kind": "online", "paper": contest.paper}],
        )
        run, _created = run_request(rule=rule)
        run = run_execute(run_id=run.pk)
        assert run.status == "done", run.outcome
        # By unit: 南京's branch bears the same name as 广州's first one.
        names = {setup["branch"].pk: "第一党支部", second.pk: "第二党支部", setup["other"].pk: "南京"}
        return {names[row.subject_id]: row for row in run.snapshot.rows.all()}

    by_participation = ranked("participation")
    assert (by_participation["第一党支部"].place, by_participation["第二党支部"].place) == (1, 2)
    assert by_participation["第一党支部"].metric == Decimal("0.7500")
    assert by_participation["第二党支部"].metric == Decimal("0.5000")
    assert (by_participation["第一党支部"].participants, by_participation["第一党支部"].headcount) == (3, 4)
    assert by_participation["南京"].ineligible_reason == "no_headcount"

    by_mean = ranked("mean")
    assert (by_mean["第二党支部"].place, by_mean["第一党支部"].place) == (1, 2)
    assert by_mean["第一党支部"].metric == Decimal("2.6667")
    assert by_mean["第一党支部"].total == Decimal(8)
    assert by_mean["第二党支部"].metric == Decimal(3)


def test_an_online_source_must_name_an_online_contests_paper(setup):
    from django.core.exceptions import ValidationError

    from rankings.models import RuleSource

    plain = factories.paper(setup["organ"])
    with pytest.raises(ValidationError):
        RuleSource(kind="online", paper=plain).clean()
    RuleSource(kind="online", paper=make_contest(setup).paper).clean()


def test_only_identical_answers_at_the_same_time_are_flagged(setup):
    """甲 and 乙 answer alike within seconds: flagged. 丙 answers alike but an hour later, 丁 at the
    same time with one answer different: neither is paired with anyone."""
    from contests.online.selectors import similar_pairs

    contest = make_contest(setup, rules=[DrawRule(bank=setup["bank"], type="single", count=4)])
    jia, yi, bing, ding = (factories.member(setup["branch"], real_name=n) for n in ("甲", "乙", "丙", "丁"))
    sit(contest, jia, right=4, at=NOW)
    sit(contest, yi, right=4, at=NOW + timedelta(seconds=10))
    sit(contest, bing, right=4, at=NOW + timedelta(hours=1))
    sit(contest, ding, right=3, at=NOW + timedelta(seconds=5))
    pairs = similar_pairs(contest)
    assert [(p.first.member, p.second.member, p.common, p.start_gap_s) for p in pairs] == [(jia, yi, 4, 10)]


def sit_answering(contest, member, *, at, answers: dict):
    """One attempt answering only the questions in `answers` (question -> "right" or "wrong", the
    wrong one the question's first other option, the same for everyone whatever the option order);
    every other question is left blank (never saved)."""
    from lessons.presenters import shown_letters

    online = start(contest, member, at=at)
    for item in online.attempt.items.select_related("version"):
        verdict = answers.get(item.version.question_id)
        if verdict is None:
            continue
        key = item.version.key
        letter = key[0] if verdict == "right" else next(x for x in "ABC" if x not in key)
        response = shown_letters(item, [letter])[0]
        services.online_answer_save(online=online, device="phone-1", position=item.position, response=response, at=at)
    services.online_attempt_submit(online=online, device="phone-1", at=at + timedelta(minutes=2))


def test_questions_both_left_blank_are_not_answers_alike(setup):
    """Four single questions q1-q4, drawn in any order. 甲 and 乙, 10 s apart, both answer q1 right
    and leave q2-q4 blank: one answer alike, under the three needed, so no pair (the blanks used to
    make it four alike). An hour later 丙 and 丁 give the same wrong answer to q1-q3 and both leave
    q4 blank: a pair with 3 answers alike (not 4), all 3 wrong. Two hours later 戊 answers q1-q4
    wrong and 己 q1-q3 the same and q4 blank: q4 differs, so no pair."""
    from contests.online.selectors import similar_pairs

    contest = make_contest(setup, rules=[DrawRule(bank=setup["bank"], type="single", count=4)])
    q1, q2, q3, q4 = (q.pk for q in setup["singles"])
    jia, yi, bing, ding, wu, ji = (factories.member(setup["branch"], real_name=n) for n in "甲乙丙丁戊己")
    sit_answering(contest, jia, at=NOW, answers={q1: "right"})
    sit_answering(contest, yi, at=NOW + timedelta(seconds=10), answers={q1: "right"})
    three_wrong = {q1: "wrong", q2: "wrong", q3: "wrong"}
    sit_answering(contest, bing, at=NOW + timedelta(hours=1), answers=three_wrong)
    sit_answering(contest, ding, at=NOW + timedelta(hours=1, seconds=5), answers=three_wrong)
    sit_answering(contest, wu, at=NOW + timedelta(hours=2), answers={**three_wrong, q4: "wrong"})
    sit_answering(contest, ji, at=NOW + timedelta(hours=2, seconds=5), answers=three_wrong)
    pairs = similar_pairs(contest)
    assert [(p.first.member, p.second.member, p.common, p.same_wrong, p.start_gap_s) for p in pairs] == [
        (bing, ding, 3, 3, 5)
    ]


# ---------------------------------------------------------------- how an attempt ended


def local_stamp(moment, language: str = "en") -> str:
    """A moment as the pages write it in `language` (quizsite/formats): "6 Dec 2026 09:01", "2026-12-06 09:01"."""
    from django.utils import formats, translation

    with translation.override(language):
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def first_key(online) -> object:
    """A valid answer to the attempt's first question (its type is drawn at random)."""
    return key_of(online.attempt.items.select_related("version").get(position=1))


def test_a_save_after_the_time_ran_out_says_the_attempt_ended_then_not_that_it_was_submitted(setup):
    """Time limit 60 s, window open for days: the first late save ends the attempt at its deadline,
    and that save and every later one (or a question opened, or an event) say so."""
    from django.utils import translation

    contest = make_contest(setup, time_limit_s=60)
    online = start(contest, factories.member(setup["branch"]))
    deadline = NOW + timedelta(seconds=60)
    expected = f"This attempt has ended: its time ran out at {local_stamp(deadline)}. The answers saved by then count."
    with translation.override("en"):
        for late in (61, 3600):
            with pytest.raises(AttemptRejected) as refused:
                services.online_answer_save(
                    online=online,
                    device="phone-1",
                    position=1,
                    response=first_key(online),
                    at=NOW + timedelta(seconds=late),
                )
            assert (refused.value.code, refused.value.message) == ("deadline_passed", expected)
        with pytest.raises(AttemptRejected) as refused:
            services.online_item_open(online=online, device="phone-1", position=2, at=NOW + timedelta(seconds=62))
        assert refused.value.message == expected
        online.attempt.refresh_from_db()
        with pytest.raises(AttemptRejected) as refused:
            services.integrity_record(online=online, device="phone-1", kind="paste", position=1)
        assert refused.value.message == expected
    assert services.how_ended(online.attempt) == "time_up"
    with translation.override("zh-hans"):
        with pytest.raises(AttemptRejected) as refused:
            services.online_answer_save(online=online, device="phone-1", position=1, response=first_key(online))
        assert refused.value.message == (
            f"本次作答已结束：作答时间已于 {local_stamp(deadline, 'zh-hans')} 用完。此前保存的答案有效。"
        )


def test_a_save_after_the_contest_closed_says_the_attempt_ended_with_the_contest(setup):
    """The window closes 5 minutes after the start, before the 10-minute limit: the deadline is
    the close, and a save after it says the contest closed then."""
    from django.utils import translation

    closes = NOW + timedelta(minutes=5)
    contest = make_contest(setup, closes_at=closes, time_limit_s=600)
    online = start(contest, factories.member(setup["branch"]))
    with translation.override("en"), pytest.raises(AttemptRejected) as refused:
        services.online_answer_save(
            online=online, device="phone-1", position=1, response=first_key(online), at=closes + timedelta(seconds=1)
        )
    assert (refused.value.code, refused.value.message) == (
        "deadline_passed",
        f"This attempt has ended: the contest closed at {local_stamp(closes)}. The answers saved by then count.",
    )
    online.attempt.refresh_from_db()
    assert services.how_ended(online.attempt) == "closed"


def test_a_save_after_the_member_submitted_says_it_was_submitted(setup):
    from django.utils import translation

    contest = make_contest(setup)
    online = start(contest, factories.member(setup["branch"]))
    services.online_attempt_submit(online=online, device="phone-1", at=NOW + timedelta(seconds=5))
    with translation.override("en"), pytest.raises(AttemptRejected) as refused:
        services.online_answer_save(
            online=online, device="phone-1", position=1, response=first_key(online), at=NOW + timedelta(seconds=6)
        )
    assert (refused.value.code, refused.value.message) == (
        "attempt_finished",
        "This attempt has been submitted: its answers can no longer be changed.",
    )
    assert services.how_ended(online.attempt) == "submitted"


def test_a_blank_hand_in_earns_no_completion_points_and_one_answered_question_does(setup):
    """完成线上竞赛 is 2 points: handing in the three drawn questions all blank (score 0) earns
    none; the member's second attempt with one question answered, wrongly (score 0), earns 2."""
    from lessons.models import PointEvent

    member = factories.member(setup["branch"])
    contest = make_contest(setup)
    blank = start(contest, member)
    services.online_attempt_submit(online=blank, device="phone-1", at=NOW + timedelta(minutes=1))
    assert not PointEvent.objects.filter(member=member).exists()

    second = start(contest, member, at=NOW + timedelta(minutes=2))
    first_item = second.attempt.items.get(position=1)
    services.online_answer_save(
        online=second, device="phone-1", position=1, response=wrong_of(first_item), at=NOW + timedelta(minutes=2)
    )
    done = services.online_attempt_submit(online=second, device="phone-1", at=NOW + timedelta(minutes=3))
    assert done.score == 0
    events = PointEvent.objects.filter(member=member, activity="online_contest_submit")
    assert [(e.source_key, e.points) for e in events] == [(f"attempt:{done.pk}", 2)]
