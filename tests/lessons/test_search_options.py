"""A search of the questions matches the options' text as people see it, on both databases:
SQLite stored the options' Chinese as \\uXXXX escapes, and "1922" matched inside them."""

import pytest
from django.db import connection

from lessons.models import Question, QuestionVersion
from lessons.selectors import questions_matching_text
from tests import factories


@pytest.fixture
def bank(tree):
    return factories.bank(tree["audit"])


def test_a_search_for_a_year_matches_the_option_holding_it_not_the_escapes_of_chinese(bank):
    year = factories.question(bank, "single", stem="中共一大召开于哪一年？", options=["1921年", "1922年"])
    # 丙 is U+4E19: escaped, "丙22" was "\u4e1922", which holds "1922".
    other = factories.question(bank, "single", stem="下列哪项正确？", options=["丙22", "丁33"])
    found = questions_matching_text(Question.objects.filter(bank=bank), "1922")
    assert list(found) == [year]
    assert list(questions_matching_text(Question.objects.filter(bank=bank), "丙22")) == [other]


def test_options_are_stored_as_typed(bank):
    question = factories.question(bank, "single", options=["实现共产主义", 'A "quoted" option'])
    with connection.cursor() as cursor:
        table = QuestionVersion._meta.db_table
        cursor.execute(f"SELECT options FROM {table} WHERE id = %s", [question.current_id])  # noqa: S608
        (stored,) = cursor.fetchone()
    text = stored if isinstance(stored, str) else str(stored)
    assert "实现共产主义" in text and "\\u" not in text
    assert list(questions_matching_text(Question.objects.filter(bank=bank), '"quoted"')) == [question]


def test_imported_options_are_stored_as_typed_too(bank):
    from tests.lessons.test_import import run, xlsx

    run(xlsx([["单选", "中共二大召开于？", "1922年", "丙22", None, None, "A", None, "易", "党史"]]), bank)
    (question,) = questions_matching_text(Question.objects.filter(bank=bank), "1922")
    assert question.current.options == ["1922年", "丙22"]
    assert not questions_matching_text(Question.objects.filter(bank=bank), "4e19").exists()
