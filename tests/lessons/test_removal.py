"""Taking things back without /admin/: the bank page's bulk actions (retire, publish, draft, delete
of what nothing uses), an import undone, and a bank, a paper or a contest deleted."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from contests.models import Contest
from contests.wizard.services import contest_begin
from lessons.models import Attempt, ImportJob, Paper, Question, QuestionBank, Tag
from lessons.services.attempts import attempt_start
from lessons.services.notebook import notebook_add_wrong
from lessons.tasks import question_import_run
from tests import factories

FIVE_AIKEN = "".join(f"第{n}题：党的最高理想是？\nA. 共产主义{n}\nB. 小康\nANSWER: A\n\n" for n in range(1, 6))


def five_with_two_attempted(bank, tree):
    """Five questions of `bank`; a member's attempt drew two of them (tagged 用过), by a rule, so
    no paper lists them: only the attempt uses them."""
    questions = [factories.question(bank) for _ in range(3)] + [
        factories.question(bank, tags=["用过"]) for _ in range(2)
    ]
    paper = factories.paper(tree["gz"], rules=[{"bank": bank, "tag": Tag.objects.get(name="用过"), "count": 2}])
    attempt_start(paper=paper, member=factories.member(tree["gz1"]))
    return questions


def bulk(client, bank, **data):
    return client.post(reverse("lessons:bank_bulk", args=[bank.slug]), data, follow=True)


def test_bulk_delete_of_five_deletes_the_three_nothing_uses_and_keeps_the_two_an_attempt_drew(organiser, bank, tree):
    questions = five_with_two_attempted(bank, tree)
    ids = [q.pk for q in questions]
    confirm = bulk(organiser, bank, action="delete", which="ticked", question=ids).text
    # The confirm step changes nothing and gives the numbers: 5 chosen, 3 free, 2 held by the attempt.
    assert Question.objects.filter(bank=bank).count() == 5
    assert "Delete 5 questions?" in confirm and "<strong>3</strong> questions will be deleted" in confirm
    assert "2 questions cannot be deleted" in confirm and "2 questions answered in members&#x27; attempts" in confirm
    assert 'id="bulk-confirm-delete-retire"' in confirm

    done = bulk(organiser, bank, action="delete", which="ticked", question=ids, step="apply", retire_kept="yes")
    assert "3 questions deleted." in done.text and "2 questions were kept" in done.text
    kept = Question.objects.filter(bank=bank)
    assert sorted(kept.values_list("pk", flat=True)) == ids[3:]
    assert set(kept.values_list("status", flat=True)) == {"retired"}

    # The same form submitted again deletes nothing more and keeps the two as they are.
    again = bulk(organiser, bank, action="delete", which="ticked", question=ids, step="apply")
    assert "questions deleted" not in again.text and "2 questions were kept" in again.text
    assert kept.count() == 2


def test_a_double_submitted_delete_of_unused_questions_deletes_nothing_the_second_time(organiser, bank):
    ids = [factories.question(bank).pk for _ in range(2)]
    other = factories.question(bank)
    first = bulk(organiser, bank, action="delete", which="ticked", question=ids, step="apply")
    second = bulk(organiser, bank, action="delete", which="ticked", question=ids, step="apply")
    assert "2 questions deleted." in first.text
    assert "Nothing was deleted: those questions are gone already." in second.text
    assert list(Question.objects.values_list("pk", flat=True)) == [other.pk]


def test_bulk_delete_keeps_questions_a_paper_a_notebook_or_a_contest_uses(organiser, bank, tree):
    on_paper, in_notebook, in_contest, free = (factories.question(bank) for _ in range(4))
    factories.paper(tree["gz"], questions=[on_paper])
    notebook_add_wrong(member=factories.member(tree["gz1"]), question_id=in_notebook.pk)
    contest = contest_begin(title="知识竞赛", unit=tree["gz"], base_score=100, by=factories.organiser(tree["gz"]))
    round_ = contest.rounds.create(position=1, type="compulsory")
    round_.questions.create(position=1, version=in_contest.current)

    done = bulk(organiser, bank, action="delete", which="all", step="apply")
    assert "1 question deleted." in done.text
    assert (
        "3 questions were kept because something uses them (1 question on a paper, 1 question in members" in done.text
    )
    assert set(Question.objects.values_list("pk", flat=True)) == {on_paper.pk, in_notebook.pk, in_contest.pk}
    assert not Question.objects.filter(pk=free.pk).exists()


def test_all_matching_the_filter_is_the_filter_only_and_status_actions_count_only_changes(organiser, bank):
    single = [factories.question(bank) for _ in range(3)]
    judged = factories.question(bank, "true_false")
    confirm = bulk(organiser, bank, action="retire", which="all", type="single").text
    assert "Retire 3 questions?" in confirm and not Question.objects.filter(status="retired").exists()
    done = bulk(organiser, bank, action="retire", which="all", type="single", step="apply")
    assert "3 questions retired." in done.text
    assert set(Question.objects.filter(status="retired").values_list("pk", flat=True)) == {q.pk for q in single}
    assert Question.objects.get(pk=judged.pk).status == "published"
    # One of the three to draft, then all four published: three change, the fourth already was.
    bulk(organiser, bank, action="draft", which="ticked", question=[single[0].pk], step="apply")
    assert Question.objects.get(pk=single[0].pk).status == "draft"
    done = bulk(organiser, bank, action="publish", which="all", step="apply")
    assert "3 questions published." in done.text and set(Question.objects.values_list("status", flat=True)) == {
        "published"
    }


def test_another_units_organiser_gets_not_found_for_every_removal_and_nothing_changes(client, bank, tree):
    question = factories.question(bank)
    paper = factories.paper(tree["gz"])
    contest = contest_begin(title="竞赛", unit=tree["gz"], base_score=100, by=factories.organiser(tree["gz"]))
    client.force_login(factories.organiser(tree["mof"]))
    assert client.post(
        reverse("lessons:bank_bulk", args=[bank.slug]),
        {"action": "delete", "which": "all", "step": "apply"},
    ).status_code in (403, 404)
    assert client.post(reverse("lessons:bank_delete", args=[bank.slug])).status_code in (403, 404)
    assert client.post(reverse("lessons:paper_delete", args=[paper.pk])).status_code in (403, 404)
    assert client.post(reverse("contests:setup_delete", args=[contest.join_code])).status_code in (403, 404)
    assert Question.objects.filter(pk=question.pk).exists() and Paper.objects.filter(pk=paper.pk).exists()
    assert Contest.objects.filter(pk=contest.pk).exists()
    # A member of the bank's own unit who is no organiser cannot either.
    client.force_login(factories.member(tree["gz"]))
    response = client.post(reverse("lessons:bank_bulk", args=[bank.slug]), {"action": "delete", "which": "all"})
    assert response.status_code in (403, 404) and Question.objects.filter(pk=question.pk).exists()


def run_import(client, bank, text, django_capture_on_commit_callbacks) -> ImportJob:
    from tests.lessons.test_import_drafts import confirm
    from tests.lessons.test_import_previews import preview

    preview(client, bank, text)
    with django_capture_on_commit_callbacks(execute=False):
        confirm(client, bank, status="published")
    job = ImportJob.objects.filter(confirmed_at__isnull=False).order_by("-pk").first()
    question_import_run(job.pk)
    return job


def test_undoing_an_import_deletes_its_unused_questions_retires_the_used_and_leaves_others_alone(
    organiser, bank, tree, django_capture_on_commit_callbacks
):
    earlier = run_import(organiser, bank, "另一题？\nA. 甲\nB. 乙\nANSWER: A\n", django_capture_on_commit_callbacks)
    by_hand = factories.question(bank)
    job = run_import(organiser, bank, FIVE_AIKEN, django_capture_on_commit_callbacks)
    mine = list(Question.objects.filter(import_job=job).order_by("pk"))
    assert len(mine) == 5 and Question.objects.get(import_job=earlier).pk != by_hand.pk
    # A paper lists two of the five, and a member has attempted it.
    paper = factories.paper(tree["gz"], questions=mine[:2])
    attempt_start(paper=paper, member=factories.member(tree["gz1"]))

    undo = reverse("lessons:import_undo", args=[job.pk])
    confirm = organiser.get(undo).text
    assert "<strong>3</strong> questions will be deleted" in confirm and "2 questions will be retired" in confirm
    done = organiser.post(undo, follow=True).text
    assert "Import undone: 3 questions deleted, 2 retired because something uses them." in done
    assert list(Question.objects.filter(import_job=job).values_list("status", flat=True)) == ["retired"] * 2
    # The earlier import's question and the one added by hand are untouched.
    assert Question.objects.get(import_job=earlier).status == "published"
    assert Question.objects.get(pk=by_hand.pk).status == "published"
    assert Question.objects.filter(bank=bank).count() == 4

    again = organiser.post(undo, follow=True).text
    assert "This import was undone already; nothing more was changed." in again
    assert Question.objects.filter(bank=bank).count() == 4
    assert ImportJob.objects.get(pk=job.pk).undo_result == {"deleted": 3, "retired": 2}
    assert "3 deleted, 2 retired because something used them." in again  # the import's page says so
    # The earlier import, nothing of it used: undone, it says only what it deleted.
    done = organiser.post(reverse("lessons:import_undo", args=[earlier.pk]), follow=True).text
    assert "Import undone: 1 question deleted." in done and "Undone on " in done and ": 1 deleted." in done


def test_a_bank_is_deleted_only_when_nothing_uses_its_questions(organiser, bank, tree):
    used = factories.question(bank)
    factories.question(bank)
    paper = factories.paper(tree["gz"], questions=[used])
    page = organiser.get(reverse("lessons:bank_delete", args=[bank.slug])).text
    assert "This bank cannot be deleted" in page and "1 question on a paper" in page
    organiser.post(reverse("lessons:bank_delete", args=[bank.slug]))
    assert QuestionBank.objects.filter(pk=bank.pk).exists() and bank.questions.count() == 2

    paper.delete()
    page = organiser.get(reverse("lessons:bank_delete", args=[bank.slug])).text
    assert "The bank and its 2 questions will be deleted for good." in page
    done = organiser.post(reverse("lessons:bank_delete", args=[bank.slug]), follow=True)
    assert "was deleted." in done.text
    assert not QuestionBank.objects.filter(pk=bank.pk).exists() and not Question.objects.exists()


def test_a_bank_a_paper_draws_from_cannot_be_deleted(organiser, bank, tree):
    factories.paper(tree["gz"], rules=[{"bank": bank, "count": 1}])
    page = organiser.get(reverse("lessons:bank_delete", args=[bank.slug])).text
    assert "1 paper draws questions from it" in page
    organiser.post(reverse("lessons:bank_delete", args=[bank.slug]))
    assert QuestionBank.objects.filter(pk=bank.pk).exists()


def test_a_paper_is_deleted_only_without_attempts_and_one_attempted_may_be_closed(organiser, bank, tree):
    question = factories.question(bank)
    fresh = factories.paper(tree["gz"], questions=[question])
    done = organiser.post(reverse("lessons:paper_delete", args=[fresh.pk]), {"action": "delete"}, follow=True)
    assert "was deleted." in done.text and not Paper.objects.filter(pk=fresh.pk).exists()
    assert Question.objects.filter(pk=question.pk).exists()  # its questions stay in the bank

    sat = factories.paper(tree["gz"], questions=[question])
    attempt_start(paper=sat, member=factories.member(tree["gz1"]))
    url = reverse("lessons:paper_delete", args=[sat.pk])
    page = organiser.get(url).text
    assert "members made 1 attempt at it" in page and 'id="paper-close"' in page
    organiser.post(url, {"action": "delete"})
    assert Paper.objects.filter(pk=sat.pk).exists() and Attempt.objects.filter(paper=sat).count() == 1
    organiser.post(url, {"action": "close"})
    assert Paper.objects.get(pk=sat.pk).closes_at is not None
    assert 'id="paper-closed"' in organiser.get(url).text


def test_a_contest_is_deleted_only_if_it_never_started(organiser, tree):
    by = factories.organiser(tree["gz"])
    preparing = contest_begin(title="筹备中", unit=tree["gz"], base_score=100, by=by)
    started = contest_begin(title="已开始", unit=tree["gz"], base_score=100, by=by)
    Contest.objects.filter(pk=started.pk).update(status=Contest.Status.FINISHED, started_at=started.created_at)

    url = reverse("contests:setup_delete", args=[started.join_code])
    assert "it keeps its results" in organiser.get(url).text
    organiser.post(url)
    assert Contest.objects.filter(pk=started.pk).exists()

    url = reverse("contests:setup_delete", args=[preparing.join_code])
    assert "It has not started." in organiser.get(url).text
    assert "was deleted." in organiser.post(url, follow=True).text
    assert not Contest.objects.filter(pk=preparing.pk).exists()


def test_an_online_contest_is_deleted_with_its_paper_only_while_no_one_has_started_it(client, tree):
    from contests.online.models import OnlineContest
    from tests.contests.test_online import make_contest, start

    organ = factories.unit_at("审计署")
    setup = {
        "organ": organ,
        "branch": factories.unit_at("审计署/广州特派办/第一党支部"),
        "bank": factories.bank(organ),
        "by": factories.organiser(organ),
    }
    for type_, count in (("single", 2), ("true_false", 1)):
        for _ in range(count):
            factories.question(setup["bank"], type_)
    untouched, started = make_contest(setup), make_contest(setup, title="已开始的网上答题")
    start(started, factories.member(setup["branch"]))
    client.force_login(setup["by"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    # The paper's own delete page sends the organiser to the contest's.
    page = client.get(reverse("lessons:paper_delete", args=[started.paper_id])).text
    assert "delete the contest instead" in page
    assert f'href="{reverse("contests:online_delete", args=[started.pk])}" id="paper-contest-delete"' in page

    url = reverse("contests:online_delete", args=[started.pk])
    assert "Members have started this contest" in client.get(url).text
    client.post(url)
    assert OnlineContest.objects.filter(pk=started.pk).exists()

    url = reverse("contests:online_delete", args=[untouched.pk])
    assert "No one has started it." in client.get(url).text
    assert "was deleted." in client.post(url, follow=True).text
    assert not OnlineContest.objects.filter(pk=untouched.pk).exists()
    assert not Paper.objects.filter(pk=untouched.paper_id).exists()
    assert Question.objects.filter(bank=setup["bank"]).count() == 3  # the questions stay
    # Another organ's organiser cannot delete the started one either.
    client.force_login(factories.organiser(tree["mof"]))
    assert client.post(reverse("contests:online_delete", args=[started.pk])).status_code in (403, 404)


def test_a_relays_paper_sends_the_organiser_to_the_relays_delete_page(client, tree):
    from tests.contests.test_relay import make_relay

    organ = factories.unit_at("审计署")
    bank = factories.bank(organ)
    for _ in range(2):
        factories.question(bank, "single")
    setup = {"organ": organ, "bank": bank, "by": factories.organiser(organ)}
    relay = make_relay(setup)
    client.force_login(setup["by"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = client.get(reverse("lessons:paper_delete", args=[relay.online.paper_id])).text
    assert f'href="{reverse("contests:relay_delete", args=[relay.pk])}" id="paper-contest-delete"' in page
    assert reverse("contests:online_delete", args=[relay.online.pk]) not in page


@pytest.mark.parametrize(
    ("language", "said"), [("en", "Import undone: 5 questions deleted."), ("zh-hans", "导入已撤销：删除 5 道试题。")]
)
def test_an_import_by_the_command_is_recorded_and_undone_from_the_banks_page(
    bank, tree, gz_organiser, tmp_path, language, said
):
    """manage.py import_questions stored its questions with no import to undo: now it records one
    as the page does (a done job holding the file, its 5 questions linked to it)."""
    aiken = tmp_path / "党章五题.txt"
    aiken.write_text(FIVE_AIKEN)
    by_hand = factories.question(bank)
    call_command("import_questions", str(aiken), "--bank", bank.slug, stdout=StringIO())
    job = ImportJob.objects.get()
    assert (job.status, job.filename, job.result["imported"], job.created_by) == ("done", "党章五题.txt", 5, None)
    assert Question.objects.filter(import_job=job).count() == 5 and bank.questions.count() == 1 + 5

    client = factories.client_in(language, gz_organiser)
    undo = reverse("lessons:import_undo", args=[job.pk])
    assert f'href="{undo}"' in client.get(reverse("lessons:bank_detail", args=[bank.slug])).text
    done = client.post(undo, follow=True).text
    # Nothing uses the 5: all deleted; the question added by hand stays.
    assert said in done
    assert list(bank.questions.all()) == [by_hand]
