from django.db import migrations, models
from django.db.models import F


def existing_jobs_confirmed(apps, schema_editor):
    # Before this field a pending job was either a preview's or a confirmed import waiting for a
    # worker, with nothing to tell them apart: keep them all, since a confirmed file is never swept.
    apps.get_model("lessons", "ImportJob").objects.update(confirmed_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0018_english_descriptions"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(existing_jobs_confirmed, migrations.RunPython.noop),
    ]
