"""Teams made from units take each unit's members by name in pinyin order (拼音顺序)."""

from contests.models import TeamMember
from contests.relay import services as relay_services
from contests.wizard import services
from tests import factories
from tests.contests.test_relay import make_relay, setup  # noqa: F401 - setup: the relay fixture


def test_teams_from_units_take_the_first_members_by_pinyin(tree, gz_organiser):
    contest = services.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)
    for name in ["张三", "曾国藩", "李四", "Alice Smith"]:
        factories.member(tree["gz1"], real_name=name)
    services.teams_from_units(contest=contest, parent=tree["gz"], kind="branch", team_size=3, by=gz_organiser)
    places = TeamMember.objects.filter(team__name="第一党支部").order_by("leg").select_related("member")
    # By hand: alice0smith < li3si4 < zeng1guo2fan1 < zhang1san1; 张三 is fourth, left out.
    assert [(p.leg, p.member.real_name) for p in places] == [(1, "Alice Smith"), (2, "李四"), (3, "曾国藩")]


def test_relay_teams_from_branches_list_their_runners_by_pinyin(db, setup):  # noqa: F811
    relay = make_relay(setup)
    for name in ["张三", "曾国藩", "Alice Smith"]:
        factories.member(setup["second"], real_name=name)
    plans = relay_services.plans_from_units(relay=relay, parent=setup["organ"])
    second = next(plan for plan in plans if plan.unit == setup["second"])
    # By hand: alice0smith < zeng1guo2fan1 < zhang1san1; the first is captain.
    assert [m.real_name for m in second.roster] == ["Alice Smith", "曾国藩", "张三"]
    assert second.captain.real_name == "Alice Smith"
