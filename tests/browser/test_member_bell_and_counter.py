"""The bell's count after Back (a page restored from the back-forward cache), and the entry
summary's character counter, in Chromium."""

import pytest
from playwright.sync_api import expect

from calls import services as call_services
from notifications import services
from tests import factories
from tests.calls.conftest import open_essay_call

pytestmark = pytest.mark.django_db(transaction=True)

# What the browser does when Back restores a page from the back-forward cache: the page's scripts
# do not run again; `pageshow` fires with persisted true. Playwright's Chromium keeps no such cache,
# so the test fires that event itself on a page whose count has gone stale.
RESTORE_FROM_CACHE = "window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))"


def test_the_bell_counts_again_when_back_brings_a_page_from_the_cache(asgi_server, signed_in_page, tree):
    """Three unread; one opened elsewhere (marked read on the server) and Back showed the cached 3.
    The page asks the server again on a restore: 2. With none left the badge goes."""
    member = factories.member(tree["gz1"])
    sent = [
        services.notify(recipients=[member], kind="results_published", params={"board": f"榜{n}"}, url="/me/")[0]
        for n in range(3)
    ]
    page = signed_in_page(member, phone=True)
    page.goto(f"{asgi_server}/notifications/")
    expect(page.locator("#unread-count")).to_have_text("3")
    services.notification_mark_read(user=member, notification_id=sent[0].pk)
    page.evaluate(RESTORE_FROM_CACHE)
    expect(page.locator("#unread-count")).to_have_text("2")
    services.notification_mark_read(user=member)
    page.evaluate(RESTORE_FROM_CACHE)
    expect(page.locator("#unread-count")).to_have_count(0)


def test_the_entry_summary_counts_characters_as_they_are_typed(asgi_server, signed_in_page, tree, screenshot):
    call = open_essay_call(tree["audit"])
    author = factories.member(tree["gz1"])
    entry = call_services.entry_create(call=call, author=author, title="草稿", summary="十个字的简介正好十字")
    page = signed_in_page(author, phone=True)
    page.goto(f"{asgi_server}/calls/entries/{entry.pk}/")
    counter = page.locator("#entry-edit .qs-counter")
    expect(counter).to_have_text("10 / 2000")
    page.locator("#entry-edit textarea").fill("一二三")
    expect(counter).to_have_text("3 / 2000")
    screenshot(page, "entry-summary-counter-phone")
