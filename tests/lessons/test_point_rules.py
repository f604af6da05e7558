"""The points rules page: administrators of every unit change what activities earn, validated
and on record; everyone else who manages reads it; the ledger's earlier points stay."""

import pytest
from django.urls import reverse
from django.utils import translation

from lessons.models import PointEvent, PointRule, PointRuleChange
from lessons.services.points import PointRulesInvalid, PointRuleValues, point_rules_set, points_award
from orgs import services as org_services
from orgs.models import Role
from tests import factories

URL = reverse("lessons:point_rules")


@pytest.fixture
def head(tree):
    """An administrator of both organs, the whole tree."""
    user = factories.administrator(tree["audit"], real_name="总管理员")
    org_services.role_grant(user=user, role=Role.ADMINISTRATOR, unit=tree["mof"], by=None)
    return user


def rule(activity: str) -> PointRule:
    return PointRule.objects.get(activity=activity)


def form_data(**changed) -> dict:
    """Every rule's current values as the page posts them, with `changed` ({activity: (points, cap,
    active)}) in their place."""
    data = {}
    for each in PointRule.objects.all():
        points, cap, active = changed.get(each.activity, (each.points, each.daily_cap, each.is_active))
        data |= {f"rule-{each.pk}-points": str(points), f"rule-{each.pk}-daily_cap": str(cap)}
        if active:
            data[f"rule-{each.pk}-is_active"] = "on"
    return data


def test_an_administrator_of_every_unit_changes_a_rule_and_the_change_is_on_record(client, head):
    client.force_login(head)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = client.get(URL).text
    assert 'id="points-form"' in page and "每日答题答对" in page and 'id="points-save"' in page
    # The daily quiz: 1 point a right answer, 5 a day, becomes 2 a right answer, 10 a day.
    done = client.post(URL, form_data(daily_correct=(2, 10, True)), follow=True).text
    assert "已修改 1 条规则。" in done
    assert (rule("daily_correct").points, rule("daily_correct").daily_cap) == (2, 10)
    (change,) = PointRuleChange.objects.all()
    assert (change.by, change.before, change.after) == (
        head,
        {"points": 1, "daily_cap": 5, "is_active": True},
        {"points": 2, "daily_cap": 10, "is_active": True},
    )
    assert "每日答题答对：每次得分 1 → 2；每日上限 5 → 10" in done and "总管理员" in done


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((-1, 5), "Type a whole number from 1 to 1000."),
        ((0, 5), "Type a whole number from 1 to 1000."),
        ((1, -3), "Type a whole number from 0 to 100000."),
        # 3 a day is less than the 5 of one event: a member could never earn a whole event's points.
        ((5, 3), "A daily cap of 3 is less than the 5 points of one event: set it to 5 or more, or 0 for no cap."),
    ],
)
def test_refused_values_are_named_beside_the_field_and_nothing_is_saved(client, head, values, message):
    client.force_login(head)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    points, cap = values
    page = client.post(URL, form_data(daily_correct=(points, cap, True), practice_correct=(3, 30, True)))
    assert page.status_code == 200 and 'id="points-errors"' in page.text and message in page.text
    assert f'value="{points}"' in page.text  # what was typed stays in the form
    assert (rule("practice_correct").points, rule("daily_correct").points) == (1, 1)
    assert not PointRuleChange.objects.exists()


def test_the_service_refuses_a_cap_below_one_event_in_either_language(head):
    daily = rule("daily_correct")
    with pytest.raises(PointRulesInvalid) as refused, translation.override("zh-hans"):
        point_rules_set(values={daily.pk: PointRuleValues(5, 3, True)}, by=head)
    assert refused.value.errors == {
        daily.pk: "每日上限 3 分低于一次所得的 5 分：请设为 5 或以上，或填 0 表示不设上限。"
    }


def test_turning_an_activity_off_stops_its_points_and_keeps_those_earned(client, head, tree):
    member = factories.member(tree["gz1"])
    assert points_award(member=member, activity="daily_correct", source_key="a").points == 1
    client.force_login(head)
    client.post(URL, form_data(daily_correct=(1, 5, False)))
    assert points_award(member=member, activity="daily_correct", source_key="b").points == 0
    assert list(PointEvent.objects.values_list("source_key", "points")) == [("a", 1)]
    assert PointRuleChange.objects.get().after["is_active"] is False


def test_an_organiser_or_an_administrator_of_one_organ_reads_the_rules_but_cannot_change_them(client, tree):
    for user in (factories.organiser(tree["gz"]), factories.administrator(tree["audit"])):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        page = client.get(URL).text
        # Daily quiz: 1 point a right answer, at most 5 a day.
        assert 'id="points-read-only"' in page and "1 point per event · at most 5 a day" in page
        assert 'id="points-form"' in page and 'id="points-save"' not in page
        assert client.post(URL, form_data(daily_correct=(9, 9, True))).status_code == 403
    assert rule("daily_correct").points == 1
    client.force_login(factories.member(tree["gz1"]))
    assert client.get(URL).status_code == 403


def test_the_manage_menu_links_the_points_rules(client, head):
    client.force_login(head)
    assert f'href="{URL}" id="point-rules-link"' in client.get(reverse("home")).text
