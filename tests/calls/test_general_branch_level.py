"""A call's recommendation may pass through 党总支 (general Party branches): an entry goes first
to the 党总支 above its author's branch, and an author in no 党总支 skips that level."""

from calls.models import Entry
from tests import factories

from .conftest import open_essay_call, submitted_essay


def test_an_entry_goes_to_the_general_branch_above_its_branch_or_skips_that_level(db):
    organ = factories.unit_at("审计署", kind="organ")
    committee = factories.unit_at("审计署/机关党委", kind="office")
    general = factories.unit_at("审计署/机关党委/第一党总支", kind="general_branch")
    in_general = factories.member(factories.unit_at("审计署/机关党委/第一党总支/办公厅党支部"), real_name="甲")
    outside = factories.member(factories.unit_at("审计署/机关党委/直属党支部"), real_name="乙")
    call = open_essay_call(organ, levels=[("general_branch", 1), ("office", 1)])

    first = submitted_essay(call, in_general, title="甲的征文")
    second = submitted_essay(call, outside, title="乙的征文")

    # Level 0 is the 党总支's; 直属党支部 has none above it, so its entry waits at level 1 (the office).
    assert (first.level, first.at_unit, first.status) == (0, general, Entry.Status.SUBMITTED)
    assert (second.level, second.at_unit, second.status) == (1, committee, Entry.Status.SUBMITTED)
    assert call.levels.get(position=0).get_unit_kind_display() == "党总支"
