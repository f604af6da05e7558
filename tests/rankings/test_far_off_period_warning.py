"""A rule's period a long way from today (a start in 1926, an end in 2999) is almost surely a
mistyped year: saved, as every day from 1900-01-01 to 9998-12-31 is, but the page after saving
warns about it in the member's language, naming the day and today."""

import datetime as dt

import pytest
from django.utils import timezone

from rankings.models import RankingRule
from tests import factories
from tests.rankings.test_rule_builder import NEW, form_data

# 12:00 on 7 Dec 2026 in Shanghai: today, as the warnings name it, is 2026-12-07.
NOW = dt.datetime(2026, 12, 7, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def study(module_study):
    return module_study


@pytest.fixture
def admin_client(client, study):
    client.force_login(factories.administrator(study["tree"]["audit"], username="boss"))
    return client


def _said(client, data, language: str) -> list[str]:
    response = client.post(NEW, data, HTTP_ACCEPT_LANGUAGE=language, follow=True)
    assert response.redirect_chain, "saved"
    return [str(message) for message in response.context["messages"]]


def test_a_period_starting_in_1926_and_ending_in_2999_is_saved_with_a_warning_in_both_languages(
    admin_client, study, monkeypatch
):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    data = form_data(study["tree"], period_starts_on="1926-01-01", period_ends_on="2999-12-31")
    said = _said(admin_client, data, "en")
    assert said[1:] == [
        "The period starts on 1926-01-01, more than 10 years before today (2026-12-07): if the year is a typo,"
        " correct it before computing the ranking.",
        "The period ends on 2999-12-31, more than 10 years after today (2026-12-07): if the year is a typo,"
        " correct it before computing the ranking.",
    ]
    assert RankingRule.objects.get(slug="branch-points").period_starts_on.year == 1926
    RankingRule.objects.filter(slug="branch-points").delete()
    said = _said(admin_client, data, "zh-hans")
    assert said[1:] == [
        "统计期始于 1926-01-01，早于今天（2026-12-07）10 年以上：如年份输错，请在计算排名前改正。",
        "统计期止于 2999-12-31，晚于今天（2026-12-07）10 年以上：如年份输错，请在计算排名前改正。",
    ]


@pytest.mark.parametrize(
    ("starts", "ends", "warned"),
    [
        # 2016 is 10 calendar years before 2026, 2036 10 after: not past the mark.
        ("2016-01-01", "2036-12-31", 0),
        # 2015 is 11 years before: the start is warned about; 2037 is 11 after: the end.
        ("2015-12-31", "2026-12-31", 1),
        ("2026-01-01", "2037-01-01", 1),
    ],
)
def test_the_warning_starts_past_ten_whole_years(admin_client, study, monkeypatch, starts, ends, warned):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    data = form_data(study["tree"], period_starts_on=starts, period_ends_on=ends)
    assert len(_said(admin_client, data, "en")) == 1 + warned
