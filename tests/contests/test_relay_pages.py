"""Relay pages end to end through the Django test client: a member's home and leg, the
captain's skip, the organiser's builder, teams, relay map and export."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from contests.relay.models import RelayContest, RelayLeg, RelayTeam
from lessons.models import Attempt
from tests import factories
from tests.contests import test_relay
from tests.contests.test_online import key_of
from tests.contests.test_relay import make_relay, make_team, setup  # noqa: F401  (the fixture)
from tests.spreadsheets import FORMULA, assert_written_as_text

pytestmark = pytest.mark.django_db


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_holder_starts_a_leg_on_the_attempt_page_and_submitting_passes_the_baton(setup):  # noqa: F811
    relay = make_relay(setup)
    team = make_team(setup, relay)
    first, second, _third = setup["runners"]
    page = signed_in(first).get(f"/contests/relays/{relay.pk}/").content.decode()
    assert 'id="start-leg"' in page and "第一党支部" in page
    # The second runner sees the team but no start button; a forged start is refused.
    other = signed_in(second)
    assert 'id="start-leg"' not in other.get(f"/contests/relays/{relay.pk}/").content.decode()
    refused = other.post(f"/contests/relays/{relay.pk}/teams/{team.pk}/start/", follow=True)
    assert "接力棒在" in refused.content.decode() and not Attempt.objects.exists()
    client = signed_in(first)
    started = client.post(f"/contests/relays/{relay.pk}/teams/{team.pk}/start/")
    attempt = Attempt.objects.get(member=first)
    assert started.url == f"/contests/online/attempts/{attempt.pk}/"
    assert client.get(started.url).status_code == 200
    item = attempt.items.get(position=1)
    client.put(
        f"/contests/online/attempts/{attempt.pk}/items/1/",
        f'{{"response": "{key_of(item)}"}}',
        content_type="application/json",
    )
    client.post(f"/contests/online/attempts/{attempt.pk}/submit/")
    team.refresh_from_db()
    assert team.baton.holder == second
    # The result page links back to the contest home, which is the relay's.
    assert client.get(f"/contests/online/{relay.online.pk}/").url == f"/contests/relays/{relay.pk}/"
    assert 'id="start-leg"' in other.get(f"/contests/relays/{relay.pk}/").content.decode()


def test_relays_do_not_show_among_individual_contests(setup):  # noqa: F811
    relay = make_relay(setup)
    member = setup["runners"][0]
    assert relay.online.paper.title not in signed_in(member).get("/contests/online/").content.decode()
    assert relay.online.paper.title in signed_in(member).get("/contests/relays/").content.decode()


def test_captain_skips_the_holder_from_the_home_page_with_a_reason(setup):  # noqa: F811
    relay = make_relay(setup)
    team = make_team(setup, relay, captain=setup["runners"][2])
    leg = team.baton
    captain = signed_in(setup["runners"][2])
    assert "skip-reason" in captain.get(f"/contests/relays/{relay.pk}/").content.decode()
    captain.post(f"/contests/relays/{relay.pk}/legs/{leg.pk}/skip/", {"reason": "休假"})
    assert RelayLeg.objects.get(pk=leg.pk).skip_reason == "休假"
    # A runner who is not captain cannot.
    response = signed_in(setup["runners"][1]).post(f"/contests/relays/{relay.pk}/legs/{leg.pk}/skip/", {"reason": "x"})
    assert response.status_code == 403
    assert "只有队长或组织者可以调度本队。" in response.content.decode()  # in the member's language


def test_a_member_starting_another_teams_leg_is_told_why_in_their_language(setup):  # noqa: F811
    relay = make_relay(setup)
    team = make_team(setup, relay)
    stranger = factories.member(setup["branch"])  # in the relay's audience, on no team
    response = signed_in(stranger).post(f"/contests/relays/{relay.pk}/teams/{team.pk}/start/")
    assert response.status_code == 403
    assert "您不在本队：只有本队队员才能开始本队的接力。" in response.content.decode()
    assert not Attempt.objects.exists()


def test_another_organs_organiser_skipping_or_replacing_finds_no_relay_as_the_api_does(setup):  # noqa: F811
    # A 403 told them the relay and the leg exist; an id outside their view answers as a missing one.
    relay = make_relay(setup)
    leg = make_team(setup, relay, captain=setup["runners"][2]).baton
    outsider = factories.organiser(factories.unit_at("财政部/国库司"))
    page = signed_in(outsider)
    for action, form in (("skip", {"reason": "x"}), ("replace", {"reason": "x", "username": outsider.username})):
        assert page.post(f"/contests/relays/{relay.pk}/legs/{leg.pk}/{action}/", form).status_code == 404
        api = f"/api/v1/online/relays/{relay.pk}/legs/{leg.pk}/{action}/"
        assert page.post(api, form, content_type="application/json").status_code == 404
    leg = RelayLeg.objects.get(pk=leg.pk)
    assert (leg.status, leg.skip_reason, leg.holder) == (RelayLeg.Status.WAITING, "", setup["runners"][0])


def test_a_reason_too_long_or_with_a_nul_byte_is_refused_in_words_not_a_server_error(setup):  # noqa: F811
    """The page took the reason and username straight from the POST: a reason past the 200
    characters a leg keeps, or a NUL byte in either (PostgreSQL refuses it in text and JSON),
    answered 500. The API's serializers already refused them."""
    relay = make_relay(setup)
    team = make_team(setup, relay, captain=setup["runners"][2])
    leg = team.baton
    captain = signed_in(setup["runners"][2])
    skip = f"/contests/relays/{relay.pk}/legs/{leg.pk}/skip/"
    replace = f"/contests/relays/{relay.pk}/legs/{leg.pk}/replace/"
    for url, body, said in (
        (skip, {"reason": "休" * 201}, "最多 200 个字"),
        (skip, {"reason": "休\x00假"}, "不允许是用空字符串"),
        (replace, {"reason": "休\x00假", "username": setup["runners"][1].username}, "不允许是用空字符串"),
        (replace, {"reason": "休假", "username": "a\x00b"}, "不允许是用空字符串"),
    ):
        page = captain.post(url, body, follow=True)
        assert page.status_code == 200 and said in page.content.decode(), (url, body)
    leg.refresh_from_db()
    assert (leg.status, leg.skip_reason, leg.holder) == (RelayLeg.Status.WAITING, "", setup["runners"][0])


def relay_form(setup, *, per_leg: int) -> dict:  # noqa: F811  (the fixture's value)
    """What the relay builder's page posts for a 10-minute relay of `per_leg` singles a leg."""
    return {
        "title": "处室接力赛",
        "unit": setup["organ"].pk,
        "opens_at": (test_relay.NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (test_relay.NOW + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "audience": [setup["organ"].pk],
        "time_limit_min": 10,
        "shuffle": "on",
        "results_shown": "after_close",
        "start_within_h": 24,
        "late_start": "flag",
        "rules-TOTAL_FORMS": 1,
        "rules-INITIAL_FORMS": 0,
        "rules-0-bank": setup["bank"].pk,
        "rules-0-type": "single",
        "rules-0-count": per_leg,
    }


def test_organiser_builds_a_relay_makes_teams_and_follows_the_map(setup):  # noqa: F811
    organiser = signed_in(setup["by"])
    builder = organiser.get("/contests/relays/manage/new/")
    # Only what a relay keeps is asked: no attempts, grading or per-question clock (a relay's
    # paper has none, and a field it ignored would let an organiser set it for nothing).
    assert builder.status_code == 200
    assert set(builder.context["form"].fields).isdisjoint({"max_attempts", "grading", "question_time_s"})
    form = relay_form(setup, per_leg=5)
    refused = organiser.post("/contests/relays/manage/new/", form)
    # 5 singles per leg from a bank of 4: refused, the shortfall named.
    assert refused.status_code == 200 and "缺 1 道" in refused.content.decode()
    assert not RelayContest.objects.exists()
    form["rules-0-count"] = 2
    created = organiser.post("/contests/relays/manage/new/", form)
    relay = RelayContest.objects.get()
    assert created.url == f"/contests/relays/manage/{relay.pk}/"
    assert relay.online.paper.time_limit_s == 600
    # The edit page shows what was saved: the paper's settings, the draw and the relay's own.
    edit = organiser.get(f"/contests/relays/manage/{relay.pk}/edit/").context
    assert (edit["form"].initial["title"], edit["form"].initial["time_limit_min"]) == ("处室接力赛", 10)
    assert (edit["form"].initial["start_within_h"], edit["form"].initial["late_start"]) == (24, "flag")
    assert [rule.initial["count"] for rule in edit["rules"] if rule.initial] == [2]
    made = organiser.post(f"/contests/relays/manage/{relay.pk}/teams/", {"parent": setup["organ"].pk})
    assert made.status_code == 302
    team = RelayTeam.objects.get(relay=relay)
    assert list(team.runners.values_list("member__username", flat=True)) == ["runner1", "runner2", "runner3"]
    page = organiser.get(f"/contests/relays/manage/{relay.pk}/").content.decode()
    assert 'id="relay-map"' in page and "第一党支部" in page
    # Again before any leg: the page asks before it replaces the team, then replaces it.
    asked = organiser.post(f"/contests/relays/manage/{relay.pk}/teams/", {"parent": setup["organ"].pk})
    assert asked.status_code == 200 and RelayTeam.objects.get(relay=relay).pk == team.pk
    organiser.post(
        f"/contests/relays/manage/{relay.pk}/teams/", {"parent": setup["organ"].pk, "replace": team.pk, "confirm": "1"}
    )
    assert RelayTeam.objects.filter(relay=relay).exclude(pk=team.pk).count() == 1


def test_legs_export_lists_every_leg_with_its_result(setup):  # noqa: F811
    relay = make_relay(setup)
    team = make_team(setup, relay)
    from contests.relay import services

    services.relay_leg_skip(leg=team.baton, by=setup["by"], reason="出差", at=test_relay.NOW)
    response = signed_in(setup["by"]).get(f"/contests/relays/manage/{relay.pk}/legs.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][0:3] == ("第一党支部", 1, setup["runners"][0].display_name)
    assert rows[1][12] == "出差" and rows[2][1] == 2 and len(rows) == 3
    # 13 columns, team to reason skipped: no draw seed, which means nothing to organisers.
    assert len(rows[0]) == 13
    assert signed_in(setup["runners"][0]).get(f"/contests/relays/manage/{relay.pk}/legs.xlsx").status_code == 403


def test_legs_export_writes_formula_like_team_names_and_reasons_as_text(setup):  # noqa: F811
    relay = make_relay(setup)
    team = make_team(setup, relay)
    RelayTeam.objects.filter(pk=team.pk).update(name="=1+1")
    from contests.relay import services

    services.relay_leg_skip(leg=team.baton, by=setup["by"], reason=FORMULA, at=test_relay.NOW)
    response = signed_in(setup["by"]).get(f"/contests/relays/manage/{relay.pk}/legs.xlsx")
    assert_written_as_text(response.content, "=1+1", FORMULA)


def test_a_member_outside_the_audience_cannot_open_the_relay(setup):  # noqa: F811
    relay = make_relay(setup, audience=[setup["branch"]])
    outsider = factories.member(setup["second"])
    assert signed_in(outsider).get(f"/contests/relays/{relay.pk}/").status_code == 403


def test_organiser_imports_a_roster_and_a_bad_row_imports_nothing(setup):  # noqa: F811
    relay = make_relay(setup)
    organiser = signed_in(setup["by"])
    bad = factories.workbook([["队名", "用户名", "队长"], ["甲队", "runner1", ""], ["甲队", "nobody", ""]])
    bad.name = "roster.xlsx"
    response = organiser.post(f"/contests/relays/manage/{relay.pk}/teams/", {"file": bad})
    # The unknown username is on the sheet's third row (under the header and 甲队's first runner).
    assert [(e.row, e.column) for e in response.context["row_errors"]] == [(3, "用户名")]
    assert "nobody" in response.content.decode() and not RelayTeam.objects.exists()
    good = factories.workbook(
        [["队名", "用户名", "队长"], ["甲队", "runner3", ""], ["甲队", "runner1", "是"], ["乙队", "runner2", ""]]
    )
    good.name = "roster.xlsx"
    organiser.post(f"/contests/relays/manage/{relay.pk}/teams/", {"file": good})
    first = RelayTeam.objects.get(name="甲队")
    assert list(first.runners.values_list("member__username", flat=True)) == ["runner3", "runner1"]
    assert (first.captain.username, first.baton.holder.username) == ("runner1", "runner3")
    assert RelayTeam.objects.get(name="乙队").captain.username == "runner2"


def test_the_teams_page_offers_a_roster_template_that_imports_once_filled_in(setup):  # noqa: F811
    # The import named its columns but offered no workbook to fill in, unlike the live contest's.
    relay = make_relay(setup)
    organiser = signed_in(setup["by"])
    url = reverse("contests:relay_roster_template", args=[relay.pk])
    assert url in organiser.get(f"/contests/relays/manage/{relay.pk}/teams/").text
    sheet = load_workbook(io.BytesIO(organiser.get(url).content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["队名", "工号", "姓名", "队长"]
    rows[1:] = [["甲队", "runner1", None, "是"], ["甲队", "runner2", None, None]]
    filled = factories.workbook(rows)
    filled.name = "roster.xlsx"
    organiser.post(f"/contests/relays/manage/{relay.pk}/teams/", {"file": filled})
    team = RelayTeam.objects.get(name="甲队")
    assert list(team.runners.values_list("member__username", flat=True)) == ["runner1", "runner2"]
    assert team.captain.username == "runner1"


def test_the_legs_draw_is_listed_with_chinese_punctuation(setup):  # noqa: F811
    relay = make_relay(setup)  # two single-choice questions a leg
    make_team(setup, relay)
    page = signed_in(setup["runners"][0]).get(f"/contests/relays/{relay.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert f"2 × 单选题（出自“{setup['bank'].name}”）。" in " ".join(page.content.decode().split())


def test_editing_a_relay_posts_what_the_page_sends_and_keeps_its_unit(setup):  # noqa: F811
    """A browser sends no disabled field: the unit (locked once created) is not in the post."""
    organiser = signed_in(setup["by"])
    form = relay_form(setup, per_leg=2)
    assert organiser.post("/contests/relays/manage/new/", form).status_code == 302
    relay = RelayContest.objects.get()
    edit = organiser.get(f"/contests/relays/manage/{relay.pk}/edit/")
    assert [name for name, field in edit.context["form"].fields.items() if field.disabled] == ["unit"]
    del form["unit"]
    saved = organiser.post(
        f"/contests/relays/manage/{relay.pk}/edit/", form | {"title": "处室接力赛（改）", "start_within_h": 48}
    )
    assert saved.status_code == 302, saved.context["form"].errors
    relay.refresh_from_db()
    assert (relay.online.paper.title, relay.start_within_h, relay.online.paper.unit) == (
        "处室接力赛（改）",
        48,
        setup["organ"],
    )


def test_a_relays_rules_are_typed_in_both_languages_and_each_reader_gets_their_own(setup):  # noqa: F811
    organiser = signed_in(setup["by"])
    form = {
        "title": "处室接力赛",
        "unit": setup["organ"].pk,
        "description": "每棒两题。",
        "description_en": "Two questions a leg.",
        "opens_at": (test_relay.NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (test_relay.NOW + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "audience": [setup["organ"].pk],
        "time_limit_min": 10,
        "shuffle": "on",
        "results_shown": "after_close",
        "start_within_h": 24,
        "late_start": "flag",
        "rules-TOTAL_FORMS": 1,
        "rules-INITIAL_FORMS": 0,
        "rules-0-bank": setup["bank"].pk,
        "rules-0-type": "single",
        "rules-0-count": 2,
    }
    assert organiser.post("/contests/relays/manage/new/", form).status_code == 302
    relay = RelayContest.objects.get()
    paper = relay.online.paper
    assert (paper.description, paper.description_en) == ("每棒两题。", "Two questions a leg.")
    runner = signed_in(setup["runners"][0])
    english = runner.get(f"/contests/relays/{relay.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Two questions a leg." in english and "每棒两题。" not in english
    chinese = runner.get(f"/contests/relays/{relay.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "每棒两题。" in chinese and "Two questions a leg." not in chinese
