import pytest

from lessons.services.attempts import attempt_start
from lessons.services.questions import question_edit
from lessons.validation import QuestionContent, QuestionInvalid, check_question, sanitise
from tests import factories


def content(**fields):
    base = {"type": "single", "stem": "题干", "options": ["甲", "乙", "丙"], "key": ["B"]}
    base.update(fields)
    return QuestionContent(**base)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"key": ["D"]}, "key"),  # names an empty option
        ({"key": ["A", "B"]}, "key"),  # two keys on a single choice
        ({"key": []}, "key"),
        ({"options": ["甲"], "key": ["A"]}, "options"),
        ({"options": ["甲", "", "丙"]}, "options"),
        ({"stem": "<script>alert(1)</script>"}, "stem"),
        ({"difficulty": 6}, "difficulty"),
        ({"type": "true_false", "options": [], "key": ["maybe"]}, "key"),
        ({"type": "fill_blank", "stem": "____年____月", "options": [], "key": [["1921"]]}, "key"),
    ],
)
def test_bad_question_content_is_refused_naming_the_field(fields, field):
    with pytest.raises(QuestionInvalid) as refused:
        check_question(content(**fields))
    assert field in refused.value.errors


def test_scripts_are_stripped_from_stems_and_explanations():
    cleaned = check_question(
        content(
            stem='<p onclick="x()">题<script>alert(1)</script><b>干</b></p>',
            explanation="<img src=x onerror=alert(1)>解析",
        )
    )
    assert cleaned.stem == "<p>题<b>干</b></p>"
    assert "onerror" not in cleaned.explanation and "img" not in cleaned.explanation
    assert sanitise("<a href='javascript:x'>x</a>") == "x"


def test_editing_an_unanswered_question_edits_in_place(tree):
    q = factories.question(factories.bank(tree["audit"]))
    question_edit(question=q, content=content(stem="改过的题干"))
    q.refresh_from_db()
    assert q.versions.count() == 1 and q.current.stem == "改过的题干"


def test_editing_an_answered_question_makes_a_new_version_and_attempts_keep_theirs(tree):
    bank = factories.bank(tree["audit"])
    q = factories.question(bank)
    member = factories.member(tree["gz1"])
    attempt = attempt_start(paper=factories.paper(tree["audit"], questions=[q], time_limit_s=600), member=member)
    old_version = attempt.items.get().version

    question_edit(question=q, content=content(stem="新版本题干"))
    q.refresh_from_db()
    assert q.versions.count() == 2 and q.current.number == 2 and q.current.stem == "新版本题干"
    assert attempt.items.get().version == old_version
    old_version.refresh_from_db()
    assert old_version.stem != "新版本题干"
