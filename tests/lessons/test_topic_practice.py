"""Practice by knowledge point: a member lists the knowledge points of the banks they may use (their
unit's and those above, shared below and opened for practice by their organisers), with each point's
questions and their accuracy so far, and starts a practice of 10 or 20 of its questions, an ordinary
practice attempt earning practice's points under practice's daily cap. Bad choices get a clear
message and create nothing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lessons import selectors
from lessons.models import Attempt, Paper, PointEvent, Tag
from lessons.services.attempts import AttemptRejected, answer_save, answer_submit, attempt_start, attempt_submit
from lessons.services.removal import bank_delete, bank_delete_blockers
from lessons.services.topic_practice import topic_practice_start
from tests import factories


@pytest.fixture
def banks(tree):
    """审计署's shared bank, open for practice: 12 questions on 党章 (2 of them drafts, 1 retired),
    3 on 党史; its confidential bank: 5 on 党章; 财政部's bank: 4 on 党章 (both also opened for
    practice, which does not make them this member's). A member of 广州's first branch."""
    shared = factories.bank(tree["audit"])
    for _ in range(10):
        factories.question(shared, "single", key=["A"], tags=["党章"])
    draft = factories.question(shared, "single", tags=["党章"])
    type(draft).objects.filter(pk=draft.pk).update(status="draft")
    retired = factories.question(shared, "single", tags=["党章"])
    type(retired).objects.filter(pk=retired.pk).update(status="retired")
    for _ in range(3):
        factories.question(shared, "true_false", key=[True], tags=["党史"])
    factories.question(shared, "single")  # no knowledge point
    secret = factories.bank(tree["audit"])
    type(secret).objects.filter(pk=secret.pk).update(shared_below=False)
    for _ in range(5):
        factories.question(secret, "single", tags=["党章"])
    other = factories.bank(tree["mof"])
    for _ in range(4):
        factories.question(other, "single", tags=["党章"])
    type(shared).objects.filter(pk__in=[shared.pk, secret.pk, other.pk]).update(open_for_practice=True)
    shared.refresh_from_db()
    member = factories.member(tree["gz1"])
    return {"shared": shared, "secret": secret, "other": other, "member": member}


def tag(name: str) -> Tag:
    return Tag.objects.get(name=name)


def nothing_created(before: tuple[int, int]) -> bool:
    return (Paper.objects.count(), Attempt.objects.count()) == before


def test_the_list_shows_the_points_of_shared_banks_above_with_their_published_questions(banks):
    rows = selectors.topic_rows(banks["member"])
    # Only the shared bank: 10 published on 党章 (the draft and the retired one not), 3 on 党史.
    assert [(row.bank, row.tag.name, row.questions, row.accuracy) for row in rows] == [
        (banks["shared"], "党史", 3, None),
        (banks["shared"], "党章", 10, None),
    ]


def test_a_topic_practice_draws_from_the_point_and_counts_as_practice(banks):
    """10 questions of 党章 from the shared bank; answering the first right earns practice's 1
    point; the list then reads 1 of 1 right (100%), 党史 still unpractised."""
    member = banks["member"]
    attempt = topic_practice_start(member=member, bank_id=banks["shared"].pk, tag_id=tag("党章").pk, count="10")
    assert attempt.paper.mode == "practice" and attempt.paper.practised_by == member
    items = list(attempt.items.select_related("version__question"))
    assert len(items) == 10
    assert {item.version.question.bank_id for item in items} == {banks["shared"].pk}
    assert all(tag("党章") in item.version.question.tags.all() for item in items)
    first = min(items, key=lambda item: item.position)
    key = "ABC"[first.option_order.index(0)]  # where the key (option A) is shown
    answer_submit(attempt=attempt, position=first.position, response=key)
    events = PointEvent.objects.filter(member=member)
    assert [(e.activity, e.points) for e in events] == [("practice_correct", 1)]
    rows = {row.tag.name: (row.answered, row.right, row.accuracy) for row in selectors.topic_rows(member)}
    assert rows == {"党章": (1, 1, 100), "党史": (0, 0, None)}


def test_asking_for_more_than_the_point_has_gives_all_of_them_and_the_same_choice_resumes(banks):
    member = banks["member"]
    attempt = topic_practice_start(member=member, bank_id=banks["shared"].pk, tag_id=tag("党史").pk, count=20)
    assert attempt.items.count() == 3
    again = topic_practice_start(member=member, bank_id=banks["shared"].pk, tag_id=tag("党史").pk, count=20)
    assert again.pk == attempt.pk
    assert Paper.objects.filter(practised_by=member).count() == 1


def test_points_stay_under_practices_daily_cap_shared_with_ordinary_practice(banks):
    """Practice's rule: 1 point a right answer, 10 a day. 8 right in an organiser's practice paper,
    then 5 right in a topic practice: 2 more points, 10 in all, not 13."""
    member = banks["member"]
    questions = list(banks["shared"].questions.filter(tags__name="党章", status="published"))
    paper = factories.paper(banks["shared"].unit, mode="practice", questions=questions[:8], shuffle_options=False)
    ordinary = attempt_start(paper=paper, member=member)
    for position in range(1, 9):
        answer_submit(attempt=ordinary, position=position, response="A")
    attempt = topic_practice_start(member=member, bank_id=banks["shared"].pk, tag_id=tag("党章").pk, count=10)
    for item in attempt.items.order_by("position")[:5]:
        answer_submit(attempt=attempt, position=item.position, response="ABC"[item.option_order.index(0)])
    assert sum(PointEvent.objects.filter(member=member).values_list("points", flat=True)) == 10


@pytest.mark.parametrize(
    ("choice", "code"),
    [
        ({"bank": "other", "point": "党章", "count": 10}, "topic_not_available"),  # another organ's bank
        ({"bank": "secret", "point": "党章", "count": 10}, "topic_not_available"),  # kept confidential
        ({"bank": "shared", "point": "廉政", "count": 10}, "topic_empty"),  # a point with no question here
        ({"bank": "shared", "point": "党章", "count": 15}, "count_out_of_range"),
        ({"bank": "shared", "point": "党章", "count": 0}, "count_out_of_range"),
        ({"bank": "shared", "point": "党章", "count": "ten"}, "count_out_of_range"),
        ({"bank": 999999, "point": "党章", "count": 10}, "topic_not_available"),  # no such bank
        ({"bank": "shared", "point": 999999, "count": 10}, "topic_not_available"),  # no such point
        ({"bank": "1 OR 1=1", "point": "党章", "count": 10}, "topic_not_available"),
        ({"bank": "99999999999999999999", "point": "党章", "count": 10}, "topic_not_available"),
    ],
)
def test_bad_choices_are_refused_and_create_nothing(banks, choice, code):
    factories.question(banks["secret"], "single", tags=["廉政"])  # 廉政 exists, but not in the shared bank
    bank = banks[choice["bank"]].pk if choice["bank"] in banks else choice["bank"]
    point = tag(choice["point"]).pk if isinstance(choice["point"], str) else choice["point"]
    before = (Paper.objects.count(), Attempt.objects.count())
    with pytest.raises(AttemptRejected) as refused:
        topic_practice_start(member=banks["member"], bank_id=bank, tag_id=point, count=choice["count"])
    assert refused.value.code == code
    assert nothing_created(before)


def test_a_members_topic_paper_is_on_no_other_members_list_and_they_cannot_start_it(banks, tree):
    member = banks["member"]
    attempt = topic_practice_start(member=member, bank_id=banks["shared"].pk, tag_id=tag("党章").pk, count=10)
    neighbour = factories.member(tree["gz1"])
    assert attempt.paper not in selectors.papers_for_member(neighbour)
    assert attempt.paper not in selectors.papers_for_member(member)
    with pytest.raises(AttemptRejected) as refused:
        attempt_start(paper=attempt.paper, member=neighbour)
    assert refused.value.code == "not_in_audience"


@pytest.mark.parametrize(
    ("language", "heading", "figures", "refusal"),
    [
        ("en", "Practice by topic", "10 questions", "Choose 10 or 20 questions."),
        ("zh-hans", "专题练习", "10 道题", "请选择 10 道或 20 道题。"),
    ],
)
def test_the_pages_list_start_and_refuse(banks, language, heading, figures, refusal):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(banks["member"])
    page = client.get("/study/topics/")
    html = page.content.decode()
    assert page.status_code == 200 and heading in html and figures in html
    assert f'id="topic-{banks["shared"].pk}-{tag("党章").pk}"' in html
    assert f'id="topic-{banks["secret"].pk}-' not in html and f'id="topic-{banks["other"].pk}-' not in html
    assert 'id="topic-practice-link"' in client.get("/study/").content.decode()
    bad = client.post("/study/topics/start/", {"bank": banks["shared"].pk, "point": tag("党章").pk, "count": 30})
    assert bad.status_code == 302 and bad.url == "/study/topics/"
    assert refusal in client.get("/study/topics/").content.decode()
    assert not Attempt.objects.exists()
    good = client.post("/study/topics/start/", {"bank": banks["shared"].pk, "point": tag("党章").pk, "count": 20})
    attempt = Attempt.objects.get()
    assert good.url == f"/study/attempts/{attempt.pk}/"
    assert attempt.items.count() == 10  # 20 asked, the point has 10


def test_a_shared_bank_its_organisers_did_not_open_for_practice_is_not_offered(banks, tree):
    """Shared below only lets organisers below build papers from it (an exam's, say): its keys
    are not for members to walk through in practice."""
    exam_bank = factories.bank(tree["audit"])
    for _ in range(4):
        factories.question(exam_bank, "single", tags=["党章"])
    assert exam_bank.shared_below and not exam_bank.open_for_practice
    assert exam_bank not in {row.bank for row in selectors.topic_rows(banks["member"])}
    with pytest.raises(AttemptRejected) as refused:
        topic_practice_start(member=banks["member"], bank_id=exam_bank.pk, tag_id=tag("党章").pk, count=10)
    assert refused.value.code == "topic_not_available"


def test_questions_of_an_exam_or_contest_still_to_close_are_never_drawn_into_topic_practice(banks, tree):
    """An exam closing tomorrow fixes 3 of the 10 党章 questions; an online-contest-style exam with
    no closing time draws 党史 by rule; a closed exam fixes 2 more 党章 ones (they are free again).
    The list reads 党章 10 - 3 = 7 and no 党史; a practice of 10 gets those 7, none of the 3."""
    shared = banks["shared"]
    zhangs = list(shared.questions.filter(tags__name="党章", status="published").order_by("pk"))
    soon = timezone.now() + timedelta(days=1)
    factories.paper(tree["audit"], mode="exam", questions=zhangs[:3], closes_at=soon)
    factories.paper(tree["audit"], mode="exam", rules=[{"bank": shared, "tag": tag("党史"), "count": 2}])
    factories.paper(tree["audit"], mode="exam", questions=zhangs[3:5], closes_at=timezone.now() - timedelta(days=1))
    member = banks["member"]
    assert [(row.tag.name, row.questions) for row in selectors.topic_rows(member)] == [("党章", 7)]
    attempt = topic_practice_start(member=member, bank_id=shared.pk, tag_id=tag("党章").pk, count=10)
    drawn = set(attempt.items.values_list("version__question_id", flat=True))
    assert drawn == {q.pk for q in zhangs[3:]}
    with pytest.raises(AttemptRejected) as refused:
        topic_practice_start(member=member, bank_id=shared.pk, tag_id=tag("党史").pk, count=10)
    assert refused.value.code == "topic_empty"


def test_the_accuracy_counts_an_exams_answers_only_once_its_results_are_shown(banks, tree):
    """An exam reviewed after it closes: 1 right and 1 wrong on 党章, handed in. Until the close the
    list's 党章 reads no answers; after it, 1 of 2 right (50%)."""
    zhangs = list(banks["shared"].questions.filter(tags__name="党章", status="published").order_by("pk"))
    closes = timezone.now() + timedelta(days=1)
    exam = factories.paper(
        tree["audit"], mode="exam", questions=zhangs[:2], review="after_close", closes_at=closes, shuffle_options=False
    )
    member = banks["member"]
    attempt = attempt_start(paper=exam, member=member)
    by_question = {i.version.question_id: i.position for i in attempt.items.select_related("version")}
    answer_save(attempt=attempt, position=by_question[zhangs[0].pk], response="A")
    answer_save(attempt=attempt, position=by_question[zhangs[1].pk], response="B")
    attempt_submit(attempt=attempt)
    rows = {row.tag.name: (row.answered, row.right, row.accuracy) for row in selectors.topic_rows(member)}
    assert rows["党章"] == (0, 0, None)
    Paper.objects.filter(pk=exam.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    rows = {row.tag.name: (row.answered, row.right, row.accuracy) for row in selectors.topic_rows(member)}
    assert rows["党章"] == (2, 1, 50)


def test_a_member_who_moved_unit_can_go_on_practising_the_same_point(banks, tree):
    """Moved from 广州's first branch to its second (a hand-built move): the same choice starts
    again, on a paper of the new unit, instead of "This paper is for another unit"."""
    member = banks["member"]
    first = topic_practice_start(member=member, bank_id=banks["shared"].pk, tag_id=tag("党史").pk, count=10)
    type(member).objects.filter(pk=member.pk).update(unit=tree["gz2"])
    member.refresh_from_db()
    again = topic_practice_start(member=member, bank_id=banks["shared"].pk, tag_id=tag("党史").pk, count=10)
    assert again.member == member and again.items.count() == 3
    assert again.paper.unit == tree["gz2"] and first.paper.unit == tree["gz1"]


def test_members_topic_papers_do_not_block_deleting_the_bank_and_go_with_it(tree):
    """A member practised 2 questions of the bank: the organiser is told an attempt holds them,
    not of a paper drawing from it (no page of theirs lists one). Once nothing holds a question
    (the attempt's items gone, as after an abandoned start), deleting takes the member's paper too."""
    bank = factories.bank(tree["audit"])
    type(bank).objects.filter(pk=bank.pk).update(open_for_practice=True)
    for _ in range(2):
        factories.question(bank, "single", tags=["党章"])
    member = factories.member(tree["gz1"])
    attempt = topic_practice_start(member=member, bank_id=bank.pk, tag_id=tag("党章").pk, count=10)
    paper = attempt.paper
    assert bank_delete_blockers(bank) == {"attempt": 2}
    attempt.items.all().delete()  # as if nothing of it held a question any more
    assert bank_delete_blockers(bank) == {}
    assert bank_delete(bank=bank) == 2
    assert not Paper.objects.filter(pk=paper.pk).exists() and not Attempt.objects.filter(pk=attempt.pk).exists()


@pytest.mark.parametrize(
    ("language", "warning"),
    [
        ("en", "see every answer of this bank while practising. Do not open a bank used for exams or contests."),
        ("zh-hans", "练习时会看到本题库每道题的答案。请勿开放用于考试或竞赛的题库。"),
    ],
)
def test_organisers_open_a_bank_for_practice_on_its_form_or_page_and_are_warned(tree, language, warning):
    organiser = factories.organiser(tree["audit"])
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(organiser)
    assert warning in client.get("/banks/").content.decode()
    base = {"name": "题库", "name_en": "", "unit": tree["audit"].pk, "shared_below": "on"}
    assert client.post("/banks/", {**base, "slug": "study-2026", "open_for_practice": "on"}).status_code == 302
    assert client.post("/banks/", {**base, "slug": "exam-2026"}).status_code == 302  # the box left unticked
    opened = {bank.slug: bank.open_for_practice for bank in selectors.QuestionBank.objects.all()}
    assert opened == {"study-2026": True, "exam-2026": False}
    below = Client()
    below.force_login(factories.organiser(tree["gz"]))
    assert below.post("/banks/exam-2026/practice/", {"open_for_practice": "yes"}).status_code == 403
    assert 'id="bank-practice"' in client.get("/banks/exam-2026/").content.decode()
    assert client.post("/banks/exam-2026/practice/", {"open_for_practice": "yes"}).status_code == 302
    assert client.post("/banks/study-2026/practice/", {"open_for_practice": "no"}).status_code == 302
    opened = {bank.slug: bank.open_for_practice for bank in selectors.QuestionBank.objects.all()}
    assert opened == {"study-2026": False, "exam-2026": True}


def test_the_demo_member_practises_the_offices_practice_only_bank_and_not_the_exam_one(db):
    """The demo's organ bank feeds its timed exam; only 广州特派办's bank (a draft practice paper's)
    is opened for practice, so the demo member's topic page lists that one bank."""
    from io import StringIO

    from django.core.management import call_command

    from orgs.models import User

    call_command("seed_demo", "--no-video", stdout=StringIO())
    rows = selectors.topic_rows(User.objects.get(username="member"))
    assert rows and {row.bank.slug for row in rows} == {"demo-guangzhou"}


def answer(attempt: Attempt, rights: list[bool]) -> None:
    """Answer the attempt's first questions in order, right or wrong as `rights` says (key: A)."""
    for item, right in zip(attempt.items.order_by("position"), rights, strict=False):
        key = "ABC"[item.option_order.index(0)]  # where option A, the key, is shown
        answer_submit(attempt=attempt, position=item.position, response=key if right else "ABC".replace(key, "")[0])


def topic_order(html: str, ids: dict[str, str]) -> list[str]:
    """The names of `ids` (name: card id) in the order the page lists their cards."""
    return sorted(ids, key=lambda name: html.index(f'id="{ids[name]}"'))


@pytest.fixture
def practised(banks):
    """The shared bank's 党章 answered 1 right of 4 (25%), a new point 廉政 (4 questions) 3 of 4
    (75%), 党史 never: by bank the list reads 党史, 党章, 廉政 (by name)."""
    member, shared = banks["member"], banks["shared"]
    for _ in range(4):
        factories.question(shared, "single", key=["A"], tags=["廉政"])
    answer(topic_practice_start(member=member, bank_id=shared.pk, tag_id=tag("党章").pk, count=10), [1, 0, 0, 0])
    answer(topic_practice_start(member=member, bank_id=shared.pk, tag_id=tag("廉政").pk, count=10), [1, 1, 0, 1])
    return {name: f"topic-{shared.pk}-{tag(name).pk}" for name in ("党史", "党章", "廉政")}


def test_weakest_first_lists_practised_points_by_accuracy_then_the_unpractised_ones(banks, practised):
    member = banks["member"]
    by_bank = [(row.tag.name, row.accuracy) for row in selectors.topic_rows(member)]
    assert by_bank == [("党史", None), ("党章", 25), ("廉政", 75)]
    weakest = [(row.tag.name, row.accuracy) for row in selectors.topic_rows(member, order="weakest")]
    assert weakest == [("党章", 25), ("廉政", 75), ("党史", None)]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(member)
    html = client.get("/study/topics/?order=weakest").content.decode()
    assert topic_order(html, practised) == ["党章", "廉政", "党史"]
    assert "薄弱优先" in html
    assert 'class="nav-link active" aria-current="page" href="/study/topics/?order=weakest"' in html
    # Each card names its bank when the list is not grouped under the banks' headings.
    assert f'id="bank-{banks["shared"].pk}"' not in html


@pytest.mark.parametrize("order", ["", "bank", "Weakest", "weakest'--", "x" * 300, "%00"])
def test_an_unknown_order_lists_the_points_by_bank_under_the_banks_heading(banks, practised, order):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(banks["member"])
    page = client.get("/study/topics/", {"order": order})
    html = page.content.decode()
    assert page.status_code == 200
    assert topic_order(html, practised) == ["党史", "党章", "廉政"]
    assert f'id="bank-{banks["shared"].pk}"' in html
    assert 'class="nav-link active" aria-current="page" href="/study/topics/" id="order-bank">By bank<' in html
    # The list is all there without the page's script: its search box is hidden until it runs.
    assert 'qs-topic-filter" id="topic-filter" hidden' in html
