"""Study-hours rules that an organ's administrators keep in the product.

A version takes effect on a local calendar day and applies to completions from that day on; a
completion is credited by the version in force on its local day, and `StudyCredit` keeps what was
granted, so a later version never changes a credit. Versions are never edited: a change is a new
version, and one whose day has not come may be withdrawn (it stays in the history). Without any
version an organ's lessons earn by the settings (`LESSON_STUDY_HOURS`, `LESSON_STUDY_MIN_S`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit


class StudyHoursRule(models.Model):
    class BeyondLast(models.TextChoices):
        QUARTERS = "quarters", _("A quarter hour per 15 minutes")
        CAP = "cap", _("The last step's hours (capped)")

    organ = models.ForeignKey(Unit, verbose_name=_("organ"), on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(_("takes effect on"))
    min_minutes = models.PositiveIntegerField(_("shortest lesson that earns hours (minutes)"), default=0)
    # [[minutes, "hours"], ...], minutes ascending: a lesson up to that many minutes earns the hours.
    steps = models.JSONField()
    beyond_last = models.CharField(
        _("lessons longer than the last step"), max_length=10, choices=BeyondLast.choices, default=BeyondLast.QUARTERS
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A version withdrawn before its day came: kept in the history, applied to nothing.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("study-hours rule")
        verbose_name_plural = _("study-hours rules")
        ordering = ["organ_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organ", "effective_from"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_study_rule_per_organ_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organ_id} from {self.effective_from}"
