"""Fixes from a new organiser's walk through the contest setup wizard: temporary party branches
count as party branches, an untitled round stays untitled, and a team's "add a member" picker
lists its own unit's members first."""

import datetime
import re

import pytest
from django.urls import reverse

from contests.wizard import services as wizard
from orgs import services as orgs_services
from tests import factories
from tests.contests.test_round_english_titles import round_form
from tests.factories import client_in


@pytest.fixture
def contest(tree, gz_organiser):
    return wizard.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)


@pytest.fixture
def audit_team(tree):
    return orgs_services.unit_create(
        name="审计组临时党支部", kind="temporary_branch", parent=tree["gz"], ends_on=datetime.date(2027, 6, 30)
    )


def test_teams_by_party_branch_include_temporary_branches(tree, gz_organiser, contest, audit_team):
    factories.member(tree["gz1"], real_name="张一")
    factories.member(audit_team, real_name="李审")

    made = wizard.teams_from_units(contest=contest, parent=tree["gz"], kind="branch", team_size=3, by=gz_organiser)

    assert [t.name for t in made.teams] == ["第一党支部", "审计组临时党支部"]
    assert made.skipped == ["第二党支部"]
    assert [m.member.real_name for m in made.teams[1].members.all()] == ["李审"]


def test_teams_by_temporary_branch_still_take_only_temporary_branches(tree, gz_organiser, contest, audit_team):
    factories.member(tree["gz1"], real_name="张一")
    factories.member(audit_team, real_name="李审")

    made = wizard.teams_from_units(
        contest=contest, parent=tree["gz"], kind="temporary_branch", team_size=3, by=gz_organiser
    )

    assert [t.name for t in made.teams] == ["审计组临时党支部"]


def test_a_round_left_untitled_is_stored_blank_and_each_language_names_it_by_its_type(tree, gz_organiser, contest):
    bank = factories.bank(tree["gz"])
    factories.question(bank, "true_false")
    zh, en = client_in("zh-hans", gz_organiser), client_in("en", gz_organiser)
    rounds_url = reverse("contests:setup_rounds", args=[contest.join_code])

    zh.post(rounds_url, round_form(bank, title="", title_en=""))

    (round_,) = contest.rounds.all()
    assert (round_.title, round_.title_en) == ("", "")
    review = reverse("contests:setup_review", args=[contest.join_code])
    for url in (rounds_url, review):
        english, chinese = en.get(url).text, zh.get(url).text
        assert "Relay" in english and "接力" not in english
        assert "接力" in chinese


def _picker(page: str, team_id: int) -> list[str]:
    """The names offered by a team's add-a-member picker, in order."""
    form = re.search(rf'action="[^"]*/teams/{team_id}/add/"[^>]*>(.*?)</form>', page, re.S)
    assert form, "no picker for the team"
    return re.findall(r'<option value="\d+"[^>]*>([^·<]+?) ·', form.group(1))


def test_a_teams_member_picker_lists_its_own_units_members_first_by_name(tree, gz_organiser, contest):
    # Pinyin order: 安 (an) < 白 (bai) < 陈 (chen) < 邓 (deng).
    factories.member(tree["gz2"], real_name="安二")
    factories.member(tree["gz1"], real_name="邓一")
    factories.member(tree["gz2"], real_name="陈二")
    factories.member(tree["gz1"], real_name="白一")
    feng = factories.member(tree["gz1"], real_name="冯一")
    first = wizard.team_create(contest=contest, name="一队", members=[feng], captain=None, by=gz_organiser)

    page = client_in("zh-hans", gz_organiser).get(reverse("contests:setup_teams", args=[contest.join_code])).text

    names = [n.strip() for n in _picker(page, first.pk)]
    # 冯一 is on the team; the organiser (广州, guang) is in the office above the branches.
    assert names == ["白一", "邓一", "安二", "陈二", "广州组织者"]


def test_the_wizards_last_step_is_titled_as_its_tab_not_as_a_quizs_review(contest, gz_organiser):
    review = reverse("contests:setup_review", args=[contest.join_code])
    zh = client_in("zh-hans", gz_organiser).get(review).content.decode()
    title = re.search(r"<title>(.*?)</title>", zh, re.S).group(1)
    assert title.startswith("检查与彩排 · ") and "答题回顾" not in zh
    en = client_in("en", gz_organiser).get(review).content.decode()
    assert re.search(r"<title>(.*?)</title>", en, re.S).group(1).startswith("Review and rehearse · ")


def test_the_add_round_button_names_the_round_type_in_lower_case_mid_sentence(contest, gz_organiser):
    """It read "Add a Relay round", the type's capital left in the middle of the sentence."""
    rounds = reverse("contests:setup_rounds", args=[contest.join_code])
    en = client_in("en", gz_organiser).get(rounds, {"type": "relay"}).content.decode()
    assert re.search(r'id="add-round">.*?</i> Add a relay round</button>', en, re.S)
    zh = client_in("zh-hans", gz_organiser).get(rounds, {"type": "relay"}).content.decode()
    assert re.search(r'id="add-round">.*?</i> 添加接力.*?环节</button>', zh, re.S)


def test_the_relay_and_the_live_contest_label_their_roster_upload_alike():
    """The relay's read "Roster workbook (xlsx)" (名单工作簿（xlsx）) where the live contest's reads
    "Roster (.xlsx)": one upload, two names."""
    from django.utils import translation

    from contests.relay.organiser import TeamsImportForm
    from contests.wizard.forms import RosterForm

    for language, label in (("en", "Roster (.xlsx)"), ("zh-hans", "名单（.xlsx）")):
        with translation.override(language):
            assert str(TeamsImportForm().fields["file"].label) == str(RosterForm().fields["file"].label) == label
