"""What a member's upload can do: files are served typed by what they were checked to be (never
as a page of the platform), and a picture is refused by its declared size before it is decoded."""

import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from calls import services
from calls.models import Assignment, Call, EntryFile
from calls.services import CallRejected
from tests import factories
from tests.lessons.videos import make_plain_clip
from tests.pictures import bomb_png

from . import documents
from .conftest import submitted_essay, upload

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize("accel", [True, False], ids=["nginx", "development"])
def test_entry_files_are_served_with_their_checked_type_never_as_a_page(
    client, settings, essay_call, tree, panel, gz_organiser, accel
):
    """Through nginx (X-Accel-Redirect) the response's Content-Type is the one the browser gets:
    an untyped response said text/html, so a file with markup inside ran as the platform's page."""
    settings.MEDIA_ACCEL_REDIRECT = accel
    essay_call.levels.all().delete()
    author = factories.member(tree["gz2"])
    entry = submitted_essay(essay_call, author)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="s")
    assignment = Assignment.objects.filter(entry=entry).first()
    client.force_login(author)
    original = client.get(reverse("calls:entry_file", args=[entry.pk, entry.files.get().pk]))
    client.force_login(assignment.judge)
    blind = client.get(reverse("calls:judging_file", args=[assignment.pk, "file-0"]))
    for response in (original, blind):
        assert response.status_code == 200
        assert response["Content-Type"] == DOCX_TYPE
        assert ("X-Accel-Redirect" in response) is accel


def test_a_photo_declaring_hundreds_of_megapixels_is_refused_and_leaves_nothing(essay_call, tree, tmp_path):
    """Pillow raised its own DecompressionBombError, which the "cannot read" handling missed (a
    500, the original left on disk); below twice its limit it only warned and decoded it all."""
    essay_call.kind = Call.Kind.PHOTOS
    essay_call.save()
    entry = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="组照")
    for bomb in (bomb_png(), bomb_png(12_000, 10_000)):
        with pytest.raises(CallRejected) as refused:
            services.entry_attach(entry=entry, upload=upload("p.png", bomb))
        assert refused.value.code == "picture_too_large"
        assert "89" in refused.value.message  # the limit, in megapixels
    assert not EntryFile.objects.exists()
    folder = tmp_path / "media" / "calls"
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler's pdftoppm renders the previews")
def test_a_pdf_page_of_any_size_is_previewed_within_a_fixed_box(essay_call, tree, settings):
    """Pages were rendered at 110 dpi whatever their size: a 1 kB PDF whose page is 72 x 40
    inches made a 7,920 x 4,400 picture, and at the format's limit (200 inches) 1.4 GB of memory
    per page, for up to 30 pages."""
    document = pikepdf.new()
    document.add_blank_page(page_size=(72 * 72, 40 * 72))
    document.add_blank_page(page_size=(595, 842))  # A4
    out = BytesIO()
    document.save(out)
    entry = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="征文")
    stored = services.entry_attach(entry=entry, upload=upload("huge.pdf", out.getvalue()))
    assert len(stored.previews) == 2
    for preview, (width, height) in zip(stored.previews, [(72, 40), (595, 842)], strict=True):
        with Image.open(settings.MEDIA_ROOT / preview) as picture:
            assert max(picture.size) == 1300  # an A4 page at about 110 dpi
            assert picture.width / picture.height == pytest.approx(width / height, rel=0.01)


def test_a_video_entry_larger_than_4k_is_refused_at_once_and_the_entry_keeps_its_video(
    essay_call, tree, tmp_path, settings, eager_tasks, django_capture_on_commit_callbacks
):
    """It was taken, replacing the entry's video, and the worker decoded its 64 megapixels."""
    essay_call.kind = Call.Kind.MICRO_CLASS
    essay_call.max_file_mb = 20
    essay_call.save()
    entry = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="微党课")
    clip = make_plain_clip(tmp_path / "clip.mp4", size="160x90")
    with django_capture_on_commit_callbacks(execute=True):
        kept = services.entry_attach(entry=entry, upload=upload("微党课.mp4", clip.read_bytes()))
    giant = make_plain_clip(tmp_path / "giant.mp4", size="8000x8000")
    with translation.override("zh-hans"), pytest.raises(CallRejected) as refused:
        services.entry_attach(entry=entry, upload=upload("8k.mp4", giant.read_bytes()))
    assert refused.value.code == "video_too_large" and "画面超过 4K" in refused.value.message
    entry.refresh_from_db()
    assert entry.video_status == "ready" and list(entry.files.all()) == [kept]
    assert (settings.MEDIA_ROOT / kept.path).read_bytes() == clip.read_bytes()


# Checks a PDF in a process of its own and prints that process's peak memory in MB (VmHWM: the
# peak of this program; getrusage's would keep pytest's, inherited through fork and exec).
PDF_CHECK_PEAK = """
import re, sys
from pathlib import Path
from django.conf import settings
settings.configure(USE_I18N=False)
from calls import files
path = Path(sys.argv[1])
try:
    files.check_content(extension="pdf", head=path.read_bytes()[:8192], path=path)
except files.FileRefused:
    pass
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) // 1024)
"""


def test_a_pdf_whose_object_stream_inflates_hugely_is_refused_within_bounded_memory(essay_call, tree, tmp_path):
    """qpdf decodes an object stream whole to read the objects in it: this 0.9 MB PDF, whose
    document information sits in 200 MB of spaces, was accepted after taking 300 MB of memory to
    check and copy, and a call's 20 MB limit allows about 20 GB."""
    bomb = documents.pdf_with_inflating_object_stream(inflated_mb=200)
    assert len(bomb) < 2**20
    entry = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="征文")
    with translation.override("zh-hans"), pytest.raises(CallRejected) as refused:
        services.entry_attach(entry=entry, upload=upload("essay.pdf", bomb))
    assert refused.value.code == "unpacks_too_large" and "32 MB" in refused.value.message
    assert not EntryFile.objects.exists()
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb)
    checked = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PDF_CHECK_PEAK, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],  # the project, for `calls`
    )
    assert int(checked.stdout) < 150  # MB, with Python and its libraries (80 here); it was 300
    document = documents.pdf()
    services.entry_attach(entry=entry, upload=upload("essay.pdf", document))  # a real PDF still goes in


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("第二稿\n定稿.docx", "第二稿 定稿.docx"),  # a newline broke the download's header: a server error
        ("essay\x00.docx", "essay .docx"),  # PostgreSQL stores no NUL: a server error on upload
        ("报告\u202excod.docx", "报告xcod.docx"),  # a right-to-left override would show a false extension
        ("长" * 300 + ".docx", "长" * 195 + ".docx"),  # cut at 200, which took the extension off
        ("...docx", "...docx"),
    ],
    ids=["newline", "nul", "rtl-override", "long", "dots"],
)
def test_an_entry_file_name_is_kept_without_control_characters_and_downloads_under_it(
    client, essay_call, tree, name, kept
):
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=essay_call, author=author, title="征文")
    stored = services.entry_attach(entry=entry, upload=upload(name, documents.docx()))
    assert stored.original_name == kept
    client.force_login(author)
    page = client.get(reverse("calls:entry", args=[entry.pk])).content.decode()
    assert kept in page
    download = client.get(reverse("calls:entry_file", args=[entry.pk, stored.pk]))
    assert download.status_code == 200
    assert not any(char in download["Content-Disposition"] for char in "\r\n\x00\u202e")


def test_a_resumable_upload_keeps_a_clean_name_and_a_name_of_only_dots_is_refused_for_its_type(essay_call, tree):
    """The name comes in JSON, where anything goes: a NUL was a server error on PostgreSQL."""
    from lessons.services import videos

    organiser = factories.organiser(tree["gz"], username="org")
    lesson = videos.lesson_create(title="讲座", unit=tree["gz"])
    upload_ = videos.upload_start(lesson=lesson, filename="C:\\视频\\讲座\x00\n第一讲.mp4...", size=10, by=organiser)
    assert upload_.filename == "讲座 第一讲.mp4"
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=essay_call, author=author, title="征文")
    for dots in ("..", "..."):
        with pytest.raises(CallRejected) as refused:
            services.entry_upload_start(entry=entry, by=author, filename=dots, size=10)
        assert refused.value.code == "type_not_allowed"
