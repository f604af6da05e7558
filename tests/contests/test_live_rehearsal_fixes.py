"""Fixes from a rehearsed live relay contest: a copy's titles, the foul the big screen shows,
answers' words in the page's language, a rehearsal's results page."""

import pytest

from contests import services
from contests.models import Contest, Round
from contests.wizard import services as wizard
from tests.factories import client_in


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_copy_starts_with_each_title_marked_in_its_own_language_whatever_the_page_language(hall, language):
    contest = hall.contest
    Contest.objects.filter(pk=contest.pk).update(title="党史知识竞赛", title_en="Party history quiz")
    client = client_in(language, hall.host)
    form = client.get(f"/contests/{contest.join_code}/duplicate/").context["form"]
    assert form["title"].value() == "党史知识竞赛（副本）"
    assert form["title_en"].value() == "Party history quiz (copy)"
    posted = {"title": "党史知识竞赛（副本）", "title_en": "Party history quiz (copy)", "with_teams": "on"}
    assert client.post(f"/contests/{contest.join_code}/duplicate/", posted).status_code == 302
    copy = Contest.objects.exclude(pk=contest.pk).get()
    assert (copy.title, copy.title_en) == ("党史知识竞赛（副本）", "Party history quiz (copy)")


def test_a_copy_of_a_contest_without_an_english_title_starts_without_one(hall):
    form = client_in("en", hall.host).get(f"/contests/{hall.contest.join_code}/duplicate/").context["form"]
    assert (form["title"].value(), form["title_en"].value()) == ("知识竞赛（副本）", "")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_rehearsal_s_results_page_says_it_keeps_none_and_links_back_to_the_contest(hall, language):
    services.round_add(contest=hall.contest, type=Round.Type.COMPULSORY, versions=hall.versions[:1])
    rehearsal = wizard.contest_rehearse(contest=hall.contest, by=hall.host)
    page = client_in(language, hall.host).get(f"/contests/{rehearsal.join_code}/results/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "full results" not in text
    assert ("This is a rehearsal: it keeps no results." if language == "en" else "这是彩排") in text
    assert f'href="/contests/{hall.contest.join_code}/setup/review/"' in text
