"""Pages read a fixed number of queries however many rows they show: each page is opened with
data of two sizes and must take as many queries with the larger as with the smaller. A ministry
has thousands of members in hundreds of units, and a query per row made these pages take seconds
(docs/benchmarks.md, "A large organisation")."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lessons.services import attempts
from tests import factories


def queries_for(client: Client, url: str, data: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(queries)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def finished_exam(unit, member, bank, *, grading: str) -> None:
    paper = factories.paper(unit, mode="exam", grading=grading, questions=[factories.question(bank)])
    attempt = attempts.attempt_start(paper=paper, member=member)
    attempts.attempt_submit(attempt=attempt)


@pytest.mark.django_db
def test_the_study_hub_takes_the_same_queries_for_three_papers_as_for_seven(tree):
    """Each card's score (the attempt that counts) was read with two queries a paper; now a query
    per grading rule (best, last, first), the three of which the smaller set already holds."""
    member = factories.member(tree["gz1"])
    bank = factories.bank(tree["audit"])
    client = signed_in(member)
    for grading in ("best", "last", "first"):
        finished_exam(tree["audit"], member, bank, grading=grading)
    few = queries_for(client, reverse("lessons:study_home"))
    for grading in ("best", "last", "first", "best"):
        finished_exam(tree["gz"], member, bank, grading=grading)
    many = queries_for(client, reverse("lessons:study_home"))
    assert many == few


@pytest.mark.django_db
def test_a_lessons_completion_report_takes_the_same_queries_for_two_offices_as_for_five(tree):
    """The report's unit table read three queries a unit (figures, members not finished, last
    reminder): 640 for an organ of 245 units. Its figures stay those worked out by hand."""
    from lessons.models import Lesson, WatchProgress
    from notifications.models import ReminderSent

    administrator = factories.administrator(tree["audit"])
    lesson = Lesson.objects.create(
        title="必修课",
        unit=tree["audit"],
        required=True,
        status=Lesson.Status.READY,
        publication=Lesson.Publication.PUBLISHED,
    )
    done = factories.member(tree["gz1"])
    factories.member(tree["gz1"])
    WatchProgress.objects.create(member=done, lesson=lesson, completed_at=done.date_joined)
    client = signed_in(administrator)
    url = reverse("lessons:lesson_report", args=[lesson.pk])
    few = queries_for(client, url)
    for n in range(3):
        branch = factories.unit_at(f"审计署/新特派办{n}/一支部")
        ReminderSent.objects.create(
            unit=branch, subject_key=f"lesson:{lesson.pk}", sent_by=administrator, sent_at=timezone.now(), recipients=2
        )
        for _ in range(2):
            WatchProgress.objects.create(member=factories.member(branch), lesson=lesson)
    many = queries_for(client, url)
    assert many == few
    rows = {row["unit"].name: row for row in signed_in(administrator).get(url).context["units"]}
    # 审计署: the administrator, the two in 第一党支部 and the six new ones; one completed.
    assert (rows["审计署"]["headcount"], rows["审计署"]["started"], rows["审计署"]["completed"]) == (9, 7, 1)
    assert (rows["第一党支部"]["headcount"], rows["第一党支部"]["own_unfinished"]) == (2, 1)
    assert (rows["一支部"]["started"], rows["一支部"]["own_unfinished"]) == (2, 2)
    assert rows["一支部"]["reminded_until"] is not None
    assert rows["审计署"]["own_unfinished"] == 1  # the administrator, placed in the organ itself


@pytest.mark.django_db
def test_the_api_lists_of_units_and_members_take_the_same_queries_for_a_few_rows_as_for_many(tree):
    """Each row's path (and a unit's parent) was a query or two of its own: 102 for a page of 50."""
    administrator = factories.administrator(tree["audit"])
    client = signed_in(administrator)
    factories.member(tree["gz1"])
    few = {url: queries_for(client, reverse(url)) for url in ("unit-list", "member-list")}
    for n in range(4):
        factories.member(factories.unit_at(f"审计署/新特派办{n}/一处/一支部"))
    many = {url: queries_for(client, reverse(url)) for url in ("unit-list", "member-list")}
    assert many == few
    units = {row["full_path"]: row["parent"] for row in client.get(reverse("unit-list")).json()["results"]}
    assert units["审计署/新特派办3/一处/一支部"] == factories.unit_at("审计署/新特派办3/一处").pk
    assert units["审计署"] is None
    members = client.get(reverse("member-list"), {"q": "成员"}).json()["results"]
    assert "审计署/新特派办0/一处/一支部" in {row["unit_path"] for row in members}


@pytest.mark.django_db
def test_an_organisers_home_takes_the_same_queries_for_two_units_as_for_five(tree, gz_organiser):
    """The units not finished with a required lesson or an open exam were read with a query per
    unit and subject, and each one's last reminder with another: 82 queries on a ministry's home."""
    from lessons.models import Lesson
    from notifications.models import ReminderSent

    lesson = Lesson.objects.create(
        title="必修课",
        unit=tree["gz"],
        required=True,
        status=Lesson.Status.READY,
        publication=Lesson.Publication.PUBLISHED,
    )
    factories.paper(tree["gz"], mode="exam", title="党章测验")
    for branch in ("gz1", "gz2"):
        factories.member(tree[branch])
    client = signed_in(gz_organiser)
    few = queries_for(client, reverse("home"))
    for n in range(3):
        branch = factories.unit_at(f"审计署/广州特派办/新支部{n}")
        factories.member(branch)
        ReminderSent.objects.create(
            unit=branch, subject_key=f"lesson:{lesson.pk}", sent_by=gz_organiser, sent_at=timezone.now(), recipients=1
        )
    many = queries_for(client, reverse("home"))
    assert many == few
    rows = client.get(reverse("home")).context["unfinished"]
    # Five branches and the office (where the organiser sits), each with a lesson and an exam to finish.
    assert len(rows) == 12
    reminded = {(row.unit.name, row.kind) for row in rows if row.next_at is not None}
    assert reminded == {("新支部0", "lesson"), ("新支部1", "lesson"), ("新支部2", "lesson")}


@pytest.mark.django_db
def test_the_micro_class_library_takes_the_same_queries_for_one_page_as_for_three(tree, monkeypatch):
    """Paged 2 to a page here: five lessons in two series, some watched, take the queries one
    lesson took; each page reads the member's progress and study hours for its own lessons."""
    from lessons.models import Lesson, Series, WatchProgress
    from lessons.views import videos

    monkeypatch.setattr(videos, "LIBRARY_PAGE_SIZE", 2, raising=False)
    member = factories.member(tree["gz1"])
    client = signed_in(member)

    def published(title: str, series: Series) -> Lesson:
        return Lesson.objects.create(
            title=title,
            unit=tree["audit"],
            series=series,
            status=Lesson.Status.READY,
            publication=Lesson.Publication.PUBLISHED,
        )

    first = published("第一课", Series.objects.create(slug="one", title="甲系列", unit=tree["audit"]))
    WatchProgress.objects.create(member=member, lesson=first, watched_s=30)
    few = queries_for(client, reverse("lessons:library"))
    second = Series.objects.create(slug="two", title="乙系列", unit=tree["gz"])
    for n in range(4):
        lesson = published(f"第{n + 2}课", second)
        WatchProgress.objects.create(member=member, lesson=lesson, completed_at=timezone.now())
    many = {page: queries_for(client, reverse("lessons:library"), {"page": page}) for page in (1, 2, 3)}
    assert many == {1: few, 2: few, 3: few}
    # By series title (乙 U+4E59 before 甲 U+7532): 乙系列's four lessons fill pages 1 and 2.
    last = client.get(reverse("lessons:library"), {"page": 3}).context["items"]
    assert [item["lesson"].title for item in last] == ["第一课"]


@pytest.mark.django_db
def test_a_lessons_report_takes_the_same_queries_on_any_page_of_its_units(tree, monkeypatch):
    """The unit table paged 2 to a page: its second and third pages read what its first did."""
    from lessons.models import Lesson
    from lessons.views import videos

    monkeypatch.setattr(videos, "REPORT_PAGE_SIZE", 2)
    administrator = factories.administrator(tree["audit"])
    lesson = Lesson.objects.create(
        title="必修课",
        unit=tree["audit"],
        required=True,
        status=Lesson.Status.READY,
        publication=Lesson.Publication.PUBLISHED,
    )
    client = signed_in(administrator)
    url = reverse("lessons:lesson_report", args=[lesson.pk])
    counts = {page: queries_for(client, url, {"units_page": page}) for page in (1, 2, 3)}
    assert counts[2] == counts[1] and counts[3] == counts[1]
    # 审计署's subtree in tree order: 审计署, 广州特派办, its two branches, 京津冀特派办, its branch.
    names = [row["unit"].name for row in client.get(url, {"units_page": 3}).context["units"]]
    assert names == ["京津冀特派办", "机关党支部"]
