"""A round's optional English title: typed in the round editor, shown on English pages, in English
exports, and sent in both languages on the socket so each phone and big screen picks its own."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from contests import presenters, services
from contests.models import Round
from contests.wizard import services as wizard
from tests import factories
from tests.factories import client_in


@pytest.fixture
def contest(tree, gz_organiser):
    return wizard.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)


def round_form(bank, **fields) -> dict:
    return {
        "type": "relay",
        "points": 10,
        "penalty": 0,
        "time_limit_s": 30,
        "source": "draw",
        "bank": bank.pk,
        "count": 1,
        **fields,
    }


def test_an_organiser_gives_a_round_an_english_title_and_each_language_reads_its_own(tree, gz_organiser, contest):
    bank = factories.bank(tree["gz"])
    for _ in range(2):
        factories.question(bank, "true_false")
    zh, en = client_in("zh-hans", gz_organiser), client_in("en", gz_organiser)
    rounds_url = reverse("contests:setup_rounds", args=[contest.join_code])
    assert 'name="title_en"' in zh.get(rounds_url).text

    zh.post(rounds_url, round_form(bank, title="接力赛", title_en="Relay race"))
    en.post(rounds_url, round_form(bank, title="必答题", title_en=""))

    first, second = contest.rounds.order_by("position")
    assert (first.title, first.title_en, second.title, second.title_en) == ("接力赛", "Relay race", "必答题", "")
    review = reverse("contests:setup_review", args=[contest.join_code])
    for url in (rounds_url, review):
        english, chinese = en.get(url).text, zh.get(url).text
        assert "Relay race" in english and "接力赛" not in english
        assert "必答题" in english  # no English title: the title as typed
        assert "接力赛" in chinese and "Relay race" not in chinese


def test_an_over_long_english_round_title_is_refused_beside_its_field_and_adds_no_round(tree, gz_organiser, contest):
    bank = factories.bank(tree["gz"])
    factories.question(bank, "true_false")
    rounds_url = reverse("contests:setup_rounds", args=[contest.join_code])

    page = client_in("en", gz_organiser).post(rounds_url, round_form(bank, title="接力赛", title_en="R" * 61))

    assert page.status_code == 200
    errors = page.context["form"].errors["title_en"]
    assert len(errors) == 1 and "60" in errors[0]
    assert not contest.rounds.exists()
    # The service refuses it too, for any caller that is not the form.
    with pytest.raises(services.ContestRejected) as refused:
        wizard.round_create(
            contest=contest,
            settings=wizard.RoundSettings(type="relay", title_en="R" * 61),
            by=gz_organiser,
            question_ids=[bank.questions.get().pk],
        )
    assert refused.value.code == "title_too_long"
    assert not contest.rounds.exists()


@pytest.fixture
def played(tree):
    """A started contest on its first question: a titled round with an English title, then an
    untitled one."""
    host = factories.organiser(tree["audit"], username="host")
    red = factories.member(tree["gz1"], username="red")
    contest = services.contest_create(title="知识竞赛", title_en="Quiz", unit=tree["audit"], by=host)
    services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=[red])
    bank = factories.bank(tree["audit"])
    versions = [factories.question(bank, "true_false", key=[True]).current for _ in range(2)]
    services.round_add(
        contest=contest, type=Round.Type.COMPULSORY, title="第一轮", title_en="Round one", versions=versions[:1]
    )
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, versions=versions[1:])
    services.contest_start(contest=contest, by=host)
    services.question_open(contest=contest, by=host)
    return contest, host, red


@pytest.mark.parametrize("builder_language", ["zh-hans", "en"])
def test_a_frame_carries_both_titles_whatever_language_builds_it(played, builder_language):
    contest, host, _red = played
    with translation.override(builder_language):
        frame = presenters.public_state(contest)
    assert (frame["contest"]["title"], frame["contest"]["title_en"]) == ("知识竞赛", "Quiz")
    round_ = frame["question"]["round"]
    assert (round_["title"], round_["title_en"]) == ("第一轮", "Round one")

    services.question_reveal(contest=contest, by=host)
    services.question_open(contest=contest, by=host)
    with translation.override(builder_language):
        untitled = presenters.public_state(contest)["question"]["round"]
    # An untitled round is called by its type, each language by its own word.
    assert (untitled["title"], untitled["title_en"]) == ("必答题", "Compulsory")


def test_a_contest_without_english_titles_sends_the_titles_as_typed_in_both(tree):
    host = factories.organiser(tree["audit"], username="host")
    contest = services.contest_create(title="知识竞赛", unit=tree["audit"], by=host)
    services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=[factories.member(tree["gz1"])])
    version = factories.question(factories.bank(tree["audit"]), "true_false", key=[True]).current
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, title="必答题", versions=[version])
    services.contest_start(contest=contest, by=host)
    services.question_open(contest=contest, by=host)

    frame = presenters.public_state(contest)

    assert frame["contest"]["title_en"] == "知识竞赛"
    assert frame["question"]["round"]["title_en"] == "必答题"


def test_the_results_export_names_rounds_in_the_readers_language(played):
    contest, host, red = played
    services.answer_submit(contest=contest, member=red, response="对", client_answer_id="r1")
    services.question_reveal(contest=contest, by=host)
    services.question_open(contest=contest, by=host)
    services.answer_submit(contest=contest, member=red, response="对", client_answer_id="r2")
    services.question_reveal(contest=contest, by=host)
    url = reverse("contests:results_xlsx", args=[contest.join_code])

    def rounds_column(language: str) -> list:
        book = load_workbook(BytesIO(client_in(language, host).get(url).content))
        return [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]

    assert rounds_column("en") == ["Round one", "Compulsory"]
    assert rounds_column("zh-hans") == ["第一轮", "必答题"]
