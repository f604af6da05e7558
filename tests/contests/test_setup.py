"""The contest builder: teams from units and from a roster workbook, round templates, draws that
refuse a shortfall, rehearsals that leave no results, duplicates."""

import random
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from contests import services as live
from contests.models import AuditEntry, Contest, ContestAnswer, Round, ScoreEvent, TeamMember
from contests.wizard import roster, services
from contests.wizard.round_templates import TEMPLATES
from lessons.models import Tag
from rankings.models import RuleSource
from tests import factories
from tests.spreadsheets import DAMAGED_CELLS, damaged


@pytest.fixture
def contest(tree, gz_organiser):
    return services.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)


def _members(unit, *names):
    return [factories.member(unit, real_name=name) for name in names]


def test_one_team_per_party_branch_under_an_office(tree, gz_organiser, contest):
    _members(tree["gz1"], "成员C", "成员A", "成员D", "成员B")
    _members(tree["gz2"], "成员E")
    _members(tree["jjj1"], "成员F")  # another office: not a team
    empty = factories.unit_at("审计署/广州特派办/第三党支部")

    made = services.teams_from_units(contest=contest, parent=tree["gz"], kind="branch", team_size=3, by=gz_organiser)

    assert [t.name for t in made.teams] == ["第一党支部", "第二党支部"]
    assert made.skipped == [empty.name]
    first = made.teams[0]
    # The first three by name, in that relay order, the first as captain.
    places = list(TeamMember.objects.filter(team=first).order_by("leg").select_related("member"))
    assert [(p.leg, p.member.real_name, p.is_captain) for p in places] == [
        (1, "成员A", True),
        (2, "成员B", False),
        (3, "成员C", False),
    ]
    assert first.unit == tree["gz1"]
    assert [p.member.real_name for p in made.teams[1].members.all()] == ["成员E"]


def test_teams_from_units_outside_the_organisers_units_are_refused(tree, gz_organiser, contest):
    with pytest.raises(live.ContestRejected) as refused:
        services.teams_from_units(contest=contest, parent=tree["jjj"], kind="branch", team_size=3, by=gz_organiser)
    assert refused.value.code == "unit_outside_scope"
    assert not contest.teams.exists()


def test_relay_order_and_captain_are_rearranged_and_a_stale_order_is_refused(tree, gz_organiser, contest):
    a, b, c = _members(tree["gz1"], "甲", "乙", "丙")
    team = services.team_create(contest=contest, name="一队", members=[a, b, c], captain=a, by=gz_organiser)

    services.team_arrange(team=team, order=[c.pk, a.pk, b.pk], captain_id=b.pk, by=gz_organiser)
    places = list(team.members.order_by("leg").values_list("member_id", "leg", "is_captain"))
    assert places == [(c.pk, 1, False), (a.pk, 2, False), (b.pk, 3, True)]

    with pytest.raises(live.ContestRejected) as refused:
        services.team_arrange(team=team, order=[c.pk, a.pk], captain_id=None, by=gz_organiser)
    assert refused.value.code == "order_stale"
    assert list(team.members.order_by("leg").values_list("member_id", flat=True)) == [c.pk, a.pk, b.pk]


def test_the_drag_and_drop_save_is_refused_in_the_error_shape_of_the_api(client, tree, gz_organiser, contest):
    a, b = _members(tree["gz1"], "甲", "乙")
    team = services.team_create(contest=contest, name="一队", members=[a, b], captain=a, by=gz_organiser)
    client.force_login(gz_organiser)
    url = reverse("contests:setup_team_arrange", args=[contest.join_code, team.pk])

    stale = client.post(url, {"order": str(b.pk), "captain": ""}, headers={"X-Requested-With": "fetch"})

    assert stale.status_code == 409
    assert stale.json()["error"] == {
        "code": "order_stale",
        "message": "该队已被他人修改，请刷新页面后重新排列。",
        "field": None,
    }


def _roster(rows):
    return factories.workbook([["队名", "工号", "姓名", "队长", "接力顺序"], *rows])


def test_roster_workbook_makes_teams_with_captains_and_relay_order(tree, gz_organiser, contest):
    a, b, c = (factories.member(tree["gz1"], employee_no=no) for no in ("A1", "A2", "A3"))
    book = _roster([["红队", "A1", "", "", 2], ["红队", "A2", "", "是", 1], ["蓝队", "A3", "", "", ""]])

    report = roster.roster_import(contest=contest, file=book, by=gz_organiser)

    assert report.ok, report.errors
    red, blue = contest.teams.order_by("position")
    assert list(red.members.order_by("leg").values_list("member_id", "leg", "is_captain")) == [
        (b.pk, 1, True),
        (a.pk, 2, False),
    ]
    assert list(blue.members.values_list("member_id", "leg")) == [(c.pk, 1)]
    assert red.unit == tree["gz1"]


def test_roster_with_bad_rows_names_each_and_imports_nothing(tree, gz_organiser, contest):
    factories.member(tree["gz1"], employee_no="A1")
    factories.member(tree["jjj1"], employee_no="J1")  # outside the organiser's units: unknown to them
    book = _roster(
        [
            ["红队", "A1", "", "", ""],  # row 2: fine
            ["红队", "NOBODY", "", "", ""],  # row 3: unknown member
            ["蓝队", "A1", "", "", ""],  # row 4: in two teams
            ["绿队", "", "", "", ""],  # row 5: an empty team
            ["红队", "J1", "", "", ""],  # row 6: not in the organiser's units
        ]
    )

    report = roster.roster_import(contest=contest, file=book, by=gz_organiser)

    assert [(e.row, e.column) for e in report.errors] == [(3, "工号"), (4, "工号"), (6, "工号"), (5, "队名")]
    assert "NOBODY" in report.errors[0].message
    assert "红队" in report.errors[1].message and "第 2 行" in report.errors[1].message
    assert "绿队" in report.errors[3].message
    assert not contest.teams.exists() and not TeamMember.objects.exists()


def test_a_roster_naming_a_team_or_member_already_set_up_says_what_to_do_about_it(tree, gz_organiser, contest):
    """Teams made from units first and a roster imported after is the common path; the refusal
    said only "already on team" and left the organiser to guess that a roster adds new teams."""
    a, b = (factories.member(tree["gz1"], employee_no=no) for no in ("A1", "A2"))
    services.team_create(contest=contest, name="第一党支部", members=[a], captain=a, by=gz_organiser)
    book = _roster([["第一党支部", "A2", "", "", ""], ["第一党支部队", "A1", "", "", ""]])

    with translation.override("zh-hans"):
        report = roster.roster_import(contest=contest, file=book, by=gz_organiser)

    assert [(e.row, e.column) for e in report.errors] == [(2, "队名"), (3, "工号")]
    assert "名单只能新增参赛队" in report.errors[0].message and "先在本页删除" in report.errors[0].message
    assert "先在本页把其移出该队" in report.errors[1].message
    assert list(contest.teams.values_list("name", flat=True)) == ["第一党支部"]


def test_roster_that_is_not_a_workbook_says_so(tree, gz_organiser, contest):
    from io import BytesIO

    report = roster.roster_import(contest=contest, file=BytesIO(b"name,team\n"), by=gz_organiser)
    assert not report.ok and "xlsx" in report.errors[0].message


def test_round_templates_carry_the_usual_values():
    values = {
        t.type: (t.points, t.penalty, t.early_buzz_penalty, t.time_limit_s, t.risk_tiers, t.teams_in_turn)
        for t in TEMPLATES.values()
    }
    assert values == {
        "relay": (10, 0, 0, 30, (), False),
        "compulsory": (10, 0, 0, 20, (), True),
        "buzzer": (10, 10, 5, 15, (), False),
        "risk": (0, 0, 0, 30, (10, 20, 30), False),
        "tiebreak": (10, 10, 0, 15, (), False),
    }


def test_round_from_a_template_with_edited_values_draws_its_questions(tree, gz_organiser, contest):
    bank = factories.bank(tree["gz"])
    for _ in range(4):
        factories.question(bank, "single")
    factories.question(bank, "true_false")
    template = TEMPLATES["buzzer"]
    settings = services.RoundSettings(
        type=template.type, points=20, penalty=template.penalty, early_buzz_penalty=3, time_limit_s=12
    )

    round_ = services.round_create(
        contest=contest,
        settings=settings,
        by=gz_organiser,
        rule=services.DrawRule(bank=bank, count=3, type="single"),
        rng=random.Random(1),
    )

    assert (round_.type, round_.points, round_.penalty, round_.early_buzz_penalty, round_.time_limit_s) == (
        "buzzer",
        20,
        10,
        3,
        12,
    )
    assert round_.questions.count() == 3
    assert set(round_.questions.values_list("version__type", flat=True)) == {"single"}


def test_a_bank_with_too_few_matching_questions_is_refused_with_the_shortfall(tree, gz_organiser, contest):
    bank = factories.bank(tree["gz"])
    point = Tag.objects.create(name="党章")
    factories.question(bank, "single", tags=["党章"])
    factories.question(bank, "single", tags=["党章"])
    factories.question(bank, "single")
    settings = services.RoundSettings(type="compulsory", time_limit_s=20)
    rule = services.DrawRule(bank=bank, count=5, type="single", tag=point)

    with pytest.raises(live.ContestRejected) as refused:
        services.round_create(contest=contest, settings=settings, by=gz_organiser, rule=rule)

    assert refused.value.code == "bank_too_few"
    assert f"题库“{bank.name}”" in refused.value.message
    assert (
        "2 道" in refused.value.message
        and "需要 5 道" in refused.value.message
        and "还差 3 道" in refused.value.message
    )
    assert not contest.rounds.exists()


def test_a_second_round_does_not_repeat_questions_and_counts_its_shortfall_without_them(tree, gz_organiser, contest):
    bank = factories.bank(tree["gz"])
    for _ in range(3):
        factories.question(bank, "true_false")
    settings = services.RoundSettings(type="relay", time_limit_s=30)
    first = services.round_create(
        contest=contest, settings=settings, by=gz_organiser, rule=services.DrawRule(bank=bank, count=2)
    )
    with pytest.raises(live.ContestRejected) as refused:
        services.round_create(
            contest=contest, settings=settings, by=gz_organiser, rule=services.DrawRule(bank=bank, count=2)
        )
    assert "还差 1 道" in refused.value.message
    assert list(contest.rounds.all()) == [first]


def test_picked_questions_keep_their_order_and_outside_banks_are_refused(tree, gz_organiser, contest):
    bank = factories.bank(tree["gz"])
    q1, q2 = factories.question(bank), factories.question(bank)
    other = factories.question(factories.bank(tree["jjj"]))
    settings = services.RoundSettings(type="tiebreak", points=10, penalty=10, time_limit_s=15)

    round_ = services.round_create(contest=contest, settings=settings, by=gz_organiser, question_ids=[q2.pk, q1.pk])
    assert list(round_.questions.values_list("version__question_id", flat=True)) == [q2.pk, q1.pk]

    with pytest.raises(live.ContestRejected) as refused:
        services.round_create(contest=contest, settings=settings, by=gz_organiser, question_ids=[other.pk])
    assert refused.value.code == "question_not_usable"


def _ready(tree, gz_organiser, contest):
    a, b = _members(tree["gz1"], "甲", "乙")
    services.team_create(contest=contest, name="一队", members=[a], captain=a, by=gz_organiser)
    services.team_create(contest=contest, name="二队", members=[b], captain=None, by=gz_organiser)
    bank = factories.bank(tree["gz"])
    question = factories.question(bank, "true_false", key=[True])
    services.round_create(
        contest=contest,
        settings=services.RoundSettings(type="compulsory", points=10, time_limit_s=20, teams_in_turn=True),
        by=gz_organiser,
        question_ids=[question.pk],
    )
    return a, b


def test_rehearsal_plays_with_its_own_code_and_leaves_no_results(client, tree, gz_organiser, contest):
    a, _b = _ready(tree, gz_organiser, contest)

    rehearsal = services.contest_rehearse(contest=contest, by=gz_organiser)

    assert rehearsal.join_code != contest.join_code and rehearsal.rehearsal_of == contest
    assert [t.name for t in rehearsal.teams.all()] == ["一队", "二队"]
    assert rehearsal.rounds.get().questions.count() == 1
    live.contest_start(contest=rehearsal, by=gz_organiser)
    live.question_open(contest=rehearsal, by=gz_organiser)
    live.answer_submit(contest=rehearsal, member=a, response="对", client_answer_id="x")
    live.question_reveal(contest=rehearsal, by=gz_organiser)
    assert ScoreEvent.objects.filter(contest=rehearsal).count() == 1
    # The contest itself is untouched: still being prepared, no facts.
    contest.refresh_from_db()
    assert contest.status == Contest.Status.DRAFT and not ScoreEvent.objects.filter(contest=contest).exists()

    client.force_login(gz_organiser)
    assert client.get(reverse("contests:host", args=[rehearsal.join_code])).status_code == 200
    results = client.get(reverse("contests:results", args=[rehearsal.join_code]))
    # Its organiser is told a rehearsal keeps none (tests/contests/test_live_rehearsal_fixes.py: the page)
    assert results.status_code == 200 and "这是彩排，不保留成绩。" in results.content.decode()
    assert client.get(reverse("contests:results_xlsx", args=[rehearsal.join_code])).status_code == 403
    listed = client.get(reverse("contests:list")).context["hosting"]
    assert list(listed) == [contest]

    source = RuleSource(kind=RuleSource.Kind.CONTEST, contest=rehearsal)
    with pytest.raises(ValidationError) as refused:
        source.clean()
    assert "contest" in refused.value.message_dict


def test_rehearsal_reset_throws_the_played_copy_away_for_a_new_one(tree, gz_organiser, contest):
    a, _b = _ready(tree, gz_organiser, contest)
    first = services.contest_rehearse(contest=contest, by=gz_organiser)
    live.contest_start(contest=first, by=gz_organiser)
    live.question_open(contest=first, by=gz_organiser)
    live.answer_submit(contest=first, member=a, response="对", client_answer_id="x")
    live.question_reveal(contest=first, by=gz_organiser)
    assert services.contest_rehearse(contest=contest, by=gz_organiser) == first

    fresh = services.contest_rehearse(contest=contest, by=gz_organiser, fresh=True)

    assert fresh.pk != first.pk and fresh.join_code != first.join_code
    assert fresh.status == Contest.Status.DRAFT
    assert not Contest.objects.filter(pk=first.pk).exists()
    assert not ScoreEvent.objects.exists() and not ContestAnswer.objects.exists()
    assert list(contest.rehearsals.all()) == [fresh]


def test_duplicate_copies_rounds_and_optionally_teams_under_a_new_code(tree, gz_organiser, contest):
    a, b = _ready(tree, gz_organiser, contest)
    live.contest_start(contest=contest, by=gz_organiser)

    with_teams = services.contest_duplicate(contest=contest, title="第二届", with_teams=True, by=gz_organiser)
    without = services.contest_duplicate(contest=contest, title="第三届", with_teams=False, by=gz_organiser)

    assert with_teams.join_code not in (contest.join_code, without.join_code)
    assert with_teams.status == Contest.Status.DRAFT and with_teams.title == "第二届"
    assert list(with_teams.roster.order_by("team__position").values_list("team__name", "member_id", "leg")) == [
        ("一队", a.pk, 1),
        ("二队", b.pk, 1),
    ]
    assert with_teams.roster.get(member=a).is_captain
    assert not without.teams.exists()
    original_versions = list(Round.objects.filter(contest=contest).values_list("questions__version", flat=True))
    for copy in (with_teams, without):
        assert (
            list(Round.objects.filter(contest=copy).values_list("questions__version", flat=True)) == original_versions
        )
    # The compulsory question belonged to the original's first team; in the copy, to the copy's.
    assert with_teams.rounds.get().questions.get().team == with_teams.teams.get(name="一队")
    assert AuditEntry.objects.filter(contest=with_teams, action="duplicate").exists()


def test_members_put_on_a_team_by_hand_or_by_a_duplicate_are_invited_and_a_rehearsal_invites_nobody(
    tree, gz_organiser, contest
):
    # team_add invited its members; a member added to a team later, and the teams a duplicate
    # copied, were not told (the walk: "members added by hand received no invitation").
    from notifications.models import Notification

    def invited(code: str) -> set[int]:
        sent = Notification.objects.filter(kind="contest_invitation", url=reverse("contests:play", args=[code]))
        return set(sent.values_list("recipient", flat=True))

    a, b = _ready(tree, gz_organiser, contest)  # 一队 (甲), 二队 (乙): both invited by team_create
    late = factories.member(tree["gz1"], real_name="丙")
    services.team_member_add(team=contest.teams.get(name="一队"), member=late, by=gz_organiser)
    assert invited(contest.join_code) == {a.pk, b.pk, late.pk}

    rehearsal = services.contest_rehearse(contest=contest, by=gz_organiser)
    assert invited(rehearsal.join_code) == set()  # practice: the organiser brings whom he needs
    copy = services.contest_duplicate(contest=contest, title="第二届", with_teams=True, by=gz_organiser)
    assert invited(copy.join_code) == {a.pk, b.pk, late.pk}
    bare = services.contest_duplicate(contest=contest, title="第三届", with_teams=False, by=gz_organiser)
    assert invited(bare.join_code) == set()


def test_setup_pages_of_another_units_contest_are_not_found(client, tree, contest):
    outsider = factories.organiser(tree["jjj"])  # another office's contest is not there for them
    client.force_login(outsider)
    for name in ("contests:setup_teams", "contests:setup_rounds", "contests:setup_review"):
        assert client.get(reverse(name, args=[contest.join_code])).status_code == 404
    assert client.post(reverse("contests:setup_rehearse", args=[contest.join_code])).status_code == 404
    assert not contest.rehearsals.exists()


def test_a_started_contest_cannot_change_its_teams(tree, gz_organiser, contest):
    _ready(tree, gz_organiser, contest)
    live.contest_start(contest=contest, by=gz_organiser)
    with pytest.raises(live.ContestRejected) as refused:
        services.teams_from_units(contest=contest, parent=tree["gz"], kind="branch", team_size=3, by=gz_organiser)
    assert refused.value.code == "roster_frozen"


def test_the_wizard_pages_build_a_contest_an_organiser_can_rehearse(client, tree, gz_organiser):
    _members(tree["gz1"], "成员A", "成员B")
    _members(tree["gz2"], "成员C")
    bank = factories.bank(tree["gz"])
    for _ in range(4):
        factories.question(bank, "true_false")
    client.force_login(gz_organiser)
    listing = client.get(reverse("contests:list")).content.decode()
    assert reverse("contests:setup_new") in listing and "/admin/contests/" not in listing

    response = client.post(
        reverse("contests:setup_new"), {"title": "支部竞赛", "unit": tree["gz"].pk, "base_score": 100}
    )
    contest = Contest.objects.get(title="支部竞赛")
    assert response.url == reverse("contests:setup_teams", args=[contest.join_code])
    client.post(response.url, {"kind": "branch", "parent": tree["gz"].pk, "team_size": 2})
    assert [t.name for t in contest.teams.all()] == ["第一党支部", "第二党支部"]
    teams_page = client.get(response.url).content.decode()
    assert "data-sortable" in teams_page and "Sortable.min.js" in teams_page

    rounds_url = reverse("contests:setup_rounds", args=[contest.join_code])
    assert "10, 20, 30" in client.get(rounds_url, {"type": "risk"}).content.decode()
    refused = client.post(
        rounds_url,
        {
            "type": "relay",
            "points": 10,
            "penalty": 0,
            "time_limit_s": 30,
            "source": "draw",
            "bank": bank.pk,
            "count": 9,
        },
    )
    assert "还差 5 道" in refused.content.decode() and not contest.rounds.exists()
    client.post(
        rounds_url,
        {
            "type": "relay",
            "points": 10,
            "penalty": 0,
            "time_limit_s": 30,
            "source": "draw",
            "bank": bank.pk,
            "count": 4,
        },
    )
    assert contest.rounds.get().questions.count() == 4

    review = client.get(reverse("contests:setup_review", args=[contest.join_code])).content.decode()
    assert "成员A" in review and "接力赛" in review
    rehearse = client.post(reverse("contests:setup_rehearse", args=[contest.join_code]))
    rehearsal = contest.rehearsals.get()
    assert rehearse.url == reverse("contests:host", args=[rehearsal.join_code])
    host = client.get(rehearse.url).content.decode()
    assert "rehearsal-banner" in host and reverse("contests:results", args=[rehearsal.join_code]) not in host


def test_in_turn_questions_are_dealt_again_when_teams_change_and_none_is_lost(tree, gz_organiser, contest):
    a, b, c = _members(tree["gz1"], "甲", "乙", "丙")
    one = services.team_create(contest=contest, name="一队", members=[a], captain=None, by=gz_organiser)
    two = services.team_create(contest=contest, name="二队", members=[b], captain=None, by=gz_organiser)
    bank = factories.bank(tree["gz"])
    questions = [factories.question(bank).pk for _ in range(6)]
    settings = services.RoundSettings(type="compulsory", time_limit_s=20, teams_in_turn=True)
    round_ = services.round_create(contest=contest, settings=settings, by=gz_organiser, question_ids=questions)
    assert list(round_.questions.values_list("team__name", flat=True)) == ["一队", "二队"] * 3

    three = services.team_create(contest=contest, name="三队", members=[c], captain=None, by=gz_organiser)
    assert list(round_.questions.values_list("team_id", flat=True)) == [one.pk, two.pk, three.pk] * 2

    services.team_remove(team=two, by=gz_organiser)
    assert list(round_.questions.values_list("team_id", flat=True)) == [one.pk, three.pk] * 3
    assert services.contest_problems(contest) == []


def test_a_round_dealt_in_turn_needs_teams_first(tree, gz_organiser, contest):
    question = factories.question(factories.bank(tree["gz"]))
    settings = services.RoundSettings(type="compulsory", time_limit_s=20, teams_in_turn=True)
    with pytest.raises(live.ContestRejected) as refused:
        services.round_create(contest=contest, settings=settings, by=gz_organiser, question_ids=[question.pk])
    assert refused.value.code == "no_teams_to_deal"
    assert not contest.rounds.exists()


@pytest.mark.parametrize("how", ["added", "imported"])
def test_a_deactivated_member_is_not_put_on_a_team(client, tree, gz_organiser, contest, how):
    kept = factories.member(tree["gz1"], employee_no="A1")
    gone = factories.member(tree["gz1"], employee_no="A2")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    if how == "added":
        team = services.team_create(contest=contest, name="红队", members=[kept], captain=kept, by=gz_organiser)
        client.force_login(gz_organiser)
        client.post(reverse("contests:setup_team_member_add", args=[contest.join_code, team.pk]), {"member": gone.pk})
    else:
        report = roster.roster_import(
            contest=contest, file=_roster([["红队", "A1", "", "", 1], ["红队", "A2", "", "", 2]]), by=gz_organiser
        )
        assert not report.ok
    assert not TeamMember.objects.filter(member=gone).exists()


def test_a_round_count_over_the_limit_gets_that_one_error_not_also_none_given(client, tree, gz_organiser, contest):
    # An invalid count left the field empty in cleaned_data, so "needs at least one question"
    # followed "at most 200" under the number the organiser had just typed.
    bank = factories.bank(tree["gz"])
    factories.question(bank, "true_false")
    client.force_login(gz_organiser)
    form = {"type": "relay", "points": 10, "penalty": 0, "time_limit_s": 30, "source": "draw", "bank": bank.pk}
    page = client.post(reverse("contests:setup_rounds", args=[contest.join_code]), {**form, "count": 999})
    errors = page.context["form"].errors["count"]
    assert len(errors) == 1 and "200" in errors[0]
    assert 'value="999"' in page.text and not contest.rounds.exists()


@pytest.mark.parametrize("cell", DAMAGED_CELLS.values(), ids=DAMAGED_CELLS.keys())
def test_a_roster_with_a_damaged_sheet_says_so_and_makes_no_team(tree, gz_organiser, contest, client, cell):
    factories.member(tree["gz1"], employee_no="A1")
    book = damaged(_roster([["红队", "A1", "", "", ""]]).getvalue(), cell)
    client.force_login(gz_organiser)
    response = client.post(
        reverse("contests:setup_roster", args=[contest.join_code]), {"file": SimpleUploadedFile("队.xlsx", book)}
    )
    assert response.status_code == 200
    assert "这不是 Excel .xlsx 工作簿" in response.content.decode()
    assert not contest.teams.exists()


def test_a_team_name_merged_down_its_members_rows_names_each(tree, gz_organiser, contest):
    from openpyxl import load_workbook

    factories.member(tree["gz1"], employee_no="A1")
    factories.member(tree["gz1"], employee_no="A2")
    book = load_workbook(_roster([["红队", "A1", "", "是", ""], [None, "A2", "", "", ""]]))
    book.active.merge_cells("A2:A3")
    out = BytesIO()
    book.save(out)
    out.seek(0)
    report = roster.roster_import(contest=contest, file=out, by=gz_organiser)
    assert report.ok, report.errors
    assert list(contest.teams.values_list("name", flat=True)) == ["红队"]
    assert contest.teams.get().members.count() == 2


def test_a_rounds_difficulty_choices_read_as_words_as_in_the_paper_builder():
    # The round form offered bare 1-5 where the paper builder says "3 · 中".
    from contests.wizard.forms import RoundForm

    with translation.override("zh-hans"):
        labels = [str(label) for _value, label in RoundForm.base_fields["difficulty"].choices]
    assert labels == ["不限难度", "1 · 易", "2 · 较易", "3 · 中", "4 · 较难", "5 · 难"]
