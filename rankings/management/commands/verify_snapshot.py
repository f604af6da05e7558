"""Recompute a snapshot from the inputs it kept and compare: `manage.py verify_snapshot ID [--no-drift]`."""

from django.core.management.base import BaseCommand, CommandError

from rankings.models import Snapshot
from rankings.services import snapshot_drift, snapshot_recompute


class Command(BaseCommand):
    help = (
        "Recompute a snapshot from the inputs it kept with its stored parameters; exit non-zero if the "
        "inputs or the rows differ from what it recorded. Then say how today's facts differ from those inputs."
    )

    def add_arguments(self, parser):
        parser.add_argument("snapshot", type=int, help="the snapshot's id")
        parser.add_argument("--no-drift", action="store_true", help="skip comparing today's facts with the kept inputs")

    def handle(self, *args, snapshot: int, no_drift: bool = False, **options):
        stored = Snapshot.objects.select_related("rule").filter(pk=snapshot).first()
        if stored is None:
            raise CommandError(f"No snapshot {snapshot}.")
        check = snapshot_recompute(snapshot=stored)
        label = f"{stored.rule.slug} v{stored.version} ({stored.get_status_display()})"
        source = "its kept inputs" if check.from_kept_inputs else "today's facts (it predates kept inputs)"
        problems = []
        if not check.inputs_match:
            problems.append(
                f"input hash differs: stored {stored.input_hash[:16]}, now {check.input_hash[:16]} "
                + ("(the kept inputs were altered)" if check.from_kept_inputs else "(facts changed since)")
            )
        if not check.rows_match:
            problems.append(f"rows differ: stored {stored.rows_hash[:16]}, recomputed {check.rows_hash[:16]}")
        if problems:
            raise CommandError(f"{label}: MISMATCH, recomputed from {source}\n  " + "\n  ".join(problems))
        self.stdout.write(
            f"{label}: OK, recomputed from {source}: input hash {check.input_hash[:16]} "
            f"and rows hash {check.rows_hash[:16]} match"
        )
        if no_drift:
            return
        drift = snapshot_drift(snapshot=stored)
        if drift is None:
            return
        self.stdout.write(
            "Today's facts against the kept inputs: "
            f"{drift['added']} participants' results added since, {drift['changed']} changed, "
            f"{drift['gone']} gone; headcount changed in {drift['units']} units and {drift['teams']} teams"
        )
