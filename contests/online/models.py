"""An online contest wraps a lessons paper (mode exam) and adds what a contest needs on top of
the attempt engine: an audience of units, a stored draw seed per attempt, one device at a time,
and integrity events shown to organisers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lessons.models import Attempt, Paper
from orgs.models import Unit


class OnlineContest(models.Model):
    """An individual online contest. Its paper (mode exam) holds the title, the organising unit,
    the window (`opens_at`, `closes_at`), the draw rules, attempts allowed, the attempt that
    counts, the time limit, shuffling and when keys are shown, so the attempt engine applies them
    and nothing is stored twice."""

    paper = models.OneToOneField(Paper, on_delete=models.PROTECT, related_name="online_contest")
    audience = models.ManyToManyField(Unit, verbose_name=_("audience"), related_name="+")
    party_members_only = models.BooleanField(_("party members only"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("online contest")
        verbose_name_plural = _("online contests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.paper.display_title

    @property
    def title(self) -> str:
        return self.paper.title

    @property
    def display_title(self) -> str:
        return self.paper.display_title


class OnlineAttempt(models.Model):
    """A member's attempt at an online contest: the lessons attempt, the seed its paper was drawn
    with (so it can be drawn again for an audit) and the device that holds it now."""

    contest = models.ForeignKey(OnlineContest, on_delete=models.PROTECT, related_name="attempts")
    attempt = models.OneToOneField(Attempt, on_delete=models.PROTECT, related_name="online")
    seed = models.BigIntegerField()
    device = models.CharField(max_length=64, help_text=_("The device allowed to answer; another one takes over."))
    takeovers = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("online attempt")
        verbose_name_plural = _("online attempts")

    def __str__(self) -> str:
        return str(self.attempt)


class IntegrityEvent(models.Model):
    """Something an organiser may want to look at: the page hidden, a paste, a device takeover.
    Facts, never updated; recorded, not punished."""

    class Kind(models.TextChoices):
        FOCUS_LOST = "focus_lost", _("Left the page")
        PASTE = "paste", _("Pasted text")
        TAKEOVER = "takeover", _("Continued on another device")

    online_attempt = models.ForeignKey(OnlineAttempt, on_delete=models.CASCADE, related_name="events")
    position = models.PositiveIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["online_attempt", "kind"])]

    def __str__(self) -> str:
        return f"{self.online_attempt} · {self.kind}"


class OnlineAuditEntry(models.Model):
    """Organisers' changes to a contest (a window moved while attempts run, ...), with who and when."""

    contest = models.ForeignKey(OnlineContest, on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=40)
    detail = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.action} @ {self.at:%Y-%m-%d %H:%M}"
