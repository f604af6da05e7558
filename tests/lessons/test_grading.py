from decimal import Decimal

import pytest

from lessons.grading import ResponseInvalid, clean_response, grade, normalise_letters, normalise_text, parse_true_false


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("１９２１", "1921"),
        (" 党的 十九大 ", "党的十九大"),
        ("党的十九大。", "党的十九大"),
        ("Marxism", "marxism"),
        ("“两个确立”", '"两个确立"'),
        ("实事求是，", "实事求是"),
        ("ＡＢＣ", "abc"),
    ],
)
def test_typed_answers_match_across_width_case_space_and_punctuation(typed, key):
    assert normalise_text(typed) == normalise_text(key)


@pytest.mark.parametrize("raw", ["ABD", "A,B,D", "A、B、D", "A B D", "ａ，ｂ，ｄ", " d b a ", ["B", "A", "D"]])
def test_option_letters_in_every_spelling(raw):
    assert normalise_letters(raw) == ["A", "B", "D"]


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("对", True),
        ("√", True),
        ("正确", True),
        ("T", True),
        ("是", True),
        ("错", False),
        ("×", False),
        ("错误", False),
        ("f", False),
        ("否", False),
    ],
)
def test_true_false_words(word, value):
    assert parse_true_false(word) is value


def test_multiple_choice_all_or_nothing_and_partial():
    key = ["A", "B", "D"]
    assert grade(type="multiple", key=key, response=["A", "B", "D"], partial=False) == 1
    assert grade(type="multiple", key=key, response=["A", "B"], partial=False) == 0
    assert grade(type="multiple", key=key, response=["A", "B"], partial=True) == Decimal("0.6667")
    assert grade(type="multiple", key=key, response=["A", "C"], partial=True) == 0  # a wrong pick earns nothing


def test_fill_blank_accepts_alternatives_and_partial_blanks():
    key = [["十九大", "党的十九大"], ["2017"]]
    assert grade(type="fill_blank", key=key, response=["党的 十九大", "２０１７"], partial=False) == 1
    assert grade(type="fill_blank", key=key, response=["十八大", "2017"], partial=False) == 0
    assert grade(type="fill_blank", key=key, response=["十八大", "2017"], partial=True) == Decimal("0.5")
    assert grade(type="fill_blank", key=key, response=["", ""], partial=True) == 0


def test_responses_that_do_not_fit_the_question_are_refused():
    with pytest.raises(ResponseInvalid):
        clean_response(type="single", options=["a", "b"], blanks=0, response="C")
    with pytest.raises(ResponseInvalid):
        clean_response(type="single", options=["a", "b", "c"], blanks=0, response="AB")
    with pytest.raises(ResponseInvalid):
        clean_response(type="fill_blank", options=[], blanks=1, response=["a", "b"])
    with pytest.raises(ResponseInvalid):
        clean_response(type="true_false", options=[], blanks=0, response="maybe")
    assert clean_response(type="fill_blank", options=[], blanks=2, response="a") == ["a", ""]
