"""manage.py export_questions --bank SLUG OUT.xlsx"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lessons.importing.export import bank_export
from lessons.models import QuestionBank


class Command(BaseCommand):
    help = "Export a bank to xlsx in the layout the import reads."

    def add_arguments(self, parser) -> None:
        parser.add_argument("out")
        parser.add_argument("--bank", required=True)

    def handle(self, *args, **options) -> None:
        bank = QuestionBank.objects.filter(slug=options["bank"]).first()
        if bank is None:
            raise CommandError(f"No bank with code {options['bank']!r}.")
        Path(options["out"]).write_bytes(bank_export(bank))
        self.stdout.write(f"exported {bank.questions.exclude(status='retired').count()} questions to {options['out']}")
