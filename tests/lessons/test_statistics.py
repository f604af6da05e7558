from lessons.services.attempts import answer_save, attempt_start, attempt_submit
from lessons.statistics import _pearson, paper_statistics
from tests import factories


def test_pearson_matches_a_hand_computed_value():
    assert round(_pearson([1, 0, 1, 0], [3, 1, 2, 1]), 4) == 0.9045
    assert _pearson([1, 1], [2, 3]) is None  # no variance


def test_facility_discrimination_and_distribution(tree):
    bank = factories.bank(tree["audit"])
    easy = factories.question(bank, "true_false", key=[True])
    hard = factories.question(bank, "single", options=["甲", "乙", "丙"], key=["A"])
    paper = factories.paper(
        tree["audit"], questions=[easy, hard], time_limit_s=600, shuffle_options=False, shuffle_questions=False
    )
    # Strong members get both right; weak members get the hard one wrong (choosing 乙).
    for n, (tf, choice) in enumerate([("对", "A"), ("对", "A"), ("对", "B"), ("错", "B")]):
        attempt = attempt_start(paper=paper, member=factories.member(tree["gz1"], username=f"s{n}"))
        answer_save(attempt=attempt, position=1, response=tf)
        answer_save(attempt=attempt, position=2, response=choice)
        attempt_submit(attempt=attempt)
    stats = paper_statistics(paper)
    assert stats.attempts == 4
    by_id = {item.question_id: item for item in stats.items}
    assert by_id[easy.pk].facility == 75.0 and by_id[hard.pk].facility == 50.0
    assert by_id[hard.pk].distribution == [("A", 2), ("B", 2), ("C", 0)]
    assert by_id[hard.pk].discrimination > 30
    assert stats.mean_percent == round((100 + 100 + 50 + 0) / 4, 1)
