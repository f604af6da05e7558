"""A member's essay file over the call's limit is refused in the page before it is sent: a 2 GB
file would otherwise travel in full (or meet the proxy's bare 413) before the server said so.
A file within the limit is sent as before."""

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from calls import services
from calls.models import EntryFile
from tests import factories
from tests.browser.test_shell import sign_in
from tests.calls import documents
from tests.calls.conftest import open_essay_call

pytestmark = pytest.mark.browser


def test_a_file_over_the_limit_is_refused_before_it_is_sent_and_one_within_it_arrives(
    live_server, transactional_db, tree, page_factory
):
    base = live_server.url
    call = open_essay_call(tree["audit"], max_file_mb=1, file_types="docx, pdf")
    member = factories.member(tree["gz1"], username="author", password=django_settings.DEMO_PASSWORD)
    entry = services.entry_create(call=call, author=member, title="我的征文")
    page = page_factory(phone=True)
    sign_in(page, base, "author")
    page.goto(f"{base}/calls/entries/{entry.pk}/")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    # 1 MB and one byte: over the call's 1 MB.
    page.set_input_files(
        "#file-input", {"name": "essay.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * 2**20}
    )
    page.click("#file-upload")
    message = page.locator("#file-too-large")
    assert message.inner_text() == "该文件超过 1 MB，请选择较小的文件。"
    assert message.is_visible()
    assert posts == [] and not EntryFile.objects.exists()

    # Choosing another file clears the mark; one within the limit is sent and kept.
    page.set_input_files(
        "#file-input",
        {"name": "essay.docx", "mimeType": "application/octet-stream", "buffer": documents.docx(author="作者")},
    )
    assert not message.is_visible()
    page.click("#file-upload")
    expect(page.locator(".entry-file")).to_have_text("essay.docx")
    assert len(posts) == 1
    assert EntryFile.objects.get(entry=entry).original_name == "essay.docx"
