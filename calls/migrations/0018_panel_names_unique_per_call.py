"""A call's panels are told apart by name (the manage page, the assign button, the judges'
progress), which only the forms and `panel_save` kept unique. The database now does: a panel named
like an earlier one of its call (outer spaces aside, as `panel_name_taken` compares) is first
renamed 评审组 (2), 评审组 (3)... after the first name free in its call, its English name likewise."""

from django.db import migrations, models

NAME_MAX = 60


def numbered(name: str, number: int) -> str:
    suffix = f" ({number})"
    return name[: NAME_MAX - len(suffix)] + suffix


def rename_duplicate_panels(apps, schema_editor):
    Panel = apps.get_model("calls", "Panel")
    taken: dict[int, set[str]] = {}
    for call_id, name in Panel.objects.values_list("call_id", "name"):
        taken.setdefault(call_id, set()).add(name.strip())
    kept: set[tuple[int, str]] = set()
    for panel in Panel.objects.order_by("call_id", "pk"):
        name = panel.name.strip()
        if (panel.call_id, name) in kept:
            number = 2
            while numbered(name, number) in taken[panel.call_id]:
                number += 1
            name = numbered(name, number)
            taken[panel.call_id].add(name)
            if panel.name_en:
                panel.name_en = numbered(panel.name_en.strip(), number)
        kept.add((panel.call_id, name))
        if name != panel.name:
            panel.name = name
            panel.save(update_fields=["name", "name_en"])


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0017_judge_audit_lines_keep_panel_english_name"),
    ]

    operations = [
        migrations.RunPython(rename_duplicate_panels, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="panel",
            constraint=models.UniqueConstraint(fields=("call", "name"), name="one_panel_name_per_call"),
        ),
    ]
