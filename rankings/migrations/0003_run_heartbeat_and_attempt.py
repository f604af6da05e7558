from django.db import migrations, models


def runs_started_before_heartbeats_beat_at_creation(apps, schema_editor):
    """A run already running has no heartbeat; counting from its creation lets it be taken over."""
    RankingRun = apps.get_model("rankings", "RankingRun")
    RankingRun.objects.filter(status="running").update(heartbeat_at=models.F("created_at"), attempt=1)


class Migration(migrations.Migration):
    dependencies = [
        ("rankings", "0002_rule_source_study_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="rankingrun",
            name="attempt",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="rankingrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(runs_started_before_heartbeats_beat_at_creation, migrations.RunPython.noop),
    ]
