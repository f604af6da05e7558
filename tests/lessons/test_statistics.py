from datetime import timedelta

from django.utils import timezone

from lessons.models import Answer, Attempt
from lessons.selectors import paper_grade
from lessons.services.attempts import answer_save, attempt_start, attempt_submit
from lessons.services.questions import question_edit
from lessons.statistics import Choice, _pearson, paper_statistics
from lessons.validation import QuestionContent
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
    assert by_id[hard.pk].distribution == [Choice("A", 2, True), Choice("B", 2, False), Choice("C", 0, False)]
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


def exam_taken(paper, member, response):
    attempt = attempt_start(paper=paper, member=member)
    answer_save(attempt=attempt, position=1, response=response)
    return attempt_submit(attempt=attempt)


def test_a_key_change_between_attempts_gives_each_version_its_own_row(tree):
    bank = factories.bank(tree["audit"])
    question = factories.question(bank, "single", options=["甲", "乙", "丙"], key=["B"])
    paper = factories.paper(tree["audit"], questions=[question], time_limit_s=600, shuffle_options=False)
    members = [factories.member(tree["gz1"], username=f"m{n}") for n in range(24)]
    for n in range(20):  # under key B: 18 right, 2 chose A
        exam_taken(paper, members[n], "B" if n < 18 else "A")
    question_edit(
        question=question, content=QuestionContent(type="single", stem="改后", options=["甲", "乙", "丙"], key=["C"])
    )
    for n in range(20, 24):  # under key C: 3 right, 1 still chose B
        exam_taken(paper, members[n], "C" if n < 23 else "B")

    stats = paper_statistics(paper)
    assert stats.attempts == 24 and stats.mean_percent == 87.5  # (18 + 3) / 24
    old, new = stats.items
    assert (old.version_number, old.attempts, old.facility) == (1, 20, 90.0)  # 18 / 20
    assert old.distribution == [Choice("A", 2, False), Choice("B", 18, True), Choice("C", 0, False)]
    assert (new.version_number, new.attempts, new.facility) == (2, 4, 75.0)  # 3 / 4
    assert new.distribution == [Choice("A", 0, False), Choice("B", 1, False), Choice("C", 3, True)]


def test_the_statistics_page_highlights_every_spelling_the_fill_in_key_accepts(client, tree):
    bank = factories.bank(tree["audit"])
    question = factories.question(bank, "fill_blank", key=[["1921", "一九二一"]])
    paper = factories.paper(tree["audit"], questions=[question], time_limit_s=600)
    for n, typed in enumerate(["1921", "1921", "一九二一", "1922"]):
        exam_taken(paper, factories.member(tree["gz1"], username=f"f{n}"), [typed])
    client.force_login(factories.organiser(tree["audit"]))
    page = client.get(f"/papers/{paper.pk}/statistics/").content.decode()
    assert '<span class="badge text-bg-success">1921 2</span>' in page
    assert '<span class="badge text-bg-success">一九二一 1</span>' in page
    assert '<span class="badge text-bg-light">1922 1</span>' in page
