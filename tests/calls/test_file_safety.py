"""What a member's upload can do: files are served typed by what they were checked to be (never
as a page of the platform), and a picture is refused by its declared size before it is decoded."""

import pytest
from django.urls import reverse

from calls import services
from calls.models import Assignment, Call, EntryFile
from calls.services import CallRejected
from tests import factories
from tests.pictures import bomb_png

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
        assert "megapixels" in refused.value.message
    assert not EntryFile.objects.exists()
    folder = tmp_path / "media" / "calls"
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))
