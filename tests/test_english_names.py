"""Titles typed in Chinese with an optional English name: shown by the reader's language."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from contests.models import Contest
from lessons.models import QuestionBank
from notifications.models import Notification
from notifications.services import notify
from quizsite.naming import in_language, in_language_params
from tests import factories


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


def client_in(language: str, user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


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
