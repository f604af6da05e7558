"""Titles typed in Chinese with an optional English name: shown by the reader's language."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from contests.models import Contest
from contests.online.models import OnlineContest
from lessons.models import Lesson, Paper, QuestionBank
from notifications.models import Notification
from notifications.services import notify
from quizsite.naming import in_language, in_language_params
from tests import factories
from tests.factories import client_in


def test_the_english_name_shows_only_on_english_pages_and_only_when_given():
    with translation.override("en"):
        assert in_language("每日答题", "Daily quiz") == "Daily quiz"
        assert in_language("每日答题", "") == "每日答题"
    with translation.override("zh-hans"):
        assert in_language("每日答题", "Daily quiz") == "每日答题"


def test_message_params_take_their_english_companions_on_english_pages():
    params = {"board": "学习排行", "board_en": "Study ranking", "sender": "王五"}
    with translation.override("en"):
        assert in_language_params(params) == params | {"board": "Study ranking"}
    with translation.override("zh-hans"):
        assert in_language_params(params) == params


@pytest.mark.django_db
def test_a_page_read_in_english_leaves_the_default_language_to_what_runs_after_it(gz_organiser):
    # The test client handles the page in this thread, as a server's thread handles one request
    # after another: what runs next here outside a request must not speak the reader's language.
    page = client_in("en", gz_organiser).get(reverse("lessons:bank_list"))
    assert page["Content-Language"] == "en"
    assert translation.get_language() == settings.LANGUAGE_CODE == "zh-hans"


@pytest.mark.django_db
def test_an_organiser_names_a_bank_and_a_contest_in_english_and_each_language_reads_its_own(tree, gz_organiser):
    zh, en = client_in("zh-hans", gz_organiser), client_in("en", gz_organiser)

    zh.post(
        reverse("lessons:bank_list"),
        {"slug": "gz-rules", "name": "党规题库", "name_en": "Party rules bank", "unit": tree["gz"].pk},
    )
    bank = QuestionBank.objects.get(slug="gz-rules")
    assert (bank.name, bank.name_en) == ("党规题库", "Party rules bank")
    english_list = en.get(reverse("lessons:bank_list")).content.decode()
    assert "Party rules bank" in english_list and "党规题库" not in english_list
    chinese_list = zh.get(reverse("lessons:bank_list")).content.decode()
    assert "党规题库" in chinese_list and "Party rules bank" not in chinese_list

    zh.post(
        reverse("contests:setup_new"),
        {"title": "支部竞赛", "title_en": "Branch contest", "unit": tree["gz"].pk, "base_score": 100},
    )
    contest = Contest.objects.get(title="支部竞赛")
    assert contest.title_en == "Branch contest"
    review = reverse("contests:setup_review", args=[contest.join_code])
    assert "Branch contest" in en.get(review).content.decode()
    assert "Branch contest" not in zh.get(review).content.decode()

    # Renamed on the first step: the English name can be changed or cleared like the title.
    zh.post(
        reverse("contests:setup_basics", args=[contest.join_code]),
        {"title": "支部竞赛", "title_en": "", "unit": tree["gz"].pk, "base_score": 100},
    )
    contest.refresh_from_db()
    assert contest.title_en == ""
    assert "支部竞赛" in en.get(review).content.decode()


@pytest.mark.django_db
def test_a_notification_names_the_board_in_the_readers_language(tree):
    member = factories.member(tree["gz1"], username="m1")
    notify(
        recipients=[member],
        kind="results_published",
        params={"board": "学习排行", "board_en": "Study ranking"},
        url="/rankings/",
    )
    notification = Notification.objects.get(recipient=member)
    with translation.override("en"):
        assert "Study ranking" in notification.title and "学习排行" not in notification.title
    with translation.override("zh-hans"):
        assert "学习排行" in notification.title


@pytest.mark.django_db
def test_a_paper_shows_its_english_description_on_english_pages_and_the_one_typed_when_it_has_none(tree):
    member = factories.member(tree["gz1"], username="m1")
    factories.paper(
        tree["gz"],
        mode="practice",
        title="党章练习",
        description="随时练习，答完即看解析。",
        description_en="Practise any time; the explanations follow each answer.",
    )
    factories.paper(tree["gz"], mode="practice", title="党史练习", description="每天练一练。", description_en="")
    zh, en = client_in("zh-hans", member), client_in("en", member)

    english = en.get(reverse("lessons:study_home")).content.decode()
    assert "Practise any time; the explanations follow each answer." in english
    assert "随时练习，答完即看解析。" not in english
    assert "每天练一练。" in english  # no English description: the one typed
    chinese = zh.get(reverse("lessons:study_home")).content.decode()
    assert "随时练习，答完即看解析。" in chinese and "Practise any time" not in chinese


@pytest.mark.django_db
def test_an_organiser_gives_a_paper_an_english_description_beside_the_one_typed(tree, gz_organiser):
    from tests.lessons.test_authoring import builder_post

    zh = client_in("zh-hans", gz_organiser)
    form = zh.get(reverse("lessons:paper_new")).content.decode()
    # Each English twin right after the field it translates.
    assert form.index('id="id_title"') < form.index('id="id_title_en"') < form.index('id="id_unit"')
    assert form.index('id="id_description"') < form.index('id="id_description_en"') < form.index('id="id_pass_mark"')
    bank = factories.bank(tree["gz"], slug="gz-bank")
    post = builder_post(
        tree["gz"],
        description="限时 30 分钟。",
        description_en="30 minutes.",
        question=[str(factories.question(bank).pk)],
    )
    assert zh.post(reverse("lessons:paper_new"), post).status_code == 302
    paper = Paper.objects.get(title="党章知识测试")
    assert (paper.description, paper.description_en) == ("限时 30 分钟。", "30 minutes.")
    with translation.override("en"):
        assert paper.display_description == "30 minutes."
    with translation.override("zh-hans"):
        assert paper.display_description == "限时 30 分钟。"


@pytest.mark.django_db
def test_an_online_contest_tells_its_rules_in_the_readers_language_as_the_organiser_typed_them(tree):
    from tests.contests.test_online_pages import contest_form

    organiser = factories.organiser(tree["audit"], username="organ-organiser")
    bank = factories.bank(tree["audit"])
    for _ in range(2):
        factories.question(bank, "single")
    setup = {"organ": tree["audit"], "branch": tree["gz1"], "bank": bank}
    zh = client_in("zh-hans", organiser)
    data = contest_form(setup, description="每人限答两次。", description_en="Two attempts each.")
    assert zh.post("/contests/online/manage/new/", data).status_code == 302
    contest = OnlineContest.objects.get()
    assert (contest.paper.description, contest.paper.description_en) == ("每人限答两次。", "Two attempts each.")

    member = factories.member(tree["gz1"], username="m1")
    home = f"/contests/online/{contest.pk}/"
    english = client_in("en", member).get(home).content.decode()
    assert "Two attempts each." in english and "每人限答两次。" not in english
    assert "每人限答两次。" in client_in("zh-hans", member).get(home).content.decode()

    # Cleared on the edit page: English pages fall back to the rules as typed.
    edit = f"/contests/online/manage/{contest.pk}/edit/"
    assert 'name="description_en"' in zh.get(edit).content.decode()
    assert zh.post(edit, {**data, "description_en": ""}).status_code == 302
    contest.paper.refresh_from_db()
    assert contest.paper.description_en == ""
    assert "每人限答两次。" in client_in("en", member).get(home).content.decode()


@pytest.mark.django_db
def test_a_lessons_english_description_is_set_on_its_settings_and_shown_to_english_readers(tree, gz_organiser):
    from lessons.services import videos

    lesson = videos.lesson_create(title="党章第一讲", unit=tree["gz"], description="第一讲导读。", published=True)
    Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.READY)
    url = reverse("lessons:lesson_settings", args=[lesson.pk])
    zh = client_in("zh-hans", gz_organiser)
    form = zh.get(url).content.decode()
    assert form.index('id="id_description"') < form.index('id="id_description_en"') < form.index('id="id_audience"')
    post = {
        "title": lesson.title,
        "speaker": "",
        "description": "第一讲导读。",
        "description_en": "An introduction to lecture 1.",
        "poster_choice": "keep",
    }
    assert zh.post(url, post).status_code == 302
    lesson.refresh_from_db()
    assert (lesson.description, lesson.description_en) == ("第一讲导读。", "An introduction to lecture 1.")

    member = factories.member(tree["gz1"], username="m1")
    player = reverse("lessons:player", args=[lesson.pk])
    english = client_in("en", member).get(player).content.decode()
    assert "An introduction to lecture 1." in english and "第一讲导读。" not in english
    assert "第一讲导读。" in client_in("zh-hans", member).get(player).content.decode()
