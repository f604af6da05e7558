"""Score bands on the participation rate: what the rule builder showed and took as typed is now a
percentage on the page and a fraction stored, like the rate itself (0.95) and the minimum
participation. Stored bands keep the meaning the computation gave them where they had one: a band
of at most 1 was compared with the fraction and reached (0.9 is 90 %), so it stays. A band above 1
could be reached by no rate of at most 100 %: it was typed as a percentage on a form that did not
convert it (90 meaning 90 %), and is read so (90 -> 0.9). Published snapshots keep the parameters
they were computed with; only the next computation reads the rule."""

from decimal import Decimal

from django.db import migrations


def bands_above_one_read_as_percent(apps, schema_editor):
    RankingRule = apps.get_model("rankings", "RankingRule")
    for rule in RankingRule.objects.filter(metric="participation", prize_mode="band"):
        tiers = rule.prize_tiers or []
        if not any(float(tier.get("value", 0)) > 1 for tier in tiers):
            continue
        for tier in tiers:
            if float(tier["value"]) > 1:
                tier["value"] = float(Decimal(str(tier["value"])) / 100)
        rule.prize_tiers = tiers
        rule.version += 1  # a changed rule is a new version, recomputed by the next sweep
        rule.dirty = True
        rule.save(update_fields=["prize_tiers", "version", "dirty"])


class Migration(migrations.Migration):
    dependencies = [("rankings", "0024_unit_rankings_by_kind")]

    operations = [migrations.RunPython(bands_above_one_read_as_percent, migrations.RunPython.noop)]
