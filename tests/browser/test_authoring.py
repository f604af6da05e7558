"""An organiser writes three questions of different types in the editor, builds a paper from them
and previews it, in the product's pages only."""

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from lessons.models import Question
from tests import factories
from tests.browser.test_shell import sign_in

pytestmark = pytest.mark.browser


def test_organiser_writes_three_questions_builds_a_paper_and_previews_it(
    live_server, transactional_db, tree, page_factory, screenshot
):
    bank = factories.bank(tree["gz"], slug="gz-browser")
    factories.question(bank, tags=["党章"])
    factories.organiser(tree["gz"], username="author", password=django_settings.DEMO_PASSWORD)
    base = live_server.url
    page = page_factory()
    sign_in(page, base, "author")

    # a single choice with no option ticked is refused, with what was typed still there
    page.goto(f"{base}/banks/{bank.slug}/questions/new/")
    page.fill("#stem", "党的最高理想是什么？")
    page.locator("#option-list input[name=option]").nth(0).fill("实现共产主义")
    page.click("#save-button")
    page.wait_for_selector("#editor-errors")
    assert page.locator("#key-error").inner_text() == "请勾选正确选项。"
    assert page.locator("#stem").input_value() == "党的最高理想是什么？"
    screenshot(page, "authoring-question-editor-errors")

    # 1. multiple choice: five options, one removed, one moved up, three ticked
    page.goto(f"{base}/banks/{bank.slug}/questions/new/")
    page.click("label[for=type-multiple]")
    page.fill("#stem", "“四个意识”包括哪些？")
    options = page.locator("#option-list input[name=option]")
    for index, text in enumerate(["政治意识", "大局意识", "消费意识", "看齐意识"]):
        options.nth(index).fill(text)
    page.click("#add-option")
    options.nth(4).fill("核心意识")
    page.locator("#option-list .qs-option-row").nth(2).locator(".qs-remove").click()  # 消费意识
    page.locator("#option-list .qs-option-row").nth(3).locator(".qs-move-up").click()  # 核心意识 above 看齐意识
    for index in range(4):
        page.locator("#option-list .qs-key-box").nth(index).check()
    page.fill("#tag-new", "党章")
    page.click("#tag-add")
    page.click("#preview-button")
    page.wait_for_selector("#preview-key")
    screenshot(page, "authoring-question-editor-preview")
    page.click("#save-another-button")
    page.wait_for_url(f"{base}/banks/{bank.slug}/questions/new/")

    # 2. true or false: two buttons
    page.click("label[for=type-true_false]")
    page.fill("#stem", "党章是党的根本大法。")
    page.click("label[for=truth-true]")
    page.click("#save-another-button")
    page.wait_for_url(f"{base}/banks/{bank.slug}/questions/new/")

    # 3. fill in: two blanks, the first with an alternative
    page.click("label[for=type-fill_blank]")
    page.fill("#stem", "中国共产党成立于____年，诞生在____。")
    page.locator("#blank-list .qs-alternative").first.fill("1921")
    page.locator("#blank-list .qs-add-alternative").first.click()
    page.locator("#blank-list .qs-alternative").nth(1).fill("一九二一")
    page.click("#add-blank")
    page.locator("#blank-list .qs-blank-row").nth(1).locator(".qs-alternative").fill("上海")
    screenshot(page, "authoring-question-editor-fill-blank")
    page.click("#save-button")
    page.wait_for_url(f"{base}/banks/{bank.slug}/")

    written = {q.current.type: q.current for q in Question.objects.filter(bank=bank).select_related("current")}
    assert written["multiple"].options == ["政治意识", "大局意识", "核心意识", "看齐意识"]
    assert written["multiple"].key == ["A", "B", "C", "D"]
    assert written["true_false"].key == [True]
    assert written["fill_blank"].key == [["1921", "一九二一"], ["上海"]]

    # the paper: the three questions picked (the fill-in worth 5), one single choice drawn by a rule
    page.goto(f"{base}/papers/")
    page.click("#new-paper")
    page.fill("#id_title", "党章知识测试（浏览器）")
    page.select_option("#id_mode", "exam")
    page.fill("#id_time_limit_minutes", "20")
    page.fill("#id_pass_mark", "60")
    for stem in ("四个意识", "根本大法", "成立于"):
        page.locator(".qs-candidate", has_text=stem).locator(".qs-add-candidate").click()
    assert page.locator("#picked-count").inner_text() == "3"
    page.locator("#picked-list .qs-points").nth(2).fill("5")
    page.click("#add-rule")
    rule = page.locator("#rule-list .qs-rule").first
    rule.locator("[name=rule_type]").select_option("single")
    rule.locator("[name=rule_count]").fill("1")
    page.wait_for_function("() => document.querySelector('.qs-rule-count').textContent.includes('1')")
    screenshot(page, "authoring-paper-builder")
    page.click("#save-preview")
    page.wait_for_url("**/preview/")
    assert page.locator("#paper-summary .qs-question").count() == 0
    assert page.locator(".qs-question").count() == 4
    # 2 (multiple) + 1 (true/false) + 5 (fill-in, its own points) + 1 (single, drawn)
    assert "9" in page.locator("#summary-points").inner_text()
    screenshot(page, "authoring-paper-preview")

    phone = page_factory(phone=True)
    sign_in(phone, base, "author")
    phone.goto(f"{base}/banks/{bank.slug}/questions/new/")
    screenshot(phone, "authoring-question-editor-phone")
    phone.goto(page.url.replace("/preview/", "/edit/"))
    screenshot(phone, "authoring-paper-builder-phone")
    phone.goto(page.url)
    screenshot(phone, "authoring-paper-preview-phone")


def test_import_preview_marks_the_bad_cell_in_place(
    live_server, transactional_db, tree, page_factory, screenshot, tmp_path
):
    bank = factories.bank(tree["gz"], slug="gz-import")
    factories.organiser(tree["gz"], username="importer", password=django_settings.DEMO_PASSWORD)
    rows = [
        ["单选", f"第{n}题：党的最高理想是什么？", "实现共产主义", "发展经济", "改善民生", "A", "中", "党章"]
        for n in range(1, 8)
    ]
    rows[3] = ["单选", "第4题", "甲", "乙", "丙", "AB", "中", ""]
    rows[5] = ["判断", "第6题", "", "", "", "也许", "中", ""]
    data = factories.workbook([["题型", "题干", "选项A", "选项B", "选项C", "答案", "难度", "知识点"], *rows])
    path = tmp_path / "questions.xlsx"
    path.write_bytes(data.getvalue())
    for phone in (False, True):
        page = page_factory(phone=phone)
        sign_in(page, live_server.url, "importer")
        page.goto(f"{live_server.url}/banks/{bank.slug}/import/")
        page.set_input_files("input[type=file]", str(path))
        page.click("#preview-button")
        # A form post: wait for the answer page rather than count the page the click left.
        expect(page.locator("#import-preview td.is-error")).to_have_count(2)
        # A refused row still says which question it was; the type reads on one line, not 单/选/题.
        assert "第4题" in page.locator("#import-preview tbody tr").nth(3).inner_text()
        lines = page.locator("#import-preview tbody tr:first-child td:nth-child(2)").evaluate(
            "cell => { const r = document.createRange(); r.selectNodeContents(cell); "
            "return new Set([...r.getClientRects()].map(rect => Math.round(rect.top))).size; }"
        )
        assert lines == 1
        screenshot(page, "authoring-import-preview" + ("-phone" if phone else ""))


def test_lesson_settings_page_sets_the_audience_and_window(
    live_server, transactional_db, tree, page_factory, screenshot
):
    from lessons.models import Lesson
    from lessons.services import videos

    lesson = videos.lesson_create(title="党章第一讲（设置）", unit=tree["gz"], speaker="王老师")
    factories.organiser(tree["gz"], username="lessons", password=django_settings.DEMO_PASSWORD)
    for phone in (False, True):
        page = page_factory(phone=phone)
        sign_in(page, live_server.url, "lessons")
        page.goto(f"{live_server.url}/lessons/manage/")
        page.click(f"#settings-{lesson.pk}")
        page.wait_for_url(f"**/lessons/{lesson.pk}/settings/")
        if not phone:
            page.select_option("#id_audience", [str(tree["gz1"].pk)])
            page.fill("#id_publish_from", "2026-12-10T08:00")
            page.check("#id_required")
            page.click("#save-settings")
            page.wait_for_selector(".alert-success")
        screenshot(page, "authoring-lesson-settings" + ("-phone" if phone else ""))
    lesson = Lesson.objects.get(pk=lesson.pk)
    assert lesson.required and list(lesson.audience.all()) == [tree["gz1"]]
