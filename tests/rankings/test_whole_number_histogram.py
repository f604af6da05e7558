"""The board's histogram bands whole-number metrics (points, counts) in whole numbers."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from rankings.models import Snapshot, SnapshotRow
from rankings.selectors import score_histogram
from tests import factories


def snapshot_of(tree, metrics: list[str]) -> Snapshot:
    rule = factories.ranking_rule(tree["audit"], sources=[])
    snapshot = Snapshot.objects.create(
        rule=rule,
        version=1,
        rule_version=1,
        parameters={"metric": "total"},
        input_hash="0" * 64,
        rows_hash="0" * 64,
        computed_at=timezone.make_aware(datetime(2026, 12, 1, 9)),
    )
    SnapshotRow.objects.bulk_create(
        SnapshotRow(
            snapshot=snapshot,
            subject_id=n,
            label=f"成员{n}",
            metric=Decimal(metric),
            total=Decimal(metric),
            participants=1,
            time_used_s=Decimal(0),
            eligible=True,
        )
        for n, metric in enumerate(metrics)
    )
    return snapshot


def test_whole_number_points_get_whole_number_bands(tree):
    """Points 1 to 43: 43 values in 10 bands would be 4.3 wide ("1.0–5.2"); whole bands are
    ceil(43 / 10) = 5 wide, so 9 of them: 1–5, 6–10, ..., 41–45. 1, 5 and 6 fall in the first two;
    43 in the last."""
    histogram = score_histogram(snapshot_of(tree, ["1", "5", "6", "20", "43"]))
    assert histogram["labels"] == ["1–5", "6–10", "11–15", "16–20", "21–25", "26–30", "31–35", "36–40", "41–45"]
    assert histogram["counts"] == [2, 1, 0, 1, 0, 0, 0, 0, 1]


def test_a_narrow_whole_number_range_gets_one_value_per_band(tree):
    """Points 3 to 7: five values, fewer than 10 bands, so one value each: 3, 4, 5, 6, 7."""
    histogram = score_histogram(snapshot_of(tree, ["3", "3", "5", "7"]))
    assert histogram == {"labels": ["3", "4", "5", "6", "7"], "counts": [2, 0, 1, 0, 1]}


def test_fractional_metrics_keep_decimal_bands(tree):
    """Averages 1.5 to 6.5: width 0.5, one decimal: 1.5–2.0 first."""
    histogram = score_histogram(snapshot_of(tree, ["1.5", "6.5"]))
    assert histogram["labels"][0] == "1.5–2.0" and histogram["counts"] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
