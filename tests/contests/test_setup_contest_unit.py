"""A live contest's teams stay inside the unit the contest belongs to. An organiser of the whole
organ could make teams for an office's contest from another office's branches (or from the whole
organ) without a word; the contest's organisers are its unit's, and those people are outside
their scope. Now it is refused with the reason, for teams made from units, teams added one by
one (a roster, a member added to a team) and a contest moved to a narrower unit; a unit of
another organ typed into the request is refused as well, and nothing is made."""

import pytest
from django.urls import reverse
from django.utils import translation

from contests import services as live
from contests.models import Team, TeamMember
from contests.wizard import roster, services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    """Two organs; 审计署 has two offices of two branches each (one temporary), 财政部 one."""
    return {
        "organ": factories.unit_at("审计署", kind="organ"),
        "gz": factories.unit_at("审计署/广州特派办", kind="office"),
        "gz1": factories.unit_at("审计署/广州特派办/第一党支部"),
        "gz2": factories.unit_at("审计署/广州特派办/第二党支部"),
        "sz": factories.unit_at("审计署/深圳特派办", kind="office"),
        "sz1": factories.unit_at("审计署/深圳特派办/第一党支部"),
        "sz2": factories.unit_at("审计署/深圳特派办/综合党支部"),
        "mof": factories.unit_at("财政部", kind="organ"),
        "mof1": factories.unit_at("财政部/预算司/第一党支部"),
    }


@pytest.fixture
def people(units):
    return {
        key: factories.member(units[key], real_name=name, employee_no=number)
        for key, name, number in (
            ("gz1", "广一甲", "G1"),
            ("gz2", "广二甲", "G2"),
            ("sz1", "深一甲", "S1"),
            ("sz2", "深二甲", "S2"),
            ("mof1", "财一甲", "M1"),
        )
    }


@pytest.fixture
def organiser(units):
    """An organiser of the whole of 审计署: both offices are in their scope, 财政部 is not."""
    return factories.organiser(units["organ"], username="organ-organiser", real_name="署组织者")


@pytest.fixture
def contest(units, organiser):
    return services.contest_begin(title="广州特派办知识竞赛", unit=units["gz"], base_score=100, by=organiser)


def _nothing_made(contest):
    assert not Team.objects.filter(contest=contest).exists()
    assert not TeamMember.objects.filter(contest=contest).exists()


@pytest.mark.parametrize(("parent", "named"), [("sz", "深圳特派办"), ("organ", "审计署")])
def test_teams_from_another_office_or_the_whole_organ_are_refused_naming_the_contests_unit(
    units, people, organiser, contest, parent, named
):
    # 审计署 covers 广州特派办's branches but 深圳特派办's too: refused whole, not half made.
    with pytest.raises(live.ContestRejected) as refused:
        services.teams_from_units(contest=contest, parent=units[parent], kind="branch", team_size=3, by=organiser)
    assert refused.value.code == "unit_outside_contest"
    assert f"“{named}”" in refused.value.message and "广州特派办" in refused.value.message
    _nothing_made(contest)


def test_the_teams_page_offers_only_units_inside_the_contest_and_refuses_others_posted(
    client, units, people, organiser, contest
):
    client.force_login(organiser)
    url = reverse("contests:setup_teams", args=[contest.join_code])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    offered = page.split('name="parent"', 1)[1].split("</select>", 1)[0]
    assert f'value="{units["gz1"].pk}"' in offered and f'value="{units["gz"].pk}"' in offered
    for outside in ("sz", "sz1", "organ", "mof"):
        assert f'value="{units[outside].pk}"' not in offered, outside
    # Posted anyway: a unit of the organiser's own organ outside the contest, and one of another
    # organ (an id typed into the request). Each gets the same plain refusal, and no team.
    for outside in ("sz", "organ", "mof", "mof1"):
        response = client.post(
            url, {"kind": "branch", "parent": units[outside].pk, "team_size": 3}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        assert response.status_code == 200
        assert "请从列表中选择广州特派办（本竞赛所属单位）下的单位。" in response.content.decode(), outside
    _nothing_made(contest)
    english = client.post(
        url, {"kind": "branch", "parent": units["mof1"].pk, "team_size": 3}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (
        "Choose a unit under 广州特派办, the unit this contest belongs to, from the list." in english.content.decode()
    )
    _nothing_made(contest)
    # The contest's own office makes a team of each of its branches, and takes no one else.
    client.post(url, {"kind": "branch", "parent": units["gz"].pk, "team_size": 3})
    assert list(contest.teams.order_by("position").values_list("name", "unit_id")) == [
        ("第一党支部", units["gz1"].pk),
        ("第二党支部", units["gz2"].pk),
    ]
    assert sorted(TeamMember.objects.filter(contest=contest).values_list("member__real_name", flat=True)) == [
        "广一甲",
        "广二甲",
    ]


def test_the_member_picker_offers_only_members_inside_the_contests_unit(client, units, people, organiser, contest):
    services.team_create(contest=contest, name="红队", members=[people["gz1"]], captain=None, by=organiser)
    client.force_login(organiser)
    page = client.get(reverse("contests:setup_teams", args=[contest.join_code])).content.decode()
    assert "广二甲" in page
    assert "深一甲" not in page and "深二甲" not in page and "财一甲" not in page


def test_a_team_of_members_from_another_office_is_refused_naming_them(units, people, organiser, contest):
    with pytest.raises(live.ContestRejected) as refused:
        services.team_create(
            contest=contest, name="混合队", members=[people["gz1"], people["sz1"]], captain=None, by=organiser
        )
    assert refused.value.code == "member_outside_contest"
    assert "深一甲" in refused.value.message and "广一甲" not in refused.value.message
    _nothing_made(contest)


def test_adding_a_member_from_another_office_is_refused_and_the_team_is_unchanged(
    client, units, people, organiser, contest
):
    team = services.team_create(contest=contest, name="红队", members=[people["gz1"]], captain=None, by=organiser)
    with pytest.raises(live.ContestRejected) as refused:
        services.team_member_add(team=team, member=people["sz2"], by=organiser)
    assert refused.value.code == "member_outside_contest"
    client.force_login(organiser)
    url = reverse("contests:setup_team_member_add", args=[contest.join_code, team.pk])
    page = client.post(url, {"member": people["sz2"].pk}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "以下成员不在广州特派办（本竞赛所属单位）范围内：深二甲。" in page.content.decode()
    # Another organ's member, by a typed id: refused as any member outside the organiser's units.
    page = client.post(url, {"member": people["mof1"].pk}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "财一甲" not in page.content.decode()
    assert list(TeamMember.objects.filter(contest=contest).values_list("member__real_name", flat=True)) == ["广一甲"]


def test_a_roster_naming_a_member_of_another_office_imports_nothing_and_names_the_row(
    units, people, organiser, contest
):
    book = factories.workbook(
        [["队名", "工号", "姓名", "队长", "接力顺序"], ["红队", "G1", "", "是", 1], ["红队", "S1", "", "", 2]]
    )
    report = roster.roster_import(contest=contest, file=book, by=organiser)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "工号", "深一甲不在广州特派办（本竞赛所属单位）范围内。")
    ]
    _nothing_made(contest)


def test_a_contest_with_teams_is_not_moved_to_a_unit_that_leaves_them_outside(units, people, organiser, contest):
    services.team_create(contest=contest, name="二支部队", members=[people["gz2"]], captain=None, by=organiser)
    with pytest.raises(live.ContestRejected) as refused:
        services.contest_basics_update(
            contest=contest, title=contest.title, unit=units["gz1"], base_score=100, by=organiser
        )
    assert refused.value.code == "teams_outside_unit" and "二支部队" in refused.value.message
    contest.refresh_from_db()
    assert contest.unit_id == units["gz"].pk
    # Up to the organ, which covers them, it may move.
    services.contest_basics_update(
        contest=contest, title=contest.title, unit=units["organ"], base_score=100, by=organiser
    )
    contest.refresh_from_db()
    assert contest.unit_id == units["organ"].pk


def test_a_contest_is_not_moved_to_a_unit_that_leaves_a_team_member_outside(units, people, organiser, contest):
    # 一支部队 represents 第一党支部, but 广二甲 of 第二党支部 was added to it, as any member of
    # 广州特派办 may be: moving the contest down to 第一党支部 would leave him outside it.
    team = services.team_create(contest=contest, name="一支部队", members=[people["gz1"]], captain=None, by=organiser)
    services.team_member_add(team=team, member=people["gz2"], by=organiser)
    with translation.override("zh-hans"), pytest.raises(live.ContestRejected) as refused:
        services.contest_basics_update(contest=contest, title="改名", unit=units["gz1"], base_score=100, by=organiser)
    assert refused.value.code == "members_outside_unit"
    assert refused.value.message == (
        "以下参赛队员不在第一党支部范围内：一支部队：广二甲。请先将其移出参赛队，或选择包含其所在单位的上级单位。"
    )
    with translation.override("en"), pytest.raises(live.ContestRejected) as refused:
        services.contest_basics_update(contest=contest, title="改名", unit=units["gz1"], base_score=100, by=organiser)
    assert refused.value.message == (
        "These team members are outside 第一党支部: 一支部队: 广二甲. "
        "Take them off their teams first, or choose a unit above theirs."
    )
    contest.refresh_from_db()
    assert (contest.unit_id, contest.title) == (units["gz"].pk, "广州特派办知识竞赛")
    # Without him the move is allowed.
    services.team_member_remove(team=team, member_id=people["gz2"].pk, by=organiser)
    services.contest_basics_update(
        contest=contest, title=contest.title, unit=units["gz1"], base_score=100, by=organiser
    )
    contest.refresh_from_db()
    assert contest.unit_id == units["gz1"].pk


@pytest.fixture
def older_contest(units, people, organiser, contest):
    """广州特派办's contest as an older one may stand: 深圳队 made before teams had to stay inside
    its unit (team_add checks nothing), and 红队's captain and first runner 广一甲 since moved to
    深圳特派办. A compulsory round deals its two questions to the teams in turn."""
    from contests.services.setup import team_add

    team_add(contest=contest, name="深圳队", unit=units["sz1"], legs=[people["sz1"]])
    third = factories.member(units["gz2"], real_name="广二乙", employee_no="G3")
    services.team_create(
        contest=contest, name="红队", members=[people["gz1"], people["gz2"], third], captain=people["gz1"], by=organiser
    )
    bank = factories.bank(units["gz"])
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(2)]
    services.round_create(
        contest=contest,
        settings=services.RoundSettings(type="compulsory", points=10, time_limit_s=20, teams_in_turn=True),
        by=organiser,
        question_ids=[q.pk for q in questions],
    )
    people["gz1"].unit = units["sz2"]
    people["gz1"].save(update_fields=["unit"])
    return contest


def test_a_duplicate_copies_only_the_teams_and_members_inside_the_contests_unit(
    units, people, organiser, older_contest
):
    copy = services.contest_duplicate(contest=older_contest, title="第二届", with_teams=True, by=organiser)

    assert copy.unit_id == units["gz"].pk
    assert list(copy.roster.order_by("leg").values_list("team__name", "member__real_name", "leg", "is_captain")) == [
        ("红队", "广二甲", 1, True),
        ("红队", "广二乙", 2, False),
    ]
    assert list(copy.teams.values_list("name", "position")) == [("红队", 0)]
    # Both questions of the round in turn go to the one team copied, none to no team.
    assert list(copy.rounds.get().questions.values_list("team__name", flat=True)) == ["红队", "红队"]
    # The original keeps its teams as they were.
    assert older_contest.roster.count() == 4 and older_contest.teams.count() == 2


def test_the_duplicate_page_says_which_teams_and_members_were_left_out_in_both_languages(
    client, units, people, organiser, older_contest
):
    client.force_login(organiser)
    url = reverse("contests:setup_duplicate", args=[older_contest.join_code])
    data = {"title": "第二届", "title_en": "", "with_teams": "on"}
    page = client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "以下参赛队所代表的单位不在广州特派办（本竞赛所属单位）范围内，未复制到新竞赛中：深圳队。" in page
    assert (
        "以下队员现已不在广州特派办（本竞赛所属单位）范围内，未复制到新竞赛的参赛队中：红队：广一甲。"
        "队长未被复制的参赛队，由其第一棒队员担任队长。"
    ) in page
    page = client.post(url, {**data, "title": "第三届"}, follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "Left out of the copy, as they represent units outside 广州特派办, the unit this contest belongs to: "
        "teams 深圳队."
    ) in page
    assert (
        "Left out of the copy&#x27;s teams, as they are now outside 广州特派办, the unit this contest belongs to: "
        "红队: 广一甲. A team whose captain was left out has its first runner as captain."
    ) in page
