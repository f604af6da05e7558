"""Judges list by name in pinyin order (拼音顺序) within each unit: the panel's picker, the
conflict's judge picker, the picker's search and the call page's panels."""

import pytest
from django.urls import reverse

from calls.forms import ConflictForm, PanelForm
from calls.judges import candidates_matching, judge_candidates
from calls.models import Panel
from orgs import services as orgs_services
from tests import factories

# By hand: alice0smith < li3si4 < lin2yi1 < shan4xiong2xin4 < zeng1guo2fan1 < zha1liang2yong1.
NAMES = ["查良镛", "李四", "曾国藩", "Alice Smith", "林一", "单雄信"]
IN_ORDER = ["Alice Smith", "李四", "林一", "单雄信", "曾国藩", "查良镛"]


@pytest.fixture
def owner(tree):
    return factories.organiser(tree["audit"], username="audit-organiser", real_name="署组织者")


@pytest.fixture
def judges_panel(essay_call, tree):
    panel = Panel.objects.create(call=essay_call, name="评审组")
    panel.judges.set([factories.member(tree["jjj1"], real_name=name) for name in NAMES])
    return panel


def _names(users) -> list[str]:
    return [user.real_name for user in users]


def test_the_conflict_picker_lists_the_panels_judges_by_pinyin(essay_call, judges_panel):
    form = ConflictForm(call=essay_call)
    assert _names(form.fields["judge"].queryset) == IN_ORDER


def test_the_panel_picker_lists_candidates_by_unit_then_pinyin(essay_call, judges_panel, owner):
    form = PanelForm(call=essay_call, user=owner, panel=judges_panel)
    listed = [row["name"] for row in form.fields["judges"].widget.rows.values()]
    # Units in tree order (审计署, 广州特派办, then 京津冀特派办's branch), people by name in each.
    assert listed == ["署组织者", "广州组织者", *IN_ORDER]


def test_the_pickers_search_answers_by_pinyin_and_a_rename_moves_a_judge(essay_call, judges_panel, owner):
    found = candidates_matching(judge_candidates(essay_call, owner), "机关党支部")
    assert _names(found) == IN_ORDER
    li = judges_panel.judges.get(real_name="李四")
    orgs_services.member_update(member=li, real_name="仇四")  # qiu2si4: after 林一, before 单雄信
    found = candidates_matching(judge_candidates(essay_call, owner), "机关党支部")
    assert _names(found) == ["Alice Smith", "林一", "仇四", "单雄信", "曾国藩", "查良镛"]


def test_the_call_page_lists_each_panels_judges_by_pinyin(client, essay_call, judges_panel, owner):
    client.force_login(owner)
    page = client.get(reverse("calls:manage", args=[essay_call.pk])).content.decode()
    listed = page[page.index(f'id="panel-{judges_panel.pk}"') :]
    positions = [listed.index(name) for name in IN_ORDER]
    assert positions == sorted(positions)
