"""A call for essays walked in the browser: the organiser sets it up, a member submits a .docx from
a phone, the branch recommends it, three judges score it blind (one on a phone), and the honour
list shows the prize."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from calls.models import Assignment, Call, Entry
from tests import factories
from tests.browser.pickers import pick_judge
from tests.browser.test_shell import sign_in
from tests.calls import documents

pytestmark = pytest.mark.browser


def test_essay_call_from_submission_through_a_recommendation_to_blind_judging_and_honours(
    live_server, transactional_db, tree, page_factory, screenshot
):
    base = live_server.url
    password = {"password": django_settings.DEMO_PASSWORD}
    factories.organiser(tree["audit"], username="organ", real_name="署组织者", **password)
    factories.organiser(tree["gz1"], username="branch", real_name="支部组织者", **password)
    factories.member(tree["gz1"], username="author", real_name="李文", **password)
    for n in (1, 2, 3):
        factories.member(tree["jjj1"], username=f"judge{n}", real_name=f"评委{n}", **password)

    # The organiser sets the call up in the product's pages.
    organiser = page_factory()
    # Assigning, locking and publishing cannot be undone: each asks first, and the organiser agrees.
    asked = []
    organiser.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    sign_in(organiser, base, "organ")
    organiser.click("#manage-menu")
    organiser.click("a[href='/calls/manage/']")
    organiser.click("#call-new")
    # The extra questions' answer type reads whole (its column squeezed it to 文).
    room, widest = organiser.locator("#fields-table select").first.evaluate(
        """select => { const style = getComputedStyle(select), pen = document.createElement("canvas").getContext("2d");
          pen.font = style.font;
          return [select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
                  Math.max(...[...select.options].map(option => pen.measureText(option.text).width))]; }"""
    )
    assert widest <= room
    now = timezone.localtime()
    organiser.fill("#id_title", "学习二十大主题征文")
    organiser.select_option("#id_unit", str(tree["audit"].pk))
    organiser.select_option("#id_kind", "essay")
    organiser.fill("#id_rules", "围绕主题，不超过3000字。")
    organiser.fill("#id_opens_at", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    organiser.fill("#id_closes_at", (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    organiser.fill("#id_file_types", "docx, pdf")
    organiser.select_option("#id_levels-0-unit_kind", "branch")
    organiser.fill("#id_levels-0-quota", "1")
    organiser.fill("#id_criteria-0-name", "内容")
    organiser.fill("#id_criteria-1-name", "文采")
    organiser.fill("#id_criteria-1-weight", "40")
    organiser.fill("#id_criteria-1-min_score", "0")
    organiser.fill("#id_criteria-1-max_score", "100")
    organiser.fill("#id_tiers-0-name", "一等奖")
    organiser.fill("#id_tiers-0-value", "1")
    screenshot(organiser, "calls-call-form-desktop")
    organiser.click("#call-save")
    organiser.wait_for_selector("#review-table")
    call = Call.objects.get()

    # A member enters from a phone: a draft, the .docx, then the receipt.
    author = page_factory(phone=True)
    sign_in(author, base, "author")
    author.goto(f"{base}/calls/")
    screenshot(author, "calls-list-phone")
    author.click(f"a[href='/calls/{call.pk}/']")
    author.fill("#id_title", "守初心 担使命")
    screenshot(author, "calls-call-detail-phone")
    author.click("#entry-create")
    author.set_input_files(
        "#file-input",
        files=[
            {
                "name": "李文-征文.docx",
                "mimeType": "application/octet-stream",
                "buffer": documents.docx(["初心如磐，使命在肩。"], author="李文"),
            }
        ],
    )
    author.click("#file-upload")
    author.wait_for_selector("#essay-preview")
    assert "初心如磐" in author.inner_text("#essay-preview")
    author.click("#entry-submit")
    author.wait_for_selector("#receipt")
    entry = Entry.objects.get()
    assert entry.receipt in author.inner_text("#receipt")
    screenshot(author, "calls-entry-phone")

    # The branch recommends it up; it reaches judging.
    branch = page_factory()
    sign_in(branch, base, "branch")
    branch.goto(f"{base}/calls/manage/{call.pk}/")
    branch.fill(f"#entry-{entry.pk} input[name=note]", "立意鲜明，推荐参评")
    screenshot(branch, "calls-review-desktop")
    branch.click(f"#entry-{entry.pk} button[value=forward]")
    branch.wait_for_selector(".alert-success")
    entry.refresh_from_db()
    assert entry.status == "finalist"

    # The organiser forms a panel of three judges and assigns.
    organiser.goto(f"{base}/calls/manage/{call.pk}/")
    organiser.fill("#id_name", "评审组")
    for n in (1, 2, 3):
        pick_judge(organiser, f"judge{n}", f"评委{n}")
    organiser.click("#panel-form button")
    organiser.click(".assign-button")
    organiser.wait_for_selector("#assignment-seed")

    judges = []
    # Three judges score blind: content × 0.6 + style × 0.4 → 84, 66, 94; the mean is 81.33.
    for n, (content, style) in zip((1, 2, 3), ((80, 90), (70, 60), (90, 100)), strict=True):
        judge = page_factory(phone=n == 1)
        judges.append(judge)
        sign_in(judge, base, f"judge{n}")
        judge.goto(f"{base}/calls/judging/")
        judge.click("#assignment-list a")
        text = judge.inner_text("main")
        assert "李文" not in text and "第一党支部" not in text and "初心如磐" in text
        inputs = judge.locator("#score-form input[type=number]")
        inputs.nth(0).fill(str(content))
        inputs.nth(1).fill(str(style))
        if n == 1:
            judge.fill("#score-comment", "立意鲜明，<b>事例</b>还可更具体。")
            screenshot(judge, "calls-judging-comment-phone")
        judge.click("#score-save")
        judge.wait_for_selector(".alert-success")
        if n == 1:
            screenshot(judge, "calls-judging-list-phone")

    organiser.goto(f"{base}/calls/manage/{call.pk}/")
    organiser.click("#lock-button")
    organiser.click("#publish-button")
    organiser.wait_for_selector("#results-table")
    assert [question[:6] for question in asked] == ["现在将作品分", "现在锁定评分", "现在发布结果"]
    assert "81.33" in organiser.inner_text("#results-table")
    organiser.click(".judge-comments summary")
    assert "评委1：立意鲜明，<b>事例</b>还可更具体。" in organiser.inner_text(".judge-comments")
    screenshot(organiser, "calls-manage-comments-desktop")

    author.goto(f"{base}/calls/{call.pk}/honours/")
    honours = author.inner_text("main")
    assert "一等奖" in honours and "守初心 担使命" in honours and "81.33" in honours
    assert "立意鲜明" not in honours
    screenshot(author, "calls-honours-phone")

    # Every page at both sizes, for looking at.
    assignment = Assignment.objects.get(judge__username="judge3")
    shown = [
        (author, "calls-list", "/calls/"),
        (author, "calls-call-detail", f"/calls/{call.pk}/"),
        (author, "calls-entry", f"/calls/entries/{entry.pk}/"),
        (author, "calls-honours", f"/calls/{call.pk}/honours/"),
        (organiser, "calls-manage-list", "/calls/manage/"),
        (organiser, "calls-call-form", f"/calls/manage/{call.pk}/edit/"),
        (organiser, "calls-manage", f"/calls/manage/{call.pk}/"),
        (branch, "calls-review", f"/calls/manage/{call.pk}/"),
        (judges[2], "calls-judging-list", "/calls/judging/"),
        (judges[2], "calls-judging", f"/calls/judging/{assignment.pk}/"),
    ]
    for page, name, path in shown:
        for size, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
            page.set_viewport_size(viewport)
            page.goto(base + path)
            screenshot(page, f"{name}-{size}")
