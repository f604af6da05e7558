"""Who may judge a call: an organiser picks judges among the active members of the units they
manage, the judge-only accounts of those units and whoever is on the call's panels already. Anyone
else - another organ's member, by user name, employee number or id - gets the answer an unknown
name gets, and nothing is saved."""

import pytest
from django.urls import reverse

from calls import forms, judges, services
from calls.models import Conflict, Panel
from tests import factories

from .conftest import signed_in
from .test_review_judging import finalists

UNKNOWN = "没有工号或用户名为 {} 的成员。"


@pytest.fixture
def stranger(tree):
    """A member of another organ (财政部)."""
    return factories.member(tree["budget"], username="yusuan-li", real_name="预算司李某", employee_no="MOF0001")


def add_panel(client, call, body):
    return client.post(reverse("calls:panel_add", args=[call.pk]), body)


@pytest.mark.parametrize("posted", ["yusuan-li", "MOF0001", "id"])
def test_an_organiser_cannot_put_another_organs_member_on_a_panel(client, essay_call, owner, stranger, posted):
    """By user name, by employee number, or by posting the account's id as the picker would."""
    value = str(stranger.pk) if posted == "id" else posted
    page = add_panel(signed_in(client, owner), essay_call, {"name": "评审组", "judges": [value]})

    assert page.status_code == 200
    assert UNKNOWN.format(value) in page.text
    assert not essay_call.panels.exists()
    # Word for word what an id no account has gets: the answer tells nothing about 财政部.
    nobody = add_panel(client, essay_call, {"name": "评审组", "judges": ["987654321"]})
    assert UNKNOWN.format("987654321") in nobody.text


def test_typed_names_past_the_pickers_list_are_looked_up_among_the_candidates_only(
    client, essay_call, owner, stranger, tree, monkeypatch
):
    """An organiser who reaches more accounts than the page lists names judges in a box (the
    picker's fallback without JavaScript): another organ's name is an unknown name there too."""
    monkeypatch.setattr(forms, "PICKER_INLINE_LIMIT", 1)
    own = factories.member(tree["jjj1"], username="jjj-wang", real_name="王评委", employee_no="JJJ0001")
    signed_in(client, owner)

    for name in ("yusuan-li", "MOF0001", "nosuchuser"):
        page = add_panel(client, essay_call, {"name": "评审组", "judges_named": name})
        assert UNKNOWN.format(name) in page.text
        assert 'name="judges_named"' in page.text and f'<option value="{own.pk}"' not in page.text
    assert not essay_call.panels.exists()

    add_panel(client, essay_call, {"name": "评审组", "judges_named": "JJJ0001"})
    assert list(essay_call.panels.get().judges.all()) == [own]


def test_an_organiser_puts_members_of_own_units_and_own_judge_accounts_on_a_panel(
    client, essay_call, owner, tree, gz_organiser
):
    member = factories.member(tree["jjj1"], real_name="京津冀评委")
    account, _password = judges.judge_account_create(by=gz_organiser, unit=tree["gz"], name="外聘专家")
    elsewhere, _password = judges.judge_account_create(
        by=factories.organiser(tree["mof"]), unit=tree["mof"], name="财政部专家"
    )
    signed_in(client, owner)

    page = client.get(reverse("calls:manage", args=[essay_call.pk]))
    assert "京津冀评委" in page.text and "外聘专家" in page.text and "财政部专家" not in page.text
    refused = add_panel(client, essay_call, {"name": "评审组", "judges": [elsewhere.user.pk]})
    assert UNKNOWN.format(elsewhere.user.pk) in refused.text and not essay_call.panels.exists()

    add_panel(client, essay_call, {"name": "评审组", "judges": [member.pk, account.user.pk]})
    assert set(essay_call.panels.get(name="评审组").judges.all()) == {member, account.user}


def test_an_organisers_candidates_are_the_members_of_the_units_they_manage(tree, essay_call, gz_organiser, owner):
    """An organiser of 广州特派办 reaches its members and not a sibling office's; the organ's
    organiser reaches both."""
    gz_member = factories.member(tree["gz1"], real_name="广州成员")
    jjj_member = factories.member(tree["jjj1"], real_name="京津冀成员")

    candidates = judges.judge_candidates(essay_call, gz_organiser)
    assert gz_member in candidates and jjj_member not in candidates
    assert jjj_member in judges.judge_candidates(essay_call, owner)


def test_editing_a_panel_keeps_judges_from_beyond_the_organisers_units(client, essay_call, tree, owner):
    """A judge an administrator above put on the panel stays when an organiser edits it."""
    outside = factories.member(tree["budget"], real_name="借调专家")
    own = factories.member(tree["gz1"], real_name="广州评委")
    panel = Panel.objects.create(call=essay_call, name="评审组")
    panel.judges.set([outside])
    signed_in(client, owner)
    url = reverse("calls:panel_edit", args=[essay_call.pk, panel.pk])

    form = client.get(url)
    assert form.status_code == 200
    assert (
        f'<option value="{outside.pk}"' in form.text and "selected" in form.text.split(f'value="{outside.pk}"')[1][:400]
    )
    client.post(url, {"name": "第一评审组", "judges": [outside.pk, own.pk]})

    panel.refresh_from_db()
    assert panel.name == "第一评审组" and set(panel.judges.all()) == {outside, own}


def test_a_panel_cannot_be_edited_once_entries_are_assigned(client, essay_call, tree, panel, owner, gz_organiser):
    finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="e")
    judges_before = set(panel.judges.all())
    newcomer = factories.member(tree["gz1"])
    signed_in(client, owner)

    page = client.post(
        reverse("calls:panel_edit", args=[essay_call.pk, panel.pk]),
        {"name": "改名", "judges": [newcomer.pk]},
        follow=True,
    )

    assert "作品已分配" in page.text
    panel.refresh_from_db()
    assert panel.name == "评审组" and set(panel.judges.all()) == judges_before


def test_the_pickers_search_finds_candidates_by_name_unit_or_number_and_no_one_else(
    client, essay_call, owner, stranger, tree, gz_organiser
):
    member = factories.member(tree["jjj1"], username="jjj-zhao", real_name="赵评委", employee_no="JJJ0100")
    signed_in(client, owner)
    url = reverse("calls:judge_candidates", args=[essay_call.pk])

    def found(text):
        return [row["name"] for row in client.get(url, {"q": text}).json()["results"]]

    row = client.get(url, {"q": "赵"}).json()["results"][0]
    assert row == {
        "id": member.pk,
        "name": "赵评委",
        "unit": "审计署/京津冀特派办/机关党支部",
        "employee_no": "JJJ0100",
        "username": "jjj-zhao",
        "pinyin": "zhaopingwei",  # 赵 zhao4 评 ping2 委 wei3
        "initials": "zpw",
    }
    assert found("JJJ0100") == found("jjj-zhao") == found("zhaopingwei") == found("zpw") == ["赵评委"]
    assert "赵评委" in found("京津冀")
    assert found("预算司") == found("MOF0001") == found("yusuan") == found("") == []
    # Only the call's own organisers may ask: not an organiser of another organ.
    signed_in(client, factories.organiser(tree["mof"]))
    assert client.get(url, {"q": "赵"}).status_code == 404


def test_a_conflict_names_a_judge_among_the_calls_panel_judges_only(client, essay_call, tree, panel, owner, stranger):
    entry = finalists(essay_call, [tree["gz2"]], 1)[0]
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="c")
    signed_in(client, owner)

    page = client.post(
        reverse("calls:conflict_record", args=[essay_call.pk]),
        {"conflict-entries": [entry.pk], "conflict-judge": stranger.pk, "conflict-reason": "亲属"},
    )

    assert UNKNOWN.format(stranger.pk) in page.text
    assert not Conflict.objects.exists()
