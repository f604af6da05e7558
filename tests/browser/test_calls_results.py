"""A micro-class call walked in the browser to its results: a member answers the organiser's extra
questions and sends a video through the resumable upload from a phone, the branch and the office
recommend it (two levels), three judges score it blind, and the organiser publishes the results,
the winner to the micro-class library (one action) and the honour list with its certificate. Then
an essay call's collection page, for looking at."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from calls import services
from calls.models import Assignment, Call, Entry, Panel
from lessons.models import Lesson
from tests import factories
from tests.browser.pickers import pick_judge
from tests.browser.test_shell import sign_in
from tests.calls import documents
from tests.calls.conftest import open_essay_call, submitted_essay, upload
from tests.processes import wait_for

pytestmark = pytest.mark.browser


def micro_class_call(tree) -> Call:
    now = timezone.now()
    call = Call.objects.create(
        title="“永远跟党走”微党课征集",
        unit=tree["audit"],
        kind=Call.Kind.MICRO_CLASS,
        rules="时长不超过15分钟。",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=3),
        max_file_mb=5,
        judges_per_entry=3,
    )
    services.call_settings_save(
        call=call,
        levels=[("branch", 1), ("office", 1)],
        criteria=[
            ("内容", Decimal("0.6"), Decimal(0), Decimal(100)),
            ("表现", Decimal("0.4"), Decimal(0), Decimal(100)),
        ],
        tiers=[("一等奖", Decimal(1))],
    )
    services.call_fields_save(
        call=call,
        fields=[("联系电话", "text", "", True, True), ("党课类别", "choice", "党史,理论,实践", True, False)],
    )
    return call


def test_micro_class_call_through_two_levels_and_blind_judging_to_the_library_and_honours(
    live_server, transactional_db, tree, page_factory, screenshot, tmp_path, celery_worker_process
):
    from lessons import video

    if video.tools_missing():
        pytest.skip("ffmpeg is not installed")
    base = live_server.url
    password = {"password": django_settings.DEMO_PASSWORD}
    factories.organiser(tree["audit"], username="organ", real_name="署组织者", **password)
    factories.organiser(tree["gz1"], username="branch", real_name="支部组织者", **password)
    factories.organiser(tree["gz"], username="office", real_name="特派办组织者", **password)
    factories.member(tree["gz1"], username="author", real_name="李文", **password)
    for n in (1, 2, 3):
        factories.member(tree["jjj1"], username=f"judge{n}", real_name=f"评委{n}", **password)
    call = micro_class_call(tree)
    clip = video.make_test_clip(tmp_path / "clip.mp4", seconds=2, size="320x180")

    # The author, on a phone: a draft, the extra questions, the video in resumable chunks.
    author = page_factory(phone=True)
    sign_in(author, base, "author")
    author.goto(f"{base}/calls/{call.pk}/")
    author.fill("#id_title", "红船精神代代传")
    author.click("#entry-create")
    author.wait_for_selector("#answers-form")
    field_ids = {field.label: field.pk for field in call.fields.all()}
    author.fill(f"#id_field-{field_ids['联系电话']}", "13800000000")
    author.select_option(f"#id_field-{field_ids['党课类别']}", "党史")
    author.click("#answers-form button")
    author.wait_for_selector(".alert-success")
    author.set_input_files(
        "#video-file", files=[{"name": "李文-微党课.mp4", "mimeType": "video/mp4", "buffer": clip.read_bytes()}]
    )
    screenshot(author, "calls-entry-upload-phone")
    author.click("#upload-button")
    author.wait_for_selector("text=李文-微党课.mp4")
    # Transcoded inline without a broker, by the worker with one.
    wait_for(
        lambda: Entry.objects.get().video_status in ("ready", "failed"),
        timeout=120,
        what="the entry's video to be processed",
        process=celery_worker_process,
    )
    entry = Entry.objects.get()
    assert entry.video_status == "ready", entry.video_failure
    author.click("#entry-submit")
    author.wait_for_selector("#receipt")
    screenshot(author, "calls-entry-submitted-phone")

    # Two levels recommend it: the branch, then the office above it.
    for username in ("branch", "office"):
        reviewer = page_factory()
        sign_in(reviewer, base, username)
        reviewer.goto(f"{base}/calls/manage/{call.pk}/")
        reviewer.fill(f"#entry-{entry.pk} input[name=note]", "主题鲜明，推荐")
        reviewer.click(f"#entry-{entry.pk} button[value=forward]")
        reviewer.wait_for_selector(".alert-success")
    entry.refresh_from_db()
    assert entry.status == Entry.Status.FINALIST

    organiser = page_factory()
    organiser.on("dialog", lambda dialog: dialog.accept())  # assigning, locking, publishing ask first
    sign_in(organiser, base, "organ")
    organiser.goto(f"{base}/calls/manage/{call.pk}/")
    organiser.fill("#id_name", "评审组")
    for n in (1, 2, 3):
        pick_judge(organiser, f"judge{n}", f"评委{n}")
    organiser.click("#panel-form button")
    organiser.click(".assign-button")
    organiser.wait_for_selector("#assignment-seed")

    # Three judges, blind: neither the author, the unit nor the identifying answer; the video and
    # the other answer are there. 0.6 × content + 0.4 × delivery: 84, 66, 94 -> 81.33.
    for n, (content, delivery) in zip((1, 2, 3), ((80, 90), (70, 60), (90, 100)), strict=True):
        judge = page_factory(phone=n == 1)
        sign_in(judge, base, f"judge{n}")
        judge.goto(f"{base}/calls/judging/")
        judge.click("#assignment-list a")
        text = judge.inner_text("main")
        assert "李文" not in text and "第一党支部" not in text and "13800000000" not in text
        assert "党史" in text and judge.locator("video").count() == 1
        inputs = judge.locator("#score-form input[type=number]")
        inputs.nth(0).fill(str(content))
        inputs.nth(1).fill(str(delivery))
        if n == 1:
            screenshot(judge, "calls-judging-video-phone")
        judge.click("#score-save")
        judge.wait_for_selector(".alert-success")

    organiser.goto(f"{base}/calls/manage/{call.pk}/")
    organiser.click("#lock-button")
    organiser.click("#publish-button")
    organiser.wait_for_selector("#results-table")
    assert "81.33" in organiser.inner_text("#results-table")

    # One action publishes the winner to the library, for the Guangzhou office's subtree.
    organiser.goto(f"{base}/calls/{call.pk}/honours/")
    organiser.select_option("#id_audience", [str(tree["gz"].pk)])
    organiser.click("#library-publish")
    organiser.wait_for_selector(".library-link")
    wait_for(
        lambda: Lesson.objects.get().status in ("ready", "failed"),
        timeout=120,
        what="the published lesson to be processed",
        process=celery_worker_process,
    )
    lesson = Lesson.objects.get()
    assert (lesson.title, lesson.speaker, lesson.status) == ("红船精神代代传", "李文", Lesson.Status.READY)
    screenshot(organiser, "calls-honours-library-desktop")

    # The author finds it in the library and on the honour list, with their certificate.
    author.goto(f"{base}/lessons/")
    assert "红船精神代代传" in author.inner_text("main")
    author.goto(f"{base}/calls/{call.pk}/honours/")
    honours = author.inner_text("main")
    assert "一等奖" in honours and "红船精神代代传" in honours and "81.33" in honours
    certificate = author.request.get(f"{base}/calls/entries/{entry.pk}/certificate.pdf")
    assert certificate.ok and certificate.body()[:5] == b"%PDF-"
    screenshot(author, "calls-honours-certificate-phone")

    # Pages new with this work, at both sizes, for looking at.
    essay_call = _published_essay_call(tree)
    assignment = Assignment.objects.filter(entry=entry).first()
    judge3 = page_factory()
    sign_in(judge3, base, "judge3")
    shown = [
        (organiser, "calls-call-form-fields", f"/calls/manage/{call.pk}/edit/"),
        (author, "calls-entry-video", f"/calls/entries/{entry.pk}/"),
        (author, "calls-collection", f"/calls/{essay_call.pk}/collection/"),
        (organiser, "calls-honours-owner", f"/calls/{call.pk}/honours/"),
        (judge3, "calls-judging-answers", f"/calls/judging/{Assignment.objects.get(judge__username='judge3').pk}/"),
    ]
    assert assignment is not None
    for page, name, path in shown:
        for size, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
            page.set_viewport_size(viewport)
            page.goto(base + path)
            screenshot(page, f"{name}-{size}")


def _published_essay_call(tree) -> Call:
    """An essay call of the audit organ with two winning essays (one .docx, one PDF), published."""
    call = open_essay_call(
        tree["audit"], title="学习二十大主题征文", tiers=[("一等奖", Decimal(1)), ("二等奖", Decimal(1))]
    )
    organiser = factories.organiser(tree["audit"])
    first = submitted_essay(call, factories.member(tree["gz1"], real_name="王芳"), title="初心如磐")
    second = services.entry_create(call=call, author=factories.member(tree["gz2"], real_name="赵强"), title="使命在肩")
    services.entry_attach(entry=second, upload=upload("essay.pdf", documents.pdf()))
    services.entry_submit(entry=second, by=second.author)
    panel = Panel.objects.create(call=call, name="评审组")
    panel.judges.set([factories.member(tree["jjj1"])])
    services.assignment_run(call=call, panel=panel, by=organiser, seed="x")
    criterion = call.criteria.get()
    for entry, value in ((first, 95), (second, 88)):
        assignment = Assignment.objects.get(entry=entry)
        services.score_record(assignment=assignment, by=assignment.judge, values={criterion.pk: Decimal(value)})
    services.scores_lock(call=call, by=organiser, close_now=True)
    services.results_publish(call=call, by=organiser)
    return call


def test_a_video_entrys_upload_bar_shows_only_once_an_upload_starts(
    live_server, transactional_db, tree, page_factory, screenshot
):
    """Before, an empty grey bar sat under the upload button of a draft waiting for its video."""
    from django.urls import reverse

    call = micro_class_call(tree)
    author = factories.member(tree["gz1"], username="author", password=django_settings.DEMO_PASSWORD)
    entry = services.entry_create(call=call, author=author, title="红船精神代代传")
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "author")
    page.goto(f"{live_server.url}{reverse('calls:entry', args=[entry.pk])}")
    bar = page.locator("#uploader .progress")
    page.wait_for_selector("#upload-button")
    assert bar.is_hidden()
    screenshot(page, "calls-entry-upload-waiting-phone")

    # The server never answers the start: the upload is under way, and its bar shows at 0 %.
    page.route(f"**{reverse('calls:entry_upload_start', args=[entry.pk])}", lambda route: None)
    page.set_input_files("#video-file", files=[{"name": "微党课.mp4", "mimeType": "video/mp4", "buffer": b"0" * 1024}])
    page.click("#upload-button")
    bar.wait_for(state="visible")
    assert page.locator("#upload-progress").inner_text() == "0%"
    screenshot(page, "calls-entry-upload-started-phone")
