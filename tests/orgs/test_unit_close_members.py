"""Closing a unit with members: the QA walk found the close asking only "Close it?", leaving a
temporary branch's seconded members in the closed branch with no step to send them back, and the
closed branch still offered as a parent or a member's unit for the rest of the day."""

from datetime import timedelta

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from orgs import services
from orgs.forms import UnitChoiceField
from orgs.models import MemberPlacement, Unit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(tree):
    """An audit team's temporary branch: 甲 seconded from 第一党支部, 乙 from 第二党支部, 丙 placed
    there from the start."""
    branch = services.unit_create(
        name="审计组临时党支部",
        kind="temporary_branch",
        parent=tree["gz"],
        ends_on=timezone.localdate() + timedelta(days=30),
    )
    jia = factories.member(tree["gz1"], real_name="甲")
    yi = factories.member(tree["gz2"], real_name="乙")
    for member in (jia, yi):
        services.member_move(member=member, unit=branch, reason="借调")
    bing = factories.member(branch, real_name="丙")
    return {"branch": branch, "jia": jia, "yi": yi, "bing": bing}


def test_the_close_page_lists_the_members_and_offers_each_their_previous_unit(client, tree, team, gz_organiser):
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("orgs:unit_close", args=[team["branch"].pk]))
    assert page.status_code == 200
    form = page.context["form"]
    # Chosen: back where each came from; 丙 has no earlier unit and stays unless told.
    assert form[f"member_{team['jia'].pk}"].initial == str(tree["gz1"].pk)
    assert form[f"member_{team['yi'].pk}"].initial == str(tree["gz2"].pk)
    assert form[f"member_{team['bing'].pk}"].initial == ""
    assert "来自 审计署/广州特派办/第一党支部" in page.text and "返回 审计署/广州特派办/第一党支部" in page.text
    assert "留在已撤销的单位" in page.text and "它的 3 名成员去向" in page.text
    assert '<li class="breadcrumb-item active" aria-current="page">撤销</li>' in page.text
    client.cookies["django_language"] = "en"
    english = client.get(reverse("orgs:unit_close", args=[team["branch"].pk])).text
    assert "Where its 3 members go" in english and "Back to 审计署/广州特派办/第一党支部" in english


def test_closing_moves_the_chosen_members_in_the_same_step(client, tree, team, gz_organiser):
    client.force_login(gz_organiser)
    branch = team["branch"]
    done = client.post(
        reverse("orgs:unit_close", args=[branch.pk]),
        {
            f"member_{team['jia'].pk}": tree["gz1"].pk,  # back home
            f"member_{team['yi'].pk}": tree["gz1"].pk,  # a chosen unit, not 第二党支部 they came from
            f"member_{team['bing'].pk}": "",  # stays
            "reason": "审计结束",
        },
    )
    assert done.status_code == 302
    for key in ("jia", "yi", "bing"):
        team[key].refresh_from_db()
    units = {team[key].real_name: team[key].unit.name for key in ("jia", "yi", "bing")}
    assert units == {"甲": "第一党支部", "乙": "第一党支部", "丙": "审计组临时党支部"}
    branch.refresh_from_db()
    assert branch.ends_on == timezone.localdate() and branch.closed_at is not None
    last = MemberPlacement.objects.filter(member=team["jia"]).latest("effective_at", "id")
    assert (last.unit, last.reason, last.recorded_by) == (tree["gz1"], "审计结束", gz_organiser)


def test_a_refused_move_closes_nothing_and_moves_nobody(tree, team, gz_organiser):
    services.unit_close(unit=tree["jjj1"])
    with pytest.raises(services.OrgError):
        services.unit_close(
            unit=team["branch"], by=gz_organiser, moves={team["jia"]: tree["gz1"], team["yi"]: tree["jjj1"]}
        )
    team["jia"].refresh_from_db()
    team["branch"].refresh_from_db()
    assert team["jia"].unit == team["branch"] and team["branch"].closed_at is None


def test_a_unit_closed_today_is_no_longer_offered_but_one_ending_today_still_is(tree, team, gz_organiser):
    today = timezone.localdate()
    Unit.objects.filter(pk=tree["gz1"].pk).update(kind="temporary_branch", ends_on=today)  # its last day
    services.unit_close(unit=team["branch"], by=gz_organiser)

    class UnitForm(forms.Form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["unit"] = UnitChoiceField(user=gz_organiser)

    offered = str(UnitForm()["unit"])
    assert f'value="{team["branch"].pk}"' not in offered and f'value="{tree["gz1"].pk}"' in offered


def test_another_units_organiser_cannot_open_the_close_page(client, team, tree):
    client.force_login(factories.organiser(tree["jjj"]))
    assert client.get(reverse("orgs:unit_close", args=[team["branch"].pk])).status_code in (403, 404)


def test_a_unit_with_open_subunits_is_not_closed_and_its_page_lists_them(client, tree, gz_organiser):
    """An attacker walk closed 京津冀特派办 and its 机关党支部 stayed open and offered, with its
    members, while the close page said "It has no members". Closing waits for the subunits."""
    jjj_organiser = factories.organiser(tree["audit"], username="audit-organiser")
    factories.member(tree["jjj1"], real_name="支部成员")
    client.force_login(jjj_organiser)
    url = reverse("orgs:unit_close", args=[tree["jjj"].pk])
    for language, words in (
        ("en", "It has 1 open subunit. Close it or move it elsewhere first"),
        ("zh-hans", "该单位尚有 1 个未撤销的下级单位。"),
    ):
        client.cookies["django_language"] = language
        page = client.get(url).text
        listed = page.split('id="close-open-subunits"')[1].split("</div>")[0]
        assert words in listed
        assert f'href="{reverse("orgs:unit_detail", args=[tree["jjj1"].pk])}"' in listed
        assert 'id="unit-close-confirm"' not in page
    response = client.post(url, {"reason": "撤并"})
    assert response.status_code == 200 and 'id="close-open-subunits"' in response.text
    assert 'id="close-back"' in response.text
    with pytest.raises(services.OrgError) as error:
        services.unit_close(unit=tree["jjj"], by=jjj_organiser)
    assert error.value.code == "unit_open_subunits" and "机关党支部" in error.value.message
    assert Unit.objects.get(pk=tree["jjj"].pk).closed_at is None
    # Once its branch is closed, the office closes.
    services.unit_close(unit=tree["jjj1"], by=jjj_organiser)
    assert 'id="unit-close-confirm"' in client.get(url).text
    services.unit_close(unit=tree["jjj"], by=jjj_organiser)
    assert Unit.objects.get(pk=tree["jjj"].pk).closed_at is not None
