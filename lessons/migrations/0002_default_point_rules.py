from django.db import migrations

DEFAULT_RULES = [
    # activity, label, points per event, daily cap
    ("practice_correct", "练习答对", 1, 10),
    ("daily_correct", "每日答题答对", 1, 5),
    ("exam_submit", "完成限时测验", 2, 4),
    ("challenge_correct", "挑战答题答对", 1, 6),
    ("notebook_review", "错题复习答对", 1, 5),
]


def add_rules(apps, schema_editor):
    PointRule = apps.get_model("lessons", "PointRule")
    for activity, label, points, cap in DEFAULT_RULES:
        PointRule.objects.get_or_create(activity=activity, defaults={"label": label, "points": points, "daily_cap": cap})


def remove_rules(apps, schema_editor):
    apps.get_model("lessons", "PointRule").objects.filter(activity__in=[r[0] for r in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("lessons", "0001_question_banks_papers_attempts_notebook_points")]
    operations = [migrations.RunPython(add_rules, remove_rules)]
