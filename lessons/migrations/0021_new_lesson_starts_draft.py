from django.db import migrations, models

CHOICES = [("draft", "Draft"), ("published", "Published")]


class Migration(migrations.Migration):
    """Lessons get a draft state. Every lesson already made was shown to its audience as soon as
    its video was ready, so it is added as published (today's visible lessons stay visible); a
    lesson made from now on starts as a draft."""

    dependencies = [
        ("lessons", "0020_new_paper_starts_draft"),
    ]

    operations = [
        migrations.AddField(
            model_name="lesson",
            name="publication",
            field=models.CharField(choices=CHOICES, default="published", max_length=10, verbose_name="publication"),
        ),
        migrations.AlterField(
            model_name="lesson",
            name="publication",
            field=models.CharField(choices=CHOICES, default="draft", max_length=10, verbose_name="publication"),
        ),
    ]
