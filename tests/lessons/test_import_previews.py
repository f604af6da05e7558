"""A question import's kept file: confirmed within the preview window or swept; and a refused
file's problems: the first ones on the page, every one in a download."""

import os
from datetime import timedelta
from io import BytesIO

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lessons.importing.jobs import import_job_create, import_previews_sweep
from lessons.models import ImportJob, Question
from lessons.tasks import question_import_run
from quizsite import import_files
from quizsite.selectors import work_in_progress
from quizsite.tasks import import_files_sweep
from tests import factories
from tests.spreadsheets import FORMULA, assert_written_as_text

AIKEN = "党的最高理想是？\nA. 共产主义\nB. 小康\nANSWER: A\n"


def aiken_upload(text: str, name: str = "questions.txt") -> BytesIO:
    upload = BytesIO(text.encode())
    upload.name = name
    return upload


def preview(client, bank, text=AIKEN):
    return client.post(
        reverse("lessons:bank_import", args=[bank.slug]), {"action": "preview", "file": aiken_upload(text)}
    )


def confirm(client, bank):
    token = client.session["question_import_preview"]["token"]
    return client.post(reverse("lessons:bank_import", args=[bank.slug]), {"action": "confirm", "token": token})


def age(job: ImportJob, hours: float) -> None:
    """Make `job` and its file look `hours` old."""
    then = timezone.now() - timedelta(hours=hours)
    ImportJob.objects.filter(pk=job.pk).update(created_at=then)
    os.utime(job.file.path, (then.timestamp(), then.timestamp()))


def test_a_preview_never_confirmed_is_swept_with_its_file_once_its_window_has_passed(organiser, bank):
    preview(organiser, bank)
    job = ImportJob.objects.get()
    assert job.confirmed_at is None and default_storage.exists(job.file.name)
    age(job, settings.IMPORT_PREVIEW_HOURS - 1)
    assert import_previews_sweep() == 0 and default_storage.exists(job.file.name)  # still confirmable
    age(job, settings.IMPORT_PREVIEW_HOURS + 1)
    assert import_previews_sweep() == 1
    assert not ImportJob.objects.exists() and not default_storage.exists(job.file.name)


def test_a_new_preview_deletes_the_earlier_one_it_replaces_but_never_a_confirmed_one(organiser, bank, tree):
    preview(organiser, bank)
    first = ImportJob.objects.get()
    preview(organiser, bank, AIKEN.replace("小康", "温饱"))
    second = ImportJob.objects.exclude(pk=first.pk).get()
    assert not ImportJob.objects.filter(pk=first.pk).exists() and not default_storage.exists(first.file.name)
    confirm(organiser, bank)
    other = factories.bank(tree["gz"], slug="other")
    preview(organiser, other)
    assert ImportJob.objects.filter(pk=second.pk).exists() and default_storage.exists(second.file.name)


def test_a_preview_confirmed_after_its_window_is_refused_and_imports_nothing(organiser, bank):
    preview(organiser, bank)
    age(ImportJob.objects.get(), settings.IMPORT_PREVIEW_HOURS + 1)
    response = confirm(organiser, bank)
    assert response.status_code == 302 and response["Location"] == reverse("lessons:bank_import", args=[bank.slug])
    assert ImportJob.objects.get().confirmed_at is None and not Question.objects.exists()
    assert "That preview has expired." in organiser.get(response["Location"]).text


def test_a_confirmed_import_keeps_its_file_however_old(organiser, bank, django_capture_on_commit_callbacks):
    preview(organiser, bank)
    with django_capture_on_commit_callbacks() as callbacks:
        response = confirm(organiser, bank)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("lessons:import_job", args=[job.pk])
    assert job.confirmed_at is not None and len(callbacks) == 1  # the run is queued
    question_import_run(job.pk)
    assert ImportJob.objects.get().status == ImportJob.Status.DONE and Question.objects.count() == 1
    age(job, 24 * 365)
    assert import_previews_sweep() == 0 and default_storage.exists(job.file.name)


def test_an_import_through_the_api_is_confirmed_at_once_and_kept_while_it_waits_for_a_worker(bank, tree):
    job = import_job_create(bank=bank, filename="q.txt", fmt="aiken", data=AIKEN.encode(), by=None, confirmed=True)
    age(job, 24 * 30)
    assert import_previews_sweep() == 0 and default_storage.exists(job.file.name)
    assert ImportJob.objects.get().status == ImportJob.Status.PENDING


def test_a_file_no_import_holds_is_swept_once_old_and_a_new_one_is_not(bank, tree):
    old = default_storage.save("imports/questions/left-behind-xlsx", ContentFile(b"x"))
    new = default_storage.save("imports/questions/just-written-xlsx", ContentFile(b"x"))
    then = (timezone.now() - timedelta(hours=settings.IMPORT_PREVIEW_HOURS + 1)).timestamp()
    os.utime(default_storage.path(old), (then, then))
    assert import_previews_sweep() == 1
    assert not default_storage.exists(old) and default_storage.exists(new)


def test_the_dashboard_lists_confirmed_imports_not_previews(organiser, bank, gz_organiser):
    preview(organiser, bank)
    assert work_in_progress(gz_organiser)["imports"] == []
    waiting = import_job_create(bank=bank, filename="q.txt", fmt="aiken", data=b"", by=None, confirmed=True)
    assert work_in_progress(gz_organiser)["imports"] == [waiting]


def test_the_daily_sweep_task_is_scheduled_and_a_second_run_finds_nothing(organiser, bank):
    assert settings.CELERY_BEAT_SCHEDULE["sweep-import-files"]["task"] == "quizsite.tasks.import_files_sweep"
    preview(organiser, bank)
    age(ImportJob.objects.get(), settings.IMPORT_PREVIEW_HOURS + 1)
    assert import_files_sweep() == {"member_sheets": 0, "question_files": 1, "problem_lists": 0}
    assert import_files_sweep() == {"member_sheets": 0, "question_files": 0, "problem_lists": 0}


def test_a_file_with_thousands_of_bad_lines_lists_the_first_ones_and_offers_every_one(organiser, bank):
    bad = 1234
    page = preview(organiser, bank, "ANSWER: A\n" * bad)
    html = page.text
    table = html[html.index('id="import-errors"') : html.index("</table>", html.index('id="import-errors"'))]
    assert table.count('<td class="qs-error-cell">') == import_files.ERRORS_SHOWN == 200
    assert "…and 1,034 more problems (all are in the download)." in html
    assert f"{bad} problems found." in html
    download = organiser.get(reverse("lessons:bank_import_errors", args=[bank.slug]))
    assert download.status_code == 200
    rows = list(load_workbook(BytesIO(download.content)).active.values)
    assert rows[0] == ("Line", "Column", "Problem")
    assert rows[1:] == [(n, "Answer", "“ANSWER:” comes before any option.") for n in range(1, bad + 1)]


def test_the_list_of_problems_is_in_the_pages_language(organiser, bank):
    organiser.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    preview(organiser, bank, "ANSWER: A\n")
    rows = list(
        load_workbook(
            BytesIO(organiser.get(reverse("lessons:bank_import_errors", args=[bank.slug])).content)
        ).active.values
    )
    assert rows == [("行号", "列", "问题"), (1, "答案", "“ANSWER:”出现在选项之前。")]


def test_the_list_of_problems_is_this_sessions_and_expires_with_the_preview_window(organiser, bank):
    url = reverse("lessons:bank_import_errors", args=[bank.slug])
    assert organiser.get(url)["Location"] == reverse("lessons:bank_import", args=[bank.slug])  # none yet
    preview(organiser, bank, "ANSWER: A\n")
    name = organiser.session["question_import_errors"]
    then = (timezone.now() - timedelta(hours=settings.IMPORT_PREVIEW_HOURS + 1)).timestamp()
    os.utime(default_storage.path(name), (then, then))
    response = organiser.get(url)
    assert (
        response.status_code == 302 and "That list of problems has expired." in organiser.get(response["Location"]).text
    )
    assert import_files.error_reports_sweep() == 1 and not default_storage.exists(name)


def test_formula_like_text_in_the_list_of_problems_is_written_as_text(rf, db):
    request = rf.get("/")
    request.session = {}
    import_files.error_report_store(
        request, session_key="k", place="row", errors=[(3, FORMULA, FORMULA), (0, "", "@SUM(1)")]
    )
    response = import_files.error_report_response(request, session_key="k", filename="problems", back="/")
    assert_written_as_text(response.content, FORMULA, "@SUM(1)")
    assert list(load_workbook(BytesIO(response.content)).active.values)[1:] == [
        (3, FORMULA, FORMULA),
        (None, None, "@SUM(1)"),
    ]


@pytest.mark.parametrize(
    ("language", "name", "expected"),
    [("zh-hans", "questions.xlsx", "行号"), ("en", "questions.xlsx", "Row"), ("en", "questions.txt", "Line")],
)
def test_the_problem_tables_first_column_is_named_for_the_kind_of_file(organiser, bank, language, name, expected):
    """It read "行 / 行号" (Row / Line) whatever the file."""
    from tests.lessons.test_import import xlsx

    organiser.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    if name.endswith(".xlsx"):
        upload = BytesIO(xlsx([["问答题", "未知题型", None, None, None, None, "x", "", "", ""]]))
        upload.name = name
    else:
        upload = aiken_upload("ANSWER: A\n", name)
    html = organiser.post(reverse("lessons:bank_import", args=[bank.slug]), {"action": "preview", "file": upload}).text
    table = html[html.index('id="import-errors"') : html.index("</thead>", html.index('id="import-errors"'))]
    assert f"<th>{expected}</th>" in table
    assert " / " not in table
    download = organiser.get(reverse("lessons:bank_import_errors", args=[bank.slug]))
    assert next(load_workbook(BytesIO(download.content)).active.values)[0] == expected


CHIP = '<span class="badge text-bg-light border qs-tag">{}</span>'
CHIPS = CHIP.format("党章") + " " + CHIP.format("理想信念")


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", CHIPS), ("en", CHIPS)])
def test_question_tags_read_the_same_on_the_preview_and_the_bank(organiser, bank, language, expected):
    """The preview joined them with "；", the bank's list with spaces, the paper builder with "、";
    then both with "、", which cannot be told from a point whose name holds one: a chip each."""
    from tests.lessons.test_import import xlsx

    organiser.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    upload = BytesIO(xlsx([["单选", "党的最高理想是？", "共产主义", "小康", "", "", "A", "", 1, "党章;理想信念"]]))
    upload.name = "questions.xlsx"
    html = organiser.post(reverse("lessons:bank_import", args=[bank.slug]), {"action": "preview", "file": upload}).text
    assert f">{expected}</td>" in html
    confirm(organiser, bank)
    question_import_run(ImportJob.objects.get().pk)
    assert Question.objects.filter(bank=bank).count() == 1
    html = organiser.get(reverse("lessons:bank_detail", args=[bank.slug])).text
    assert f">{expected}</td>" in html


def xlsx_upload(rows, **kwargs) -> BytesIO:
    from tests.lessons.test_import import xlsx

    upload = BytesIO(xlsx(rows, **kwargs))
    upload.name = "questions.xlsx"
    return upload


def test_a_blank_option_before_a_filled_one_is_filed_under_the_blank_options_column(organiser, bank):
    """It was filed under 选项A (Option A) on the page, the preview and the download."""
    upload = xlsx_upload([["单选", "党的最高理想是？", "共产主义", None, "小康", None, "A", "", "", ""]])
    html = organiser.post(reverse("lessons:bank_import", args=[bank.slug]), {"action": "preview", "file": upload}).text
    problems = html[html.index('id="import-errors"') : html.index("</table>", html.index('id="import-errors"'))]
    cells = '<td class="text-nowrap">Option B (选项B)</td><td>Option B is blank but a later option is filled.</td>'
    assert cells in problems
    assert "Option A" not in problems
    download = organiser.get(reverse("lessons:bank_import_errors", args=[bank.slug]))
    rows = list(load_workbook(BytesIO(download.content)).active.values)
    assert rows[1:] == [(2, "Option B (选项B)", "Option B is blank but a later option is filled.")]


def test_text_over_the_limits_is_refused_naming_the_column_and_the_limit(organiser, bank):
    stem, option, explanation = "题" * 2001, "项" * 501, "析" * 2001
    upload = xlsx_upload(
        [
            ["单选", stem, "甲", "乙", None, None, "A", "", "", ""],  # row 2
            ["单选", "第二题", "甲", option, None, None, "A", explanation, "", ""],  # row 3
            ["单选", "题" * 2000, "项" * 500, "乙", None, None, "A", "析" * 2000, "", ""],  # row 4: at the limits
        ]
    )
    html = organiser.post(reverse("lessons:bank_import", args=[bank.slug]), {"action": "preview", "file": upload}).text
    download = organiser.get(reverse("lessons:bank_import_errors", args=[bank.slug]))
    assert list(load_workbook(BytesIO(download.content)).active.values)[1:] == [
        (2, "Question (题干)", "The question text is 2,001 characters long; the limit is 2,000."),
        (3, "Explanation (解析)", "The explanation is 2,001 characters long; the limit is 2,000."),
        (3, "Option B (选项B)", "Option B is 501 characters long; the limit is 500."),
    ]
    preview = html[html.index('id="import-preview"') : html.index("</table>", html.index('id="import-preview"'))]
    stem_cell = (
        '<td class="qs-figures-wide is-error" data-label="Question">'
        "The question text is 2,001 characters long; the limit is 2,000."
    )
    option_cell = (
        '<td class="small qs-figures-wide is-error" data-label="Options">'
        "Option B is 501 characters long; the limit is 500.</td>"
    )
    assert stem_cell in preview and option_cell in preview
    assert not Question.objects.exists()


def test_length_limits_are_said_in_chinese_too(organiser, bank):
    organiser.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    upload = xlsx_upload([["单选", "题" * 2001, "甲", None, "丙", None, "A", "", "", ""]])
    organiser.post(reverse("lessons:bank_import", args=[bank.slug]), {"action": "preview", "file": upload})
    download = organiser.get(reverse("lessons:bank_import_errors", args=[bank.slug]))
    assert list(load_workbook(BytesIO(download.content)).active.values)[1:] == [
        (2, "题干", "题干有 2,001 个字，最多 2,000 个字。"),
        (2, "选项B", "选项 B 为空，但后面的选项有内容。"),
    ]


def test_a_previews_job_page_says_nothing_was_imported_not_waiting_for_ever(organiser, bank):
    """It read "Waiting for a worker… 0%" for ever, while the confirmed upload ran as another job."""
    preview(organiser, bank)
    first = ImportJob.objects.get()
    html = organiser.get(reverse("lessons:import_job", args=[first.pk])).text
    assert "Preview only: nothing has been imported from this file." in html
    assert "Waiting" not in html and 'id="job-progress"' not in html
    token = organiser.session["question_import_preview"]["token"]
    assert f'name="token" value="{token}"' in html  # this session's preview: confirmable from here
    organiser.logout()
    other = organiser
    other.force_login(factories.organiser(bank.unit))
    preview(other, bank)  # another browser's preview of the same file, confirmed and run
    confirm(other, bank)
    imported = ImportJob.objects.exclude(pk=first.pk).get()
    question_import_run(imported.pk)
    html = other.get(reverse("lessons:import_job", args=[first.pk])).text
    assert "Preview only: nothing has been imported from this file." in html and 'name="token"' not in html
    assert f'href="{reverse("lessons:import_job", args=[imported.pk])}"' in html
    assert "The same file was imported afterwards: see that import." in html
    html = other.get(reverse("lessons:import_job", args=[imported.pk])).text
    assert "1 question imported." in html


def test_a_previews_job_page_in_chinese(organiser, bank):
    organiser.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    preview(organiser, bank)
    html = organiser.get(reverse("lessons:import_job", args=[ImportJob.objects.get().pk])).text
    assert "仅为预览：此文件中的试题尚未导入。" in html and "确认导入" in html


# Lines 1-4 import; each later question has one problem, on the line it is about (by hand below).
AIKEN_PROBLEMS = """中国共产党成立于哪一年？
A. 1919
B. 1921
ANSWER: B

选项跳了字母
A. 甲
C. 乙
ANSWER: A

答案越界
A) 甲
B) 乙
ANSWER: D

只有一个选项
A. 甲
ANSWER: A

没有答案的题
A. 甲
B. 乙

ANSWER: A

空的选项
A.
B. 乙
ANSWER: B
"""


def test_an_aiken_files_problems_are_on_the_line_and_part_they_are_about(organiser, bank):
    """Every Aiken problem was filed under “ANSWER”, a missing option on the question's first line:
    the preview showed them all as the question's, the list and its download in an "ANSWER" column."""
    page = preview(organiser, bank, AIKEN_PROBLEMS)
    expected = [
        (8, "Option B", "Expected option B here."),
        (14, "Answer", "The answer names option D, which is empty."),
        (18, "Option B", "A choice question needs at least two options."),
        (20, "", "This question has no “ANSWER:” line."),
        (24, "Answer", "“ANSWER:” comes before any option."),
        (27, "Option A", "Option A is blank but a later option is filled."),
    ]
    assert [(error["line"], error["column"], error["message"]) for error in page.context["errors_shown"]] == expected
    download = organiser.get(reverse("lessons:bank_import_errors", args=[bank.slug]))
    rows = list(load_workbook(BytesIO(download.content)).active.values)
    assert rows == [("Line", "Column", "Problem"), *[(line, part or None, message) for line, part, message in expected]]
    # The preview shows each problem in its question's row (by the question's first line), in the
    # column of the part it is about; a question never stored still shows its stem.
    previewed = {row["place"]: (row["stem"], row["errors"]) for row in page.context["rows"]}
    assert previewed == {
        1: ("中国共产党成立于哪一年？", {}),
        6: ("选项跳了字母", {"options": "Expected option B here."}),
        11: ("答案越界", {"key": "The answer names option D, which is empty."}),
        16: ("只有一个选项", {"options": "A choice question needs at least two options."}),
        20: ("没有答案的题", {"stem": "This question has no “ANSWER:” line."}),
        24: ("", {"key": "“ANSWER:” comes before any option."}),
        26: ("空的选项", {"options": "Option A is blank but a later option is filled."}),
    }


def test_confirming_an_imported_preview_again_leads_to_its_import_not_to_an_expired_preview(organiser, bank):
    preview(organiser, bank)
    token = organiser.session["question_import_preview"]["token"]
    first = confirm(organiser, bank)
    job = ImportJob.objects.get()
    assert first["Location"] == reverse("lessons:import_job", args=[job.pk])
    # Back to the preview page, then Import again: the same token.
    again = organiser.post(
        reverse("lessons:bank_import", args=[bank.slug]), {"action": "confirm", "token": token}, follow=True
    )
    assert again.redirect_chain == [(reverse("lessons:import_job", args=[job.pk]), 302)]
    body = again.content.decode()
    assert "This file is already imported: here is how its import went." in body
    assert "That preview has expired" not in body
    assert ImportJob.objects.count() == 1
