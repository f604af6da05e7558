"""Rules, runs and publication: the bad inputs named by the issue, and what must hold."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation

from lessons.models import PointEvent
from orgs import services as org_services
from rankings import compute as compute_module
from rankings import tasks
from rankings.models import RankingRule, RankingRun, Snapshot, SnapshotImmutable, SnapshotInput, SnapshotRow
from rankings.services import (
    RankingRejected,
    rule_save,
    rules_mark_dirty,
    run_execute,
    run_request,
    snapshot_approve,
    snapshot_publish,
)
from tests import factories
from tests.rankings.test_compute import hall  # noqa: F401 - fixture

DAY = dt.date(2026, 11, 20)


def compute(rule, **kwargs):
    run, created = run_request(rule=rule)
    assert created
    return run_execute(run_id=run.pk, **kwargs)


def points(member, amount, key, day=DAY):
    PointEvent.objects.create(
        member=member,
        activity="quiz",
        points=amount,
        day=day,
        occurred_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9))),
        source_key=key,
    )


@pytest.fixture
def study(tree):
    """Members of four branches with self-study points, and a points rule ranking branches."""
    return build_study(tree)


def build_study(tree) -> dict:
    """`study`'s rows in `tree`."""
    people = {}
    for unit_key, names in {"gz1": ["a", "b", "c"], "gz2": ["d", "e"], "jjj1": ["f"]}.items():
        for name in names:
            people[name] = factories.member(tree[unit_key], username=name, real_name=name.upper())
    for name, amount in {"a": 30, "b": 20, "c": 10, "d": 40, "e": 35, "f": 50}.items():
        points(people[name], amount, f"{name}-1")
    return {"tree": tree, "people": people}


def member_rule(study, **fields):
    return factories.ranking_rule(
        study["tree"]["audit"],
        subject="member",
        group_level=2,
        sources=[{"kind": "points"}],
        period_starts_on=DAY,
        period_ends_on=DAY,
        **fields,
    )


def by_label(snapshot):
    return {row.label: row for row in SnapshotRow.objects.filter(snapshot=snapshot)}


def test_member_ranks_overall_and_within_each_office_from_one_snapshot(study):
    run = compute(member_rule(study))
    rows = by_label(run.snapshot)
    # F (京津冀) leads overall; A is 4th overall but 2nd within 广州特派办 (D 40, E 35, A 30 ...).
    assert rows["F"].rank == 1 and rows["F"].rank_in_group == 1 and rows["F"].group_name == "京津冀特派办"
    assert (rows["A"].rank, rows["A"].rank_in_group, rows["A"].group_name) == (4, 3, "广州特派办")
    assert rows["D"].rank == 2 and rows["D"].rank_in_group == 1


def test_percentages_past_100_are_refused_with_the_sum(study):
    rule = RankingRule(
        title="x",
        slug="x",
        unit=study["tree"]["audit"],
        prize_mode="percent",
        prize_tiers=[{"name": "一等奖", "value": 60}, {"name": "二等奖", "value": 50}],
    )
    with pytest.raises(ValidationError) as refused:
        rule_save(rule=rule)
    assert "110%" in str(refused.value.message_dict["prize_tiers"])
    assert not RankingRule.objects.filter(slug="x").exists()


def test_per_capita_unit_without_members_is_listed_but_takes_no_place(study):
    empty = factories.unit_at("审计署/广州特派办/第三党支部")
    rule = factories.ranking_rule(
        study["tree"]["audit"],
        subject="unit",
        unit_level=3,
        metric="per_capita",
        sources=[{"kind": "points"}],
        prize_mode="count",
        prize_tiers=[{"name": "一等奖", "value": 1}],
    )
    rows = {row.subject_id: row for row in SnapshotRow.objects.filter(snapshot=compute(rule).snapshot)}
    assert rows[empty.pk].ineligible_reason == "no_headcount"
    assert rows[empty.pk].rank is None and rows[empty.pk].prize == ""
    # 第二党支部 (75 / 2 = 37.5) beats 第一 (60 / 3 = 20) and 机关 (50 / 1 = 50) does best.
    jjj1, gz2 = study["tree"]["jjj1"], study["tree"]["gz2"]
    assert (rows[jjj1.pk].rank, rows[jjj1.pk].prize) == (1, "一等奖")
    assert float(rows[gz2.pk].metric) == 37.5 and rows[gz2.pk].rank == 2


def test_a_rule_with_no_facts_fails_with_a_clear_reason_and_no_snapshot(study):
    rule = factories.ranking_rule(study["tree"]["audit"], subject="member", sources=[])
    with translation.override("en"):
        run = compute(rule)
    assert run.status == RankingRun.Status.FAILED
    assert "reads no facts" in run.outcome
    assert not Snapshot.objects.filter(rule=rule).exists()


def test_two_recomputes_at_once_share_one_run(study):
    rule = member_rule(study)
    first, created = run_request(rule=rule)
    second, created_again = run_request(rule=rule)
    assert created and not created_again and first.pk == second.pk
    run_execute(run_id=first.pk)
    assert run_execute(run_id=first.pk).snapshot.version == 1  # delivered twice: no second snapshot
    assert Snapshot.objects.filter(rule=rule).count() == 1


def test_recomputing_unchanged_inputs_is_idempotent_and_new_facts_make_a_version_with_a_diff(study):
    rule = member_rule(study)
    first = compute(rule).snapshot
    again = compute(rule)
    assert again.outcome == "unchanged" and again.snapshot.pk == first.pk
    points(study["people"]["c"], 45, "c-2")
    second = compute(rule).snapshot
    assert second.version == 2 and second.previous_id == first.pk
    assert second.diff["moved_up"] == 1 and second.diff["inputs_changed"] is True
    c_row = by_label(second)["C"]
    assert (c_row.previous_rank, c_row.rank) == (6, 1)


def test_the_diff_counts_moves_entries_exits_prize_and_score_changes_between_two_versions(study):
    rule = member_rule(study)
    first = compute(rule).snapshot
    second = Snapshot.objects.create(
        rule=rule,
        version=2,
        rule_version=rule.version,
        parameters={},
        input_hash="",
        rows_hash="",
        task_id="t",
        computed_at=timezone.now(),
    )

    def rows(snapshot, *specs):
        SnapshotRow.objects.filter(snapshot=snapshot).delete()
        SnapshotRow.objects.bulk_create(
            SnapshotRow(
                snapshot=snapshot,
                subject_id=subject,
                label=str(subject),
                rank=rank,
                place=rank,
                prize=prize,
                metric=metric,
                total=metric or 0,
                participants=1,
                time_used_s=0,
                eligible=rank is not None,
            )
            for subject, rank, prize, metric in specs
        )

    rows(first, (1, 1, "A", 10), (2, 2, "B", 9), (3, 3, "", 8), (4, None, "", None), (5, 4, "", 7))
    # 2 moves up and changes prize, 3 keeps its rank with a new score, 4 becomes ranked (no move
    # from no rank, no score change from none), 5 moves down, 6 is new and 1 has gone.
    rows(second, (2, 1, "A", 9), (3, 3, "", Decimal("8.5")), (4, 2, "", 7), (5, 5, "", 7), (6, 4, "", 6))
    assert compute_module.changes_since(second.pk, first.pk) == {
        "moved_up": 1,
        "moved_down": 1,
        "new": 1,
        "dropped": 1,
        "prize_changes": 1,
        "score_changes": 1,
    }


def test_a_run_whose_rule_changes_meanwhile_is_discarded_as_stale(study):
    rule = member_rule(study)

    def edit_rule_midway(progress, stage):
        if stage == "hashing":
            RankingRule.objects.filter(pk=rule.pk).update(version=rule.version + 1)

    run = compute(rule, on_progress=edit_rule_midway)
    assert run.status == RankingRun.Status.DONE and run.outcome.startswith("stale")
    assert not Snapshot.objects.filter(rule=rule).exists()
    assert RankingRule.objects.get(pk=rule.pk).dirty


def test_publication_goes_draft_approved_published_and_a_correction_supersedes_with_a_reason(study):
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = member_rule(study)
    first = compute(rule).snapshot
    with pytest.raises(RankingRejected) as refused:
        snapshot_publish(snapshot=first, by=admin)
    assert refused.value.code == "not_approved"
    snapshot_approve(snapshot=first, by=admin)
    published = snapshot_publish(snapshot=first, by=admin)
    assert published.status == "published" and published.published_by == admin
    with pytest.raises(RankingRejected) as twice:
        snapshot_publish(snapshot=first, by=admin)
    assert twice.value.code == "already_published"

    points(study["people"]["c"], 45, "c-2")
    second = snapshot_approve(snapshot=compute(rule).snapshot, by=admin)
    with pytest.raises(RankingRejected) as no_reason:
        snapshot_publish(snapshot=second, by=admin)
    assert no_reason.value.code == "reason_required"
    snapshot_publish(snapshot=second, by=admin, reason="补录一名同志的学习积分")
    first.refresh_from_db()
    assert first.status == "superseded" and first.superseded_by == second
    assert first.supersede_reason == "补录一名同志的学习积分"


def test_published_snapshots_and_their_rows_cannot_be_edited_or_deleted(study):
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    snapshot = compute(member_rule(study)).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    snapshot.refresh_from_db()
    snapshot.input_hash = "0" * 64
    with pytest.raises(SnapshotImmutable):
        snapshot.save()
    with pytest.raises(SnapshotImmutable):
        snapshot.delete()
    row = SnapshotRow.objects.filter(snapshot=snapshot).first()
    row.metric = 999
    with pytest.raises(SnapshotImmutable):
        row.save()
    assert Snapshot.objects.get(pk=snapshot.pk).input_hash != "0" * 64


def test_verify_passes_after_a_unit_moves_and_a_member_is_deleted_and_reports_the_drift(study, capsys):
    tree = study["tree"]
    snapshot = compute(member_rule(study)).snapshot
    call_command("verify_snapshot", str(snapshot.pk))
    out = capsys.readouterr().out
    assert "OK, recomputed from its kept inputs" in out
    assert "0 participants' results added since, 0 changed, 0 gone" in out

    # The unit tree was frozen with the rule: moving 第二党支部 under 京津冀 changes nothing.
    org_services.unit_move(unit=tree["gz2"], new_parent=tree["jjj"])
    call_command("verify_snapshot", str(snapshot.pk))
    assert "OK" in capsys.readouterr().out
    assert by_label(snapshot)["D"].group_name == "广州特派办"

    # Deleting a member deletes their points: the snapshot still verifies from the inputs it
    # kept, and the drift report says one participant's result is gone.
    study["people"]["f"].delete()
    assert by_label(snapshot)["F"].rank == 1
    call_command("verify_snapshot", str(snapshot.pk))
    assert "0 participants' results added since, 0 changed, 1 gone" in capsys.readouterr().out


def test_verify_passes_after_late_facts_and_a_new_organ_and_the_drift_counts_them(study, capsys):
    tree = study["tree"]
    people = study["people"]
    units = factories.ranking_rule(
        tree["audit"], subject="unit", unit_level=3, metric="per_capita", sources=[{"kind": "points"}]
    )
    members = member_rule(study)
    unit_snapshot, member_snapshot = compute(units).snapshot, compute(members).snapshot

    # A late result for a new participant, a second one for a ranked participant, a new branch
    # with nobody in it yet.
    points(factories.member(tree["gz1"], username="late", real_name="LATE"), 5, "late-1")
    points(people["a"], 7, "a-late")
    factories.unit_at("审计署/广州特派办/第三党支部")

    for snapshot in (unit_snapshot, member_snapshot):
        call_command("verify_snapshot", str(snapshot.pk))
        assert "OK, recomputed from its kept inputs" in capsys.readouterr().out
    call_command("verify_snapshot", str(member_snapshot.pk))
    # Members: LATE is added, A's total changed.
    assert "1 participants' results added since, 1 changed, 0 gone" in capsys.readouterr().out
    call_command("verify_snapshot", str(unit_snapshot.pk))
    # Branches: LATE's result in 第一党支部 is added, A's changed; LATE was first placed after the
    # headcount's cut-off (when the rule was saved), and a first placement reaches back
    # (`headcount_as_credited`): 第一党支部's headcount changed, and the new 第三党支部 came.
    assert "1 participants' results added since, 1 changed, 0 gone; headcount changed in 2 units" in (
        capsys.readouterr().out
    )
    # The skip option prints the verdict only.
    call_command("verify_snapshot", str(unit_snapshot.pk), "--no-drift")
    assert "added since" not in capsys.readouterr().out


# Where a member ranking keeps a participant's score: by total in its row (one per member), by
# mean as a SnapshotInput row (a mean needs the unrounded score and the sources).
KEPT_SCORE = {
    "total": "UPDATE rankings_snapshotrow SET total = total + 1 WHERE snapshot_id = %s AND subject_id = %s",
    "mean": "UPDATE rankings_snapshotinput SET score = score + 1 WHERE snapshot_id = %s AND member_id = %s",
}


@pytest.mark.parametrize("metric", KEPT_SCORE)
def test_verify_reports_kept_inputs_altered_in_a_draft(study, metric):
    snapshot = compute(member_rule(study, metric=metric)).snapshot
    assert snapshot.inputs_in_rows is (metric == "total")
    assert SnapshotInput.objects.filter(snapshot=snapshot).count() == (0 if metric == "total" else 6)
    call_command("verify_snapshot", str(snapshot.pk), "--no-drift")
    with connection.cursor() as cursor:
        cursor.execute(KEPT_SCORE[metric], [snapshot.pk, study["people"]["c"].pk])
    with pytest.raises(CommandError) as mismatch:
        call_command("verify_snapshot", str(snapshot.pk), "--no-drift")
    assert "the kept inputs were altered" in str(mismatch.value)


def test_a_member_ranking_by_total_is_verified_and_compared_from_its_rows(study, capsys):
    rule = member_rule(study)
    snapshot = compute(rule).snapshot
    assert snapshot.inputs_in_rows and not SnapshotInput.objects.filter(snapshot=snapshot).exists()
    # C's points are edited and a newcomer scores: the snapshot still verifies from its rows,
    # and the drift report sees one result changed and one added.
    PointEvent.objects.filter(member=study["people"]["c"]).update(points=11)
    points(factories.member(study["tree"]["gz2"], username="late", real_name="LATE"), 5, "late-1")
    call_command("verify_snapshot", str(snapshot.pk))
    out = capsys.readouterr().out
    assert "OK, recomputed from its kept inputs" in out
    assert "1 participants' results added since, 1 changed, 0 gone" in out


def test_an_edit_to_an_existing_fact_marks_the_rule_dirty(study):
    rule = member_rule(study)
    compute(rule)
    assert rules_mark_dirty() == []
    # Same count, same newest id: only the checksum over the fact's columns sees the edit.
    PointEvent.objects.filter(member=study["people"]["b"]).update(points=21)
    assert rules_mark_dirty() == [rule.pk]
    assert compute(rule).snapshot.version == 2


def test_a_point_event_past_what_int4_holds_times_100_still_fingerprints(study):
    # 30,000,000 × 100 overflows PostgreSQL's integer: the checksum took points as "number"
    # (ROUND(points * 100) in int4) and the rule failed with "integer out of range".
    rule = member_rule(study)
    compute(rule)
    PointEvent.objects.filter(member=study["people"]["b"]).update(points=30_000_000)
    assert rules_mark_dirty() == [rule.pk]
    assert by_label(compute(rule).snapshot)["B"].total == 30_000_000


def test_compute_ranking_command_prints_a_json_last_line(study, capsys):
    import json

    rule = member_rule(study)
    call_command("compute_ranking", rule.slug, "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["version"] == 1 and summary["rows"] == 6 and summary["status"] == "draft"
    with pytest.raises(CommandError, match="No ranking rule"):
        call_command("compute_ranking", "no-such-rule")


def test_the_task_is_idempotent_and_the_sweep_queues_only_changed_rules(study, eager_tasks):
    rule = member_rule(study)
    assert tasks.recompute_dirty_rules() == [rule.pk]  # eager: computed at once
    assert Snapshot.objects.filter(rule=rule).count() == 1
    assert tasks.recompute_dirty_rules() == []  # nothing changed
    points(study["people"]["a"], 5, "a-2")
    assert tasks.recompute_dirty_rules() == [rule.pk]
    run = RankingRun.objects.filter(rule=rule).first()
    assert tasks.ranking_run(run.pk) == "nothing to do"
    assert Snapshot.objects.filter(rule=rule).count() == 2


def test_study_hours_from_micro_classes_rank_members(tree):
    from lessons.models import Lesson, StudyCredit

    lesson = Lesson.objects.create(title="第一讲", unit=tree["gz"], status="ready", duration_s=600)
    longer = Lesson.objects.create(title="第二讲", unit=tree["gz"], status="ready", duration_s=1800)
    a = factories.member(tree["gz1"], username="ha", real_name="HA")
    b = factories.member(tree["gz2"], username="hb", real_name="HB")
    at = timezone.make_aware(dt.datetime.combine(DAY, dt.time(10)))
    StudyCredit.objects.create(member=a, lesson=lesson, hours="0.25", granted_at=at)
    StudyCredit.objects.create(member=b, lesson=lesson, hours="0.25", granted_at=at)
    StudyCredit.objects.create(member=b, lesson=longer, hours="0.50", granted_at=at)
    rule = factories.ranking_rule(
        tree["audit"], subject="member", sources=[{"kind": "study_hours"}], period_starts_on=DAY, period_ends_on=DAY
    )
    rows = by_label(compute(rule).snapshot)
    assert (rows["HB"].rank, float(rows["HB"].total)) == (1, 0.75)
    assert (rows["HA"].rank, float(rows["HA"].total)) == (2, 0.25)


def test_four_eyes_whoever_computed_a_version_cannot_approve_it_and_another_administrator_can(study):
    alice = factories.administrator(study["tree"]["audit"], username="alice")
    bob = factories.administrator(study["tree"]["audit"], username="bob")
    rule = member_rule(study)
    run, _created = run_request(rule=rule, by=alice)
    snapshot = run_execute(run_id=run.pk).snapshot
    assert snapshot.computed_by == alice
    with translation.override("zh-hans"), pytest.raises(RankingRejected) as refused:
        snapshot_approve(snapshot=snapshot, by=alice)
    assert refused.value.code == "second_approver_required"
    assert "另一位管理员" in refused.value.message
    assert Snapshot.objects.get(pk=snapshot.pk).status == "draft"
    assert snapshot_approve(snapshot=snapshot, by=bob).approved_by == bob
    assert snapshot_publish(snapshot=snapshot, by=alice).status == "published"


def test_four_eyes_can_be_turned_off_and_a_sweep_computed_version_needs_no_second_person(study):
    alice = factories.administrator(study["tree"]["audit"], username="alice")
    swept = compute(member_rule(study)).snapshot  # no person: the background sweep
    assert swept.computed_by is None
    assert snapshot_approve(snapshot=swept, by=alice).status == "approved"
    alone = member_rule(study, slug="alone", requires_second_approver=False)
    run, _created = run_request(rule=alone, by=alice)
    assert snapshot_approve(snapshot=run_execute(run_id=run.pk).snapshot, by=alice).status == "approved"


def test_publishing_after_facts_changed_warns_and_publishes_only_as_it_stands(study):
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = member_rule(study)
    snapshot = snapshot_approve(snapshot=compute(rule).snapshot, by=admin)
    points(study["people"]["c"], 45, "c-2")
    with translation.override("en"), pytest.raises(RankingRejected) as refused:
        snapshot_publish(snapshot=snapshot, by=admin)
    assert refused.value.code == "facts_changed"
    assert "Facts changed since version 1 was computed" in refused.value.message
    assert Snapshot.objects.get(pk=snapshot.pk).status == "approved"
    assert snapshot_publish(snapshot=snapshot, by=admin, as_it_stands=True).status == "published"


def test_a_team_snapshot_verifies_from_its_kept_rosters_after_the_roster_and_scores_change(hall, capsys):  # noqa: F811
    from contests.models import ScoreEvent, TeamMember

    rule = factories.ranking_rule(
        hall["tree"]["audit"], subject="team", sources=[{"kind": "contest", "contest": hall["contest"]}]
    )
    snapshot = compute(rule).snapshot
    # c2 leaves team C's roster, and a judge's edit gives b1 five points more on an existing event.
    TeamMember.objects.filter(member=hall["people"]["c2"]).delete()
    ScoreEvent.objects.filter(member=hall["people"]["b1"]).update(points=25)
    assert rules_mark_dirty() == [rule.pk]
    call_command("verify_snapshot", str(snapshot.pk))
    out = capsys.readouterr().out
    assert "OK, recomputed from its kept inputs" in out
    # c2's entry in team C is gone, b1's changed; team C's roster changed.
    assert "0 participants' results added since, 1 changed, 1 gone; headcount changed in 0 units and 1 teams" in out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite rounds in double precision")
def test_a_row_stores_its_numbers_to_every_kept_decimal_past_fifteen_digits(study):
    """Rows take their total, metric and time as NUMERIC, not through a double: a total of sixteen
    significant digits is stored to its third decimal (a double holds fifteen, and the row kept
    1234570000123.4600 here), and the rows hash covers the stored value."""
    big = factories.member(study["tree"]["gz1"], username="big", real_name="BIG")
    at = timezone.make_aware(dt.datetime.combine(DAY, dt.time(9)))
    PointEvent.objects.bulk_create(
        PointEvent(member=big, activity="quiz", points=amount, day=DAY, occurred_at=at, source_key=f"big-{index}")
        for index, amount in enumerate([20_000_000] * 500 + [1])
    )
    rule = factories.ranking_rule(
        study["tree"]["audit"],
        subject="member",
        group_level=2,
        sources=[{"kind": "points", "weight": Decimal("123.457")}],
        period_starts_on=DAY,
        period_ends_on=DAY,
    )
    snapshot = compute(rule).snapshot
    row = snapshot.rows.get(subject_id=big.pk)
    assert row.total == row.metric == Decimal("1234570000123.4570")
    assert row.place == 1
    assert compute_module.rows_hash(snapshot.pk) == snapshot.rows_hash


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are taken on PostgreSQL only")
@pytest.mark.parametrize(
    ("fields", "looked_up_by_member"),
    [
        ({"subject": "member"}, False),
        ({"subject": "member", "mover_credit": "cut_off"}, True),
        ({"subject": "unit", "unit_level": 3, "metric": "participation"}, True),
    ],
)
def test_only_statements_looking_up_the_headcount_by_member_get_its_index_and_statistics(
    study, fields, looked_up_by_member
):
    """A member ranking crediting facts at their time ranks `rk_pp` as it stands and counts the
    headcount only per unit: it neither analyses `rk_pp` nor indexes and analyses `rk_heads`
    (about 0.1 s at 100,000 members). Cut-off crediting and unit rankings join the headcount by
    member and keep both. The snapshot verifies either way."""
    from django.test.utils import CaptureQueriesContext

    from rankings.services import snapshot_recompute

    rule = factories.ranking_rule(
        study["tree"]["audit"], sources=[{"kind": "points"}], period_starts_on=DAY, period_ends_on=DAY, **fields
    )
    with CaptureQueriesContext(connection) as queries:
        snapshot = compute(rule).snapshot
    statements = [" ".join(query["sql"].split()) for query in queries.captured_queries]
    assert snapshot.row_count > 0
    assert any(sql.startswith("CREATE INDEX rk_heads_member") for sql in statements) is looked_up_by_member
    assert ("ANALYZE rk_heads" in statements) is looked_up_by_member
    assert any(sql.startswith("ANALYZE rk_pp") for sql in statements) is (fields["subject"] != "member")
    assert snapshot_recompute(snapshot=snapshot).ok


def test_a_version_older_than_the_published_one_can_no_longer_be_approved_or_published(study):
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = member_rule(study)
    v1 = snapshot_approve(snapshot=compute(rule).snapshot, by=admin)
    points(study["people"]["c"], 45, "c-2")
    v2 = compute(rule).snapshot
    points(study["people"]["c"], 5, "c-3")
    v3 = compute(rule).snapshot
    assert [v1.version, v2.version, v3.version] == [1, 2, 3]
    snapshot_publish(snapshot=snapshot_approve(snapshot=v3, by=admin), by=admin)
    # A console page from before v3 was published still posts these (a stale form).
    with translation.override("en"):
        for action in (
            lambda: snapshot_approve(snapshot=v2, by=admin),
            lambda: snapshot_publish(snapshot=v2, by=admin, reason="older", as_it_stands=True),
            lambda: snapshot_publish(snapshot=v1, by=admin, reason="older", as_it_stands=True),
        ):
            with pytest.raises(RankingRejected) as refused:
                action()
            assert refused.value.code == "superseded"
            assert "superseded by version 3" in refused.value.message
    statuses = dict(Snapshot.objects.filter(rule=rule).values_list("version", "status"))
    assert statuses == {1: "approved", 2: "draft", 3: "published"}


def test_only_the_newest_of_two_unpublished_versions_may_be_approved_or_published(study):
    """Two drafts: the older was replaced by the newer computation before anyone published it,
    so it is refused (an approval vouches for the rows it was given to; two approved side by side
    would be published one after the other). The newer one goes through: one publication."""
    from quizsite.selectors import rankings_waiting

    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = member_rule(study)
    v1 = compute(rule).snapshot
    points(study["people"]["c"], 45, "c-2")
    v2 = compute(rule).snapshot
    with translation.override("en"):
        with pytest.raises(RankingRejected) as refused:
            snapshot_approve(snapshot=v1, by=admin)
        assert refused.value.code == "newer_version"
        assert refused.value.message == (
            "Version 1 is out of date: version 2 was computed after it. "
            "Only the newest version can be approved and published: check version 2."
        )
    # The administrator's home lists only version 2 as waiting for them.
    assert [snapshot.version for snapshot in rankings_waiting(admin)["waiting"]] == [2]
    v2 = snapshot_approve(snapshot=v2, by=admin)
    assert snapshot_publish(snapshot=v2, by=admin).status == "published"
    statuses = dict(Snapshot.objects.filter(rule=rule).values_list("version", "status"))
    assert statuses == {1: "draft", 2: "published"}


def test_an_approved_version_is_not_published_once_a_newer_one_is_computed(study):
    """Approved, then the facts change and the sweep computes version 2: version 1's approval
    does not carry over to it, and publishing version 1 is refused, in Chinese too."""
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = member_rule(study)
    v1 = snapshot_approve(snapshot=compute(rule).snapshot, by=admin)
    points(study["people"]["c"], 45, "c-2")
    v2 = compute(rule).snapshot
    with translation.override("zh-hans"):
        with pytest.raises(RankingRejected) as refused:
            snapshot_publish(snapshot=v1, by=admin, as_it_stands=True)
    assert refused.value.code == "newer_version"
    assert "第 1 版已过时" in refused.value.message and "第 2 版" in refused.value.message
    assert v2.status == "draft" and not Snapshot.objects.filter(rule=rule, status="published").exists()
