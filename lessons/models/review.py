"""The wrong-answer notebook: spaced review (FSRS) until N consecutive correct answers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .questions import Question, QuestionVersion


class NotebookEntry(models.Model):
    class State(models.TextChoices):
        # Not "To review": that names the entries due now, wherever a count says it.
        LEARNING = "learning", _("Not mastered")
        MASTERED = "mastered", _("Mastered")

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notebook")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.LEARNING)
    card = models.JSONField(help_text=_("The FSRS scheduler's card state."))
    due_at = models.DateTimeField(db_index=True)
    consecutive_correct = models.PositiveIntegerField(default=0)
    wrong_count = models.PositiveIntegerField(default=1)
    last_miss_partly_right = models.BooleanField(
        default=False,
        help_text=_(
            "Whether the latest miss earned part of the marks (a paper giving partial credit): "
            "not fully right, so it stays to review, labelled partly right."
        ),
    )
    added_at = models.DateTimeField()
    last_wrong_at = models.DateTimeField()
    mastered_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the member took it out of the notebook (kept, with its reviews, so it can be put back; "
            "a new wrong answer puts it back too)."
        ),
    )

    class Meta:
        verbose_name = _("notebook entry")
        verbose_name_plural = _("notebook entries")
        constraints = [models.UniqueConstraint(fields=["member", "question"], name="one_notebook_entry_per_question")]

    def __str__(self) -> str:
        return f"{self.member} · {self.question}"


class ReviewLog(models.Model):
    """One review of a notebook entry (append-only)."""

    entry = models.ForeignKey(NotebookEntry, on_delete=models.CASCADE, related_name="reviews")
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    response = models.JSONField(null=True)
    is_correct = models.BooleanField()
    reviewed_at = models.DateTimeField()
    counted = models.BooleanField(
        default=True,
        help_text=_("False for practice before the entry was due: no points, and the schedule is unchanged."),
    )

    def __str__(self) -> str:
        return f"{self.entry} · {self.reviewed_at:%Y-%m-%d}"
