"""A level of party branches reviews the entries of a temporary party branch's members too (an
audit team's 临时党支部 is a party branch): they wait there and take its quota instead of going
past the level unrecommended."""

from datetime import date

import pytest

from calls import services
from calls.models import Entry
from calls.services import CallRejected
from orgs import services as org_services
from tests import factories

from .conftest import open_essay_call, submitted_essay


def test_an_entry_of_a_temporary_branch_waits_at_it_for_a_party_branch_level_and_takes_its_quota(db):
    office = factories.unit_at("审计署/广州特派办", kind="office")
    team = org_services.unit_create(
        name="南网审计组临时党支部", kind="temporary_branch", parent=office, ends_on=date(2027, 6, 30)
    )
    first, second = (factories.member(team, real_name=name) for name in ("甲", "乙"))
    leader = factories.organiser(team, real_name="组长")
    call = open_essay_call(office, levels=[("branch", 1), ("office", 3)])

    entry = submitted_essay(call, first, title="甲的征文")
    waiting = submitted_essay(call, second, title="乙的征文")

    # Before, no unit of kind "branch" stood above the team: both went on to the office unrecommended.
    assert (entry.level, entry.at_unit, entry.status) == (0, team, Entry.Status.SUBMITTED)
    assert (waiting.level, waiting.at_unit) == (0, team)
    forwarded = services.entry_forward(entry=entry, by=leader, note="推荐")
    assert (forwarded.level, forwarded.at_unit, forwarded.status) == (1, office, Entry.Status.SUBMITTED)
    # The level's quota is 1: the team has used it.
    with pytest.raises(CallRejected) as refused:
        services.entry_forward(entry=waiting, by=leader, note="也推荐")
    assert refused.value.code == "over_quota"
