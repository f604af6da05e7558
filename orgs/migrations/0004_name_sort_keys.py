"""Members and units get `name_sort`, the key their names are listed by (pinyin; orgs.sorting),
filled in here for the people and units already there."""

from django.db import migrations, models

from orgs.sorting import name_sort_key, person_sort_key

BATCH = 2000


def fill_sort_keys(apps, schema_editor):
    User = apps.get_model("orgs", "User")
    Unit = apps.get_model("orgs", "Unit")
    users = User.objects.only("real_name", "first_name", "last_name", "username").order_by("pk")
    last = 0
    while batch := list(users.filter(pk__gt=last)[:BATCH]):
        for user in batch:
            # The historical model has no `display_name`: the same choice, spelled out.
            full_name = f"{user.first_name} {user.last_name}".strip()
            user.name_sort = person_sort_key(user.real_name or full_name or user.username)
        User.objects.bulk_update(batch, ["name_sort"])
        last = batch[-1].pk
    units = list(Unit.objects.only("name").order_by("pk"))
    for unit in units:
        unit.name_sort = name_sort_key(unit.name)
    Unit.objects.bulk_update(units, ["name_sort"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0003_user_must_change_password"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="name_sort",
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name="user",
            name="name_sort",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=255),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop, elidable=True),
    ]
