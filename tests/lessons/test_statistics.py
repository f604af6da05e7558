from datetime import timedelta

from django.utils import timezone

from lessons.models import Answer, Attempt
from lessons.selectors import paper_grade
from lessons.services.attempts import answer_save, attempt_start, attempt_submit
from lessons.statistics import _pearson, paper_statistics
from rankings.models import SnapshotRow
from rankings.services import run_execute, run_request
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


def test_an_abandoned_exam_past_its_deadline_is_counted_by_every_read(tree):
    """On the embedded default no beat submits it; each counting read must see 31 finished attempts."""
    bank = factories.bank(tree["audit"])
    question = factories.question(bank, "true_false", key=[True])
    paper = factories.paper(tree["audit"], questions=[question], time_limit_s=600)
    for n in range(30):
        attempt = attempt_start(paper=paper, member=factories.member(tree["gz1"], username=f"done{n}"))
        answer_save(attempt=attempt, position=1, response="对")
        attempt_submit(attempt=attempt)
    gone = factories.member(tree["gz1"], username="gone")
    started = timezone.now() - timedelta(minutes=11)  # a 10-minute exam, left with a saved right answer
    abandoned = attempt_start(paper=paper, member=gone, at=started)
    answer_save(attempt=abandoned, position=1, response="对", at=started + timedelta(minutes=1))

    assert paper_statistics(paper).attempts == 31
    abandoned.refresh_from_db()
    assert abandoned.status == Attempt.Status.EXPIRED and abandoned.finished_at == started + timedelta(minutes=10)

    Attempt.objects.filter(pk=abandoned.pk).update(status=Attempt.Status.IN_PROGRESS, finished_at=None, score=0)
    Answer.objects.filter(item__attempt=abandoned).delete()
    graded = paper_grade(gone, paper)
    assert graded is not None and graded.pk == abandoned.pk and graded.score == 1

    Attempt.objects.filter(pk=abandoned.pk).update(status=Attempt.Status.IN_PROGRESS, finished_at=None, score=0)
    Answer.objects.filter(item__attempt=abandoned).delete()
    rule = factories.ranking_rule(tree["audit"], sources=[{"kind": "exam", "paper": paper}])
    run, _created = run_request(rule=rule)
    snapshot = run_execute(run_id=run.pk).snapshot
    assert SnapshotRow.objects.filter(snapshot=snapshot).count() == 31
    assert SnapshotRow.objects.get(snapshot=snapshot, subject_id=gone.pk).metric == 1
