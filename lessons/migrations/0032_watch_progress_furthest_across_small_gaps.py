"""Before the player's beats were credited from the stretch they continue (within 0.25 s, see
`RESUME_GAP_S`), pausing and playing again split a member's watched stretch by up to 0.25 s, and
the end of the stretch watched from the start (`furthest_s`) stopped at the first split. A
required lesson resumes, and may be sought, no further than that, so the member was thrown back
there once. `gapless_end` now reads across such gaps; the stored ends are read again the same way.
The stretches themselves, and what they credit, stay as they are."""

from decimal import Decimal

from django.db import migrations

# `lessons.services.videos.RESUME_GAP_S` and `gapless_end` as this migration was written.
RESUME_GAP_S = 0.25


def gapless_end(intervals: list[list[float]]) -> float:
    end = 0.0
    for low, high in intervals:
        if low > end + RESUME_GAP_S:
            break
        end = max(end, high)
    return end


def read_furthest_across_small_gaps(apps, schema_editor):
    WatchProgress = apps.get_model("lessons", "WatchProgress")
    changed = []
    for progress in WatchProgress.objects.only("intervals", "furthest_s").iterator(chunk_size=2000):
        furthest = Decimal(f"{gapless_end(progress.intervals):.2f}")
        if furthest != progress.furthest_s:
            progress.furthest_s = furthest
            changed.append(progress)
    WatchProgress.objects.bulk_update(changed, ["furthest_s"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("lessons", "0031_online_contest_point_rule")]
    operations = [migrations.RunPython(read_furthest_across_small_gaps, migrations.RunPython.noop)]
