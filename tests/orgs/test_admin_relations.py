"""Every relation an organiser can set in the admin offers and accepts only what they may access:
real POSTs to the add and change views by an organiser of the Guangzhou office (subtree A) that
name rows of the Beijing office (subtree B) get a form error and save nothing."""

import pytest
from django.contrib import admin
from django.contrib.admin.filters import RelatedOnlyFieldListFilter
from django.urls import reverse
from django.utils import translation

from contests import services as contest_services
from contests.models import Round, Team, TeamMember
from lessons.models import Lesson, PaperQuestion, QuestionBank
from orgs.admin import ScopedAdmin
from tests import factories
from tests.adminforms import add_inline_row, page_data


@pytest.fixture
def organiser_client(client, gz_organiser):
    client.force_login(gz_organiser)
    return client


def _field_errors(response, field: str) -> list[str]:
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors.get(field, [])


def _inline_errors(response) -> list:
    assert response.status_code == 200, "the form was accepted"
    return [errors for inline in response.context["inline_admin_formsets"] for errors in inline.formset.errors]


# ------------------------------------------------------------------ papers and questions


def test_organiser_cannot_put_another_subtrees_question_into_a_paper(organiser_client, tree):
    secret = factories.question(factories.bank(tree["jjj1"]), stem="京津冀的秘密题干")
    paper = factories.paper(tree["gz1"], title="广州试卷")
    url = reverse("admin:lessons_paper_change", args=[paper.pk])
    data = add_inline_row(page_data(organiser_client.get(url)), "fixed_questions", question=secret.pk, position=1)
    response = organiser_client.post(url, data)
    assert any("question" in errors for errors in _inline_errors(response))
    assert not PaperQuestion.objects.filter(paper=paper).exists()
    assert "京津冀的秘密题干" not in organiser_client.get(url).content.decode()


def test_organiser_puts_own_and_shared_questions_into_a_paper(organiser_client, tree):
    own = factories.question(factories.bank(tree["gz1"]))
    shared = factories.question(factories.bank(tree["audit"]))  # a bank above is visible down the tree
    paper = factories.paper(tree["gz1"])
    url = reverse("admin:lessons_paper_change", args=[paper.pk])
    data = page_data(organiser_client.get(url))
    add_inline_row(data, "fixed_questions", question=own.pk, position=1)
    add_inline_row(data, "fixed_questions", question=shared.pk, position=2)
    assert organiser_client.post(url, data).status_code == 302
    assert set(PaperQuestion.objects.filter(paper=paper).values_list("question", flat=True)) == {own.pk, shared.pk}


def test_question_lookup_popup_lists_only_the_organisers_questions(organiser_client, tree):
    factories.question(factories.bank(tree["gz1"]), stem="广州题干")
    factories.question(factories.bank(tree["jjj1"]), stem="京津冀题干")
    body = organiser_client.get(reverse("admin:lessons_question_changelist") + "?_popup=1&_to_field=id").content
    assert "广州题干" in body.decode() and "京津冀题干" not in body.decode()
    searched = organiser_client.get(reverse("admin:lessons_question_changelist") + "?q=京津冀").content.decode()
    assert "京津冀题干" not in searched


# ------------------------------------------------------------------ contests


def test_organiser_cannot_add_a_team_or_round_to_another_subtrees_contest(organiser_client, tree):
    theirs = contest_services.contest_create(title="京津冀竞赛", unit=tree["jjj"])
    add_team = reverse("admin:contests_team_add")
    data = page_data(organiser_client.get(add_team))
    data.update(contest=[str(theirs.pk)], name=["混入队"], unit=[str(tree["gz1"].pk)], position=["0"])
    assert _field_errors(organiser_client.post(add_team, data), "contest")
    add_round = reverse("admin:contests_round_add")
    data = page_data(organiser_client.get(add_round))
    data.update(contest=[str(theirs.pk)], position=["1"], type=["compulsory"])
    assert _field_errors(organiser_client.post(add_round, data), "contest")
    assert not Team.objects.filter(contest=theirs).exists() and not Round.objects.filter(contest=theirs).exists()
    assert str(theirs) not in organiser_client.get(add_team).content.decode()


def test_organiser_cannot_put_another_subtrees_member_into_their_team(organiser_client, tree):
    contest = contest_services.contest_create(title="广州竞赛", unit=tree["gz"])
    team = contest_services.team_add(contest=contest, name="一队", unit=tree["gz1"], legs=[])
    outsider = factories.member(tree["jjj1"])
    insider = factories.member(tree["gz1"])
    url = reverse("admin:contests_team_change", args=[team.pk])
    data = add_inline_row(page_data(organiser_client.get(url)), "members", member=outsider.pk, leg=1)
    assert any("member" in errors for errors in _inline_errors(organiser_client.post(url, data)))
    assert not TeamMember.objects.filter(team=team).exists()
    data = add_inline_row(page_data(organiser_client.get(url)), "members", member=insider.pk, leg=1)
    assert organiser_client.post(url, data).status_code == 302
    assert list(TeamMember.objects.filter(team=team).values_list("member", "contest")) == [(insider.pk, contest.pk)]


def test_organiser_still_sets_up_their_own_contest_in_the_admin(organiser_client, tree):
    contest = contest_services.contest_create(title="广州竞赛", unit=tree["gz"])
    url = reverse("admin:contests_contest_change", args=[contest.pk])
    data = page_data(organiser_client.get(url))
    add_inline_row(data, "teams", name="一队", unit=tree["gz1"].pk, position=0)
    add_inline_row(data, "rounds", position=1, type="compulsory", points=10, penalty=0, early_buzz_penalty=5)
    data["rounds-0-time_limit_s"] = ["20"]
    response = organiser_client.post(url, data)
    assert response.status_code == 302, _inline_errors(response)
    assert contest.teams.count() == 1 and contest.rounds.count() == 1


def test_organiser_asks_own_and_shared_questions_in_a_round_but_not_another_subtrees(organiser_client, tree):
    contest = contest_services.contest_create(title="广州竞赛", unit=tree["gz"])
    round_ = contest_services.round_add(contest=contest, type="compulsory", versions=[])
    secret = factories.question(factories.bank(tree["jjj1"])).current
    shared = factories.question(factories.bank(tree["audit"])).current
    url = reverse("admin:contests_round_change", args=[round_.pk])
    data = add_inline_row(page_data(organiser_client.get(url)), "questions", version=secret.pk, position=1)
    assert any("version" in errors for errors in _inline_errors(organiser_client.post(url, data)))
    assert not round_.questions.exists()
    data = add_inline_row(page_data(organiser_client.get(url)), "questions", version=shared.pk, position=1)
    assert organiser_client.post(url, data).status_code == 302
    assert list(round_.questions.values_list("version", flat=True)) == [shared.pk]


def test_administrator_cannot_rank_another_subtrees_contest(client, tree):
    gz_admin = factories.administrator(tree["gz"])
    rule = factories.ranking_rule(tree["gz"], sources=[{"kind": "points"}], subject="member", metric="total")
    theirs = factories.scored_contest(tree["jjj"], teams=[])
    client.force_login(gz_admin)
    url = reverse("admin:rankings_rankingrule_change", args=[rule.pk])
    data = add_inline_row(page_data(client.get(url)), "sources", kind="contest", contest=theirs.pk, weight=1)
    assert any("contest" in errors for errors in _inline_errors(client.post(url, data)))
    assert not rule.sources.filter(contest=theirs).exists()


# ------------------------------------------------------------------ lessons


def test_organiser_cannot_aim_a_lesson_at_another_subtree(organiser_client, tree):
    lesson = Lesson.objects.create(title="微党课", unit=tree["gz"], status="ready")
    url = reverse("admin:lessons_lesson_change", args=[lesson.pk])
    data = page_data(organiser_client.get(url))
    data["audience"] = [str(tree["jjj1"].pk)]
    assert _field_errors(organiser_client.post(url, data), "audience")
    assert not lesson.audience.exists()
    data["audience"] = [str(tree["gz1"].pk)]
    assert organiser_client.post(url, data).status_code == 302
    assert list(lesson.audience.all()) == [tree["gz1"]]


def test_lesson_report_of_a_scoped_lesson_shows_no_other_subtree(organiser_client, tree):
    lesson = Lesson.objects.create(title="微党课", unit=tree["gz"], status="ready")
    factories.member(tree["jjj1"], real_name="京津冀学员")
    url = reverse("admin:lessons_lesson_change", args=[lesson.pk])
    data = page_data(organiser_client.get(url))
    data["audience"] = [str(tree["jjj1"].pk)]
    organiser_client.post(url, data)
    report = organiser_client.get(reverse("lessons:lesson_report", args=[lesson.pk])).content.decode()
    assert "机关党支部" not in report


# ------------------------------------------------------------------ who created it


@pytest.mark.parametrize(
    "admin_url", ["admin:lessons_questionbank_add", "admin:lessons_paper_add", "admin:contests_contest_add"]
)
def test_created_by_lists_no_users_and_records_the_organiser(organiser_client, tree, admin_url):
    factories.member(tree["jjj1"], real_name="京津冀某人")
    page = organiser_client.get(reverse(admin_url))
    assert "created_by" not in page.context["adminform"].form.fields
    assert "京津冀某人" not in page.content.decode()


def test_a_bank_added_in_the_admin_is_created_by_the_organiser(organiser_client, tree, gz_organiser):
    url = reverse("admin:lessons_questionbank_add")
    data = page_data(organiser_client.get(url))
    data.update(name=["广州题库"], slug=["gz-bank"], unit=[str(tree["gz1"].pk)])
    stranger = factories.member(tree["jjj1"])
    data["created_by"] = [str(stranger.pk)]
    assert organiser_client.post(url, data).status_code == 302
    assert QuestionBank.objects.get(slug="gz-bank").created_by == gz_organiser


def test_member_autocomplete_offers_only_the_organisers_members(organiser_client, tree):
    factories.member(tree["gz1"], real_name="广州某人")
    factories.member(tree["jjj1"], real_name="京津冀某人")
    response = organiser_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "orgs", "model_name": "rolegrant", "field_name": "user", "term": "某人"},
    )
    names = {row["text"] for row in response.json()["results"]}
    assert "京津冀某人" not in names


def test_no_scoped_admin_filters_on_a_relation_that_would_list_every_row():
    """Django's related-field filter lists every row of the related model; only the
    related-only filter stays inside the admin's queryset."""
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ScopedAdmin):
            continue
        for entry in model_admin.list_filter:
            name, filter_class = entry if isinstance(entry, tuple) else (entry, None)
            if isinstance(name, str) and "__" not in name and model._meta.get_field(name).is_relation:
                assert filter_class is RelatedOnlyFieldListFilter, f"{model.__name__}.{name}"


def test_the_form_checks_relations_again_even_when_a_field_offers_more(rf, tree, gz_organiser):
    """A field that offers too much (a custom form, a widened queryset) still cannot save a
    foreign row: the scoped form checks every relation's value when it cleans."""
    theirs = contest_services.contest_create(title="京津冀竞赛", unit=tree["jjj"])
    request = rf.post("/")
    request.user = gz_organiser
    team_admin = admin.site._registry[Team]
    form = team_admin.get_form(request)(
        data={"contest": theirs.pk, "name": "混入队", "unit": tree["gz1"].pk, "position": 0}
    )
    form.fields["contest"].queryset = type(theirs).objects.all()
    with translation.override("en"):
        assert not form.is_valid() and form.errors["contest"] == ["This is outside what you may access."]
