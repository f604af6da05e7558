"""The live-scored speech night of a call: the order drawn by lot, each speaker's scoring window,
and the judges' scores (append-only: a correction is a new row, the latest counts).

Imported by `calls.models`, so these are models of the calls app."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..models import Call, Entry, Panel


class Night(models.Model):
    class ShowScores(models.TextChoices):
        EACH = "each", _("As each judge scores")
        ALL = "all", _("Once every judge has scored")

    class Stage(models.TextChoices):
        """What the big screen shows."""

        WAITING = "waiting", _("Waiting")
        ORDER = "order", _("Order of speakers")
        SPEAKER = "speaker", _("Speaker")
        BOARD = "board", _("Board")
        FINAL = "final", _("Final results")

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="night")
    panel = models.ForeignKey(Panel, verbose_name=_("panel"), on_delete=models.PROTECT, related_name="+")
    scoring_seconds = models.PositiveSmallIntegerField(_("scoring time (seconds)"), default=90)
    show_scores = models.CharField(
        _("show each judge's score"), max_length=4, choices=ShowScores.choices, default=ShowScores.EACH
    )
    stage = models.CharField(max_length=8, choices=Stage.choices, default=Stage.WAITING)
    seed = models.CharField(max_length=32, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The number of the night's latest broadcast, committed with the change (as Contest.seq).
    seq = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.call)


class NightSpeaker(models.Model):
    """A speaker (an entry in judging) at the place the draw gave; the times of their turn."""

    night = models.ForeignKey(Night, on_delete=models.CASCADE, related_name="speakers")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    called_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["night_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["night", "position"], name="one_speaker_per_place"),
            models.UniqueConstraint(fields=["night", "entry"], name="one_place_per_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.entry}"


class NightScore(models.Model):
    """A judge's score of one speaker, as received (values per criterion and their weighted
    total). Never edited: a change before the lock is a new row, and the latest counts. The
    client's `score_id` makes a repeated frame one score."""

    speaker = models.ForeignKey(NightSpeaker, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score_id = models.CharField(max_length=64)
    values = models.JSONField()  # criterion id (as a string) -> value (a decimal string)
    total = models.DecimalField(max_digits=8, decimal_places=2)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["speaker", "judge", "score_id"], name="one_row_per_score_id")]

    def __str__(self) -> str:
        return f"{self.speaker} · {self.total}"
