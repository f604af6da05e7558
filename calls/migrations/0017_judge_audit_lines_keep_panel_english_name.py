"""Log lines of a judge joining or leaving a panel kept the panel's Chinese name only: those written
before this one take the English name the call's panel of that name has now, if it has one."""

from django.db import migrations


def add_panel_english_names(apps, schema_editor):
    AuditEvent = apps.get_model("calls", "AuditEvent")
    Panel = apps.get_model("calls", "Panel")
    english = {
        (call_id, name): name_en
        for call_id, name, name_en in Panel.objects.exclude(name_en="").values_list("call_id", "name", "name_en")
    }
    for event in AuditEvent.objects.filter(detail_code__in=["judge_added", "judge_removed"]):
        name_en = english.get((event.call_id, event.detail_params.get("panel")))
        if name_en and "panel_en" not in event.detail_params:
            event.detail_params = event.detail_params | {"panel_en": name_en}
            event.save(update_fields=["detail_params"])


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0016_panel_english_name"),
    ]

    operations = [
        migrations.RunPython(add_panel_english_names, migrations.RunPython.noop),
    ]
