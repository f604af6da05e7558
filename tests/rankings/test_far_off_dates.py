"""Ranking rule days that cannot be computed (no local midnight before or after them) are refused
beside their field, and a rule saved with one before fails its run in words, not with a 500."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rankings.models import RankingRule, RankingRun
from rankings.params import check_rule
from rankings.services import run_execute
from tests import factories
from tests.rankings.test_rule_builder import NEW, form_data, preview, refused
from tests.rankings.test_services import compute, member_rule

ENGLISH = "Enter a date from 1900-01-01 through 9998-12-31."
CHINESE = "请输入 1900-01-01 至 9998-12-31 之间的日期。"


@pytest.fixture
def study(module_study):
    return module_study


@pytest.fixture
def admin_client(client, study):
    client.force_login(factories.administrator(study["tree"]["audit"], username="boss"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_period_from_year_1_to_9999_is_refused_beside_both_days_and_1900_to_9998_is_taken(admin_client, study):
    data = form_data(study["tree"], period_starts_on="0001-01-01", period_ends_on="9999-12-31")
    form, page = refused(admin_client, NEW, data, "period_ends_on")
    assert form.errors["period_starts_on"] == [ENGLISH]
    assert form.errors["period_ends_on"] == [ENGLISH]
    assert 'min="1900-01-01"' in page and 'max="9998-12-31"' in page
    # The first and last days taken are saved and computed.
    data |= {"period_starts_on": "1900-01-01", "period_ends_on": "9998-12-31"}
    assert admin_client.post(NEW, data).status_code == 302
    run = compute(RankingRule.objects.get(slug="branch-points"))
    # The headcount is taken at the end of 9998-12-31 in Beijing: 16:00 UTC that day.
    assert (run.status, run.snapshot.parameters["headcount_at"]) == ("done", "9998-12-31T16:00:00+00:00")


def test_a_headcount_day_past_9998_is_refused_in_chinese_too(admin_client, study):
    data = form_data(study["tree"], headcount_on="9999-12-31")
    response = admin_client.post(NEW, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and not RankingRule.objects.filter(slug="branch-points").exists()
    assert response.context["form"].errors["headcount_on"] == [CHINESE]


def test_the_preview_of_a_far_off_period_lists_the_mistake_instead_of_failing(admin_client, study):
    response = preview(admin_client, NEW, form_data(study["tree"], period_ends_on="9999-12-31"))
    assert response.context["preview"] is None
    assert ENGLISH in response.content.decode()


def test_the_rule_check_refuses_such_days_whatever_saves_the_rule(study):
    rule = member_rule(study, slug="far-off")
    rule.period_starts_on, rule.headcount_on = dt.date(1, 1, 1), dt.date(9999, 12, 31)
    with pytest.raises(ValidationError) as refusal:
        check_rule(rule)
    assert refusal.value.message_dict == {"period_starts_on": [CHINESE], "headcount_on": [CHINESE]}


@pytest.fixture
def saved_before(study):
    """A rule saved with 0001-01-01 to 9999-12-31 before the form refused them."""
    rule = member_rule(study, slug="saved-before")
    RankingRule.objects.filter(pk=rule.pk).update(
        period_starts_on=dt.date(1, 1, 1), period_ends_on=dt.date(9999, 12, 31)
    )
    return rule


def test_computing_a_rule_saved_with_such_days_fails_its_run_in_words(admin_client, saved_before):
    response = admin_client.post(reverse("rankings:compute", args=[saved_before.slug]))
    assert response.status_code == 302
    run = RankingRun.objects.get(rule=saved_before)
    assert run.status == "queued"  # the worker's part, after the request's transaction
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    # The worker speaks the site's language.
    assert run.outcome == f"排名规则的日期无法计算（0001-01-01、9999-12-31）：请修改规则。{CHINESE}"
    page = admin_client.get(response.url)
    assert page.status_code == 200 and run.outcome in page.content.decode()


def test_a_rule_saved_with_such_days_opens_for_editing_and_names_them_when_saved(admin_client, study, saved_before):
    edit = reverse("rankings:rule_edit", args=[saved_before.slug])
    page = admin_client.get(edit)
    assert page.status_code == 200 and 'value="9999-12-31"' in page.content.decode()
    data = form_data(study["tree"], slug=saved_before.slug, period_starts_on="0001-01-01", period_ends_on="9999-12-31")
    form, _page = refused(admin_client, edit, data, "period_ends_on")
    assert form.errors["period_starts_on"] == [ENGLISH] and form.errors["period_ends_on"] == [ENGLISH]
    assert preview(admin_client, edit, data).context["preview"] is None
    copy = admin_client.get(reverse("rankings:rule_duplicate", args=[saved_before.slug]))
    assert copy.status_code == 200
