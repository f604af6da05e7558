"""Submitting entries: windows, limits, and each kind of bad file."""

from datetime import timedelta

import pikepdf
import pytest
from django.utils import timezone, translation

from calls import files, services
from calls.models import AuditEvent, Entry, EntryFile
from calls.services import CallRejected
from tests import factories
from tests.archives import inflated, with_false_sizes

from . import documents
from .conftest import submitted_essay, upload


@pytest.fixture
def author(tree):
    return factories.member(tree["gz1"], real_name="李文")


@pytest.fixture
def entry(essay_call, author):
    return services.entry_create(call=essay_call, author=author, title="我的征文")


def test_docx_essay_is_shown_as_clean_html_and_receipt_issued(entry, author):
    stored = services.entry_attach(
        entry=entry, upload=upload("我的征文.docx", documents.docx(["第一段", "<b>第二段</b>"]))
    )
    entry.refresh_from_db()
    assert entry.essay_html == "<p>第一段</p><p>&lt;b&gt;第二段&lt;/b&gt;</p>"
    assert stored.original_name == "我的征文.docx" and "我的征文" not in stored.blind_path
    submitted = services.entry_submit(entry=entry, by=author)
    assert submitted.status == Entry.Status.SUBMITTED and len(submitted.receipt) == 8


def test_entry_after_deadline_is_refused_until_an_organiser_reopens_it_with_a_reason(
    essay_call, entry, author, gz_organiser
):
    services.entry_attach(entry=entry, upload=upload("a.docx", documents.docx()))
    essay_call.closes_at = timezone.now() - timedelta(minutes=1)
    essay_call.save()
    entry.refresh_from_db()
    with pytest.raises(CallRejected) as refused:
        services.entry_submit(entry=entry, by=author)
    assert refused.value.code == "closed"
    with pytest.raises(CallRejected) as no_reason:
        services.entry_reopen(entry=entry, by=gz_organiser, until=timezone.now() + timedelta(hours=1), reason=" ")
    assert no_reason.value.code == "reason_required"
    services.entry_reopen(entry=entry, by=gz_organiser, until=timezone.now() + timedelta(hours=1), reason="系统故障")
    assert services.entry_submit(entry=entry, by=author).status == Entry.Status.SUBMITTED
    audit = AuditEvent.objects.get(entry=entry)
    assert (audit.action, audit.by, audit.detail.endswith("系统故障")) == ("reopen", gz_organiser, True)
    other = services.entry_create  # a new entry is not covered by this entry's reopening
    with pytest.raises(CallRejected):
        other(call=essay_call, author=factories.member("审计署/广州特派办/第二党支部"), title="迟到")


def test_member_of_another_unit_cannot_reopen(entry, tree):
    outsider = factories.organiser(tree["mof"])
    with pytest.raises(CallRejected) as refused:
        services.entry_reopen(entry=entry, by=outsider, until=timezone.now() + timedelta(hours=1), reason="x")
    assert refused.value.code == "not_allowed"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("essay.docx", documents.PNG, "wrong_type"),  # a picture renamed
        ("essay.pdf", documents.docx(), "wrong_type"),  # a Word file renamed to .pdf
        ("essay.docx", b"%PDF-1.7\n" + b"x" * 100, "wrong_type"),
        ("essay.txt", b"plain text", "type_not_allowed"),
        ("essay.docx", documents.docx(macros=True), "macros"),
        ("essay.docx", documents.docx(main=documents.DOCM_MAIN), "macros"),
        ("essay.pdf", documents.pdf(script="open_action"), "pdf_script"),
        ("essay.pdf", documents.pdf(script="names"), "pdf_script"),
        # A zip bomb: under 1 MB, it unpacks to 64 MB, which the blind copy would read into memory.
        ("essay.docx", inflated(documents.docx(), unpacked_mb=64), "unpacks_too_large"),
        # Sizes in the zip directory that lie: reading the item failed its checksum half-way
        # through the blind copy (a server error), and a bomb declaring 1 kB passed the check.
        ("essay.docx", with_false_sizes(documents.docx(), "word/document.xml", unpacked=10), "damaged"),
        ("essay.docx", with_false_sizes(documents.docx(), "word/document.xml", unpacked=2**20), "damaged"),
        (
            "essay.docx",
            with_false_sizes(inflated(documents.docx(), unpacked_mb=64), "docProps/padding.bin", unpacked=1000),
            "damaged",
        ),
    ],
    ids=["png", "docx-as-pdf", "pdf-as-docx", "txt", "macros", "docm", "open-action", "names-js", "bomb"]
    + ["declares-less", "declares-more", "bomb-declaring-1kB"],
)
def test_bad_files_are_refused_and_leave_nothing(entry, tmp_path, name, content, code):
    with pytest.raises(CallRejected) as refused:
        services.entry_attach(entry=entry, upload=upload(name, content))
    assert refused.value.code == code
    assert not EntryFile.objects.exists()
    folder = tmp_path / "media" / "calls"
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


def test_oversize_file_is_refused(entry):
    big = documents.docx(["字" * 10] * 10) + b"\0" * (2**20)
    with pytest.raises(CallRejected) as refused:
        services.entry_attach(entry=entry, upload=upload("big.docx", big))
    assert refused.value.code == "too_large"
    assert "1 MB" in refused.value.message


def test_pdf_script_found_inside_compressed_object_streams():
    raw = documents.pdf(script="open_action")
    assert b"/JavaScript" not in raw  # compressed: a byte scan alone would miss it
    # …and pikepdf still finds it (the parametrised test above refuses this file).


def test_blind_copies_lose_document_properties(entry, settings):
    from pathlib import Path

    stored = services.entry_attach(entry=entry, upload=upload("a.docx", documents.docx(author="李文")))
    blind = (Path(settings.MEDIA_ROOT) / stored.blind_path).read_bytes()
    original = (Path(settings.MEDIA_ROOT) / stored.path).read_bytes()
    import io
    import zipfile

    assert "李文" in zipfile.ZipFile(io.BytesIO(original)).read("docProps/core.xml").decode()
    assert "李文" not in zipfile.ZipFile(io.BytesIO(blind)).read("docProps/core.xml").decode()
    stored = services.entry_attach(entry=entry, upload=upload("a.pdf", documents.pdf(author="李文")))
    with pikepdf.open(Path(settings.MEDIA_ROOT) / stored.blind_path) as pdf:
        assert "/Author" not in pdf.docinfo and "/Metadata" not in pdf.Root
    assert EntryFile.objects.filter(entry=entry).count() == 1  # an essay keeps one file


def test_entries_per_member_and_coauthors_are_limited(essay_call, author, entry, tree):
    with pytest.raises(CallRejected) as refused:
        services.entry_create(call=essay_call, author=author, title="第二篇")
    assert refused.value.code == "too_many"
    two = [factories.member(tree["gz1"]), factories.member(tree["gz2"])]
    with pytest.raises(CallRejected) as coauthors:
        services.entry_update(entry=entry, by=author, title="t", summary="", coauthors=two)
    assert coauthors.value.code == "too_many_coauthors"
    assert coauthors.value.message == "本次征集最多允许 1 名合作者。"
    with translation.override("en"):
        with pytest.raises(CallRejected) as coauthors:
            services.entry_update(entry=entry, by=author, title="t", summary="", coauthors=two)
    assert coauthors.value.message == "This call allows at most 1 co-author."  # not "1 co-authors"
    services.entry_withdraw(entry=entry, by=author)
    assert services.entry_create(call=essay_call, author=author, title="第二篇").pk


def test_the_call_page_offers_no_new_entry_form_once_the_member_has_as_many_as_it_takes(
    client, essay_call, author, entry
):
    client.force_login(author)
    page = client.get(f"/calls/{essay_call.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="entry-form"' not in page and "我的征文" in page
    assert "本次征集每人最多 1 件作品，您已达到上限；请打开上方的作品继续编辑。" in page
    services.entry_withdraw(entry=entry, by=author)
    assert 'id="entry-form"' in client.get(f"/calls/{essay_call.pk}/").content.decode()


def test_member_outside_the_audience_cannot_enter(essay_call, tree):
    with pytest.raises(CallRejected) as refused:
        services.entry_create(call=essay_call, author=factories.member(tree["budget"]), title="x")
    assert refused.value.code == "not_audience"


def test_withdrawing_after_judging_began_is_refused_and_not_offered(client, essay_call, author, panel):
    entry = submitted_essay(essay_call, author)
    organiser = factories.organiser("审计署")
    entry = services.entry_forward(entry=entry, by=organiser, note="好")
    entry = services.entry_forward(entry=entry, by=organiser, note="好")
    assert entry.status == Entry.Status.FINALIST
    client.force_login(author)
    page = client.get(f"/calls/entries/{entry.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="entry-withdraw"' in page  # a finalist not yet assigned to judges may still go
    assert "审核记录" in page and "答题回顾" not in page  # the recommendations, not a quiz's review
    services.assignment_run(call=essay_call, panel=panel, by=organiser, seed="s")
    with pytest.raises(CallRejected) as refused:
        services.entry_withdraw(entry=entry, by=author)
    assert refused.value.code == "judging_begun"
    # The page no longer offers a button the service would refuse.
    assert 'id="entry-withdraw"' not in client.get(f"/calls/entries/{entry.pk}/").content.decode()


def test_video_entry_goes_through_the_lesson_pipeline(
    essay_call, author, tmp_path, eager_tasks, django_capture_on_commit_callbacks
):
    from lessons import video

    if video.tools_missing():
        pytest.skip("ffmpeg is not installed")
    essay_call.kind = "micro_class"
    essay_call.max_file_mb = 20
    essay_call.save()
    clip = video.make_test_clip(tmp_path / "clip.mp4", seconds=2, size="160x90")
    entry = services.entry_create(call=essay_call, author=author, title="微党课")
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_attach(entry=entry, upload=upload("张三的微党课.mp4", clip.read_bytes()))
    entry.refresh_from_db()
    assert entry.video_status == "ready"
    assert files.extension_of(entry.files.get().blind_path) == "mp4"


def test_photo_set_keeps_every_photo_and_refuses_a_renamed_pdf(essay_call, author):
    essay_call.kind = "photos"
    essay_call.save()
    entry = services.entry_create(call=essay_call, author=author, title="组照")
    services.entry_attach(entry=entry, upload=upload("1.png", documents.PNG))
    services.entry_attach(entry=entry, upload=upload("2.png", documents.PNG))
    with pytest.raises(CallRejected) as refused:
        services.entry_attach(entry=entry, upload=upload("3.jpg", documents.pdf()))
    assert refused.value.code == "wrong_type"
    assert list(entry.files.values_list("original_name", flat=True)) == ["1.png", "2.png"]


def test_blind_copies_of_pictures_and_videos_lose_the_authors_tags(essay_call, author, settings, tmp_path):
    from pathlib import Path

    from PIL import Image

    from lessons import video

    essay_call.kind = "photos"
    essay_call.save()
    entry = services.entry_create(call=essay_call, author=author, title="组照")
    stored = services.entry_attach(entry=entry, upload=upload("1.jpg", documents.picture("JPEG", artist="Li Wen")))
    with Image.open(Path(settings.MEDIA_ROOT) / stored.path) as original:
        assert original.getexif().get(0x013B) == "Li Wen"
    with Image.open(Path(settings.MEDIA_ROOT) / stored.blind_path) as blind:
        assert 0x013B not in blind.getexif()
    if video.tools_missing():
        pytest.skip("ffmpeg is not installed")
    import subprocess

    clip = video.make_test_clip(tmp_path / "clip.mp4", seconds=1, size="160x90")
    tagged = tmp_path / "tagged.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(clip), "-c", "copy", "-metadata", "artist=李文", str(tagged)], check=True
    )  # noqa: S603, S607
    assert (
        "李文"
        in subprocess.run(
            ["ffprobe", "-v", "error", "-show_format", str(tagged)], capture_output=True, text=True
        ).stdout
    )  # noqa: S603, S607
    essay_call.kind = "speech"
    essay_call.max_file_mb = 20
    essay_call.save()
    speech = services.entry_create(
        call=essay_call, author=factories.member("审计署/广州特派办/第二党支部"), title="演讲"
    )
    stored = services.entry_attach(entry=speech, upload=upload("李文.mp4", tagged.read_bytes()))
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", str(Path(settings.MEDIA_ROOT) / stored.blind_path)],
        capture_output=True,
        text=True,
    )  # noqa: S603, S607
    assert probe.returncode == 0 and "李文" not in probe.stdout


@pytest.mark.parametrize("where", ["another organ", "deactivated"])
def test_a_coauthor_must_be_an_active_member_who_may_enter_and_the_page_does_not_tell_who_exists(
    client, essay_call, author, entry, tree, where
):
    if where == "another organ":
        named = factories.member(tree["budget"], employee_no="MOF001", real_name="财政部的人")
    else:
        named = factories.member(tree["gz2"], employee_no="MOF001", real_name="已停用的人")
        named.is_active = False
        named.save(update_fields=["is_active"])
    with pytest.raises(CallRejected) as refused:
        services.entry_update(entry=entry, by=author, title="t", summary="", coauthors=[named])
    assert refused.value.code == "coauthor_outside"
    client.force_login(author)

    def named_on_page(name: str) -> str:
        page = client.post(f"/calls/entries/{entry.pk}/", {"title": "我的征文", "coauthors": name})
        return page.content.decode().replace(name, "NAME").replace(str(page.context["csrf_token"]), "")

    # The same answer for someone elsewhere as for no one at all, and no co-author is set.
    assert named_on_page("MOF001") == named_on_page("NOBODY9")
    assert not entry.coauthors.exists()


def test_a_file_a_little_over_the_limit_is_said_to_be_so_not_a_whole_mb_more(entry):
    # 2 MB and 9 bytes against a 1 MB limit: "2.1 MB" (tenths rounded up), not "3 MB".
    with pytest.raises(CallRejected) as refused:
        services.entry_attach(entry=entry, upload=upload("big.pdf", b"%PDF-1.4\n" + b"0" * 2**21))
    assert refused.value.message in ("文件为 2.1 MB，上限为 1 MB。", "The file is 2.1 MB; the limit is 1 MB.")


def test_the_calls_page_offers_my_judging_only_to_members_on_a_panel(client, panel, author):
    client.force_login(author)
    assert 'id="judging-link"' not in client.get("/calls/").content.decode()
    client.force_login(panel.judges.first())
    assert 'id="judging-link"' in client.get("/calls/").content.decode()


def test_a_draft_is_its_authors_alone_until_it_is_handed_in(client, entry, author, tree, gz_organiser):
    """Organisers' lists leave drafts out, but the entry page, its file and its previews opened
    for the organisers of the author's unit and of the call by id: a draft essay read before its
    author chose to hand it in."""
    stored = services.entry_attach(entry=entry, upload=upload("我的征文.docx", documents.docx(["未定稿的第一段"])))
    call_organiser = factories.organiser(tree["audit"])
    urls = [f"/calls/entries/{entry.pk}/", f"/calls/entries/{entry.pk}/files/{stored.pk}/"]
    for organiser in (gz_organiser, call_organiser):
        client.force_login(organiser)
        assert [client.get(url).status_code for url in urls] == [404, 404]
    client.force_login(author)
    assert "未定稿的第一段" in client.get(urls[0]).content.decode()
    services.entry_submit(entry=entry, by=author)
    for organiser in (gz_organiser, call_organiser):
        client.force_login(organiser)
        assert [client.get(url).status_code for url in urls] == [200, 200]


def test_a_video_entry_that_failed_says_so_in_a_full_sentence_in_either_language(essay_call, author):
    """The entry page showed the stored reason alone after "Video:", a lowercase fragment
    ("it is not a playable video; ..."); submitting it was refused without a full stop."""
    entry = services.entry_create(call=essay_call, author=author, title="微党课")
    EntryFile.objects.create(entry=entry, original_name="x.mp4", extension="mp4", path="x.mp4", size=1)
    Entry.objects.filter(pk=entry.pk).update(
        video_status="failed", video_failure="it is not a playable video; upload an MP4, MOV or other common video file"
    )
    url = f"/calls/entries/{entry.pk}/"
    english = factories.client_in("en", author).get(url).content.decode()
    assert (
        "This video cannot be used: it is not a playable video; upload an MP4, MOV or other common video file."
        in english
    )
    chinese = factories.client_in("zh-hans", author).get(url).content.decode()
    assert "此视频无法使用：不是可以播放的视频，请上传 MP4、MOV 等常见格式的视频文件。" in chinese
    with translation.override("en"), pytest.raises(CallRejected) as refused:
        services.entry_submit(entry=Entry.objects.get(pk=entry.pk), by=author)
    assert refused.value.message == (
        "The video could not be processed: it is not a playable video; upload an MP4, MOV or other common video file."
    )
