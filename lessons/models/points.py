"""Points: an append-only ledger with per-activity daily caps ("earned / cap")."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PointRule(models.Model):
    """How many points an activity earns per event, and at most per day (0: no cap)."""

    activity = models.SlugField(_("activity"), max_length=40, unique=True)
    label = models.CharField(_("name"), max_length=60)
    points = models.PositiveIntegerField(_("points per event"), default=1)
    daily_cap = models.PositiveIntegerField(_("daily cap"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class PointRuleChange(models.Model):
    """One change of a points rule: who made it, when, and its values before and after
    ({"points", "daily_cap", "is_active"}). Never updated; the rules page lists them."""

    rule = models.ForeignKey(PointRule, on_delete=models.CASCADE, related_name="changes")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()
    before = models.JSONField()
    after = models.JSONField()

    class Meta:
        verbose_name = _("points rule change")
        verbose_name_plural = _("points rule changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.rule} · {self.at:%Y-%m-%d %H:%M}"


class PointEvent(models.Model):
    """Points earned once for one source (an answer, a quiz, a video...). Never updated."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="point_events")
    activity = models.SlugField(max_length=40)
    points = models.IntegerField()
    day = models.DateField(db_index=True)
    occurred_at = models.DateTimeField()
    source_key = models.CharField(max_length=80)
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("point event")
        verbose_name_plural = _("point events")
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "activity", "source_key"], name="points_once_per_source")
        ]
        indexes = [models.Index(fields=["member", "day", "activity"])]

    def __str__(self) -> str:
        return f"{self.member} · {self.activity} +{self.points}"
