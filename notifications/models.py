"""In-app notifications and the record of reminders sent (which rate-limits them)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit
from quizsite.naming import in_language_params


class Notification(models.Model):
    """One message to one person. Its words are made from `kind` and `params` when it is shown,
    so it reads in the reader's language, not the sender's."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30)
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_id} · {self.kind}"

    @property
    def kind_class(self):
        from .kinds import kind

        return kind(self.kind)

    @property
    def title(self) -> str:
        return self.kind_class.title(in_language_params(self.params))

    @property
    def body(self) -> str:
        return self.kind_class.body(in_language_params(self.params))

    @property
    def icon(self) -> str:
        return self.kind_class.icon


class ReminderSent(models.Model):
    """An organiser reminded the members of `unit` who had not finished `subject_key`
    (``lesson:<id>`` or ``paper:<id>``). A fact: the next reminder for the same unit and subject
    waits `NOTIFICATION_REMINDER_INTERVAL_H` hours after it."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    subject_key = models.CharField(max_length=40)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["unit", "subject_key", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.subject_key} @ {self.sent_at}"
