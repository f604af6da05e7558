# ruff: noqa: F811 (the fixtures imported from tests.calls.conftest)
"""A judge scores and an author withdraws over /api/v1/calls/, and an organiser creates a contest
from the setup wizard's templates over /api/v1/contests/, by the pages' services."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from calls import services as call_services
from calls.models import Assignment, Entry, Panel, ScoreEvent
from contests.models import Contest, Round
from orgs.tokens import token_issue
from tests import factories
from tests.calls.conftest import essay_call, submitted_essay  # noqa: F401 (fixture)


def api(user) -> APIClient:
    _token, key = token_issue(user=user, device="测试手机")
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.fixture
def judging(essay_call, tree, gz_organiser):
    """Two gz1 entries straight into judging, two jjj1 judges (no conflict) on a panel; the
    rubric: 内容 0.6 × 0-100, 文采 0.4 × 0-100."""
    essay_call.levels.all().delete()
    entries = [submitted_essay(essay_call, factories.member(tree["gz1"]), title=f"征文{i}") for i in range(2)]
    judges = [factories.member(tree["jjj1"], real_name=f"评委{i}") for i in range(2)]
    panel = Panel.objects.create(call=essay_call, name="评审组")
    panel.judges.set(judges)
    essay_call.judges_per_entry = 2
    essay_call.save()
    call_services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="s")
    content, style = essay_call.criteria.order_by("pk")
    return {"entries": entries, "judges": judges, "content": content, "style": style, "call": essay_call}


def _scores(judging, content, style):
    return {
        "scores": [
            {"criterion": judging["content"].pk, "score": content},
            {"criterion": judging["style"].pk, "score": style},
        ]
    }


def test_a_score_over_the_api_equals_the_same_score_by_the_page_service(judging):
    judge = judging["judges"][0]
    by_api, by_page = Assignment.objects.filter(judge=judge).order_by("pk")
    answer = api(judge).post(
        f"/api/v1/calls/assignments/{by_api.pk}/scores/", _scores(judging, "85", "70.5"), format="json"
    )
    call_services.score_record(
        assignment=by_page,
        by=judge,
        values={judging["content"].pk: Decimal("85"), judging["style"].pk: Decimal("70.5")},
    )
    # 0.6 × 85 + 0.4 × 70.5 = 51 + 28.2 = 79.2
    assert answer.status_code == 200
    assert answer.json()["total"] == "79.20"
    page = api(judge).get(f"/api/v1/calls/assignments/{by_page.pk}/").json()
    assert page["total"] == "79.20"
    assert sorted(ScoreEvent.objects.filter(assignment=by_api).values_list("value", flat=True)) == [
        Decimal("70.50"),
        Decimal("85.00"),
    ]


def test_a_score_out_of_range_names_the_criterion_and_records_nothing(judging):
    judge = judging["judges"][0]
    assignment = Assignment.objects.filter(judge=judge).first()
    answer = api(judge).post(
        f"/api/v1/calls/assignments/{assignment.pk}/scores/", _scores(judging, "101", "50"), format="json"
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("out_of_range", "scores")
    assert "内容" in error["message"]
    assert not ScoreEvent.objects.exists()


def test_a_missing_criterion_or_a_repeated_one_is_bad_input(judging):
    judge = judging["judges"][0]
    assignment = Assignment.objects.filter(judge=judge).first()
    url = f"/api/v1/calls/assignments/{assignment.pk}/scores/"
    one = api(judge).post(url, {"scores": [{"criterion": judging["content"].pk, "score": "80"}]}, format="json")
    assert (one.status_code, one.json()["error"]["code"]) == (400, "incomplete")
    twice = {"scores": [{"criterion": judging["content"].pk, "score": "80"}] * 2}
    repeated = api(judge).post(url, twice, format="json")
    assert (repeated.status_code, repeated.json()["error"]["code"]) == (400, "duplicate")
    assert not ScoreEvent.objects.exists()


def test_an_entry_not_assigned_to_you_is_not_found(judging, tree):
    other_judge, judge = judging["judges"][1], judging["judges"][0]
    theirs = Assignment.objects.filter(judge=other_judge).first()
    answer = api(judge).post(
        f"/api/v1/calls/assignments/{theirs.pk}/scores/", _scores(judging, "80", "80"), format="json"
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_assigned")


def test_a_conflicted_judge_is_refused_as_not_assigned(judging, tree):
    judge = judging["judges"][0]
    assignment = Assignment.objects.filter(judge=judge).first()
    judge.unit = tree["gz1"]  # moved into the entries' own branch after the draw
    judge.save()
    answer = api(judge).post(
        f"/api/v1/calls/assignments/{assignment.pk}/scores/", _scores(judging, "80", "80"), format="json"
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_assigned")
    assert not ScoreEvent.objects.exists()


def test_scores_after_the_lock_are_refused(judging, gz_organiser):
    judge = judging["judges"][0]
    assignment = Assignment.objects.filter(judge=judge).first()
    given = {judging["content"].pk: Decimal(70), judging["style"].pk: Decimal(70)}
    for held in Assignment.objects.all():  # the lock waits for every score
        call_services.score_record(assignment=held, by=held.judge, values=given)
    call_services.scores_lock(call=judging["call"], by=gz_organiser, close_now=True)
    answer = api(judge).post(
        f"/api/v1/calls/assignments/{assignment.pk}/scores/", _scores(judging, "80", "80"), format="json"
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "locked")
    assert call_services.current_scores(assignment) == given


def test_an_author_withdraws_before_judging_but_not_after(essay_call, judging, tree):
    author = factories.member(tree["gz2"])
    draft = submitted_essay(essay_call, author, title="撤回的征文")
    answer = api(author).post(f"/api/v1/calls/entries/{draft.pk}/withdraw/")
    assert (answer.status_code, answer.json()["status"]) == (200, Entry.Status.WITHDRAWN)

    judged = judging["entries"][0]
    refused = api(judged.author).post(f"/api/v1/calls/entries/{judged.pk}/withdraw/")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "judging_begun")
    judged.refresh_from_db()
    assert judged.status == Entry.Status.FINALIST
    # Someone else's entry is not there for you.
    assert api(author).post(f"/api/v1/calls/entries/{judged.pk}/withdraw/").status_code == 404


# ---------------------------------------------------------------- contest creation


@pytest.fixture
def bank(tree):
    bank = factories.bank(tree["gz"])
    for _ in range(4):
        factories.question(bank, "single")
    return bank


def test_an_organiser_creates_a_draft_contest_with_rounds_from_templates(gz_organiser, tree, bank):
    answer = api(gz_organiser).post(
        "/api/v1/contests/",
        {
            "title": "知识竞赛",
            "unit": tree["gz1"].pk,
            "rounds": [
                {"template": "relay", "bank": bank.slug, "count": 3},
                {"template": "buzzer", "bank": bank.slug, "count": 1},
            ],
        },
        format="json",
    )
    assert answer.status_code == 201
    body = answer.json()
    contest = Contest.objects.get(join_code=body["code"])
    assert (contest.title, contest.unit, contest.status, body["rounds"]) == ("知识竞赛", tree["gz1"], "draft", 2)
    assert body["setup_url"].endswith(f"/contests/{contest.join_code}/setup/teams/")
    relay, buzzer = contest.rounds.order_by("pk")
    # The templates' settings: relay 10 points 30 s; buzzer 10 points, 10 penalty, 5 early, 15 s.
    assert (relay.type, relay.points, relay.time_limit_s, relay.questions.count()) == (Round.Type.RELAY, 10, 30, 3)
    assert (buzzer.penalty, buzzer.early_buzz_penalty, buzzer.time_limit_s) == (10, 5, 15)


def test_a_unit_outside_your_tree_is_forbidden(gz_organiser, tree):
    answer = api(gz_organiser).post("/api/v1/contests/", {"title": "竞赛", "unit": tree["jjj"].pk}, format="json")
    assert answer.status_code == 403
    assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == ("unit_outside_scope", "unit")
    assert not Contest.objects.exists()


def test_an_unknown_template_names_the_field_and_creates_nothing(gz_organiser, tree, bank):
    rounds = [{"template": "relay", "bank": bank.slug}, {"template": "抢答", "bank": bank.slug}]
    answer = api(gz_organiser).post(
        "/api/v1/contests/", {"title": "竞赛", "unit": tree["gz"].pk, "rounds": rounds}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "rounds.1.template"
    assert not Contest.objects.exists()


def test_a_round_that_cannot_be_made_leaves_no_contest(gz_organiser, tree, bank):
    rounds = [{"template": "relay", "bank": bank.slug, "count": 5}]  # the bank has 4 questions
    answer = api(gz_organiser).post(
        "/api/v1/contests/", {"title": "竞赛", "unit": tree["gz"].pk, "rounds": rounds}, format="json"
    )
    assert answer.status_code == 400
    assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == ("bank_too_few", "rounds.0")
    assert not Contest.objects.exists()


def test_a_member_cannot_create_contests(tree):
    member = factories.member(tree["gz1"])
    answer = api(member).post("/api/v1/contests/", {"title": "竞赛", "unit": tree["gz1"].pk}, format="json")
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden")
    assert not Contest.objects.exists()
