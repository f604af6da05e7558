"""manage.py import_questions FILE --bank SLUG [--unit PATH] [--format F] [--dry-run] [--json]"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lessons.importing.jobs import import_job_create, import_job_finish
from lessons.importing.run import FORMATS, format_for, questions_import
from lessons.models import QuestionBank
from lessons.services.questions import bank_create
from orgs.selectors import unit_by_path


class Command(BaseCommand):
    help = "Import questions from xlsx, csv, Aiken or GIFT into a bank (created if missing). All or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--bank", required=True, help="the bank's code (slug)")
        parser.add_argument("--unit", help="unit path owning a new bank, e.g. 审计署/广州特派办")
        parser.add_argument("--format", choices=FORMATS, help="default: from the file's extension")
        parser.add_argument("--dry-run", action="store_true", help="check everything, store nothing")
        parser.add_argument("--json", action="store_true", help="end with one JSON line summarising the result")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        fmt = options["format"] or format_for(path.name)
        if fmt is None:
            raise CommandError(f"Cannot tell the format of {path.name}; pass --format ({', '.join(FORMATS)}).")
        bank = QuestionBank.objects.filter(slug=options["bank"]).first()
        if bank is None:
            unit = unit_by_path(options["unit"] or "")
            if unit is None:
                raise CommandError(f"Bank {options['bank']!r} does not exist; name its unit with --unit PATH.")
            bank = (
                bank_create(slug=options["bank"], name=options["bank"], unit=unit)
                if not options["dry_run"]
                else QuestionBank(slug=options["bank"], unit=unit)
            )
        data = path.read_bytes()
        if options["dry_run"]:
            report = questions_import(data=data, fmt=fmt, bank=bank, by=None, dry_run=True)
        else:
            # Recorded as the page's imports are (a job holding the file, its questions linked to it),
            # so the bank's page lists it and can undo it.
            with transaction.atomic():
                job = import_job_create(bank=bank, filename=path.name, fmt=fmt, data=data, by=None, confirmed=True)
                report = questions_import(data=data, fmt=fmt, bank=bank, by=None, import_job_id=job.pk)
                import_job_finish(job=job, report=report)
        for error in report.errors:
            where = f"row {error['row']}" if "row" in error else f"line {error['line']}"
            column = f", {error['column']}" if error["column"] else ""
            self.stderr.write(f"{path.name} {where}{column}: {error['message']}")
        for where in report.duplicates:
            self.stdout.write(
                f"duplicate skipped: {'row ' + str(where['row']) if 'row' in where else 'line ' + str(where['line'])}"
            )
        verb = "would import" if options["dry_run"] else "imported"
        if report.ok:
            counts = ", ".join(f"{k} {v}" for k, v in report.by_type.items())
            found = f"{len(report.drafts)} questions into {bank.slug} ({counts})"
            self.stdout.write(f"{verb} {found}; {len(report.duplicates)} duplicates")
        if options["json"]:
            self.stdout.write(json.dumps(report.summary(), ensure_ascii=False))
        if not report.ok:
            raise CommandError(f"{len(report.errors)} problem(s); nothing was imported.", returncode=1)
