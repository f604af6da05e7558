"""What a member's upload can do once it is stored: files are served typed by what they were
checked to be (never as a page of the platform)."""

import pytest
from django.urls import reverse

from calls import services
from calls.models import Assignment
from tests import factories

from .conftest import submitted_essay

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
