"""Compute a ranking rule now, in this process: `manage.py compute_ranking RULE [--json]`."""

import json

from django.core.management.base import BaseCommand, CommandError

from rankings.models import RankingRule
from rankings.services import RankingRejected, run_execute, run_request


class Command(BaseCommand):
    help = "Compute a ranking rule (by id or short name) into a provisional snapshot."

    def add_arguments(self, parser):
        parser.add_argument("rule", help="the rule's id or short name (slug)")
        parser.add_argument("--json", action="store_true", help="end with one JSON line describing the run")

    def handle(self, *args, rule: str, json: bool = False, **options):
        found = RankingRule.objects.filter(slug=rule).first()
        if found is None and rule.isdecimal():
            found = RankingRule.objects.filter(pk=int(rule)).first()
        if found is None:
            raise CommandError(f"No ranking rule {rule!r} (give its id or short name).")
        try:
            run, created = run_request(rule=found)
        except RankingRejected as refused:
            raise CommandError(refused.message) from None
        if not created:
            raise CommandError(f"Rule {found.slug!r} is already being computed (run {run.pk}, {run.status}).")
        run = run_execute(
            run_id=run.pk,
            on_progress=lambda done, stage: self.stderr.write(f"{done:3d}% {stage}"),
        )
        if run.status != "done":
            raise CommandError(f"Run {run.pk} failed: {run.outcome}")
        snapshot = run.snapshot
        summary = {
            "rule": found.slug,
            "run": run.pk,
            "outcome": run.outcome,
            "snapshot": snapshot.pk if snapshot else None,
            "version": snapshot.version if snapshot else None,
            "status": snapshot.status if snapshot else None,
            "rows": snapshot.row_count if snapshot else 0,
            "eligible": snapshot.eligible_count if snapshot else 0,
            "input_hash": snapshot.input_hash if snapshot else "",
            "diff": snapshot.diff if snapshot else {},
        }
        if json:
            self.stdout.write(_json_line(summary))
        elif snapshot:
            self.stdout.write(
                f"{found.slug}: {run.outcome} snapshot v{snapshot.version} ({snapshot.get_status_display()}), "
                f"{snapshot.row_count} rows, {snapshot.eligible_count} ranked, input hash {snapshot.input_hash[:12]}"
            )


def _json_line(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)
