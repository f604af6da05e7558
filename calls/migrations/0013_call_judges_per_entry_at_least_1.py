import django.core.validators
from django.db import migrations, models


def raise_zero_to_one(apps, schema_editor):
    """A call saved with 0 judges per entry (the form took it) gave no entry a judge: it asks for
    one now, so the constraint can hold."""
    apps.get_model("calls", "Call").objects.filter(judges_per_entry=0).update(judges_per_entry=1)


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0012_entry_summary_limit_and_file_replaced_at"),
    ]

    operations = [
        migrations.RunPython(raise_zero_to_one, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="call",
            name="judges_per_entry",
            field=models.PositiveSmallIntegerField(
                default=3,
                validators=[
                    django.core.validators.MinValueValidator(1, message="Each entry needs at least 1 judge: with 0, no entry would get a judge.")
                ],
                verbose_name="judges per entry",
            ),
        ),
        migrations.AddConstraint(
            model_name="call",
            constraint=models.CheckConstraint(
                condition=models.Q(("judges_per_entry__gte", 1)), name="call_judges_per_entry_at_least_1"
            ),
        ),
    ]
