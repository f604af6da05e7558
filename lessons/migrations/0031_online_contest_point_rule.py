from django.db import migrations

# Finishing an online contest's attempt earned "exam_submit" points and shared the timed exams'
# daily cap. It has its own activity now; the points already earned stay as recorded.
RULE = ("online_contest_submit", "完成线上竞赛", 2, 4)


def add_rule(apps, schema_editor):
    activity, label, points, cap = RULE
    apps.get_model("lessons", "PointRule").objects.get_or_create(
        activity=activity, defaults={"label": label, "points": points, "daily_cap": cap}
    )


def remove_rule(apps, schema_editor):
    apps.get_model("lessons", "PointRule").objects.filter(activity=RULE[0]).delete()


class Migration(migrations.Migration):
    dependencies = [("lessons", "0030_question_options_stored_as_typed")]
    operations = [migrations.RunPython(add_rule, remove_rule)]
