"""Units' optional English names: set on the organiser's unit page, shown on English pages (the
unit tree, member lists, the online lobby, live and speech-night frames, the API), with the name
as typed on Chinese pages and wherever none was given."""

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from calls.live import presenters as night_presenters
from calls.live import services as night_services
from contests import presenters, services
from contests.services import team_scores
from contests.wizard import services as wizard
from orgs import demo
from orgs.models import Unit
from rankings.models import RankingRule
from tests import factories
from tests.calls.night import speech_night

pytestmark = pytest.mark.django_db


def client_in(language: str, user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_an_organiser_gives_a_unit_an_english_name_on_its_page_and_english_pages_show_it(tree):
    organiser = factories.organiser(tree["audit"])
    unit = tree["gz"]
    page = client_in("en", organiser).post(
        reverse("orgs:unit_detail", args=[unit.pk]),
        {"name": "广州特派办", "name_en": " Guangzhou Resident Office ", "kind": "office", "ends_on": "", "reason": ""},
    )
    assert page.status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.name_en) == ("广州特派办", "Guangzhou Resident Office")
    assert unit.placements.count() == 1  # not a rename: the history is unchanged
    form = client_in("en", organiser).get(reverse("orgs:unit_detail", args=[unit.pk])).text
    assert 'name="name_en"' in form and 'value="Guangzhou Resident Office"' in form

    english = client_in("en", organiser).get(reverse("orgs:unit_tree")).text
    assert "Guangzhou Resident Office" in english and "广州特派办" not in english
    assert "第一党支部" in english  # no English name: as typed
    chinese = client_in("zh-hans", organiser).get(reverse("orgs:unit_tree")).text
    assert "广州特派办" in chinese and "Guangzhou Resident Office" not in chinese


def test_a_new_unit_takes_its_english_name_from_the_add_form(tree):
    organiser = factories.organiser(tree["audit"])
    client_in("zh-hans", organiser).post(
        reverse("orgs:unit_add"),
        {"parent": tree["gz"].pk, "name": "第三党支部", "name_en": "Third Party Branch", "kind": "branch"},
    )
    assert Unit.objects.get(name="第三党支部").name_en == "Third Party Branch"


def test_the_member_list_and_the_import_template_give_unit_paths_in_the_pages_language(tree):
    from orgs.importing import member_template

    organiser = factories.organiser(tree["audit"])
    factories.member(tree["gz1"], real_name="张三")
    for unit, english in ((tree["audit"], "National Audit Office"), (tree["gz"], "Guangzhou Resident Office")):
        unit.name_en = english
        unit.save(update_fields=["name_en"])
    url = reverse("orgs:member_list") + f"?unit={tree['gz'].pk}"
    english = client_in("en", organiser).get(url).text
    assert "National Audit Office/Guangzhou Resident Office/第一党支部" in english
    chinese = client_in("zh-hans", organiser).get(url).text
    # The unit picker's words to search hold both languages' names (either finds a unit); what
    # the page shows is in Chinese only.
    shown = re.sub(r' data-unit-search="[^"]*"', "", chinese)
    assert "审计署/广州特派办/第一党支部" in shown and "Guangzhou" not in shown
    # Imports find units by their paths in either language (orgs.paths), so the template lists
    # them in the page's language, as the pages show them.
    from openpyxl import load_workbook

    for language, path in (
        ("en", "National Audit Office/Guangzhou Resident Office/第一党支部"),
        ("zh-hans", "审计署/广州特派办/第一党支部"),
    ):
        with translation.override(language):
            template = member_template(for_user=organiser)
        units = [row[0] for row in load_workbook(io.BytesIO(template))["单位 Units"].iter_rows(values_only=True)]
        assert path in units, language


def test_the_demo_units_have_english_names(db):
    demo.seed(io.StringIO())
    assert Unit.objects.get(depth=1, name="审计署").name_en == "National Audit Office"
    assert all(Unit.objects.values_list("name_en", flat=True))
    Unit.objects.filter(name="审计署").update(name_en="")  # seeded before English names
    demo.seed(io.StringIO())
    assert Unit.objects.get(depth=1, name="审计署").name_en == "National Audit Office"


def test_teams_made_from_units_go_by_the_units_english_names_in_live_frames(tree):
    host = factories.organiser(tree["audit"], username="host")
    tree["gz1"].name_en = "First Party Branch"
    tree["gz1"].save(update_fields=["name_en"])
    for unit in ("gz1", "gz2"):
        factories.member(tree[unit])
    contest = wizard.contest_begin(title="知识竞赛", unit=tree["audit"], base_score=100, by=host)
    wizard.teams_from_units(contest=contest, parent=tree["gz"], kind="branch", team_size=1, by=host)
    services.team_add(contest=contest, name="第一党支部队", unit=tree["gz1"], legs=[factories.member(tree["gz1"])])
    services.team_add(contest=contest, name="红队", unit=tree["gz1"], legs=[factories.member(tree["gz1"])])
    names = {(team["name"], team["name_en"]) for team in team_scores(contest)}
    assert names == {
        ("第一党支部", "First Party Branch"),
        ("第一党支部队", "First Party Branch team"),
        ("红队", "红队"),  # a name of its own: as typed
        ("第二党支部", "第二党支部"),  # the unit has no English name
    }
    place = contest.roster.select_related("team__unit").get(team__name="第一党支部")
    you = presenters.you(place.member, place)
    assert (you["team_name"], you["team_name_en"]) == ("第一党支部", "First Party Branch")


def test_a_nights_frames_carry_the_calls_english_title_and_the_speakers_units_in_english(tree):
    night = speech_night(tree)
    night["call"].title_en = "Speech contest"
    night["call"].save(update_fields=["title_en"])
    tree["gz1"].name_en = "First Party Branch"
    tree["gz1"].save(update_fields=["name_en"])
    night_services.night_draw(night=night["night"], by=night["host"], seed="hall-A")
    night["night"].refresh_from_db()

    frame = night_presenters.build(night["night"], seq=1, event="snapshot")

    assert (frame["night"]["title"], frame["night"]["title_en"]) == (night["call"].title, "Speech contest")
    units = {(s["unit"], s["unit_en"]) for s in frame["speakers"]}
    assert units == {("第一党支部", "First Party Branch"), ("机关党支部", "机关党支部"), ("第二党支部", "第二党支部")}


def test_papers_rankings_and_units_in_the_api_carry_their_english_names(tree, client):
    member = factories.member(tree["gz1"])
    admin = factories.administrator(tree["audit"])
    tree["audit"].name_en = "National Audit Office"
    tree["audit"].save(update_fields=["name_en"])
    bank = factories.bank(tree["audit"])
    questions = [factories.question(bank, "single")]
    paper = factories.paper(tree["audit"], questions=questions, title="党章测验", title_en="Party Constitution quiz")
    rule = factories.ranking_rule(tree["audit"], subject="unit", unit_level=3, sources=[{"kind": "points"}])
    RankingRule.objects.filter(pk=rule.pk).update(title_en="Study ranking")

    client.force_login(admin)
    rules = client.get("/api/v1/rankings/").json()
    assert [(r["title_en"], r["unit"], r["unit_en"]) for r in rules] == [
        ("Study ranking", "审计署", "National Audit Office")
    ]
    units = client.get("/api/v1/units/").json()
    audit = next(u for u in units.get("results", units) if u["name"] == "审计署")
    assert audit["name_en"] == "National Audit Office"
    client.force_login(member)
    papers = client.get("/api/v1/study/papers/").json()["results"]
    assert [(p["title"], p["title_en"]) for p in papers if p["id"] == paper.pk] == [
        ("党章测验", "Party Constitution quiz")
    ]


def test_a_contests_results_page_names_teams_after_their_units_english_names_in_english(tree):
    host = factories.organiser(tree["audit"])
    tree["gz1"].name_en = "First Party Branch"
    tree["gz1"].save(update_fields=["name_en"])
    member = factories.member(tree["gz1"])
    contest = factories.scored_contest(
        tree["audit"],
        [
            {"name": "第一党支部队", "unit": tree["gz1"], "members": [{"member": member, "unit": tree["gz1"]}]},
            {"name": "红队", "unit": tree["gz2"], "adjustments": [5]},
        ],
    )
    url = f"/contests/{contest.join_code}/results/"
    english = client_in("en", host).get(url).text
    # The name opens its cell; on a phone the score's parts follow it there (base + answers + adjustments).
    assert "<td>First Party Branch team" in english and "<td>红队" in english
    assert "第一党支部队" not in english
    chinese = client_in("zh-hans", host).get(url).text
    assert "<td>第一党支部队" in chinese and "First Party Branch" not in chinese


def test_calls_and_contests_in_the_api_carry_their_units_english_name(tree):
    """Beside `unit` as typed, `unit_en`: the unit's English name, or "" when it has none (then a
    client shows `unit`), as the rankings' `unit_en` does."""
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.test import APIClient

    from calls.models import Call
    from contests import services as contest_services

    tree["audit"].name_en = "National Audit Office"
    tree["audit"].save(update_fields=["name_en"])
    member = factories.member(tree["gz1"])
    now = timezone.now()
    for unit, title in ((tree["audit"], "署征文"), (tree["gz"], "办征文")):
        Call.objects.create(
            title=title,
            unit=unit,
            kind=Call.Kind.ESSAY,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=1),
        )
    client = APIClient()
    client.force_authenticate(member)
    calls = client.get("/api/v1/calls/").json()["results"]
    assert sorted((c["title"], c["unit"], c["unit_en"]) for c in calls) == [
        ("办征文", "广州特派办", ""),
        ("署征文", "审计署", "National Audit Office"),
    ]

    host = factories.organiser(tree["audit"], username="host")
    contest = contest_services.contest_create(title="知识竞赛", unit=tree["audit"], by=host)
    contest_services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=[member])
    client.force_authenticate(member)
    (mine,) = client.get("/api/v1/contests/").json()["results"]
    assert (mine["unit"], mine["unit_en"]) == ("审计署", "National Audit Office")
    joined = client.post("/api/v1/contests/join/", {"code": contest.join_code}).json()
    assert (joined["unit"], joined["unit_en"]) == ("审计署", "National Audit Office")
    client.force_authenticate(host)
    results = client.get(f"/api/v1/contests/{contest.join_code}/results/").json()["contest"]
    assert (results["unit"], results["unit_en"]) == ("审计署", "National Audit Office")
