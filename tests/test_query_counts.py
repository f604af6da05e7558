"""Pages read a fixed number of queries however many rows they show: each page is opened with
data of two sizes and must take as many queries with the larger as with the smaller. A ministry
has thousands of members in hundreds of units, and a query per row made these pages take seconds
(docs/benchmarks.md, "A large organisation")."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
