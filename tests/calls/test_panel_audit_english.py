"""The call's log names the panel a judge joined or left in the reader's language: 第一评审组 on a
Chinese page, its English name (Panel One) on an English one; lines logged before a panel's English
name was kept take it from the panel (migration 0017)."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from calls import judges, services
from calls.models import Assignment, AuditEvent
from tests import factories

from .conftest import signed_in
from .test_panel_remove import remove_url, two_judge_panel
from .test_unlock_and_no_free_judge import strand


def call_log(client, call) -> str:
    page = client.get(reverse("calls:manage", args=[call.pk])).text
    return page[page.index('id="call-log"') :]


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("zh-hans", "将评委移出评审组 · {judge} 移出第一评审组"),
        ("en", "Removed a judge from a panel · {judge} off Panel One"),
    ],
)
def test_a_judge_taken_off_a_panel_is_logged_with_the_panels_name_in_the_readers_language(
    client, essay_call, tree, owner, language, line
):
    entry, panel = two_judge_panel(essay_call, tree)
    panel.name_en = "Panel One"
    panel.save(update_fields=["name_en"])
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="r")
    leaving = Assignment.objects.get(entry=entry).judge
    assert signed_in(client, owner).post(remove_url(essay_call, panel, leaving)).status_code == 302
    assert line.format(judge=leaving.display_name) in call_log(signed_in(client, owner, language), essay_call)


@pytest.mark.parametrize(
    ("language", "line"), [("zh-hans", "广州新评委 加入第一评审组"), ("en", "广州新评委 joins Panel One")]
)
def test_a_judge_added_for_a_stranded_entry_is_logged_with_the_panels_name_in_the_readers_language(
    client, essay_call, tree, owner, language, line
):
    jia, _yi, first, _none = strand(essay_call, tree, owner, second_panel=False)
    first.name_en = "Panel One"
    first.save(update_fields=["name_en"])
    newcomer = factories.member(tree["gz1"], real_name="广州新评委")
    judges.entry_judge_add(call=essay_call, panel=first, entry=jia, judge=newcomer, by=owner)
    assert line in call_log(signed_in(client, owner, language), essay_call)


def test_lines_logged_before_take_the_english_name_their_panel_has_now(essay_call, tree, owner):
    """Two old lines name 第一评审组 (which has an English name now) and 旧评审组 (gone): the
    first takes "Panel One", the second keeps its name on both pages."""
    essay_call.panels.create(name="第一评审组", name_en="Panel One")
    for panel in ("第一评审组", "旧评审组"):
        AuditEvent.objects.create(
            call=essay_call,
            by=owner,
            action=AuditEvent.Action.JUDGE_REMOVED,
            detail_code="judge_removed",
            detail_params={"judge": "京评委", "panel": panel},
        )
    migration = importlib.import_module("calls.migrations.0017_judge_audit_lines_keep_panel_english_name")
    migration.add_panel_english_names(apps, None)
    events = AuditEvent.objects.filter(detail_code="judge_removed").order_by("id")
    with translation.override("en"):
        assert [event.display_detail for event in events] == ["京评委 off Panel One", "京评委 off 旧评审组"]
    with translation.override("zh-hans"):
        assert [event.display_detail for event in events] == ["京评委 移出第一评审组", "京评委 移出旧评审组"]
