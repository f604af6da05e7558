"""Organiser forms sent back: a summary at the top of every one, and number fields that say the
numbers they take instead of Django's "Ensure that there are no more than 4 digits in total."."""

import pytest
from django.urls import reverse

from orgs import services as org_services
from orgs.models import Role
from tests import factories

BANNER = {"zh-hans": "未保存任何内容：请修改下面标出的问题。", "en": "Nothing was saved: fix what is marked below."}


@pytest.fixture
def organiser(tree):
    """An organiser and administrator of 审计署, who may use every organiser form."""
    user = factories.organiser(tree["audit"], username="boss")
    org_services.role_grant(user=user, role=Role.ADMINISTRATOR, unit=tree["audit"], by=None)
    return user


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "url_name",
    [
        "contests:online_new",
        "contests:relay_new",
        "calls:call_new",
        "lessons:series_list",
        "lessons:bank_list",
        "orgs:unit_add",
        "orgs:member_new",
    ],
)
def test_an_organiser_form_sent_back_empty_says_so_at_the_top(organiser, url_name, language):
    client = factories.client_in(language, organiser)
    assert BANNER[language] not in client.get(reverse(url_name)).content.decode()  # not before a try
    # What a browser sends for a form left empty: the token and nothing typed (the test client
    # checks no token; an entirely empty body would read as no submission at all).
    page = client.post(reverse(url_name), {"csrfmiddlewaretoken": ""})
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count(BANNER[language]) == 1
    # Above the first field's message, where the eye starts.
    assert body.index(BANNER[language]) < body.index("invalid-feedback")


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "请输入 0 到 99.5 之间的数。"), ("en", "Type a number from 0 to 99.5.")],
)
@pytest.mark.parametrize("typed", ["100000", "99.75", "-1", "many"])
def test_study_hours_out_of_range_say_the_range_and_keep_what_was_typed(tree, language, message, typed):
    from lessons.services import videos

    lesson = videos.lesson_create(title="党章第一讲", unit=tree["gz"])
    client = factories.client_in(language, factories.organiser(tree["gz"]))
    post = {"title": lesson.title, "speaker": "", "description": "", "poster_choice": "keep", "study_hours": typed}
    body = client.post(reverse("lessons:lesson_settings", args=[lesson.pk]), post).content.decode()
    assert message in body and f'value="{typed}"' in body
    assert "4 个数字" not in body and "4 digits" not in body
    lesson.refresh_from_db()
    assert lesson.study_hours is None


@pytest.mark.parametrize(
    ("form_path", "data", "field", "message"),
    [
        # A decimal's digits bound it: 7 digits with 2 decimal places hold at most 99999.99.
        ("calls.forms.TierForm", {"name": "一等奖", "value": "1000000"}, "value", "Type a number from 0 to 99999.99."),
        ("calls.forms.TierForm", {"name": "一等奖", "value": "1.234"}, "value", "At most 2 decimal places."),
        ("calls.forms.CriterionForm", {"name": "内容", "weight": "0"}, "weight", "A weight is at least 1 %."),
        ("calls.forms.LevelForm", {"unit_kind": "office", "quota": "0"}, "quota", "Type a whole number from 1 to 999."),
    ],
)
def test_organiser_number_fields_state_their_range(db, form_path, data, field, message):
    from importlib import import_module

    from django.utils import translation

    module, name = form_path.rsplit(".", 1)
    with translation.override("en"):
        form = getattr(import_module(module), name)(data)
        form.is_valid()
        # Inside the override: a message with parameters is put together when read.
        assert any(message in error for error in form.errors[field])


def test_a_message_a_form_chose_itself_stays(db):
    from django import forms
    from django.core.validators import MaxValueValidator

    from quizsite.forms import say_number_ranges

    class Form(forms.Form):
        count = forms.IntegerField(min_value=0, validators=[MaxValueValidator(9, message="Nine at most.")])

    form = Form({"count": "10"})
    say_number_ranges(form)
    assert form.errors["count"] == ["Nine at most."]
