"""The member list's heading and the unit tree count the same members: the QA walk saw
"成员 · 四处党支部 10" on the list (a deactivated member counted) and 9 in the tree."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_member_list_counts_active_members_as_the_tree_does_and_names_the_deactivated(client, tree, gz_organiser):
    for number in range(3):
        factories.member(tree["gz2"], real_name=f"在职{number}")
    gone = factories.member(tree["gz2"], real_name="离职")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"

    tree_page = client.get(reverse("orgs:unit_tree"))
    [row] = [row for row in tree_page.context["rows"] if row.unit == tree["gz2"]]
    listed = client.get(reverse("orgs:member_list"), {"unit": tree["gz2"].pk})

    # 4 members in 第二党支部, 1 deactivated: 3 active in both places.
    assert row.direct_members == row.subtree_members == 3
    assert "有效 3 人 · 已停用 1 人" in listed.text
    assert len(listed.context["page"].object_list) == 4  # the deactivated member is still listed
    client.cookies["django_language"] = "en"
    assert "3 active · 1 deactivated" in client.get(reverse("orgs:member_list"), {"unit": tree["gz2"].pk}).text
    empty = client.get(reverse("orgs:member_list"), {"unit": tree["gz1"].pk}).text
    assert "0 active<" in empty and " deactivated<" not in empty
