"""Teams made from units name the members they put on no team: those placed directly in an
office, a department or a 党总支 that has branches under it (its secretary), in the live contest's
wizard and in the relay alike, so the organiser can place them by hand. Deactivated members and
the organiser making the teams are not named."""

import pytest
from django.urls import reverse

from contests.relay import services as relay_services
from contests.wizard import services as wizard
from tests import factories
from tests.contests.test_relay import make_relay, make_setup

pytestmark = pytest.mark.django_db


def organ_shaped(office) -> dict:
    """Under `office` (广州特派办), shaped like a real organ:
    审计一处 (department): 审计一处第一党支部 (甲成员, 乙成员), 审计一处第二党支部 (丙成员), and
        李处长 placed in 审计一处 itself, with 王离职 there too, deactivated;
    机关党总支 (党总支): 机关第一党支部 (丁成员), 机关第二党支部 (戊成员), and its secretary
        张书记 placed in 机关党总支 itself;
    陈主任 placed in 广州特派办 itself."""
    base = "审计署/广州特派办"
    department = factories.unit_at(f"{base}/审计一处", kind="department")
    general = factories.unit_at(f"{base}/机关党总支", kind="general_branch")
    people = {
        "甲成员": factories.unit_at(f"{base}/审计一处/审计一处第一党支部"),
        "乙成员": factories.unit_at(f"{base}/审计一处/审计一处第一党支部"),
        "丙成员": factories.unit_at(f"{base}/审计一处/审计一处第二党支部"),
        "丁成员": factories.unit_at(f"{base}/机关党总支/机关第一党支部"),
        "戊成员": factories.unit_at(f"{base}/机关党总支/机关第二党支部"),
        "李处长": department,
        "张书记": general,
        "陈主任": office,
    }
    members = {name: factories.member(unit, real_name=name) for name, unit in people.items()}
    gone = factories.member(department, real_name="王离职")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    return members


# By pinyin: 陈 (chen) < 李 (li) < 张 (zhang); 王离职 is deactivated, the organiser makes the teams.
LEFT_OUT = ["陈主任", "李处长", "张书记"]
WIZARD_NOTE = {
    "zh-hans": "以下成员所在单位未组队，未编入任何队伍："
    "陈主任（广州特派办）、李处长（审计一处）、张书记（机关党总支）。"
    "如需他们参赛，请在下方队伍的“添加成员…”中加入。",
    "en": "On no team, as no team was made from the unit they are placed in: 陈主任 (广州特派办), 李处长 (审计一处),"
    " 张书记 (机关党总支). To have them play, add them to a team with “Add a member…” below.",
}
RELAY_NOTE = {
    "zh-hans": "以下成员所在单位未组队，未编入任何队伍："
    "陈主任（广州特派办）、李处长（审计一处）、张书记（机关党总支）。"
    "如需他们参赛，请导入编入他们的名单。",
    "en": "On no team, as no team was made from the unit they are placed in: 陈主任 (广州特派办), 李处长 (审计一处),"
    " 张书记 (机关党总支). To have them run, import a roster that places them.",
}


def test_the_wizards_teams_from_party_branches_name_who_is_placed_above_them(tree, gz_organiser):
    organ_shaped(tree["gz"])
    contest = wizard.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)

    made = wizard.teams_from_units(contest=contest, parent=tree["gz"], kind="branch", team_size=3, by=gz_organiser)

    # 第一党支部 and 第二党支部 (the tree's, empty) are skipped; the four branches with members make teams.
    assert [t.name for t in made.teams] == [
        "审计一处第一党支部",
        "审计一处第二党支部",
        "机关第一党支部",
        "机关第二党支部",
    ]
    assert [m.real_name for m in made.left_out] == LEFT_OUT


def test_the_wizards_teams_from_departments_name_who_is_in_none(tree, gz_organiser):
    organ_shaped(tree["gz"])
    contest = wizard.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)

    made = wizard.teams_from_units(contest=contest, parent=tree["gz"], kind="department", team_size=5, by=gz_organiser)

    # 审计一处 takes its own 李处长 and its branches' 甲, 乙, 丙 (4 of at most 5); 机关党总支 is no
    # department, so its secretary and both its branches' members are on no team, with 陈主任.
    # By pinyin: 陈 chen, 丁 ding, 戊 wu, 张 zhang.
    assert [(t.name, sorted(t.members.values_list("member__real_name", flat=True))) for t in made.teams] == [
        ("审计一处", sorted(["李处长", "甲成员", "乙成员", "丙成员"]))
    ]
    assert [m.real_name for m in made.left_out] == ["陈主任", "丁成员", "戊成员", "张书记"]


def test_the_wizards_teams_page_says_who_is_on_no_team_in_both_languages(client, tree, gz_organiser):
    organ_shaped(tree["gz"])
    client.force_login(gz_organiser)
    for language, note in WIZARD_NOTE.items():
        client.cookies["django_language"] = language
        contest = wizard.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)
        page = client.post(
            reverse("contests:setup_teams", args=[contest.join_code]),
            {"parent": tree["gz"].pk, "kind": "branch", "team_size": 3},
            follow=True,
        )
        # Made 4 teams; no members free in 第一党支部, 第二党支部; then who is on no team.
        assert [str(m) for m in page.context["messages"]][2:] == [note]
        assert note in page.text


def test_relay_teams_from_branches_name_who_is_placed_in_an_office_department_or_general_branch(client):
    setup = make_setup()
    organ_shaped(factories.unit_at("审计署/广州特派办"))
    relay = make_relay(setup)

    plans = relay_services.plans_from_units(relay=relay, parent=None)

    # The setup's 第一党支部 (3 runners) and the four branches here; 第二党支部 has no member.
    assert [p.name for p in plans] == [
        "第一党支部",
        "审计一处第一党支部",
        "审计一处第二党支部",
        "机关第一党支部",
        "机关第二党支部",
    ]
    left_out = relay_services.members_left_out(relay=relay, parent=None, by=setup["by"])
    assert [m.real_name for m in left_out] == LEFT_OUT
    client.force_login(setup["by"])
    for language, note in RELAY_NOTE.items():
        client.cookies["django_language"] = language
        relay = make_relay(setup)
        page = client.post(reverse("contests:relay_teams", args=[relay.pk]), {"parent": ""}, follow=True)
        assert [str(m) for m in page.context["messages"]][1:] == [note]


def test_names_in_a_refusal_are_listed_in_the_pages_language(tree, gz_organiser):
    """Names in a message are joined by the enumeration comma in Chinese and by commas in English
    (they were joined by "、" in both)."""
    from django.utils import translation

    from contests.errors import ContestRejected

    organ_shaped(tree["gz"])
    contest = wizard.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)
    wizard.teams_from_units(contest=contest, parent=tree["gz"], kind="branch", team_size=3, by=gz_organiser)
    # The four branches with members have teams now (the tree's two empty branches have none).
    names = "审计一处第一党支部{0}审计一处第二党支部{0}机关第一党支部{0}机关第二党支部"
    expected = {
        "zh-hans": "以下参赛队已存在：" + names.format("、") + "。",
        "en": "These teams already exist: " + names.format(", ") + ".",
    }
    for language, message in expected.items():
        with translation.override(language), pytest.raises(ContestRejected) as refused:
            wizard.teams_from_units(contest=contest, parent=tree["gz"], kind="branch", team_size=3, by=gz_organiser)
        assert str(refused.value.message) == message


def test_a_general_branch_holding_no_branch_is_a_team_of_its_own_in_the_wizard_as_in_the_relay(tree, gz_organiser):
    """A 党总支 with no party branch under it has its members placed in it directly: teams made
    from party branches make it a team too (the relay always did; the wizard named them left out)."""
    organ_shaped(tree["gz"])
    retired = factories.unit_at("审计署/广州特派办/离退休党总支", kind="general_branch")
    for name in ("己成员", "庚成员"):
        factories.member(retired, real_name=name)
    contest = wizard.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)

    made = wizard.teams_from_units(contest=contest, parent=tree["gz"], kind="branch", team_size=3, by=gz_organiser)

    # In tree order: 审计一处's two branches, 机关党总支's two, then 离退休党总支 (made after them),
    # its members by pinyin: 庚 (geng) before 己 (ji).
    assert [(t.name, list(t.members.order_by("leg").values_list("member__real_name", flat=True))) for t in made.teams][
        -1
    ] == ("离退休党总支", ["庚成员", "己成员"])
    assert len(made.teams) == 5
    # 机关党总支 holds branches, so its secretary is still named; nobody of 离退休党总支 is.
    assert [m.real_name for m in made.left_out] == LEFT_OUT
