"""The QA walk's organisation pages in a browser, on a phone and a desktop, in both languages: a
full-width unit path imported, an end date refused for a 处室, a temporary branch closed with its
seconded members sent back, a member deactivated from their page, the list's counts."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from orgs import services
from orgs.models import Unit, User
from tests import factories

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/orgfix"))
SIZES = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1366, "height": 900}}
LOCALES = {"zh-CN": "zh", "en-US": "en"}


def _shot(page, name: str, locale: str, size: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{LOCALES[locale]}-{size}.png"), full_page=True)


@pytest.fixture
def office(transactional_db):
    return factories.unit_at("审计署/广州特派办", kind="office")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_qa_walks_unit_pages(asgi_server, office, signed_in_page, locale, tmp_path):
    organiser = factories.organiser(office, username="org")
    home = factories.unit_at("审计署/广州特派办/第一党支部")
    for size, viewport in SIZES.items():
        team = services.unit_create(
            name=f"审计组（临时）{size}",
            kind="temporary_branch",
            parent=office,
            ends_on=timezone.localdate() + timedelta(days=30),
        )
        seconded = factories.member(home, real_name=f"借调{size}")
        services.member_move(member=seconded, unit=team, reason="借调")
        page = signed_in_page(organiser, locale=locale, viewport=viewport, phone=size == "phone")

        # An end date for a 处室 is refused beside the field.
        page.goto(asgi_server + reverse("orgs:unit_add"))
        page.select_option("#id_parent", str(office.pk))
        page.fill("#id_name", "三 处")
        page.select_option("#id_kind", "department")
        page.fill("#id_ends_on", (timezone.localdate() + timedelta(days=5)).isoformat())
        page.click("#unit-add-form button[type=submit]")
        expect(page.locator("#id_ends_on")).to_have_class("form-control is-invalid")
        _shot(page, "unit-add-end-date-refused", locale, size)

        # Closing the branch lists its member and sends them back home.
        page.goto(asgi_server + reverse("orgs:unit_close", args=[team.pk]))
        expect(page.locator("#close-members")).to_contain_text(seconded.real_name)
        expect(page.locator(f"#id_member_{seconded.pk}")).to_have_value(str(home.pk))
        _shot(page, "unit-close-members", locale, size)
        page.click("#unit-close-confirm")
        expect(page.locator(".alert-success")).to_be_visible()
        seconded.refresh_from_db()
        assert seconded.unit == home
        assert Unit.objects.get(pk=team.pk).closed_at is not None


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_qa_walks_member_pages(asgi_server, office, signed_in_page, locale):
    organiser = factories.organiser(office, username="org")
    branch = factories.unit_at("审计署/广州特派办/第二党支部")
    for number in range(2):
        factories.member(branch, real_name=f"在职{number}")
    for size, viewport in SIZES.items():
        member = factories.member(branch, real_name=f"邓丽{size}")
        page = signed_in_page(organiser, locale=locale, viewport=viewport, phone=size == "phone")
        page.goto(asgi_server + reverse("orgs:member_detail", args=[member.pk]))
        page.fill("#activation_reason", "退休")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#member-deactivate")
        expect(page.locator("#member-reactivate")).to_be_visible()
        expect(page.locator("#activation-history")).to_contain_text("退休")
        _shot(page, "member-deactivated", locale, size)
        assert not User.objects.get(pk=member.pk).is_active

        page.goto(asgi_server + reverse("orgs:member_list") + f"?unit={branch.pk}")
        total = page.locator("#member-total")
        # 2 active members, the deactivated 邓丽 of each size apart (1 after the phone, 2 after both).
        expect(total).to_have_attribute("data-active", "2")
        expect(total).to_have_attribute("data-deactivated", "1" if size == "phone" else "2")
        _shot(page, "member-list-counts", locale, size)
