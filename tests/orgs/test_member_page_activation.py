"""The member page shows whether the member is active and deactivates or reactivates them, as the
member list's bulk action does (its rules and service), with the history: the QA walk found the
page neither showing nor changing it."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_member_page_deactivates_and_reactivates_with_the_history(client, tree, gz_organiser):
    member = factories.member(tree["gz1"], real_name="邓丽")
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    url = reverse("orgs:member_detail", args=[member.pk])

    page = client.get(url).text
    assert "已启用" in page and 'id="member-deactivate"' in page and "停用邓丽吗？" in page

    done = client.post(
        reverse("orgs:member_bulk"), {"member": member.pk, "action": "deactivate", "reason": "退休", "next": url}
    )
    assert done.status_code == 302 and done.url == url
    member.refresh_from_db()
    assert not member.is_active
    page = client.get(url)
    assert 'id="member-reactivate"' in page.text and "不能登录，不计入单位人数" in page.text
    [event] = page.context["activation_events"]
    assert (event.active, event.by, event.reason) == (False, gz_organiser, "退休")

    client.post(reverse("orgs:member_bulk"), {"member": member.pk, "action": "reactivate", "next": url})
    member.refresh_from_db()
    assert member.is_active
    client.cookies["django_language"] = "en"
    page = client.get(url)
    assert [(e.active, e.reason) for e in page.context["activation_events"]] == [(True, ""), (False, "退休")]
    assert "Reactivated" in page.text and "Deactivate 邓丽?" in page.text


def test_no_button_on_ones_own_page(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    own = client.get(reverse("orgs:member_detail", args=[gz_organiser.pk])).text
    assert 'id="activation-status"' in own and 'id="member-deactivate"' not in own


def test_a_deactivation_recorded_in_another_organ_is_not_shown_after_a_move(client, tree, gz_organiser):
    """An attacker walk's member moved from 审计署 to 财政部 showed 财政部's administrator the
    reasons 审计署 recorded for deactivating them; the activity page hid the same records."""
    from orgs import services

    member = factories.member(tree["gz1"], real_name="调任者")
    services.member_active_set(member=member, active=False, by=gz_organiser, reason="审计署内部原因")
    services.member_active_set(member=member, active=True, by=gz_organiser, reason="")
    services.member_move(member=member, unit=tree["budget"], by=None, reason="调任")
    mof_admin = factories.administrator(tree["mof"])
    services.member_active_set(member=member, active=False, by=mof_admin, reason="财政部休假")
    client.force_login(mof_admin)
    page = client.get(reverse("orgs:member_detail", args=[member.pk]))
    # Three records on the member (2 in 审计署, 1 in 财政部): 财政部 sees its own one only.
    assert [(e.active, e.reason) for e in page.context["activation_events"]] == [(False, "财政部休假")]
    assert "审计署内部原因" not in page.text
    activity = client.get(reverse("orgs:activity"), {"member": member.pk}).text
    assert "审计署内部原因" not in activity


@pytest.mark.parametrize(("language", "word"), [("en", "deactivated"), ("zh-hans", "已停用")])
def test_the_member_list_badge_says_deactivated_as_its_heading_does(client, tree, gz_organiser, language, word):
    gone = factories.member(tree["gz1"], real_name="邓丽")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    client.force_login(gz_organiser)
    client.cookies["django_language"] = language
    page = client.get(reverse("orgs:member_list")).text
    # The heading's count and the member's badge use the one word (English had "inactive").
    heading = "1 deactivated" if language == "en" else "已停用 1 人"
    badge = f'<span class="badge text-bg-secondary qs-deactivated-badge">{word}</span>'
    assert heading in page and badge in page and ">inactive<" not in page
