"""A rule's sources are described in words people read, never by the ledger's activity codes."""

import pytest
from django.urls import reverse

from lessons.models import PointRule
from lessons.services.points import point_rules_ensure_defaults, points_award
from tests import factories


@pytest.fixture
def rule(tree):
    point_rules_ensure_defaults()
    exam = factories.paper(tree["audit"], title="保密知识测验", title_en="Secrecy quiz")
    return factories.ranking_rule(
        tree["audit"],
        subject="member",
        sources=[{"kind": "points", "activity": "practice_correct"}, {"kind": "exam", "paper": exam}],
    )


@pytest.mark.parametrize(
    ("language", "points_source", "exam_source"),
    [
        ("zh-hans", "统计期内的自学积分（练习答对）", "考试试卷：每人计一次成绩（保密知识测验）"),
        (
            "en",
            "Self-study points in the period (Practice: right answers)",
            "Exam paper: best attempt per member (Secrecy quiz)",
        ),
    ],
)
def test_the_rule_page_names_a_points_source_by_its_activity_in_the_readers_language(
    tree, rule, language, points_source, exam_source
):
    admin = factories.administrator(tree["audit"], username="boss")
    page = factories.client_in(language, admin).get(reverse("rankings:manage", args=[rule.slug])).content.decode()
    assert points_source in page and exam_source in page
    assert "practice_correct" not in page


def test_an_activity_no_rule_names_reads_as_another_activity_and_an_administrators_own_by_its_name(tree):
    from rankings.models import RuleSource

    PointRule.objects.create(activity="reading_club", label="读书会打卡", points=1)
    assert RuleSource(kind="points", activity="reading_club").description == "统计期内的自学积分（读书会打卡）"
    assert RuleSource(kind="points", activity="gone_away").description == "统计期内的自学积分（其他活动）"


def test_the_points_api_gives_each_events_activity_a_label_beside_its_code(tree):
    point_rules_ensure_defaults()
    member = factories.member(tree["gz1"])
    points_award(member=member, activity="practice_correct", source_key="answer-1")
    history = factories.client_in("en", member).get("/api/v1/study/points/").json()["history"]
    assert [(e["activity"], e["label"], e["points"]) for e in history] == [
        ("practice_correct", "Practice: right answers", 1)
    ]
