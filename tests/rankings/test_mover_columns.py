"""A unit ranking's columns add up when a member moved: every result credited to the unit at its
time counts in the unit's total and makes its member one of the unit's participants there.

The tree (hand-built), self-study points from 1 to 10 December 2026, the headcount at its end:

    审计署/广州特派办/第一党支部   甲 30 (3 Dec), 乙 none; 熊静兰 since 6 Dec: 9 (8 Dec)
    审计署/广州特派办/第二党支部   丙 10, 丁 20 (3 Dec), 戊 none, 停 50 (deactivated);
                                 熊静兰 until 6 Dec: 41 (3 Dec)

    第一党支部: total 30 + 9 = 39; participants 甲, 熊静兰 = 2; headcount 甲, 乙, 熊静兰 = 3
    第二党支部: total 10 + 20 + 41 = 71 (停 counts nowhere); participants 丙, 丁, 熊静兰 = 3;
                headcount 丙, 丁, 戊 = 3 (熊静兰 has left, 停 is deactivated)

Before, 熊静兰's 41 added to 第二's total but not to its participants (only members of its
headcount were): its mean was (10 + 20) / 2 = 15 beside a total of 71.
"""

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from orgs import services as org_services
from orgs.models import User
from rankings import params as rankings_params
from rankings import services
from tests import factories
from tests.rankings.test_compute import compute
from tests.rankings.test_services import points

BEFORE = timezone.make_aware(dt.datetime(2026, 1, 1, 9))
EARLY, LATE = dt.date(2026, 12, 3), dt.date(2026, 12, 8)
MOVED = timezone.make_aware(dt.datetime(2026, 12, 6, 9))


@pytest.fixture
def branches(db):
    units = {
        "audit": factories.unit_at("审计署", kind="organ"),
        "gz": factories.unit_at("审计署/广州特派办", kind="office"),
        "one": factories.unit_at("审计署/广州特派办/第一党支部", kind="branch"),
        "two": factories.unit_at("审计署/广州特派办/第二党支部", kind="branch"),
    }
    people = {}
    for unit_key, scores in {
        "one": {"甲": 30, "乙": None},
        "two": {"丙": 10, "丁": 20, "戊": None, "停": 50, "熊静兰": 41},
    }.items():
        for name, amount in scores.items():
            people[name] = factories.member(units[unit_key], username=f"u-{name}", real_name=name, at=BEFORE)
            if amount is not None:
                points(people[name], amount, f"{name}-early", day=EARLY)
    User.objects.filter(pk=people["停"].pk).update(is_active=False)
    org_services.member_move(member=people["熊静兰"], unit=units["one"], reason="调动", at=MOVED, as_given=True)
    points(people["熊静兰"], 9, "熊静兰-late", day=LATE)
    return units


def rule(units, **fields):
    fields = {
        "subject": "unit",
        "unit_level": 3,
        "period_starts_on": dt.date(2026, 12, 1),
        "period_ends_on": dt.date(2026, 12, 10),
        "top_k": 2,
        "slug": f"movers-{fields.get('metric', 'total').replace('_', '-')}",
    } | fields
    return factories.ranking_rule(units["audit"], sources=[{"kind": "points"}], **fields)


def columns(snapshot) -> dict[str, tuple]:
    """Each unit's (total, participants, headcount, metric)."""
    return {
        row.label: (float(row.total), row.participants, row.headcount, float(row.metric)) for row in snapshot.rows.all()
    }


@pytest.mark.parametrize(
    ("metric", "first", "second"),
    [
        ("total", 39, 71),
        # The participants' mean: the total over those whose results make it up.
        ("mean", 39 / 2, 71 / 3),
        ("per_capita", 39 / 3, 71 / 3),
        ("participation", 2 / 3, 3 / 3),
        # The best two participants: 甲 30 and 熊静兰 9; 熊静兰 41 and 丁 20.
        ("top_k", (30 + 9) / 2, (41 + 20) / 2),
    ],
)
def test_every_column_of_both_branches_counts_the_mover_where_each_result_was_earned(branches, metric, first, second):
    got = columns(compute(rule(branches, metric=metric)))
    assert got == {
        "第一党支部": (39, 2, 3, pytest.approx(first, abs=1e-4)),
        "第二党支部": (71, 3, 3, pytest.approx(second, abs=1e-4)),
    }


def test_a_branch_left_by_a_member_who_took_part_is_counted_against_its_participants(branches):
    """Without 戊, 第二's counted headcount is 丙 and 丁 (2), but 3 took part for it: counted against
    3, never 150 % participation nor 71 / 2 per head. With a stated headcount of 2 likewise,
    and the board says so."""
    User.objects.filter(username="u-戊").update(is_active=False)
    per_capita = rule(branches, metric="per_capita")
    counted = compute(per_capita)
    assert columns(counted)["第二党支部"] == (71, 3, 3, pytest.approx(71 / 3, abs=1e-4))
    assert counted.counted_headcount_below_participants(counted.rows.get(label="第二党支部")) == 2
    assert counted.counted_headcount_below_participants(counted.rows.get(label="第一党支部")) is None
    by_kind = compute(rule(branches, metric="per_capita", unit_level=None, unit_kinds=["branch"], slug="by-kind"))
    assert columns(by_kind)["第二党支部"] == (71, 3, 3, pytest.approx(71 / 3, abs=1e-4))
    assert by_kind.counted_headcount_below_participants(by_kind.rows.get(label="第二党支部")) == 2
    participation = rule(branches, metric="participation")
    assert columns(compute(participation))["第二党支部"] == (71, 3, 3, 1.0)
    stated = rule(branches, metric="per_capita", slug="movers-stated")
    services.expected_headcounts_save(rule=stated, counts={branches["two"].pk: 2})
    snapshot = compute(stated)
    assert columns(snapshot)["第二党支部"] == (71, 3, 3, pytest.approx(71 / 3, abs=1e-4))
    row = snapshot.rows.get(label="第二党支部")
    assert row.headcount_expected and snapshot.stated_headcount_below_participants(row) == 2
    assert snapshot.counted_headcount_below_participants(row) is None


def test_the_board_shows_the_total_beside_the_mean_and_says_where_a_headcount_was_outgrown(client, branches):
    """The mean 71 / 3 = 23.67 stands beside its total 71 and 3 of 3 took part; 第二's counted
    headcount (丙, 丁: 戊 deactivated) is 2, and the row says it is counted against 3."""
    User.objects.filter(username="u-戊").update(is_active=False)
    admin = factories.administrator(branches["audit"], username="boss")
    snapshot = compute(rule(branches, metric="mean"))
    client.force_login(admin)
    page = client.get(f"/rankings/{snapshot.rule.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = page[page.index("第二党支部") :]
    second = second[: second.index("</tr>")]
    assert "3 / 3" in second and 'board-total">71<' in second and ">23.67<" in second
    assert (
        "More took part here than the 2 members counted at the cut-off (some moved out since): counted against 3."
        in second
    )


def test_a_version_computed_before_keeps_its_figures_and_verifies_and_the_next_one_adds_up(branches, monkeypatch):
    """A snapshot computed before participants were counted as credited (its parameters without
    the setting) is recomputed the old way: it verifies with 第二's 2 participants and mean 15,
    published as it was. The next computation is a new version whose columns add up."""
    from_rule = rankings_params.RuleParams.from_rule
    monkeypatch.setattr(
        rankings_params.RuleParams,
        "from_rule",
        classmethod(lambda cls, r: dataclasses.replace(from_rule(r), participants_as_credited=False)),
    )
    admin = factories.administrator(branches["audit"], username="boss")
    mean = rule(branches, metric="mean")
    old = compute(mean)
    assert "participants_as_credited" not in old.parameters
    assert columns(old)["第二党支部"] == (71, 2, 3, 15)
    services.snapshot_approve(snapshot=old, by=admin)
    services.snapshot_publish(snapshot=old, by=admin)
    monkeypatch.undo()
    assert services.snapshot_recompute(snapshot=old).ok
    new = compute(mean)
    assert new.version == old.version + 1 and new.parameters["participants_as_credited"] is True
    assert new.input_hash != old.input_hash
    assert columns(new)["第二党支部"] == (71, 3, 3, pytest.approx(71 / 3, abs=1e-4))
    old.refresh_from_db()
    assert services.snapshot_recompute(snapshot=old).ok and columns(old)["第二党支部"] == (71, 2, 3, 15)


def test_the_board_says_how_participants_mean_and_per_capita_are_formed(client, branches):
    admin = factories.administrator(branches["audit"], username="boss")
    snapshot = compute(rule(branches, metric="mean"))
    services.snapshot_approve(snapshot=snapshot, by=admin)
    services.snapshot_publish(snapshot=snapshot, by=admin)
    client.force_login(admin)
    page = client.get(f"/rankings/{snapshot.rule.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A unit&#x27;s participants are the members whose results count for it" in page
    assert "Per capita is the total divided by the headcount" in page
