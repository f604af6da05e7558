"""Recompute a snapshot from today's facts and compare: `manage.py verify_snapshot ID`."""

from django.core.management.base import BaseCommand, CommandError

from rankings.models import Snapshot
from rankings.services import snapshot_recompute


class Command(BaseCommand):
    help = "Recompute a snapshot with its stored parameters; exit non-zero if inputs or rows differ."

    def add_arguments(self, parser):
        parser.add_argument("snapshot", type=int, help="the snapshot's id")

    def handle(self, *args, snapshot: int, **options):
        stored = Snapshot.objects.select_related("rule").filter(pk=snapshot).first()
        if stored is None:
            raise CommandError(f"No snapshot {snapshot}.")
        input_hash, rows_hash = snapshot_recompute(snapshot=stored)
        label = f"{stored.rule.slug} v{stored.version} ({stored.get_status_display()})"
        problems = []
        if input_hash != stored.input_hash:
            problems.append(
                f"input hash differs: stored {stored.input_hash[:16]}, now {input_hash[:16]} "
                "(facts were added, changed or deleted since)"
            )
        if rows_hash != stored.rows_hash:
            problems.append(f"rows differ: stored {stored.rows_hash[:16]}, recomputed {rows_hash[:16]}")
        if problems:
            raise CommandError(f"{label}: MISMATCH\n  " + "\n  ".join(problems))
        self.stdout.write(f"{label}: OK, input hash {input_hash[:16]} and rows hash {rows_hash[:16]} match")
