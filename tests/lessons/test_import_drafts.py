"""Imported questions kept as drafts to review (the preview's default) or published at once, and
the bank's list publishing drafts, ticked or all: drafts are never drawn."""

import re

import pytest
from django.urls import reverse

from lessons.draws import DrawRule, rule_pool
from lessons.models import ImportJob, Question
from lessons.tasks import question_import_run
from tests import factories
from tests.lessons.test_import_previews import preview

TWO = "党的最高理想是？\nA. 共产主义\nB. 小康\nANSWER: A\n\n党章是什么？\nA. 根本大法\nB. 一般文件\nANSWER: A\n"


def draft(bank):  # noqa: F811
    question = factories.question(bank, "single")
    Question.objects.filter(pk=question.pk).update(status="draft")
    return question


def confirm(client, bank, **choice):  # noqa: F811
    token = client.session["question_import_preview"]["token"]
    url = reverse("lessons:bank_import", args=[bank.slug])
    return client.post(url, {"action": "confirm", "token": token, **choice})


@pytest.mark.parametrize(("choice", "status"), [({}, "draft"), ({"status": "published"}, "published")])
def test_an_import_keeps_its_questions_as_drafts_unless_published_now_is_chosen(
    organiser,  # noqa: F811
    bank,  # noqa: F811
    django_capture_on_commit_callbacks,
    choice,
    status,
):
    page = preview(organiser, bank, TWO).text
    assert 'value="draft" id="status-draft" checked' in page and "Keep them as drafts to review" in page
    with django_capture_on_commit_callbacks(execute=False):
        confirm(organiser, bank, **choice)
    job = ImportJob.objects.get()
    question_import_run(job.pk)
    assert list(Question.objects.values_list("status", flat=True)) == [status, status]
    # A random rule draws the two questions only once they are published.
    assert rule_pool(DrawRule(bank=bank, count=2)).count() == (2 if status == "published" else 0)
    done = organiser.get(reverse("lessons:import_job", args=[job.pk])).text
    assert ('id="job-drafts"' in done) == (status == "draft")


def test_the_banks_list_publishes_the_ticked_drafts_or_all_of_them(organiser, bank):  # noqa: F811
    drafts = [draft(bank) for _n in range(3)]
    factories.question(bank, "single")
    url = reverse("lessons:bank_detail", args=[bank.slug])
    page = organiser.get(url).text
    assert "3 drafts: members do not see them" in page and "Publish all 3 drafts" in page
    publish = reverse("lessons:bank_publish", args=[bank.slug])
    done = organiser.post(publish, {"which": "ticked", "question": [drafts[0].pk]}, follow=True)
    assert "1 draft published." in done.text
    assert Question.objects.filter(status="draft").count() == 2
    done = organiser.post(publish, {"which": "all"}, follow=True)
    # The other 2 drafts; the published question was one already.
    assert "2 drafts published." in done.text and not Question.objects.filter(status="draft").exists()
    assert 'id="drafts-bar"' not in organiser.get(url).text


def test_publishing_with_nothing_ticked_says_so_and_another_units_organiser_cannot(organiser, bank, tree):  # noqa: F811
    kept = draft(bank)
    publish = reverse("lessons:bank_publish", args=[bank.slug])
    assert "Tick the drafts to publish first." in organiser.post(publish, {"which": "ticked"}, follow=True).text
    organiser.force_login(factories.organiser(tree["jjj"]))
    assert organiser.post(publish, {"which": "all"}).status_code == 404
    kept.refresh_from_db()
    assert kept.status == "draft"


def test_an_undone_imports_page_says_it_was_undone_and_no_longer_points_to_its_drafts(
    organiser,  # noqa: F811
    bank,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    preview(organiser, bank, TWO)
    with django_capture_on_commit_callbacks(execute=False):
        confirm(organiser, bank)
    job = ImportJob.objects.get()
    question_import_run(job.pk)
    url = reverse("lessons:import_job", args=[job.pk])
    before = organiser.get(url).text
    assert re.search(r'id="job-status"[^>]*>Imported</p>', before) and 'id="job-drafts"' in before

    organiser.post(reverse("lessons:import_undo", args=[job.pk]))
    after = organiser.get(url).text
    # Both drafts were deleted: the page no longer reads as imported nor sends to the drafts.
    assert Question.objects.count() == 0
    assert re.search(r'id="job-status"[^>]*>This import was undone on [^<]+\.</p>', after)
    assert 'id="job-progress"' not in after and 'id="job-drafts"' not in after
    assert "2 questions imported." not in after and "It had imported 2 questions." in after
