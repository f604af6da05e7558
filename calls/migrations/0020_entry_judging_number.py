"""An entry keeps the number it reached judging with (`Entry.judging_number`), its blind label
作品 001: the label was worked out afresh from the entries in judging by id at every export, so an
entry recommended later, with a lower id, renumbered those after it, and a withdrawn one shifted
the rest. The entries already in judging are numbered by id, as the exports made so far labelled
them, so a label already shown still names the same entry; the next to arrive take the numbers
after."""

from django.db import migrations, models


def number_entries_in_judging(apps, schema_editor):
    Entry = apps.get_model("calls", "Entry")
    numbers: dict[int, int] = {}
    for entry in Entry.objects.filter(status="finalist").order_by("call_id", "pk").only("pk", "call_id"):
        numbers[entry.call_id] = numbers.get(entry.call_id, 0) + 1
        Entry.objects.filter(pk=entry.pk).update(judging_number=numbers[entry.call_id])


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0019_level_unit_kind_general_branch"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="judging_number",
            field=models.PositiveIntegerField(
                blank=True,
                editable=False,
                help_text="Its place in the order the call's entries reached judging.",
                null=True,
            ),
        ),
        migrations.RunPython(number_entries_in_judging, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="entry",
            constraint=models.UniqueConstraint(fields=("call", "judging_number"), name="one_judging_number_per_call"),
        ),
    ]
