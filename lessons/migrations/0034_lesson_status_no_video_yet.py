from django.db import migrations, models
from django.db.models import Exists, OuterRef


def never_uploaded_to_no_video(apps, schema_editor):
    """Lessons that read "Uploading" with no video and no upload open never had one started."""
    Lesson = apps.get_model("lessons", "Lesson")
    Upload = apps.get_model("lessons", "Upload")
    Lesson.objects.filter(status="uploading", source="").exclude(
        Exists(Upload.objects.filter(lesson=OuterRef("pk"), completed_at__isnull=True))
    ).update(status="no_video")


def no_video_to_uploading(apps, schema_editor):
    apps.get_model("lessons", "Lesson").objects.filter(status="no_video").update(status="uploading")


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0033_attempt_revision"),
    ]

    operations = [
        migrations.AlterField(
            model_name="lesson",
            name="status",
            field=models.CharField(
                choices=[
                    ("no_video", "No video yet"),
                    ("uploading", "Uploading"),
                    ("processing", "Processing"),
                    ("ready", "Ready"),
                    ("failed", "Failed"),
                ],
                default="no_video",
                max_length=12,
            ),
        ),
        migrations.RunPython(never_uploaded_to_no_video, no_video_to_uploading),
    ]
