import json

from django.db import migrations, models

import lessons.models.questions


def rewrite_options_as_typed(apps, schema_editor):
    """SQLite kept the options' Chinese as \\uXXXX escapes, which a search for "1922" matched:
    write each stored list again with its text as typed. PostgreSQL's jsonb keeps no escapes."""
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, options FROM lessons_questionversion WHERE options LIKE '%\\u%'")
        rows = cursor.fetchall()
        changed = [
            (json.dumps(json.loads(options), ensure_ascii=False), pk)
            for pk, options in rows
            if json.dumps(json.loads(options), ensure_ascii=False) != options
        ]
        cursor.executemany("UPDATE lessons_questionversion SET options = %s WHERE id = %s", changed)


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0029_notebook_entry_last_miss_partly_right"),
    ]

    operations = [
        migrations.AlterField(
            model_name="questionversion",
            name="options",
            field=models.JSONField(
                blank=True,
                default=list,
                encoder=lessons.models.questions.TextAsTypedJSONEncoder,
                verbose_name="options",
            ),
        ),
        migrations.RunPython(rewrite_options_as_typed, migrations.RunPython.noop),
    ]
