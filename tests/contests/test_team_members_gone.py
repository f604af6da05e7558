"""Members deactivated or moved after the teams were made. The walk: a member deactivated from the
members page stayed team 1's captain and first runner, the review warned nothing, a duplicate
with its teams copied her, and the copy's big screen gave her the baton though she could not sign
in. Now a deactivated runner stops the start (named, with a link to her team), a moved member is
pointed out, a duplicate leaves her out, and the host is told when it happens after the start."""

import pytest
from django.urls import reverse
from django.utils import translation

from contests import services as live
from contests.models import Contest
from contests.wizard import services
from orgs import services as orgs_services
from tests import factories


@pytest.fixture
def contest(tree, gz_organiser):
    return services.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)


@pytest.fixture
def teams(tree, gz_organiser, contest):
    """第一党支部: 蔡凤艳 (captain, leg 1), 李四 (leg 2); 第二党支部: 王五; a relay round."""
    cai, li = (factories.member(tree["gz1"], real_name=name) for name in ("蔡凤艳", "李四"))
    wang = factories.member(tree["gz2"], real_name="王五")
    first = services.team_create(contest=contest, name="第一党支部", members=[cai, li], captain=cai, by=gz_organiser)
    second = services.team_create(contest=contest, name="第二党支部", members=[wang], captain=wang, by=gz_organiser)
    bank = factories.bank(tree["gz"])
    services.round_create(
        contest=contest,
        settings=services.RoundSettings(type="relay", time_limit_s=20),
        by=gz_organiser,
        question_ids=[factories.question(bank).pk for _ in range(2)],
    )
    return {"cai": cai, "li": li, "wang": wang, "first": first, "second": second}


def _deactivate(member, by):
    orgs_services.members_bulk_apply(by=by, members=[member], action="deactivate")


def test_a_deactivated_runner_is_a_problem_that_stops_the_start_naming_team_and_member(
    client, tree, gz_organiser, contest, teams
):
    with translation.override("zh-hans"):
        assert services.contest_problems(contest) == []
    _deactivate(teams["cai"], gz_organiser)

    with translation.override("zh-hans"):
        problems = services.contest_problems(contest)
        assert [(p.message, p.blocks_start) for p in problems] == [
            ("第一党支部：蔡凤艳 已停用，无法登录，请在接力顺序中替换，并另选队长。", True)
        ]
        assert problems[0].link == f"/contests/{contest.join_code}/setup/teams/#team-{teams['first'].pk}"
        with pytest.raises(live.ContestRejected) as refused:
            live.contest_start(contest=contest, by=gz_organiser)
    assert refused.value.code == "not_ready"
    assert "第一党支部：蔡凤艳" in str(refused.value.message)
    assert Contest.objects.get(pk=contest.pk).status == Contest.Status.DRAFT

    client.force_login(gz_organiser)
    review = client.get(reverse("contests:setup_review", args=[contest.join_code])).content.decode()
    blockers = review.split('id="review-blockers"')[1].split("</div>")[0]
    assert "以下问题解决之前，竞赛无法开始" in blockers and "蔡凤艳" in blockers
    assert f'href="/contests/{contest.join_code}/setup/teams/#team-{teams["first"].pk}"' in blockers
    page = client.get(reverse("contests:setup_teams", args=[contest.join_code])).content.decode()
    first_card = page.split(f'id="team-{teams["first"].pk}"')[1].split('id="team-')[0]
    cai_line = first_card.split(f'data-member="{teams["cai"].pk}"')[1].split("</li>")[0]
    assert "已停用，请替换" in cai_line
    assert "已停用" not in first_card.split(f'data-member="{teams["li"].pk}"')[1].split("</li>")[0]
    host = client.get(reverse("contests:host", args=[contest.join_code])).content.decode()
    assert 'id="not-ready"' in host and "开赛前请替换已停用的队员" in host

    # Taken off the team (李四 runs alone and is made captain), the contest starts.
    services.team_member_remove(team=teams["first"], member_id=teams["cai"].pk, by=gz_organiser)
    services.team_arrange(team=teams["first"], order=[teams["li"].pk], captain_id=teams["li"].pk, by=gz_organiser)
    assert services.contest_problems(contest) == []
    assert live.contest_start(contest=contest, by=gz_organiser).status == Contest.Status.RUNNING


def test_a_member_moved_to_another_unit_is_a_warning_naming_the_new_unit_and_the_start_goes_on(
    client, tree, gz_organiser, contest, teams
):
    orgs_services.member_move(member=teams["wang"], unit=tree["gz1"], by=gz_organiser, reason="支部调整")

    with translation.override("zh-hans"):
        problems = services.contest_problems(contest)
        assert [(p.message, p.blocks_start) for p in problems] == [
            ("第二党支部：王五 现属于 审计署/广州特派办/第一党支部，已不在该队代表的单位内。", False)
        ]
    client.force_login(gz_organiser)
    page = client.get(reverse("contests:setup_teams", args=[contest.join_code])).content.decode()
    wang_line = page.split(f'data-member="{teams["wang"].pk}"')[1].split("</li>")[0]
    assert "现属于 第一党支部" in wang_line
    review = client.get(reverse("contests:setup_review", args=[contest.join_code])).content.decode()
    assert 'id="review-blockers"' not in review and "现属于 审计署/广州特派办/第一党支部" in review
    assert live.contest_start(contest=contest, by=gz_organiser).status == Contest.Status.RUNNING


def test_a_duplicate_with_teams_leaves_deactivated_members_out_and_passes_on_the_captaincy(
    client, tree, gz_organiser, contest, teams
):
    _deactivate(teams["cai"], gz_organiser)
    client.force_login(gz_organiser)
    response = client.post(
        reverse("contests:setup_duplicate", args=[contest.join_code]),
        {"title": "党史知识竞赛（第二场）", "with_teams": "on"},
        follow=True,
    )
    copy = Contest.objects.get(title="党史知识竞赛（第二场）")
    places = copy.roster.order_by("team__position", "leg").values_list("team__name", "member_id", "leg", "is_captain")
    assert list(places) == [("第一党支部", teams["li"].pk, 1, True), ("第二党支部", teams["wang"].pk, 1, True)]
    body = response.content.decode()
    assert (
        "以下队员的账号已停用，未复制到新竞赛的参赛队中：第一党支部：蔡凤艳。队长未被复制的参赛队，由其第一棒队员担任队长。"
        in body
    )
    # The original keeps her (and stays unable to start until she is replaced).
    assert contest.roster.filter(member=teams["cai"]).exists()
    assert live.contest_start(contest=copy, by=gz_organiser).status == Contest.Status.RUNNING


def test_the_host_console_names_a_runner_deactivated_after_the_start(client, tree, gz_organiser, contest, teams):
    live.contest_start(contest=contest, by=gz_organiser)
    client.force_login(gz_organiser)
    host = reverse("contests:host", args=[contest.join_code])
    assert 'id="deactivated-runners"' not in client.get(host).content.decode()
    _deactivate(teams["li"], gz_organiser)
    shown = client.get(host).content.decode().split('id="deactivated-runners"')[1].split("</div>")[0]
    assert "以下队员在竞赛开始后被停用" in shown and "第一党支部：李四" in shown
    client.cookies["django_language"] = "en"
    shown = client.get(host).content.decode().split('id="deactivated-runners"')[1].split("</div>")[0]
    assert "Deactivated since the start" in shown and "第一党支部: 李四" in shown


def _rehearsal_card(client, contest) -> tuple[str, str]:
    """The review's rehearsal card, and its rehearse button's attributes."""
    review = client.get(reverse("contests:setup_review", args=[contest.join_code])).content.decode()
    card = review.split('<i class="bi bi-cone-striped">')[1].split('<i class="bi bi-broadcast">')[0]
    return card, card.split('id="rehearse"')[1].split(">")[0]


@pytest.mark.parametrize(
    ("language", "note"),
    [
        (
            "zh-hans",
            "彩排不含已停用的队员（第一党支部：蔡凤艳），测试队照常进行；正式竞赛须先替换他们才能开始。",
        ),
        (
            "en",
            "The rehearsal leaves out the deactivated members (第一党支部: 蔡凤艳): test teams play without them. "
            "The contest itself starts once they are replaced.",
        ),
    ],
)
def test_a_deactivated_runner_stops_the_start_but_not_a_rehearsal_which_leaves_her_out(
    client, tree, gz_organiser, contest, teams, language, note
):
    """The rehearsal plays copies of the teams without deactivated members (as a duplicate does),
    so she cannot hold it up: its button stays enabled and says she is left out."""
    _deactivate(teams["cai"], gz_organiser)
    client.force_login(gz_organiser)
    client.cookies["django_language"] = language
    card, button = _rehearsal_card(client, contest)
    assert "disabled" not in button and 'id="rehearsal-not-ready"' not in card
    assert note in card
    response = client.post(reverse("contests:setup_rehearse", args=[contest.join_code]))
    rehearsal = contest.rehearsals.get()
    assert response.url == reverse("contests:host", args=[rehearsal.join_code])
    # 第一党支部 runs 李四 alone, made captain as first runner; 第二党支部 keeps 王五.
    places = rehearsal.roster.order_by("team__position", "leg").values_list(
        "team__name", "member_id", "leg", "is_captain"
    )
    assert list(places) == [("第一党支部", teams["li"].pk, 1, True), ("第二党支部", teams["wang"].pk, 1, True)]
    assert live.contest_start(contest=rehearsal, by=gz_organiser).status == Contest.Status.RUNNING
    with pytest.raises(live.ContestRejected) as refused:
        live.contest_start(contest=contest, by=gz_organiser)
    assert refused.value.code == "not_ready"


@pytest.mark.parametrize(
    ("language", "reason", "link"),
    [
        ("zh-hans", "请先为环节添加题目再开始：本竞赛的环节里还没有题目。", "设置环节"),
        ("en", "Add questions before starting: the contest&#x27;s rounds have none yet.", "Set up rounds"),
    ],
)
def test_the_rehearse_button_is_disabled_beside_what_stops_it_as_the_start_button_is(
    client, tree, gz_organiser, contest, teams, language, reason, link
):
    """Teams and a round but no questions in it: the button used to be clickable and the refusal
    came only after the click."""
    contest.rounds.get().questions.all().delete()
    client.force_login(gz_organiser)
    client.cookies["django_language"] = language
    card, button = _rehearsal_card(client, contest)
    assert " disabled" in button and 'aria-describedby="rehearsal-not-ready"' in button
    not_ready = card.split('id="rehearsal-not-ready"')[1].split("</div>")[0]
    assert reason in not_ready
    assert f'href="/contests/{contest.join_code}/setup/rounds/"' in not_ready and link in not_ready
    host = client.get(reverse("contests:host", args=[contest.join_code])).content.decode()
    assert reason in host  # the same reason the host's start button is disabled beside
    # Refused all the same if posted.
    client.post(reverse("contests:setup_rehearse", args=[contest.join_code]))
    assert not contest.rehearsals.exists()


def test_a_member_moved_out_of_the_contest_s_unit_is_named_with_the_new_unit_on_the_teams_page_and_console(
    client, tree, gz_organiser, contest, teams
):
    # 王五 (第二党支部's only member) moves to 财政部/预算司, outside 广州特派办, the contest's unit:
    # adding him now would be refused; added before, he stays on the team, named until replaced.
    type(teams["wang"]).objects.filter(pk=teams["wang"].pk).update(unit=tree["budget"])
    client.force_login(gz_organiser)
    page = client.get(reverse("contests:setup_teams", args=[contest.join_code])).content.decode()
    alert = page.split('id="moved-out-members"')[1].split("</div>")[0]
    assert "以下队员加入参赛队后已调出本竞赛所属单位 广州特派办：王五（第二党支部）现属于 预算司。" in alert
    wang_line = page.split(f'data-member="{teams["wang"].pk}"')[1].split("</li>")[0]
    assert "已调出：现属于 预算司" in wang_line
    assert page.count('id="moved-out-members"') == 1 and "蔡凤艳（" not in alert
    console = client.get(reverse("contests:host", args=[contest.join_code])).content.decode()
    alert = console.split('id="moved-out-members"')[1].split("</div>")[0]
    assert "王五（第二党支部）现属于 预算司" in alert and "请在开始前到参赛队页面替换他们" in alert
    with translation.override("zh-hans"):
        assert [p.message for p in services.contest_problems(contest)] == [
            "第二党支部：王五 现属于 财政部/预算司，已不在本竞赛所属单位 广州特派办 内，请在开始前替换。"
        ]
    client.cookies["django_language"] = "en"
    console = client.get(reverse("contests:host", args=[contest.join_code])).content.decode()
    alert = console.split('id="moved-out-members"')[1].split("</div>")[0]
    assert "These team members have moved out of" in alert and "王五 (第二党支部), now in 预算司" in alert
    # Not dropped: he is still on the team, and once started the console no longer asks.
    assert contest.roster.filter(member=teams["wang"]).exists()
    live.contest_start(contest=contest, by=gz_organiser)
    assert (
        'id="moved-out-members"' not in client.get(reverse("contests:host", args=[contest.join_code])).content.decode()
    )
