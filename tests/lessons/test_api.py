from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone, translation
from rest_framework.test import APIClient

from lessons.models import Attempt, NotebookEntry
from lessons.presenters import shown_letters
from lessons.services.notebook import notebook_add_wrong
from tests import factories

KEY_FIELDS = {"key", "explanation", "is_correct"}


def walk_keys(payload) -> set:
    found = set()
    if isinstance(payload, dict):
        found |= KEY_FIELDS & set(payload)
        for value in payload.values():
            found |= walk_keys(value)
    elif isinstance(payload, list):
        for value in payload:
            found |= walk_keys(value)
    return found


@pytest.fixture
def setup(tree):
    bank = factories.bank(tree["audit"])
    questions = [
        factories.question(bank, "single", explanation="总纲"),
        factories.question(bank, "multiple"),
        factories.question(bank, "true_false"),
        factories.question(bank, "fill_blank"),
    ]
    paper = factories.paper(tree["audit"], mode="exam", questions=questions, time_limit_s=900, title="党章测验")
    member = factories.member(tree["gz1"])
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": member.username, "password": factories.PASSWORD}).json()[
        "token"
    ]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return {"paper": paper, "member": member, "client": client, "tree": tree}


def test_a_timed_exam_through_the_api_alone(setup):
    client, paper = setup["client"], setup["paper"]
    listed = client.get("/api/v1/study/papers/").json()["results"]
    assert [p["title"] for p in listed] == ["党章测验"]

    started = client.post(f"/api/v1/study/papers/{paper.pk}/attempts/")
    assert started.status_code == 201
    attempt = started.json()
    assert attempt["deadline_at"] and attempt["server_time"] and len(attempt["items"]) == 4
    assert not walk_keys(attempt), "no key may leave the server before the review"

    record = Attempt.objects.get(pk=attempt["id"])
    for item in record.items.select_related("version"):
        version = item.version
        response = {
            "single": shown_letters(item, version.key),
            "multiple": shown_letters(item, version.key),
            "true_false": "对",
            "fill_blank": ["一九二一"],
        }[version.type]
        saved = client.put(
            f"/api/v1/study/attempts/{attempt['id']}/items/{item.position}/", {"response": response}, format="json"
        )
        assert saved.status_code == 200, saved.json()
    during = client.get(f"/api/v1/study/attempts/{attempt['id']}/").json()
    assert not walk_keys(during) and all(i["saved_response"] is not None for i in during["items"])

    result = client.post(f"/api/v1/study/attempts/{attempt['id']}/submit/").json()
    assert result["status"] == "submitted" and result["score"] == "6.00" and result["review_available"]
    assert all(i["is_correct"] for i in result["items"])
    again = client.post(f"/api/v1/study/attempts/{attempt['id']}/submit/").json()
    assert again["finished_at"] == result["finished_at"] and again["score"] == result["score"]


def test_review_never_keeps_keys_hidden_after_submit(setup):
    client, paper = setup["client"], setup["paper"]
    paper.review = "never"
    paper.save()
    attempt = client.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
    result = client.post(f"/api/v1/study/attempts/{attempt['id']}/submit/").json()
    assert not walk_keys(result)


def test_another_members_attempt_id_is_refused(setup):
    client, paper, tree = setup["client"], setup["paper"], setup["tree"]
    other = factories.member(tree["gz2"])
    from lessons.services.attempts import attempt_start

    theirs = attempt_start(paper=paper, member=other)
    assert client.get(f"/api/v1/study/attempts/{theirs.pk}/").status_code == 404  # not there for you
    assert client.post(f"/api/v1/study/attempts/{theirs.pk}/submit/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_open


def test_bad_answers_get_clear_409s_and_change_nothing(setup):
    client, paper = setup["client"], setup["paper"]
    attempt = client.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
    missing = client.put(f"/api/v1/study/attempts/{attempt['id']}/items/99/", {"response": "A"}, format="json")
    assert missing.status_code == 409 and missing.json()["error"]["code"] == "not_in_attempt"
    single = next(i for i in attempt["items"] if i["type"] == "single")
    wrong_shape = client.put(
        f"/api/v1/study/attempts/{attempt['id']}/items/{single['position']}/", {"response": "AB"}, format="json"
    )
    assert wrong_shape.status_code == 409 and wrong_shape.json()["error"]["code"] == "one_option_only"
    instant = client.post(
        f"/api/v1/study/attempts/{attempt['id']}/items/{single['position']}/answer/", {"response": "A"}, format="json"
    )
    assert instant.status_code == 409 and instant.json()["error"]["code"] == "exam_answers_are_saved"


def test_saving_after_the_deadline_is_refused_and_submits(setup):
    client, paper = setup["client"], setup["paper"]
    attempt = client.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
    Attempt.objects.filter(pk=attempt["id"]).update(deadline_at=timezone.now() - timedelta(seconds=1))
    late = client.put(f"/api/v1/study/attempts/{attempt['id']}/items/1/", {"response": "A"}, format="json")
    assert late.status_code == 409 and late.json()["error"]["code"] == "deadline_passed"
    assert client.get(f"/api/v1/study/attempts/{attempt['id']}/").json()["status"] == "expired"


def test_practice_feedback_and_retry_through_the_api(setup):
    client, tree = setup["client"], setup["tree"]
    bank = factories.bank(tree["audit"])
    q = factories.question(bank, "true_false", key=[True], explanation="党章第一条")
    paper = factories.paper(tree["audit"], mode="practice", questions=[q, factories.question(bank)])
    attempt = client.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
    position = next(i["position"] for i in attempt["items"] if i["type"] == "true_false")
    url = f"/api/v1/study/attempts/{attempt['id']}/items/{position}/answer/"
    first = client.post(url, {"response": "对", "client_answer_id": "tap-1"}, format="json").json()
    assert first["is_correct"] and first["explanation"] == "党章第一条"
    retry = client.post(url, {"response": "对", "client_answer_id": "tap-1"}, format="json")
    assert retry.status_code == 200
    other = client.post(url, {"response": "错", "client_answer_id": "tap-2"}, format="json")
    assert other.status_code == 409 and other.json()["error"]["code"] == "already_answered"
    points = client.get("/api/v1/study/points/").json()
    assert points["total"] == 1
    today = {row["activity"]: row for row in points["today"]}
    assert (today["practice_correct"]["earned"], today["practice_correct"]["cap"]) == (1, 10)


def test_notebook_review_through_the_api(setup):
    client, tree = setup["client"], setup["tree"]
    q = factories.question(factories.bank(tree["audit"]), "true_false", key=[True])
    paper = factories.paper(tree["audit"], mode="practice", questions=[q])
    attempt = client.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
    client.post(f"/api/v1/study/attempts/{attempt['id']}/items/1/answer/", {"response": "错"}, format="json")
    assert client.get("/api/v1/study/notebook/?due=1").json()["results"] == []  # due after FSRS's 1-minute step
    entry = client.get("/api/v1/study/notebook/").json()["results"][0]
    early = client.post(f"/api/v1/study/notebook/{entry['id']}/review/", {"response": "对"}, format="json").json()
    assert early["is_correct"] and not early["counted"] and early["consecutive_correct"] == 0
    NotebookEntry.objects.update(due_at=F("due_at") - timedelta(minutes=1))  # a minute later
    due = client.get("/api/v1/study/notebook/?due=1").json()["results"]
    assert len(due) == 1 and "key" not in due[0]["question"]
    reviewed = client.post(f"/api/v1/study/notebook/{due[0]['id']}/review/", {"response": "对"}, format="json").json()
    assert reviewed["is_correct"] and reviewed["counted"] and reviewed["consecutive_correct"] == 1
    bad = client.post(f"/api/v1/study/notebook/{due[0]['id']}/review/", {"response": "也许"}, format="json")
    assert bad.status_code == 400


def test_question_import_through_the_api(tree, django_capture_on_commit_callbacks):
    from lessons.models import Question
    from tests.lessons.test_import import xlsx

    organiser = factories.organiser(tree["gz"])
    bank = factories.bank(tree["gz"], slug="gz-bank")
    outsider_bank = factories.bank(tree["jjj"], slug="jjj-bank")
    client = APIClient()
    client.force_authenticate(organiser)
    good = xlsx([["单选", "接口导入", "甲", "乙", None, None, "A", "", "", ""]])
    bad = xlsx([["单选", "坏题", "甲", "乙", None, None, "C", "", "", ""]])

    def upload(slug, data, **extra):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(
            f"/api/v1/banks/{slug}/imports/",
            {"file": SimpleUploadedFile("bank.xlsx", data), **extra},
            format="multipart",
        )

    dry = upload("gz-bank", good, dry_run="true")
    assert (
        dry.status_code == 200
        and dry.json()["by_type"]["single"] == 1
        and not Question.objects.filter(bank=bank).exists()
    )
    refused = upload("gz-bank", bad)
    assert refused.status_code == 400 and refused.json()["errors"][0] == {
        "row": 2,
        "column": "答案",
        "message": "答案指向的选项 C 为空。",
    }
    with django_capture_on_commit_callbacks() as callbacks:
        queued = upload("gz-bank", good)
    assert queued.status_code == 202 and queued.json()["status"] == "pending" and len(callbacks) == 1
    from lessons.tasks import question_import_run

    question_import_run(queued.json()["id"])  # what the worker does with the queued task
    job = client.get(queued.json()["url"]).json()
    assert job["status"] == "done" and job["percent"] == 100 and job["result"]["imported"] == 1
    assert upload("jjj-bank", good).status_code == 404  # another office's bank is not there for them
    assert not Question.objects.filter(bank=outsider_bank).exists()


def test_banks_are_visible_down_their_units_subtree_but_managed_only_there(client, tree):
    audit_bank = factories.bank(tree["audit"], slug="audit-bank")
    factories.question(audit_bank)
    jjj_bank = factories.bank(tree["jjj"], slug="jjj-bank")
    gz_organiser = factories.organiser(tree["gz"])
    client.force_login(gz_organiser)
    listing = client.get("/banks/")
    banks = {bank.slug: bank.manageable for bank in listing.context["banks"]}
    assert banks == {"audit-bank": False}  # above: visible, view only; a sibling's: not visible
    assert client.get("/banks/audit-bank/").status_code == 200
    assert client.get("/banks/audit-bank/export.xlsx").status_code == 200
    assert client.get("/banks/audit-bank/import/").status_code == 403
    assert client.get(f"/banks/audit-bank/questions/{audit_bank.questions.get().pk}/").status_code == 403
    assert client.get("/banks/jjj-bank/").status_code == 404  # a sibling's: not there, as a missing one
    assert jjj_bank.slug not in banks


def test_a_confidential_bank_is_kept_from_the_organisers_below_until_shared(client, tree):
    from lessons.models import QuestionBank
    from lessons.selectors import questions_usable_by

    audit_organiser = factories.organiser(tree["audit"])
    gz_organiser = factories.organiser(tree["gz"])
    client.force_login(audit_organiser)
    created = client.post(
        "/banks/", {"slug": "final-2026", "name": "决赛题库", "name_en": "", "unit": tree["audit"].pk}
    )  # the "shared with the units below" box left unticked
    assert created.status_code == 302
    final = QuestionBank.objects.get(slug="final-2026")
    assert final.shared_below is False
    secret = factories.question(final)
    assert "bank-confidential" in client.get("/banks/final-2026/").content.decode()

    below = APIClient()
    below.force_login(gz_organiser)
    assert "final-2026" not in {bank.slug for bank in below.get("/banks/").context["banks"]}
    assert below.get("/banks/final-2026/").status_code == 403
    assert below.get("/banks/final-2026/export.xlsx").status_code == 403
    assert secret not in questions_usable_by(gz_organiser)
    # Nor may they share it themselves.
    assert below.post("/banks/final-2026/sharing/", {"shared_below": "yes"}).status_code == 403
    final.refresh_from_db()
    assert final.shared_below is False

    assert client.post("/banks/final-2026/sharing/", {"shared_below": "yes"}).status_code == 302
    assert below.get("/banks/final-2026/export.xlsx").status_code == 200
    assert secret in questions_usable_by(gz_organiser)


def test_oversized_and_unknown_uploads_are_refused_before_reading_page_and_api(client, tree, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.QUESTION_IMPORT_MAX_BYTES = 1024
    organiser = factories.organiser(tree["gz"])
    factories.bank(tree["gz"], slug="gz-bank")
    api = APIClient()
    api.force_authenticate(organiser)
    url = "/api/v1/banks/gz-bank/imports/"
    big = api.post(url, {"file": SimpleUploadedFile("a.xlsx", b"x" * 4096)}, format="multipart")
    assert big.status_code == 400 and big.json()["error"]["message"] == "文件大小为 0.0 MB，超过 0 MB 的上限。"
    odd = api.post(url, {"file": SimpleUploadedFile("a.docx", b"x")}, format="multipart")
    assert odd.status_code == 400 and odd.json()["error"]["field"] == "format"
    client.force_login(organiser)
    page = client.post(
        "/banks/gz-bank/import/", {"action": "preview", "file": SimpleUploadedFile("a.xlsx", b"x" * 4096)}
    )
    assert page.context["form"].errors["file"] and page.context["report"] is None


@pytest.mark.parametrize(
    ("language", "choose", "one_option"),
    [
        ("zh-hans", "请从 A, B, C 中选择。", "单选题只能选择一个选项。"),
        ("en", "Choose from A, B, C.", "A single-choice question takes one option."),
    ],
)
def test_grading_refusals_are_in_the_members_language_on_the_api_and_the_notebook_page(
    client, tree, language, choose, one_option
):
    # The page's own language is the default; each request's middleware activates the member's,
    # in this thread, and the override puts the default back for the tests that follow.
    with translation.override("zh-hans"):
        question = factories.question(factories.bank(tree["audit"]), "single", options=["甲", "乙", "丙"], key=["A"])
        paper = factories.paper(tree["audit"], mode="practice", questions=[question])
        member = factories.member(tree["gz1"])
        api = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        api.force_authenticate(member)
        attempt = api.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
        refused = api.post(f"/api/v1/study/attempts/{attempt['id']}/items/1/answer/", {"response": "H"}, format="json")
        assert refused.status_code == 409 and refused.json()["error"]["message"] == choose
        refused = api.post(f"/api/v1/study/attempts/{attempt['id']}/items/1/answer/", {"response": "AB"}, format="json")
        assert refused.json()["error"]["message"] == one_option

        entry = notebook_add_wrong(member=member, question_id=question.pk)
        refused = api.post(f"/api/v1/study/notebook/{entry.pk}/review/", {"response": "H"}, format="json")
        assert refused.status_code == 400 and choose in str(refused.json())
        client.force_login(member)
        page = client.post(
            f"/study/notebook/{entry.pk}/review/", {"response": "H"}, follow=True, HTTP_ACCEPT_LANGUAGE=language
        )
        assert choose in page.content.decode()


def test_an_organiser_exports_a_bank_as_the_import_layout_and_another_unit_cannot(tree, gz_organiser):
    from io import BytesIO

    from openpyxl import load_workbook

    bank = factories.bank(tree["gz"], slug="gz-bank")
    factories.question(bank, stem="党的最高理想是什么？")
    api = APIClient()
    api.force_authenticate(gz_organiser)
    download = api.get("/api/v1/banks/gz-bank/export/")
    assert download.status_code == 200
    stems = [row[1] for row in load_workbook(BytesIO(download.content)).worksheets[0].values]
    assert "党的最高理想是什么？" in stems
    other = APIClient()
    other.force_authenticate(factories.organiser(tree["jjj"]))
    assert other.get("/api/v1/banks/gz-bank/export/").json()["error"]["code"] == "not_found"


def test_a_bank_code_in_chinese_is_refused_in_words_an_organiser_reads_and_the_form_is_kept(client, tree):
    # Django's own Chinese message calls the code a 字段 ("field"), which names nothing on the page.
    client.force_login(factories.organiser(tree["audit"]))
    client.cookies["django_language"] = "zh-hans"
    page = client.post("/banks/", {"slug": "党章 题库", "name": "决赛题库", "name_en": "", "unit": tree["audit"].pk})
    assert page.status_code == 200
    assert "只能使用英文字母、数字、下划线和短横线" in page.text and "有效“字段”" not in page.text
    assert 'value="决赛题库"' in page.text and 'value="党章 题库"' in page.text


def test_an_import_queued_past_the_patience_says_on_the_api_that_no_worker_takes_it(tree, settings):
    """A broker and no worker: the import confirmed 601 s ago, the patience 600 s, says so
    beside its status; 60 s ago it does not yet; once a worker takes it (running) it no longer does."""
    from lessons.models import ImportJob

    settings.CELERY_TASK_ALWAYS_EAGER, settings.BACKGROUND_QUEUE_PATIENCE_S = False, 600
    organiser = factories.organiser(tree["gz"])
    bank = factories.bank(tree["gz"], slug="gz-bank")
    job = ImportJob.objects.create(
        bank=bank, filename="bank.xlsx", format="xlsx", created_by=organiser, confirmed_at=timezone.now()
    )
    client = APIClient()
    client.force_authenticate(organiser)
    url = f"/api/v1/import-jobs/{job.pk}/"
    ImportJob.objects.filter(pk=job.pk).update(confirmed_at=timezone.now() - timedelta(seconds=60))
    body = client.get(url).json()
    assert (body["status"], body["worker_missing"]) == ("pending", False)
    ImportJob.objects.filter(pk=job.pk).update(confirmed_at=timezone.now() - timedelta(seconds=601))
    assert client.get(url).json()["worker_missing"] is True
    ImportJob.objects.filter(pk=job.pk).update(status="running", heartbeat_at=timezone.now())
    assert client.get(url).json()["worker_missing"] is False


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "未找到该作答记录，或您无权查看。"), ("en", "No such attempt, or it is not yours to see.")],
)
def test_an_attempt_not_found_is_said_plainly_in_the_members_language(setup, language, message):
    """Another member's attempt and a missing one answered 404 "No Attempt matches the given
    query.", in English and naming a model, whatever the member's language."""
    client, paper, tree = setup["client"], setup["paper"], setup["tree"]
    from lessons.services.attempts import attempt_start

    theirs = attempt_start(paper=paper, member=factories.member(tree["gz2"]))
    missing = Attempt.objects.order_by("-pk").first().pk + 1000
    client.credentials(HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"], HTTP_ACCEPT_LANGUAGE=language)
    for attempt_id in (theirs.pk, missing):
        base = f"/api/v1/study/attempts/{attempt_id}/"
        for response in (
            client.get(base),
            client.post(base + "items/2/answer/", {"response": "A"}, format="json"),
            client.put(base + "items/2/", {"response": "A"}, format="json"),
            client.post(base + "submit/"),
        ):
            assert response.status_code == 404
            assert response.json()["error"] == {"code": "not_found", "message": message, "field": None}


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "未找到相关内容，或您无权查看。"), ("en", "Nothing was found here, or it is not yours to see.")],
)
def test_a_bare_not_found_is_said_plainly_too(setup, language, message):
    """A view's bare 404 (DRF's "Not found.") says the general plain message."""
    from rest_framework.exceptions import NotFound

    from quizsite.api_errors import exception_handler

    with translation.override(language):
        assert exception_handler(NotFound(), {}).data["error"]["message"] == message
