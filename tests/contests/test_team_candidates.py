"""A team's "Add a member…" in the contest builder finds any member the organiser may add by
name, user name or employee number: the page's list held the first 500 by name, so in an organ of
10,000 members member 501 could not be added. The search answers only members of the units the
organiser manages, inside the contest's unit, on no team yet; another unit's organiser gets
nothing; an empty search answers nothing and text with quotes or markup is only text."""

import pytest
from django.urls import reverse

from contests.models import Team
from contests.wizard import services
from contests.wizard.views import PICKER_SIZE
from orgs.models import User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    return {
        "organ": factories.unit_at("审计署", kind="organ"),
        "gz": factories.unit_at("审计署/广州特派办", kind="office"),
        "gz1": factories.unit_at("审计署/广州特派办/第一党支部"),
        "gz2": factories.unit_at("审计署/广州特派办/第二党支部"),
        "sz": factories.unit_at("审计署/深圳特派办", kind="office"),
        "mof1": factories.unit_at("财政部/预算司/第一党支部"),
    }


@pytest.fixture
def organiser(units):
    return factories.organiser(units["gz"], username="gz-organiser", real_name="广组织者")


@pytest.fixture
def team(units, organiser):
    contest = services.contest_begin(title="广州特派办知识竞赛", unit=units["gz"], base_score=100, by=organiser)
    return Team.objects.create(contest=contest, name="第一党支部", unit=units["gz1"])


def _search(client, team, q):
    url = reverse("contests:setup_team_candidates", args=[team.contest.join_code, team.pk])
    return client.get(url, {"q": q} if q is not None else {})


def _names(response) -> list[str]:
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


def test_a_member_beyond_the_first_500_by_name_is_found_and_added(client, units, organiser, team):
    # 600 members of 第二党支部, named so that 成员0600 sorts after the 500 the list holds.
    User.objects.bulk_create(
        [
            User(
                username=f"bulk{n:04d}", real_name=f"成员{n:04d}", unit=units["gz2"], name_sort=f"cheng2 yuan2 {n:04d}"
            )
            for n in range(1, 601)
        ]
    )
    client.force_login(organiser)
    page = client.get(reverse("contests:setup_teams", args=[team.contest.join_code]))
    last = User.objects.get(username="bulk0600")
    assert f'value="{last.pk}"' not in page.content.decode()  # the page's list stops at PICKER_SIZE
    assert PICKER_SIZE == 500

    response = _search(client, team, "成员0600")
    assert response.json()["results"] == [
        {
            "id": last.pk,
            "name": "成员0600",
            "unit": "审计署/广州特派办/第二党支部",
            "employee_no": "",
            "username": "bulk0600",
            "phone": "",
            # Spelled from the key stored above, its tone digits dropped: what the picker filters on.
            "pinyin": "cheng yuan 0600",
            "initials": "cy",
        }
    ]
    assert _names(_search(client, team, "bulk0599")) == ["成员0599"]  # by user name

    url = reverse("contests:setup_team_member_add", args=[team.contest.join_code, team.pk])
    client.post(url, {"member": last.pk})
    assert team.members.filter(member=last).exists()
    assert _names(_search(client, team, "成员0600")) == []  # on a team now: not offered again


def test_the_teams_own_unit_comes_first_and_at_most_20_are_answered(client, units, organiser, team):
    for n in range(25):
        factories.member(units["gz2"], real_name=f"王二{n:02d}")
    factories.member(units["gz1"], real_name="王一")
    client.force_login(organiser)
    names = _names(_search(client, team, "王"))  # one character: a surname
    assert len(names) == 20
    assert names[:2] == ["王一", "王二00"]


def test_another_units_organiser_finds_no_one_and_cannot_add(client, units, team):
    factories.member(units["gz1"], real_name="广一乙")
    other = factories.organiser(units["sz"], username="sz-organiser")
    client.force_login(other)
    assert _search(client, team, "广一乙").status_code in (403, 404)
    member = User.objects.get(real_name="广一乙")
    client.post(
        reverse("contests:setup_team_member_add", args=[team.contest.join_code, team.pk]), {"member": member.pk}
    )
    assert not team.members.filter(member=member).exists()


def test_members_outside_the_organisers_units_are_not_found(client, units, organiser, team):
    """财政部's member and 深圳特派办's (outside the contest's unit) share the name searched."""
    factories.member(units["mof1"], real_name="同名人")
    factories.member(units["sz"], real_name="同名人")
    inside = factories.member(units["gz2"], real_name="同名人")
    client.force_login(organiser)
    results = _search(client, team, "同名人").json()["results"]
    assert [row["id"] for row in results] == [inside.pk]
    # Posted by hand: a member of another organ, an unknown id, no number at all.
    outsider = User.objects.get(unit=units["mof1"])
    url = reverse("contests:setup_team_member_add", args=[team.contest.join_code, team.pk])
    for posted in (outsider.pk, 999999, "abc"):
        page = client.post(url, {"member": posted}, follow=True).content.decode()
        assert "请选择要添加的成员。" in page
    assert not team.members.exists()


@pytest.mark.parametrize("q", [None, "", "   "])
def test_an_empty_search_answers_nothing(client, units, organiser, team, q):
    factories.member(units["gz1"], real_name="广一丙")
    client.force_login(organiser)
    assert _names(_search(client, team, q)) == []


def test_quotes_and_markup_are_searched_as_text(client, units, organiser, team):
    odd = factories.member(units["gz1"], real_name='O\'Brien "<script>"')
    factories.member(units["gz1"], real_name="广一丁")
    client.force_login(organiser)
    assert _names(_search(client, team, "<script>")) == ['O\'Brien "<script>"']
    assert _names(_search(client, team, "O'Bri")) == [odd.real_name]
    assert _names(_search(client, team, "' OR 1=1 --")) == []


def test_a_browser_without_javascript_finds_member_501_on_the_page(client, units, organiser, team):
    User.objects.bulk_create(
        [
            User(
                username=f"bulk{n:04d}", real_name=f"成员{n:04d}", unit=units["gz2"], name_sort=f"cheng2 yuan2 {n:04d}"
            )
            for n in range(1, 601)
        ]
    )
    last = User.objects.get(username="bulk0600")
    client.force_login(organiser)
    page = client.get(
        reverse("contests:setup_teams", args=[team.contest.join_code]), {"q": "成员0600"}
    ).content.decode()
    assert f'value="{last.pk}"' in page
    assert 'value="成员0600"' in page  # the search box keeps what was typed
