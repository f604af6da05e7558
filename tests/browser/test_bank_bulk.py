"""An organiser deletes questions in bulk on the bank page, through the confirm step: those an
attempt used are kept and retired instead, the rest are deleted."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from lessons.models import Question, Tag
from lessons.services.attempts import attempt_start
from tests import factories

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/bulk"))
LOCALES = {"zh-CN": "zh", "en-US": "en"}
WORDS = {
    "zh-CN": {"deletable": "3 道试题将被永久删除", "kept": "1 道试题无法删除", "done": "已删除 3 道试题。"},
    "en-US": {
        "deletable": "3 questions will be deleted for good",
        "kept": "1 question cannot be deleted",
        "done": "3 questions deleted.",
    },
}


def _shot(page, name: str, locale: str, phone: bool) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{LOCALES[locale]}-{'phone' if phone else 'desk'}.png"), full_page=True)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_bulk_delete_on_the_bank_page_goes_through_the_confirm_step(
    asgi_server, transactional_db, signed_in_page, locale
):
    gz = factories.unit_at("审计署/广州特派办", kind="office")
    organiser = factories.organiser(gz, username="org")
    words = WORDS[locale]
    for phone in (False, True):
        bank = factories.bank(gz)
        free = [factories.question(bank, stem=f"第{n}题：党的根本宗旨是什么？") for n in range(1, 4)]
        used = factories.question(bank, stem="第4题：已被作答的试题", tags=["用过"])
        paper = factories.paper(gz, rules=[{"bank": bank, "tag": Tag.objects.get(name="用过"), "count": 1}])
        attempt_start(paper=paper, member=factories.member(gz))

        page = signed_in_page(organiser, locale=locale, phone=phone)
        page.goto(asgi_server + reverse("lessons:bank_detail", args=[bank.slug]))
        page.check("#question-select-all")
        expect(page.locator("#question-selected-count")).to_contain_text("4")
        page.select_option("#bulk-action", "delete")
        _shot(page, "bank-bulk-bar", locale, phone)
        page.click("#bulk-ticked")
        expect(page.locator("#bulk-deletable")).to_contain_text(words["deletable"])
        expect(page.locator("#bulk-kept")).to_contain_text(words["kept"])
        assert Question.objects.filter(bank=bank).count() == 4  # the confirm step changed nothing
        _shot(page, "bank-bulk-confirm", locale, phone)
        page.click("#bulk-confirm-delete-retire")
        expect(page.locator(".alert-success")).to_contain_text(words["done"])
        _shot(page, "bank-bulk-done", locale, phone)
        assert list(Question.objects.filter(bank=bank).values_list("pk", "status")) == [(used.pk, "retired")]
        assert not Question.objects.filter(pk__in=[q.pk for q in free]).exists()
