"""Authoring pages: the question editor, the import template and preview, the paper builder and
lesson settings, through the pages an organiser uses."""

import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from lessons.importing.run import questions_import
from lessons.models import ImportJob, Paper, Question
from lessons.selectors import papers_for_member
from lessons.services.attempts import answer_submit, attempt_start
from lessons.services.questions import question_images_sweep
from lessons.tasks import question_import_run
from tests import factories
from tests.pictures import bomb_png


def png_bytes(size=(4, 3)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def bank(tree):
    return factories.bank(tree["gz"], slug="gz-bank")


@pytest.fixture
def editor(client, gz_organiser, bank):
    client.force_login(gz_organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def new_url(bank):
    return reverse("lessons:question_new", args=[bank.slug])


def single(**fields):
    post = {
        "type": "single",
        "stem": "党的最高理想是什么？",
        "option": ["实现共产主义", "发展经济", "改善民生"],
        "key": ["0"],
        "difficulty": "3",
        "status": "published",
        "action": "save",
    }
    post.update(fields)
    return post


def test_editor_page_offers_known_knowledge_points(editor, bank):
    factories.question(bank, tags=["党章"])
    page = editor.get(new_url(bank))
    assert page.status_code == 200
    assert '<option value="党章">' in page.content.decode()


@pytest.mark.parametrize(
    ("fields", "field_message"),
    [
        ({"key": []}, "Tick the right option."),
        ({"key": ["0", "1"]}, "A single-choice question has one answer, not AB."),
        ({"option": ["实现共产主义"], "key": ["0"]}, "A choice question needs at least two options."),
        ({"type": "true_false", "option": [], "key": []}, "Choose whether the statement is true or false."),
        (
            {"type": "fill_blank", "stem": "党成立于____年", "blank0": ["", " "]},
            "Every blank needs at least one accepted answer.",
        ),
    ],
)
def test_editor_refuses_bad_input_and_stores_nothing(editor, bank, fields, field_message):
    page = editor.post(new_url(bank), single(**fields))
    assert page.status_code == 200
    assert field_message in page.content.decode()
    assert not Question.objects.filter(bank=bank).exists()
    # what was typed is still in the form
    assert fields.get("stem", "党的最高理想是什么？") in page.content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"stem": "题" * 2001}, "stem", "The question text is 2,001 characters long; the limit is 2,000."),
        ({"explanation": "析" * 2001}, "explanation", "The explanation is 2,001 characters long; the limit is 2,000."),
        ({"option": ["甲", "项" * 501, "丙"]}, "options", "Option B is 501 characters long; the limit is 500."),
    ],
)
def test_editor_refuses_text_over_the_limits_beside_the_field_and_keeps_it(editor, bank, fields, field, message):
    """A 20,000-character question text was stored."""
    question = factories.question(bank, "single")
    url = reverse("lessons:question_edit", args=[bank.slug, question.pk])
    html = editor.post(url, single(**fields)).content.decode()
    if field == "options":
        assert f'<div class="invalid-feedback d-block">{message}</div>' in html
        assert "项" * 501 in html
    else:
        textarea = html[html.index(f'id="{field}"') - 60 : html.index("</textarea>", html.index(f'id="{field}"'))]
        assert "is-invalid" in textarea and fields[field] in textarea
        after = html[html.index("</textarea>", html.index(f'id="{field}"')) :]
        # In its own box, whose id the field's aria-describedby names (as the shared field templates).
        error = f'<div id="{field}-error"><div class="invalid-feedback d-block">{message}</div></div>'
        assert after.startswith(f"</textarea>\n    {error}")
        assert f'aria-describedby="{field}-error"' in textarea
    assert Question.objects.get(pk=question.pk).versions.count() == 1


def test_editor_stores_text_at_the_limits(editor, bank):
    post = single(stem="题" * 2000, explanation="<p>" + "析" * 2000 + "</p>", option=["项" * 500, "乙"])
    assert editor.post(new_url(bank), post).status_code == 302
    version = Question.objects.get(bank=bank).current
    assert len(version.stem) == 2000 and version.options[0] == "项" * 500


def test_editor_refuses_a_file_that_is_not_a_picture(editor, bank):
    fake = BytesIO(b"%PDF-1.4 not a picture at all")
    fake.name = "photo.png"
    page = editor.post(new_url(bank), {**single(), "image": fake})
    assert "The file is not a picture (PNG, JPEG, GIF or WebP)." in page.content.decode()
    assert not Question.objects.filter(bank=bank).exists()


def test_editor_refuses_a_picture_over_the_limit(editor, bank, settings):
    picture = png_bytes((64, 64))
    settings.QUESTION_IMAGE_MAX_BYTES = len(picture) - 1
    upload = BytesIO(picture)
    upload.name = "big.png"
    page = editor.post(new_url(bank), {**single(), "image": upload})
    assert "the limit is" in page.content.decode()
    assert not Question.objects.filter(bank=bank).exists()


def test_editor_refuses_a_picture_declaring_hundreds_of_megapixels(editor, bank):
    """A few dozen bytes declaring 400 megapixels: Pillow's DecompressionBombError was not caught."""
    upload = BytesIO(bomb_png())
    upload.name = "bomb.png"
    page = editor.post(new_url(bank), {**single(), "image": upload})
    assert page.status_code == 200
    assert "This picture has more than 89 megapixels; make it smaller and try again." in page.content.decode()
    assert not Question.objects.filter(bank=bank).exists()


def test_preview_shows_the_member_card_and_saves_nothing(editor, bank):
    page = editor.post(new_url(bank), single(action="preview"))
    html = page.content.decode()
    assert 'id="preview-key"' in html and "实现共产主义" in html
    assert not Question.objects.filter(bank=bank).exists()


def test_multiple_choice_key_follows_ticked_options_and_grades_right(editor, bank, tree):
    picture = BytesIO(png_bytes())
    picture.name = "a.png"
    post = single(
        type="multiple",
        stem="四个意识包括？",
        option=["政治意识", "消费意识", "大局意识", "核心意识"],
        key=["0", "2", "3"],
        tag=["四个意识"],
        tag_new="政治建设；党性",
        image=picture,
    )
    page = editor.post(new_url(bank), post)
    assert page.status_code == 302
    question = Question.objects.get(bank=bank)
    version = question.current
    assert version.options == ["政治意识", "消费意识", "大局意识", "核心意识"]
    assert version.key == ["A", "C", "D"]
    assert sorted(question.tags.values_list("name", flat=True)) == ["党性", "四个意识", "政治建设"]
    assert version.image.startswith("questions/images/") and version.image.endswith(".png")

    member = factories.member(tree["gz1"])
    paper = factories.paper(tree["gz"], mode="practice", questions=[question], shuffle_options=False)
    attempt = attempt_start(paper=paper, member=member)
    answer = answer_submit(attempt=attempt, position=1, response=["A", "C", "D"])
    assert answer.is_correct and answer.score == Decimal(2)  # multiple choice is worth 2 by default
    image = editor.get(reverse("lessons:question_image", args=[version.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_the_editor_refuses_a_multiple_choice_question_with_one_right_option_and_keeps_the_text(editor, bank):
    response = editor.post(new_url(bank), single(type="multiple", key=["1"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        '<div class="invalid-feedback d-block" id="key-error">A multiple-choice question has at least two right'
        " options, not only B: tick another right option or make it a single-choice question.</div>"
    ) in body
    assert "党的最高理想是什么？" in body and not Question.objects.filter(bank=bank).exists()


def test_true_false_and_fill_blank_are_stored_as_the_grader_reads_them(editor, bank, tree):
    editor.post(new_url(bank), single(type="true_false", stem="党章是党的根本大法。", option=[], key=[], truth="false"))
    editor.post(
        new_url(bank),
        single(
            type="fill_blank", stem="党成立于____年，地点____", option=[], blank0=["1921", "一九二一"], blank1=["上海"]
        ),
    )
    truth, blanks = Question.objects.filter(bank=bank).order_by("pk")
    assert truth.current.key == [False] and truth.current.options == []
    assert blanks.current.key == [["1921", "一九二一"], ["上海"]]
    member = factories.member(tree["gz1"])
    paper = factories.paper(tree["gz"], mode="practice", questions=[truth, blanks], shuffle_questions=False)
    attempt = attempt_start(paper=paper, member=member)
    assert answer_submit(attempt=attempt, position=1, response=["错"]).is_correct
    assert answer_submit(attempt=attempt, position=2, response=["一九二一", "上海"]).is_correct


def test_saving_the_same_question_twice_is_refused_with_a_link_to_the_one_stored(editor, bank):
    true_false = single(type="true_false", stem="党章是党的根本大法。", option=[], key=[], truth="true")
    editor.post(new_url(bank), true_false)
    stored = Question.objects.get(bank=bank)
    # Back, then Save again; spaces around the text do not make it another question.
    response = editor.post(new_url(bank), {**true_false, "stem": " 党章是党的根本大法。 "})
    body = response.content.decode()
    assert response.status_code == 200
    assert "This bank already has this question (same type, text and answer)." in body
    assert f'href="/banks/gz-bank/questions/{stored.pk}/" id="same-question-link"' in body
    assert Question.objects.filter(bank=bank).count() == 1
    # The other answer is another question; so is the same one in another bank.
    editor.post(new_url(bank), {**true_false, "truth": "false"})
    assert Question.objects.filter(bank=bank).count() == 2
    # Saving the stored question unchanged is no duplicate of itself.
    response = editor.post(reverse("lessons:question_edit", args=[bank.slug, stored.pk]), true_false)
    assert response.status_code == 302


def test_a_retired_question_does_not_block_writing_it_again(editor, bank):
    true_false = single(type="true_false", stem="党章是党的根本大法。", option=[], key=[], truth="true")
    editor.post(new_url(bank), true_false)
    Question.objects.filter(bank=bank).update(status=Question.Status.RETIRED)
    assert editor.post(new_url(bank), true_false).status_code == 302
    assert Question.objects.filter(bank=bank).count() == 2


def test_editing_an_answered_question_keeps_its_version(editor, bank, tree):
    question = factories.question(bank)
    member = factories.member(tree["gz1"])
    paper = factories.paper(tree["gz"], mode="practice", questions=[question])
    attempt = attempt_start(paper=paper, member=member)
    answer_submit(attempt=attempt, position=1, response=["A"])
    url = reverse("lessons:question_edit", args=[bank.slug, question.pk])
    page = editor.get(url)
    assert 'value="实现共产主义"' in page.content.decode()
    editor.post(url, single(option=["实现共产主义", "发展经济"], key=["0"]))
    question.refresh_from_db()
    assert question.current.number == 2 and question.versions.count() == 2
    assert question.current.options == ["实现共产主义", "发展经济"]


def test_organiser_of_another_unit_cannot_open_the_editor(client, tree, bank):
    client.force_login(factories.organiser(tree["jjj"]))  # another office's bank is not there for them
    assert client.get(new_url(bank)).status_code == 404
    assert client.post(new_url(bank), single()).status_code == 404
    assert not Question.objects.filter(bank=bank).exists()


def test_import_template_reads_back_as_one_question_of_each_type(editor, bank):
    response = editor.get(reverse("lessons:import_template"))
    assert response.status_code == 200
    data = b"".join(response)
    book = load_workbook(BytesIO(data))
    assert book.sheetnames == ["试题", "填写说明"]
    report = questions_import(data=data, fmt="xlsx", bank=bank, by=None, dry_run=True)
    assert report.ok
    assert report.by_type == {"single": 1, "multiple": 1, "true_false": 1, "fill_blank": 1}
    blank = next(d.content for d in report.drafts if d.content.type == "fill_blank")
    assert blank.key == [["1921", "一九二一"], ["上海"]]


def upload(rows):
    data = factories.workbook([["题型", "题干", "选项A", "选项B", "选项C", "答案", "难度", "知识点"], *rows])
    data.name = "questions.xlsx"
    return data


def test_import_preview_shows_rows_as_stored_and_marks_the_bad_cell(editor, bank):
    rows = [["单选", f"第{n}题", "甲", "乙", "丙", "B", "中", "党章"] for n in range(1, 25)]
    rows[2] = ["单选", "第3题", "甲", "乙", "丙", "AB", "中", ""]  # two keys on a single choice, sheet row 4
    page = editor.post(reverse("lessons:bank_import", args=[bank.slug]), {"action": "preview", "file": upload(rows)})
    html = page.content.decode()
    preview = html[html.index('id="import-preview"') : html.index("</table>", html.index('id="import-preview"'))]
    assert preview.count("<tr") == 1 + 20  # header and the first 20 of 24 rows
    bad = preview[preview.index('<td data-label="Row">4<') - 40 : preview.index('<td data-label="Row">5</td>')]
    assert 'class="table-danger"' in bad
    assert '<td class="is-error" data-label="Answer">A single-choice question has one answer, not AB.</td>' in bad
    good = preview[preview.index('<td data-label="Row">2</td>') : preview.index('<td data-label="Row">3</td>')]
    assert "第1题" in good and '<td data-label="Answer">B</td>' in good and "is-error" not in good
    assert not Question.objects.filter(bank=bank).exists()


def test_import_job_page_says_the_result_in_words(editor, bank, gz_organiser):
    job = ImportJob.objects.create(
        bank=bank,
        filename="q.xlsx",
        format="xlsx",
        status=ImportJob.Status.DONE,
        result={
            "imported": 3,
            "by_type": {"single": 2, "multiple": 0, "true_false": 1, "fill_blank": 0},
            "duplicates": 1,
            "errors": [],
        },
    )
    html = editor.get(reverse("lessons:import_job", args=[job.pk])).content.decode()
    assert "3 questions imported." in html and "1 duplicate skipped." in html
    assert "{" not in html[html.index('id="job-result"') : html.index("Back to the bank")]


def builder_post(unit, **fields):
    post = {
        "title": "党章知识测试",
        "unit": str(unit.pk),
        "mode": "exam",
        "status": "published",
        "time_limit_minutes": "30",
        "pass_mark": "60",
        "max_attempts": "2",
        "grading": "best",
        "review": "after_close",
        "shuffle_questions": "on",
        "multiple_scoring": "partial",
        "fill_blank_scoring": "all_or_nothing",
        "points_single": "2",
        "points_multiple": "4",
        "points_true_false": "1",
        "points_fill_blank": "3",
    }
    post.update(fields)
    return post


def test_built_paper_keeps_points_and_settings_as_typed(editor, bank, tree):
    single_q = factories.question(bank, "single")
    multiple_q = factories.question(bank, "multiple")
    for _n in range(3):
        factories.question(bank, "true_false", tags=["党章"])
    post = builder_post(
        tree["gz"],
        question=[str(multiple_q.pk), str(single_q.pk)],
        **{f"points_{multiple_q.pk}": "5", f"points_{single_q.pk}": ""},
        rule_bank=[str(bank.pk)],
        rule_type=["true_false"],
        rule_tag=["党章"],
        rule_difficulty=[""],
        rule_count=["2"],
    )
    response = editor.post(reverse("lessons:paper_new"), post)
    assert response.status_code == 302
    paper = Paper.objects.get(title="党章知识测试")
    assert (paper.mode, paper.time_limit_s, paper.pass_mark, paper.max_attempts) == ("exam", 1800, 60, 2)
    assert (paper.review, paper.shuffle_questions, paper.shuffle_options) == ("after_close", True, False)
    assert paper.multiple_scoring == "partial"
    assert paper.points_per_type == {"single": 2, "multiple": 4, "true_false": 1, "fill_blank": 3}
    assert list(paper.fixed_questions.values_list("question_id", "position", "points")) == [
        (multiple_q.pk, 1, 5),
        (single_q.pk, 2, None),
    ]
    rule = paper.rules.get()
    assert (rule.bank_id, rule.type, rule.tag.name, rule.count) == (bank.pk, "true_false", "党章", 2)

    attempt = attempt_start(paper=paper, member=factories.member(tree["gz1"]))
    points = {item.version.question_id: item.points for item in attempt.items.select_related("version")}
    # multiple: its own 5; single: the paper's 2; two true/false drawn at the paper's 1 each
    assert points[multiple_q.pk] == Decimal(5) and points[single_q.pk] == Decimal(2)
    assert len(points) == 4 and attempt.max_score == Decimal(5 + 2 + 1 + 1)


def test_new_paper_starts_a_draft_members_do_not_see(editor, bank, tree):
    form = editor.get(reverse("lessons:paper_new")).content.decode()
    status = re.search(r'<select name="status"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert re.search(r'<option value="draft" selected>', status)
    assert 'value="published" selected' not in status
    # a paper stored without a status (a service, a script) is a draft as well, off members' list
    paper = Paper.objects.create(title="半成品", unit=tree["gz"], mode=Paper.Mode.EXAM)
    assert paper.status == Paper.Status.DRAFT
    assert not papers_for_member(factories.member(tree["gz1"])).filter(pk=paper.pk).exists()


def test_a_fixed_questions_box_on_a_paper_is_labelled_as_its_score_not_as_member_points(editor, bank):
    editor.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = editor.get(reverse("lessons:paper_new")).content.decode()
    assert page.count('aria-label="分值" title="分值"') == 1  # the picked-question row's template
    assert 'aria-label="积分"' not in page


def test_paper_builder_refuses_an_empty_paper_and_a_rule_asking_too_many(editor, bank, tree):
    factories.question(bank, "single")
    page = editor.post(reverse("lessons:paper_new"), builder_post(tree["gz"]))
    assert "Pick at least one question or add a rule that draws some." in page.content.decode()
    page = editor.post(
        reverse("lessons:paper_new"),
        builder_post(
            tree["gz"],
            rule_bank=[str(bank.pk)],
            rule_type=["single"],
            rule_tag=[""],
            rule_difficulty=[""],
            rule_count=["3"],
        ),
    )
    # 1 single-choice question for a rule drawing 3: 2 short.
    assert f"Rule 1 ({bank.name} · Single choice) draws 3 questions but only 1 match: 2 short." in page.content.decode()
    assert not Paper.objects.exists()


def test_rule_count_and_picker_filters(editor, bank, tree):
    asked = factories.question(bank, "single", tags=["党章"])
    factories.question(bank, "single", tags=["党史"])
    factories.question(bank, "true_false", tags=["党章"])
    paper = factories.paper(tree["gz"], mode="practice", questions=[asked], shuffle_options=False)
    for response in (["A"], ["B"], ["A"], ["A"]):  # three of four right
        answer_submit(
            attempt=attempt_start(paper=paper, member=factories.member(tree["gz1"])), position=1, response=response
        )
    rule = {"rule_bank": bank.pk, "rule_type": "single", "rule_tag": "党章", "rule_difficulty": "", "rule_count": "1"}
    count = editor.get(reverse("lessons:paper_rule_count"), rule)
    assert count.json() == {"rules": [{"matching": 1, "available": 1, "count": 1}]}
    found = editor.get(reverse("lessons:paper_candidates"), {"type": "single", "unused": "1"}).json()
    assert found["total"] == 1 and "党史" in found["questions"][0]["tags"]
    found = editor.get(reverse("lessons:paper_candidates"), {"tag": "党章", "type": "single"}).json()
    assert found["questions"][0]["times_answered"] == 4 and found["questions"][0]["right_percent"] == 75


def test_paper_preview_shows_questions_without_keys(editor, bank, tree):
    question = factories.question(bank, "single", explanation="党章总纲")
    paper = factories.paper(tree["gz"], questions=[question], time_limit_s=600)
    html = editor.get(reverse("lessons:paper_preview", args=[paper.pk])).content.decode()
    assert "实现共产主义" in html and "time limit 10 minutes" in html
    assert "is-key" not in html and "党章总纲" not in html


def test_organiser_of_another_unit_cannot_build_or_see_its_papers(client, bank, tree):
    paper = factories.paper(tree["gz"], questions=[factories.question(bank)])
    client.force_login(factories.organiser(tree["jjj"]))  # another office's paper is not there for them
    assert client.get(reverse("lessons:paper_edit", args=[paper.pk])).status_code == 404
    assert client.get(reverse("lessons:paper_preview", args=[paper.pk])).status_code == 404
    post = builder_post(tree["gz"], question=[str(paper.fixed_questions.get().question_id)])
    assert client.post(reverse("lessons:paper_edit", args=[paper.pk]), post).status_code == 404
    # a paper for another unit cannot be made either: the unit is not theirs to choose
    page = client.post(reverse("lessons:paper_new"), post)
    assert page.status_code == 200 and Paper.objects.count() == 1
    found = client.get(reverse("lessons:paper_candidates")).json()
    assert found["total"] == 0  # the Guangzhou bank is not visible from Beijing-Tianjin-Hebei


@pytest.fixture
def lesson(tree):
    from lessons.services import videos

    return videos.lesson_create(title="党章第一讲", unit=tree["gz"])


def settings_post(lesson, **fields):
    post = {"title": lesson.title, "speaker": "", "description": "", "poster_choice": "keep"}
    post.update(fields)
    return post


def test_lesson_settings_store_audience_window_quiz_and_subtitles(editor, lesson, tree, bank):
    paper = factories.paper(tree["gz"], questions=[factories.question(bank)])
    subtitles = BytesIO(b"WEBVTT\n\n00:00.000 --> 00:02.000\n\xe5\x85\x9a\xe7\xab\xa0\n")
    subtitles.name = "zh.vtt"
    url = reverse("lessons:lesson_settings", args=[lesson.pk])
    response = editor.post(
        url,
        settings_post(
            lesson,
            audience=[str(tree["gz1"].pk), str(tree["gz2"].pk)],
            publish_from="2026-12-10T08:00",
            publish_until="2026-12-31T18:30",
            required="on",
            paper=str(paper.pk),
            subtitles=subtitles,
        ),
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert sorted(lesson.audience.values_list("pk", flat=True)) == sorted([tree["gz1"].pk, tree["gz2"].pk])
    # typed in local time (Asia/Shanghai, UTC+8)
    assert lesson.publish_from.isoformat() == "2026-12-10T00:00:00+00:00"
    assert lesson.publish_until.isoformat() == "2026-12-31T10:30:00+00:00"
    assert lesson.required and lesson.paper_id == paper.pk
    assert lesson.subtitles.name.endswith(".vtt")
    page = editor.get(url).content.decode()
    assert 'value="2026-12-10T08:00"' in page


def test_lesson_settings_refuse_bad_subtitles_window_and_poster(editor, lesson):
    url = reverse("lessons:lesson_settings", args=[lesson.pk])
    fake = BytesIO(b"1\n00:00:00,000 --> 00:00:02,000\nSRT, not WebVTT\n")
    fake.name = "zh.vtt"
    page = editor.post(url, settings_post(lesson, title="改过的标题", subtitles=fake)).content.decode()
    assert "This is not a WebVTT file: it must begin with WEBVTT." in page
    page = editor.post(
        url, settings_post(lesson, publish_from="2026-12-10T08:00", publish_until="2026-12-09T08:00")
    ).content.decode()
    assert "The end of the window must come after its start." in page
    not_picture = BytesIO(b"GIF89a but not really")
    not_picture.name = "poster.gif"
    page = editor.post(url, settings_post(lesson, poster_choice="image", poster_image=not_picture)).content.decode()
    assert "The file is not a picture (PNG, JPEG, GIF or WebP)." in page
    page = editor.post(url, settings_post(lesson, poster_choice="frame", poster_second="3")).content.decode()
    assert "The video is not processed yet" in page
    lesson.refresh_from_db()
    assert lesson.title == "党章第一讲" and not lesson.subtitles and not lesson.poster and not lesson.publish_from


def test_lesson_poster_declaring_hundreds_of_megapixels_is_refused_beside_the_field(editor, lesson):
    url = reverse("lessons:lesson_settings", args=[lesson.pk])
    for bomb in (bomb_png(), bomb_png(12_000, 10_000)):  # over twice Pillow's limit, and under it
        upload = BytesIO(bomb)
        upload.name = "cover.png"
        page = editor.post(url, settings_post(lesson, poster_choice="image", poster_image=upload))
        assert page.status_code == 200
        assert "This picture has more than 89 megapixels; make it smaller and try again." in page.content.decode()
    lesson.refresh_from_db()
    assert not lesson.poster


def test_lesson_poster_from_an_uploaded_picture_is_stored_as_jpeg(editor, lesson, settings):
    picture = BytesIO(png_bytes((1600, 900)))
    picture.name = "cover.png"
    url = reverse("lessons:lesson_settings", args=[lesson.pk])
    assert editor.post(url, settings_post(lesson, poster_choice="image", poster_image=picture)).status_code == 302
    lesson.refresh_from_db()
    assert lesson.poster == f"lessons/{lesson.pk}/poster.jpg"
    with Image.open(settings.MEDIA_ROOT / lesson.poster) as poster:
        assert poster.format == "JPEG" and poster.size == (1280, 720)


def test_organiser_of_another_unit_cannot_change_lesson_settings(client, lesson, tree):
    client.force_login(factories.organiser(tree["jjj"]))  # another office's lesson is not there for them
    url = reverse("lessons:lesson_settings", args=[lesson.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, settings_post(lesson, title="别人的课")).status_code == 404
    lesson.refresh_from_db()
    assert lesson.title == "党章第一讲"


def test_lesson_poster_from_a_chosen_frame_of_the_processed_video(editor, lesson, settings, tmp_path):
    from lessons.services import videos
    from tests.lessons.videos import make_clip

    videos.lesson_attach_file(lesson=lesson, path=make_clip(tmp_path / "clip.mp4", seconds=4))
    lesson = videos.lesson_process(lesson_id=lesson.pk)
    assert lesson.status == "ready", lesson.failure
    poster = settings.MEDIA_ROOT / f"lessons/{lesson.pk}/poster.jpg"
    first = poster.read_bytes()
    url = reverse("lessons:lesson_settings", args=[lesson.pk])
    page = editor.post(url, settings_post(lesson, poster_choice="frame", poster_second="9"))
    assert "Choose a second between 0 and 3." in page.content.decode()
    assert poster.read_bytes() == first
    assert editor.post(url, settings_post(lesson, poster_choice="frame", poster_second="3")).status_code == 302
    assert poster.read_bytes() != first  # the test pattern moves, so another second is another picture
    with Image.open(poster) as picture:
        assert picture.format == "JPEG"


def stalled_job(bank, rows, *, silent_s: int) -> ImportJob:
    """A job left "running" by a worker that reported progress `silent_s` seconds ago."""
    from django.core.files.base import ContentFile

    return ImportJob.objects.create(
        bank=bank,
        filename="q.xlsx",
        format="xlsx",
        status=ImportJob.Status.RUNNING,
        stage="checking",
        file=ContentFile(upload(rows).read(), name="q.xlsx"),
        heartbeat_at=timezone.now() - timedelta(seconds=silent_s),
    )


def test_an_import_whose_worker_died_says_so_and_runs_again_from_the_kept_file(
    editor, bank, settings, django_capture_on_commit_callbacks
):
    rows = [["单选", f"第{n}题", "甲", "乙", "丙", "B", "中", "党章"] for n in range(1, 4)]
    job = stalled_job(bank, rows, silent_s=settings.QUESTION_IMPORT_STALLED_S + 60)
    url = reverse("lessons:import_job", args=[job.pk])
    html = editor.get(url).content.decode()
    assert 'id="job-stalled"' in html and "This import stopped before it finished." in html
    # Its status line says so too, not "Importing".
    assert re.search(r'id="job-status"[^>]*>(已中断|Stopped before it finished)</p>', html)
    assert editor.get(reverse("lessons:import_job_progress", args=[job.pk])).json()["stalled"] is True

    with django_capture_on_commit_callbacks() as callbacks:
        editor.post(url)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PENDING and len(callbacks) == 1
    question_import_run(job.pk)  # what the worker does with the queued task
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.result["imported"] == 3
    assert sorted(Question.objects.filter(bank=bank).values_list("current__stem", flat=True)) == [
        "第1题",
        "第2题",
        "第3题",
    ]
    # A second run of the same file (say, the first one had stored everything before dying) stores nothing twice.
    again = stalled_job(bank, rows, silent_s=settings.QUESTION_IMPORT_STALLED_S + 60)
    with django_capture_on_commit_callbacks():
        editor.post(reverse("lessons:import_job", args=[again.pk]))
    question_import_run(again.pk)
    again.refresh_from_db()
    assert (again.result["imported"], again.result["duplicates"]) == (0, 3)
    assert Question.objects.filter(bank=bank).count() == 3


def test_an_import_still_reporting_progress_is_not_offered_or_run_again(
    editor, bank, django_capture_on_commit_callbacks
):
    job = stalled_job(bank, [["单选", "第1题", "甲", "乙", "丙", "B", "中", "党章"]], silent_s=30)
    url = reverse("lessons:import_job", args=[job.pk])
    assert 'id="job-stalled"' not in editor.get(url).content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        followed = editor.post(url, follow=True).content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING and not callbacks
    assert "This import is not stopped: it is still running or has finished." in followed


def test_pictures_uploaded_for_a_preview_and_never_saved_are_swept_after_a_day(editor, bank, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)

    def picture(name: str) -> BytesIO:
        upload = BytesIO(png_bytes((32, 32)))
        upload.name = name
        return upload

    editor.post(new_url(bank), {**single(action="preview"), "image": picture("draft.png")})  # never saved
    editor.post(new_url(bank), {**single(), "image": picture("kept.png")})
    folder = tmp_path / "questions" / "images"
    kept = Question.objects.get(bank=bank).current.image
    assert len(list(folder.iterdir())) == 2 and (tmp_path / kept).exists()

    assert question_images_sweep() == 0  # a form left open overnight keeps its picture for a day
    assert question_images_sweep(at=timezone.now() + timedelta(days=1, minutes=1)) == 1
    assert [f"questions/images/{path.name}" for path in folder.iterdir()] == [kept]


def test_bank_page_searches_question_options_and_explanation_and_pages_keep_the_search(editor, bank):
    """The bank page's search read the question and explanation only; a question is often found by an option."""
    for n in range(1, 33):  # 32 matching an option: two pages of 30
        factories.question(
            bank, "single", stem=f"第{n}题：党的根本宗旨是？", options=[f"全心全意为人民服务{n}", "发展经济"]
        )
    factories.question(bank, "single", stem="党的最高理想是？", options=["共产主义", "小康"], explanation="见党章总纲")
    factories.question(bank, "true_false", stem="党章是党的根本大法。", key=[True])
    url = reverse("lessons:bank_detail", args=[bank.slug])

    def stems(page):
        table = page[page.index('id="question-table"') : page.index("</table>", page.index('id="question-table"'))]
        return re.findall(r'/questions/\d+/">([^<]+)</a>', table)

    assert stems(editor.get(url, {"q": "共产主义"}).text) == ["党的最高理想是？"]  # an option
    assert stems(editor.get(url, {"q": "党章总纲"}).text) == ["党的最高理想是？"]  # the explanation
    assert stems(editor.get(url, {"q": "根本大法"}).text) == ["党章是党的根本大法。"]  # the question
    assert stems(editor.get(url, {"q": '"'}).text) == []  # not the quotes around each option
    first = editor.get(url, {"q": "为人民服务", "type": "single"}).text
    assert len(stems(first)) == 30 and 'value="为人民服务"' in first
    assert 'href="?q=%E4%B8%BA%E4%BA%BA%E6%B0%91%E6%9C%8D%E5%8A%A1&amp;type=single&amp;page=2"' in first
    second = editor.get(url, {"q": "为人民服务", "type": "single", "page": "2"}).text
    assert stems(second) == ["第2题：党的根本宗旨是？", "第1题：党的根本宗旨是？"]
    assert 'id="bank-filters-clear"' in second and "Page 2 of 2" in second


def test_paper_builder_search_finds_a_question_by_an_option(editor, bank):
    factories.question(bank, "single", stem="党的最高理想是？", options=["共产主义", "小康"])
    factories.question(bank, "single", stem="另一题", options=["甲", "乙"])
    found = editor.get(reverse("lessons:paper_candidates"), {"q": "共产主义"}).json()
    assert [q["stem"] for q in found["questions"]] == ["党的最高理想是？"]
