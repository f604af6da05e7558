"""The activity page: readable sentences in both languages, newest first, filtered by kind and by
local calendar days, and only what touches the viewer's subtrees."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from orgs import services
from orgs.models import Activity, Role
from tests import factories

URL = reverse("orgs:activity")


@pytest.fixture
def gz_admin(tree):
    return factories.administrator(tree["gz"], username="gz-admin", real_name="王组织")


def _sentences(client, query="", **headers) -> list[str]:
    page = client.get(URL + query, **headers)
    assert page.status_code == 200
    return [sentence for _record, sentence in page.context["rows"]]


def _local(year, month, day, hour, minute, second=0):
    return timezone.make_aware(datetime(year, month, day, hour, minute, second))


def test_a_grant_reads_as_a_sentence_in_chinese_and_in_english(client, tree, gz_admin):
    li = factories.member(tree["gz1"], real_name="李党员")
    this_year = timezone.localdate().year
    services.activity_record(
        kind=Activity.Kind.ROLE_GRANTED,
        by=gz_admin,
        member=li,
        unit=tree["gz"],
        role=Role.ORGANISER,
        at=_local(this_year, 12, 6, 14, 5),
    )
    client.force_login(gz_admin)
    query = f"?kind={Activity.Kind.ROLE_GRANTED}&member={li.pk}"
    assert _sentences(client, query) == ["王组织 于 12月6日 14:05 授予 李党员 组织者（广州特派办）"]
    client.cookies["django_language"] = "en"
    assert _sentences(client, query) == ["王组织 granted 李党员 the organiser role in 广州特派办 on 6 Dec 14:05"]


def test_another_year_shows_the_year_and_a_deleted_unit_keeps_its_name(client, tree, gz_admin):
    empty = services.unit_create(name="临时小组", kind="branch", parent=tree["gz"], by=gz_admin)
    services.unit_delete(unit=empty, by=gz_admin)
    record = Activity.objects.get(kind=Activity.Kind.UNIT_DELETED)
    Activity.objects.filter(pk=record.pk).update(at=_local(2024, 3, 1, 9, 30))  # the test's own back-dating
    client.force_login(gz_admin)
    assert _sentences(client, f"?kind={Activity.Kind.UNIT_DELETED}") == [
        "王组织 于 2024年3月1日 09:30 删除 广州特派办 下的 临时小组"
    ]


def test_another_units_organiser_sees_none_of_ours_and_we_see_none_of_theirs(client, tree, gz_admin):
    gz_member = factories.member(tree["gz1"], real_name="广州成员")
    jjj_organiser = factories.organiser(tree["jjj"], real_name="京津冀组织者")
    jjj_member = factories.member(tree["jjj1"], real_name="京津冀成员")
    services.member_active_set(member=gz_member, active=False, by=gz_admin, reason="调离")
    services.member_active_set(member=jjj_member, active=False, by=jjj_organiser)
    deactivated = f"?kind={Activity.Kind.MEMBER_DEACTIVATED}"
    client.force_login(jjj_organiser)
    [theirs] = _sentences(client, deactivated)
    assert "京津冀成员" in theirs
    assert not any("广州" in s for s in _sentences(client))
    client.force_login(gz_admin)
    assert len(_sentences(client, deactivated)) == 1 and "广州成员" in _sentences(client, deactivated)[0]
    assert not any("京津冀" in s for s in _sentences(client))


def test_a_member_moved_out_is_seen_from_both_units_but_not_from_a_third(client, tree, gz_admin):
    member = factories.member(tree["gz1"], real_name="调动者")
    jjj_organiser = factories.organiser(tree["jjj"])
    mof_organiser = factories.organiser(tree["mof"])
    services.member_move(member=member, unit=tree["jjj1"], by=gz_admin)
    moved = f"?kind={Activity.Kind.MEMBER_MOVED}"
    for viewer, count in ((gz_admin, 1), (jjj_organiser, 1), (mof_organiser, 0)):
        client.force_login(viewer)
        assert len(_sentences(client, moved)) == count, viewer


def test_another_units_member_or_unit_is_not_found(client, tree, gz_admin):
    jjj_member = factories.member(tree["jjj1"])
    client.force_login(gz_admin)
    assert client.get(URL, {"member": jjj_member.pk}).status_code == 404
    assert client.get(URL, {"unit": tree["jjj"].pk}).status_code == 404
    plain = factories.member(tree["gz1"])
    client.force_login(plain)
    assert client.get(URL).status_code == 403


def test_dates_are_local_calendar_days_at_both_edges(client, tree, gz_admin):
    li = factories.member(tree["gz1"], real_name="李党员")
    # Asia/Shanghai is UTC+8: local 6 Dec 00:00:00 is 5 Dec 16:00 UTC.
    moments = {
        "before": datetime(2026, 12, 5, 15, 59, 59, tzinfo=UTC),  # local 5 Dec 23:59:59
        "first": datetime(2026, 12, 5, 16, 0, 0, tzinfo=UTC),  # local 6 Dec 00:00:00
        "last": datetime(2026, 12, 7, 15, 59, 59, tzinfo=UTC),  # local 7 Dec 23:59:59
        "after": datetime(2026, 12, 7, 16, 0, 0, tzinfo=UTC),  # local 8 Dec 00:00:00
    }
    for name, at in moments.items():
        services.activity_record(
            kind=Activity.Kind.MEMBER_MOVED,
            by=gz_admin,
            member=li,
            unit=tree["gz2"],
            from_unit=tree["gz1"],
            reason=name,
            at=at,
        )
    client.force_login(gz_admin)
    page = client.get(URL, {"kind": Activity.Kind.MEMBER_MOVED, "since": "2026-12-06", "until": "2026-12-07"})
    # Newest first: local 7 Dec 23:59:59, then 6 Dec 00:00:00.
    assert [record.reason for record, _sentence in page.context["rows"]] == ["last", "first"]


def test_a_range_typed_backwards_or_a_bad_date_is_named_and_filters_nothing_away(client, tree, gz_admin):
    client.force_login(gz_admin)
    backwards = client.get(URL, {"since": "2026-12-07", "until": "2026-12-06"}).content.decode()
    assert "截止日期早于起始日期：请对调两者或清除其一。" in backwards
    bad = client.get(URL, {"since": "12/40"})
    assert "请输入日期，如 2026-12-06。" in bad.content.decode()
    # In 广州特派办's subtree: 3 units created (广州特派办, 第一/第二党支部), the administrator added
    # and granted: 5 records, none filtered away by the bad date.
    assert len(bad.context["rows"]) == 5


@pytest.mark.parametrize("field, day", [("until", "9999-12-31"), ("since", "0001-01-01")])
def test_a_date_at_the_calendars_edge_is_named_not_a_server_error(client, tree, gz_admin, field, day):
    """An attacker walk's ?until=9999-12-31 (no next day) and ?since=0001-01-01 (before year 1 in
    UTC) answered 500 OverflowError."""
    client.force_login(gz_admin)
    page = client.get(URL, {field: day})
    assert page.status_code == 200
    assert "请输入 1900-01-01 至 9998-12-31 之间的日期。" in page.content.decode()
    assert len(page.context["rows"]) == 5  # as with a bad date: 5 records, none filtered away
    english = client.get(URL, {field: day}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Enter a date from 1900-01-01 through 9998-12-31." in english
    # The last day allowed still works at both ends.
    assert client.get(URL, {"since": "1900-01-01", "until": "9998-12-31"}).status_code == 200


def test_a_members_page_links_to_their_activity_alone(client, tree, gz_admin):
    li, wang = factories.member(tree["gz1"], real_name="李党员"), factories.member(tree["gz1"], real_name="王五")
    services.member_move(member=li, unit=tree["gz2"], by=gz_admin)
    services.member_move(member=wang, unit=tree["gz2"], by=gz_admin)
    client.force_login(gz_admin)
    detail = client.get(reverse("orgs:member_detail", args=[li.pk])).content.decode()
    link = f"{URL}?member={li.pk}"
    assert f'href="{link}"' in detail
    sentences = _sentences(client, f"?member={li.pk}")
    # Added, then moved: newest first.
    assert len(sentences) == 2 and "调整到" in sentences[0] and "添加成员" in sentences[1]
    assert not any("王五" in s for s in sentences)


def test_a_units_page_links_to_its_subtrees_activity_and_the_menu_to_the_page(client, tree, gz_admin):
    client.force_login(gz_admin)
    detail = client.get(reverse("orgs:unit_detail", args=[tree["gz1"].pk])).content.decode()
    assert f'href="{URL}?unit={tree["gz1"].pk}"' in detail
    assert f'href="{URL}"' in detail  # the menu
    services.unit_update(unit=tree["gz1"], name="机关第一党支部", kind="branch", by=gz_admin)
    services.unit_update(unit=tree["gz2"], name="机关第二党支部", kind="branch", by=gz_admin)
    sentences = _sentences(client, f"?unit={tree['gz1'].pk}&kind={Activity.Kind.UNIT_RENAMED}")
    assert len(sentences) == 1 and "将 第一党支部 更名为 机关第一党支部" in sentences[0]


def test_kind_and_end_date_changes_read_as_sentences_in_both_languages(client, tree, gz_admin):
    client.force_login(gz_admin)
    this_year = timezone.localdate().year
    tree_built = Activity.objects.latest("id").pk  # the tree's own records: 第一党支部 created
    for ends_on in (date(2026, 12, 31), date(2027, 1, 15)):
        services.unit_update(unit=tree["gz1"], name="第一党支部", kind="temporary_branch", ends_on=ends_on, by=gz_admin)
    # The test's own dating: the tree at 08:00, the changes at 09:00 (ties: newest id first).
    Activity.objects.filter(pk__lte=tree_built).update(at=_local(this_year, 12, 6, 8, 0))
    Activity.objects.filter(pk__gt=tree_built).update(at=_local(this_year, 12, 6, 9, 0))
    query = f"?unit={tree['gz1'].pk}"
    # Newest first: the extension, then the end date set, then the kind changed (same call, kind first).
    assert _sentences(client, query) == [
        "王组织 于 12月6日 09:00 将 第一党支部 的结束日期由 2026年12月31日 改为 2027年1月15日",
        "王组织 于 12月6日 09:00 将 第一党支部 的结束日期由 无 改为 2026年12月31日",
        "王组织 于 12月6日 09:00 将 第一党支部 的类型由“党支部”改为“临时党支部”",
        "系统 于 12月6日 08:00 在 广州特派办 下新建 第一党支部",
    ]
    client.cookies["django_language"] = "en"
    assert _sentences(client, query)[:3] == [
        "王组织 changed the end date of 第一党支部 from 31 Dec 2026 to 15 Jan 2027 on 6 Dec 09:00",
        "王组织 changed the end date of 第一党支部 from none to 31 Dec 2026 on 6 Dec 09:00",
        "王组织 changed the type of 第一党支部 from Party branch to Temporary party branch on 6 Dec 09:00",
    ]


def test_the_list_is_paginated_newest_first(client, tree, gz_admin):
    li = factories.member(tree["gz1"])
    for minute in range(26):  # 26 records: 25 on page 1, 1 on page 2
        services.activity_record(
            kind=Activity.Kind.MEMBER_MOVED,
            by=gz_admin,
            member=li,
            unit=tree["gz2"],
            from_unit=tree["gz1"],
            reason=str(minute),
            at=_local(2026, 12, 6, 10, minute),
        )
    client.force_login(gz_admin)
    moved = {"kind": Activity.Kind.MEMBER_MOVED}
    first = [record.reason for record, _s in client.get(URL, moved).context["rows"]]
    second = [record.reason for record, _s in client.get(URL, {**moved, "page": 2}).context["rows"]]
    assert first[0] == "25" and len(first) == 25 and second == ["0"]
