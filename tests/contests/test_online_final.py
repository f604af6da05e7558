"""Qualifying an online contest's best members into a live final: ranking, ties at the cut,
per-group quotas, deactivated members left out, and the live contest's teams."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from contests.models import AuditEntry, Contest, TeamMember
from contests.online import qualification
from contests.online.qualification import TIES_ALL, TIES_BREAK, Candidate
from notifications.models import Notification
from tests import factories
from tests.contests import test_online
from tests.contests.test_online import key_of, make_contest

pytestmark = pytest.mark.django_db


def candidate(label: str, score: int, right: int, questions: int, time_s: int, group=None) -> Candidate:
    return Candidate(
        key=label,
        label=label,
        group=group,
        members=(),
        score=Decimal(score),
        right=right,
        questions=questions,
        time_s=time_s,
    )


# ---------------------------------------------------------------- the cut, by hand


def test_a_tie_on_score_at_the_cut_is_broken_by_accuracy_then_time():
    # W 12 points leads; X, Y, Z all have 10. Y and Z answered 9 of 10 right, X 8 of 10, so
    # X is last; Z used 350 s against Y's 400 s, so Z takes the second place.
    pool = [
        candidate("X", 10, 8, 10, 300),
        candidate("Y", 10, 9, 10, 400),
        candidate("Z", 10, 9, 10, 350),
        candidate("W", 12, 7, 10, 500),
    ]
    with translation.override("en"):
        result = qualification.qualify(pool, top_n=2, per_group=False, ties=TIES_BREAK)
    rows = result.groups[0].rows
    assert [(r.candidate.label, r.rank, r.qualifies) for r in rows] == [
        ("W", 1, True),
        ("Z", 2, True),
        ("Y", 3, False),
        ("X", 4, False),
    ]
    assert "accuracy, then time used decided" in result.groups[0].note


def test_when_all_tied_qualify_everyone_on_the_cut_score_goes_through_and_the_page_says_how_many_more():
    pool = [
        candidate("X", 10, 8, 10, 300),
        candidate("Y", 10, 9, 10, 400),
        candidate("Z", 10, 9, 10, 350),
        candidate("W", 12, 7, 10, 500),
    ]
    with translation.override("en"):
        result = qualification.qualify(pool, top_n=2, per_group=False, ties=TIES_ALL)
    group = result.groups[0]
    # W is 1st; X, Y and Z share the 2nd place on score, so all three qualify: 4 for 2 places.
    assert [(r.candidate.label, r.rank) for r in group.qualified] == [("W", 1), ("Z", 2), ("Y", 2), ("X", 2)]
    assert [r.tied_at_cut for r in group.rows] == [False, True, True, True]
    assert group.note == "3 tied on score at place 2: all of them qualify (2 more than 2)."


def test_a_tie_on_score_accuracy_and_time_lets_both_through_even_when_ties_are_broken():
    pool = [candidate("P", 10, 9, 10, 300), candidate("Q", 10, 9, 10, 300), candidate("R", 20, 10, 10, 100)]
    with translation.override("en"):
        result = qualification.qualify(pool, top_n=2, per_group=False, ties=TIES_BREAK)
    assert [(r.candidate.label, r.rank) for r in result.groups[0].qualified] == [("R", 1), ("P", 2), ("Q", 2)]
    assert "tied on score, accuracy and time at place 2" in result.groups[0].note


def test_nobody_below_one_qualifies():
    with pytest.raises(qualification.ContestRejected):
        qualification.qualify([], top_n=0, per_group=False, ties=TIES_BREAK)


# ---------------------------------------------------------------- from real attempts


@pytest.fixture
def field():
    """Two ministry systems (Guangzhou and Nanjing offices) under the organ, one branch each."""
    organ = factories.unit_at("审计署")
    guangzhou = factories.unit_at("审计署/广州特派办/第一党支部")
    nanjing = factories.unit_at("审计署/南京特派办/第一党支部")
    bank = factories.bank(organ)
    for _ in range(4):
        factories.question(bank, "single")
    for _ in range(3):
        factories.question(bank, "true_false")
    setup = {"organ": organ, "branch": guangzhou, "bank": bank, "by": factories.organiser(organ)}
    offices = [factories.unit_at("审计署/广州特派办"), factories.unit_at("审计署/南京特派办")]
    contest = make_contest(setup, audience=offices, max_attempts=1)
    return {**setup, "contest": contest, "gz": guangzhou, "nj": nanjing}


def wrong_of(item) -> object:
    right = key_of(item)
    if item.version.type == "true_false":
        return "错" if right == "对" else "对"
    return next(letter for letter in "ABCD" if letter != right)


def finish(contest, member, *, right: int, seconds: int):
    """A finished attempt with the first `right` of its 3 questions (1 point each) answered
    right and the rest wrong, submitted `seconds` after it started."""
    from contests.online import services

    online = services.online_attempt_start(contest=contest, member=member, device="d", at=test_online.NOW)
    for item in online.attempt.items.order_by("position"):
        response = key_of(item) if item.position <= right else wrong_of(item)
        services.online_answer_save(
            online=online, device="d", position=item.position, response=response, at=test_online.NOW
        )
    services.online_attempt_submit(online=online, device="d", at=test_online.NOW + timedelta(seconds=seconds))
    return member


def people(field):
    gz, nj, contest = field["gz"], field["nj"], field["contest"]
    return {
        "a": finish(contest, factories.member(gz, real_name="甲"), right=3, seconds=100),
        "b": finish(contest, factories.member(gz, real_name="乙"), right=2, seconds=50),
        "c": finish(contest, factories.member(gz, real_name="丙"), right=2, seconds=80),
        "d": finish(contest, factories.member(gz, real_name="丁"), right=3, seconds=10),
        "e": finish(contest, factories.member(nj, real_name="戊"), right=1, seconds=60),
        "f": finish(contest, factories.member(nj, real_name="己"), right=3, seconds=200),
    }


def test_per_group_quotas_rank_each_system_apart_and_leave_out_deactivated_members(field):
    who = people(field)
    who["d"].is_active = False  # left the organ after finishing
    who["d"].save(update_fields=["is_active"])
    candidates = qualification.member_candidates(field["contest"], parent=field["organ"])
    result = qualification.qualify(candidates, top_n=2, per_group=True, ties=TIES_BREAK)
    # Guangzhou: 丁 (3 right, 10 s) is deactivated and left out; 甲 has 3, 乙 and 丙 2 each, and
    # 乙 was quicker (50 s against 80 s). Nanjing: 己 (3) and 戊 (1), both in with a quota of 2.
    assert [(g.group.name, [(r.candidate.label, r.rank, r.qualifies) for r in g.rows]) for g in result.groups] == [
        ("广州特派办", [("甲", 1, True), ("乙", 2, True), ("丙", 3, False)]),
        ("南京特派办", [("己", 1, True), ("戊", 2, True)]),
    ]
    assert result.groups[0].rows[1].candidate.right == 2 and result.groups[0].rows[1].candidate.time_s == 50

    all_tied = qualification.qualify(candidates, top_n=2, per_group=True, ties=TIES_ALL)
    # Only on score, 乙 and 丙 share the second place in Guangzhou: both go through.
    assert [r.candidate.label for r in all_tied.groups[0].qualified] == ["甲", "乙", "丙"]


def test_overall_top_three_and_the_live_final_gets_one_team_per_system(field):
    who = people(field)
    candidates = qualification.member_candidates(field["contest"], parent=field["organ"])
    result = qualification.qualify(candidates, top_n=3, per_group=False, ties=TIES_BREAK)
    # 丁 3 right in 10 s, 甲 3 in 100 s, 己 3 in 200 s: the top three, all with full marks.
    assert [r.candidate.label for r in result.groups[0].qualified] == ["丁", "甲", "己"]
    final = qualification.final_create(
        contest=field["contest"], result=result, parent=field["organ"], team_size=1, title="决赛", by=field["by"]
    )
    teams = [
        (
            team.name,
            team.unit.name,
            [
                (p.member.real_name, p.leg, p.is_captain)
                for p in sorted(team.members.all(), key=lambda p: (p.leg is None, p.leg or 0))
            ],
        )
        for team in final.teams.order_by("position")
    ]
    # Guangzhou's two qualified members form its team (丁 ranked first: captain and the one
    # answering with a team size of 1; 甲 the substitute); Nanjing's one forms its own.
    assert teams == [
        ("广州特派办", "广州特派办", [("丁", 1, True), ("甲", None, False)]),
        ("南京特派办", "南京特派办", [("己", 1, True)]),
    ]
    assert final.status == Contest.Status.DRAFT and final.unit == field["organ"]
    assert AuditEntry.objects.filter(contest=final, action="qualified_from_online").count() == 1
    entry = field["contest"].audit.get(action="final_created")
    assert (entry.actor, entry.detail["final"], entry.detail["teams"], entry.detail["members"]) == (
        field["by"],
        final.join_code,
        2,
        3,
    )
    invited = set(Notification.objects.filter(kind="contest_invitation").values_list("recipient__real_name", flat=True))
    assert invited == {"丁", "甲", "己"}
    assert TeamMember.objects.filter(contest=final, member=who["b"]).count() == 0


def test_the_page_previews_then_creates_the_final_and_opens_its_teams(field):
    people(field)
    client = Client()
    client.force_login(field["by"])
    url = f"/contests/online/manage/{field['contest'].pk}/qualify/"
    form = {
        "top_n": "1",
        "per_group": "1",
        "parent": str(field["organ"].pk),
        "ties": TIES_BREAK,
        "team_size": "3",
        "title": "党史知识决赛",
    }
    preview = client.get(url, form)
    assert preview.status_code == 200 and "create-final" in preview.text
    assert not Contest.objects.filter(title="党史知识决赛").exists()  # nothing until confirmed
    # Per system, top 1: 丁 in Guangzhou (3 right in 10 s), 己 in Nanjing.
    assert [p.legs[0].real_name for p in preview.context["plans"]] == ["丁", "己"]
    created = client.post(url, form)
    final = Contest.objects.get(title="党史知识决赛")
    assert created.url == f"/contests/{final.join_code}/setup/teams/"
    assert list(final.teams.values_list("name", flat=True)) == ["广州特派办", "南京特派办"]
    dashboard = client.get(f"/contests/online/manage/{field['contest'].pk}/")
    assert "党史知识决赛" in dashboard.text


def test_only_the_contests_organisers_may_qualify(field):
    outsider = factories.organiser(factories.unit_at("海关总署"))
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/contests/online/manage/{field['contest'].pk}/qualify/").status_code == 404  # not there


@pytest.mark.parametrize(("language", "shown"), [("zh-hans", "4.8 秒"), ("en", "4.8 s")])
def test_members_level_on_score_are_placed_by_their_time_to_the_millisecond(field, language, shown):
    """Times were cut to whole seconds, so 5.017 s and 5.612 s (0.6 s apart) were a full tie."""
    gz, contest = field["gz"], field["contest"]
    finish(contest, factories.member(gz, real_name="甲"), right=2, seconds=5.612)
    finish(contest, factories.member(gz, real_name="乙"), right=2, seconds=4.817)
    finish(contest, factories.member(gz, real_name="丙"), right=2, seconds=5.017)
    candidates = qualification.member_candidates(contest, parent=field["organ"])
    result = qualification.qualify(candidates, top_n=1, per_group=False, ties=TIES_BREAK)
    # Equal score (2 points) and accuracy (2 of 3): by time, 乙 4.817 s, 丙 5.017 s, 甲 5.612 s.
    # Cut to whole seconds they were 4, 5, 5: 丙 and 甲 shared the second place.
    assert [(r.candidate.label, r.rank, r.candidate.time_s) for r in result.groups[0].rows] == [
        ("乙", 1, 4.817),
        ("丙", 2, 5.017),
        ("甲", 3, 5.612),
    ]
    client = factories.client_in(language, field["by"])
    form = {"top_n": "1", "per_group": "0", "parent": str(field["organ"].pk), "ties": TIES_BREAK}
    form |= {"team_size": "3", "title": "决赛"}
    preview = client.get(f"/contests/online/manage/{contest.pk}/qualify/", form).text
    assert shown in preview  # 乙's 4.817 s, shown to a tenth as the relay shows times


@pytest.mark.parametrize(("language", "button"), [("zh-hans", "按名次"), ("en", "By place")])
def test_the_dashboard_gives_each_counting_attempt_its_place_and_sorts_by_it(field, language, button):
    """The attempts were listed newest first with no places: only the qualification preview had them."""
    from contests.online import services

    gz, contest = field["gz"], field["contest"]
    finish(contest, factories.member(gz, real_name="甲"), right=2, seconds=5.612)
    finish(contest, factories.member(gz, real_name="乙"), right=2, seconds=4.817)
    finish(contest, factories.member(gz, real_name="丙"), right=3, seconds=9)
    services.online_attempt_start(
        contest=contest, member=factories.member(gz, real_name="丁"), device="d", at=test_online.NOW
    )
    client = factories.client_in(language, field["by"])
    url = f"/contests/online/manage/{contest.pk}/"
    page = client.get(url).text
    assert button in page and 'id="order-newest"' in page

    def rows(text):
        body = text.split('id="attempts"', 1)[1].split("</table>", 1)[0]
        found = re.findall(r'data-place="(\d*)">.*?</td>\s*<td>([^<\s]+)', body, re.S)
        return [(name, int(place) if place else None) for place, name in found]

    # 丙 3 points first; 乙 and 甲 2 points each, 乙 quicker (4.817 s against 5.612 s); 丁 has not finished.
    assert sorted(rows(page), key=lambda row: row[0]) == sorted([("丙", 1), ("乙", 2), ("甲", 3), ("丁", None)])
    by_place = client.get(url, {"order": "place"}).text
    assert rows(by_place) == [("丙", 1), ("乙", 2), ("甲", 3), ("丁", None)]
    assert "4.8</td>" in by_place and "5.6</td>" in by_place  # times to a tenth, as the relay shows them
    assert client.get(url, {"order": "nonsense"}).status_code == 200  # an order it does not know: newest first
