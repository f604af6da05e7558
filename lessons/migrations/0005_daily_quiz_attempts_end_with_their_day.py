"""Open daily-quiz attempts started before daily quizzes had a deadline get their day's end."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone


def set_day_end(apps, schema_editor):
    Attempt = apps.get_model("lessons", "Attempt")
    local = timezone.get_default_timezone()
    for attempt in Attempt.objects.filter(status="in_progress", day__isnull=False):
        day_end = timezone.make_aware(datetime.combine(attempt.day + timedelta(days=1), time.min), local)
        attempt.deadline_at = min(attempt.deadline_at or day_end, day_end)
        attempt.save(update_fields=["deadline_at"])


class Migration(migrations.Migration):
    dependencies = [("lessons", "0004_micro_classes")]
    operations = [migrations.RunPython(set_day_end, migrations.RunPython.noop)]
