"""A study credit records what gave its hours: a version of its lesson's organ's rule, the
lesson's own hours or the platform's default. Existing credits are filled in by
`backfill_credit_basis` where the data still tells; the others stay "unknown" (shown as not
recorded)."""

from collections import defaultdict

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

# The migration that brought organs' rules and lessons' own hours: before it was applied, every
# credit was granted by the settings' rule.
RULES_ARRIVED = ("lessons", "0016_study_hours_rules_and_lesson_fixed_hours")
BATCH = 1000


def credit_basis_then(credit, *, organ_versions: list, settings_rule, rules_arrived_at) -> tuple[str, object]:
    """(basis, version) that gave `credit` its hours, or ("unknown", None) when the data no longer
    tells. Granted before organs' rules existed here: the platform's default. Otherwise its hours
    are set against the two things that could have given them: the lesson's own hours as they
    stand now, and the rule of the lesson's organ in force on the credit's local day (`TIME_ZONE`)
    among the versions created by then (`organ_versions`, not withdrawn, the earliest day first; a
    withdrawn version never applied, since only one whose day had not come may be withdrawn), or
    `settings_rule` without one. Exactly one gives the credit's hours: that one. Both (the same
    hours either way, and whether the lesson's own hours were set by then is not recorded) or
    neither (the lesson's hours or length, or the settings' rule, changed since): unknown."""
    from lessons.services.study_rules import rule_from_version

    if rules_arrived_at and credit.granted_at < rules_arrived_at:
        return "default", None
    lesson = credit.lesson
    day = timezone.localdate(credit.granted_at)
    in_force = None
    for version in organ_versions:
        if version.effective_from <= day and version.created_at <= credit.granted_at:
            in_force = version
    rule = rule_from_version(in_force) if in_force else settings_rule
    by_rule = rule.hours_for(float(lesson.duration_s)) if lesson.duration_s else None
    rule_gives = by_rule is not None and by_rule == credit.hours
    lesson_gives = lesson.study_hours is not None and lesson.study_hours == credit.hours
    if rule_gives and not lesson_gives:
        return ("rule", in_force) if in_force else ("default", None)
    if lesson_gives and not rule_gives:
        return "lesson", None
    return "unknown", None


def backfill_credit_basis(apps, schema_editor) -> None:
    """Record what gave each credit still "unknown" its hours, where `credit_basis_then` can tell."""
    # The rule's arithmetic is the code that granted the hours; it reads only a version's fields.
    from lessons.services.study_rules import default_rule

    StudyCredit = apps.get_model("lessons", "StudyCredit")
    StudyHoursRule = apps.get_model("lessons", "StudyHoursRule")
    rules_arrived_at = (
        MigrationRecorder(schema_editor.connection)
        .migration_qs.filter(app=RULES_ARRIVED[0], name=RULES_ARRIVED[1])
        .values_list("applied", flat=True)
        .first()
    )
    versions_by_organ = defaultdict(list)
    for version in (
        StudyHoursRule.objects.filter(withdrawn_at__isnull=True)
        .select_related("organ")
        .order_by("effective_from", "created_at")
    ):
        versions_by_organ[version.organ.path].append(version)
    settings_rule = default_rule()
    known = []
    credits = StudyCredit.objects.filter(basis="unknown").select_related("lesson__unit").order_by("pk")
    for credit in credits.iterator(chunk_size=BATCH):
        unit_path = credit.lesson.unit.path
        organ_versions = next((vs for path, vs in versions_by_organ.items() if unit_path.startswith(path)), [])
        basis, version = credit_basis_then(
            credit, organ_versions=organ_versions, settings_rule=settings_rule, rules_arrived_at=rules_arrived_at
        )
        if basis != "unknown":
            credit.basis, credit.rule = basis, version
            known.append(credit)
        if len(known) >= BATCH:
            StudyCredit.objects.bulk_update(known, ["basis", "rule"])
            known = []
    StudyCredit.objects.bulk_update(known, ["basis", "rule"])


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0016_study_hours_rules_and_lesson_fixed_hours"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="studycredit",
            name="basis",
            field=models.CharField(
                choices=[
                    ("rule", "A version of an organ's study-hours rule"),
                    ("lesson", "The lesson's own hours"),
                    ("default", "The platform's default"),
                    ("unknown", "Not recorded"),
                ],
                default="unknown",
                max_length=10,
                verbose_name="hours by",
            ),
        ),
        migrations.AddField(
            model_name="studycredit",
            name="rule",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="credits",
                to="lessons.studyhoursrule",
                verbose_name="study-hours rule",
            ),
        ),
        migrations.AddConstraint(
            model_name="studycredit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("basis", "rule"), ("rule__isnull", False)),
                    models.Q(models.Q(("basis", "rule"), _negated=True), ("rule__isnull", True)),
                    _connector="OR",
                ),
                name="study_credit_rule_with_its_basis",
            ),
        ),
        migrations.RunPython(backfill_credit_basis, migrations.RunPython.noop),
    ]
