"""Micro-classes: series, lessons with their processed media, uploads, and watch tracking.

Heartbeats are append-only facts. `WatchProgress` is derived from them (merged watched
intervals, last position) and kept per member and lesson so the player and reports read one row;
`WatchSpan` is the member's one live place of watching (which lesson, which tab, since when, how
much credited), against which every heartbeat is judged; `StudyCredit` records the study hours
granted once when a lesson is completed, and what gave them (a rule version, the lesson's own hours
or the platform's default).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit
from quizsite import background
from quizsite.naming import EnglishDescription, EnglishTitle, english_name_field, english_text_field

from .study_rules import StudyHoursRule


class Series(EnglishTitle, EnglishDescription, models.Model):
    """A programme of lessons, such as a lecture hall (讲堂) series."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=120)
    title_en = english_name_field(120)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="series")
    description = models.TextField(_("description"), blank=True)
    description_en = english_text_field(label=_("English description"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.display_title


def whole_quarter_hours(value: Decimal) -> None:
    """Study hours are granted in quarter hours (0.25, 0.5, 0.75, 1, ...)."""
    from django.core.exceptions import ValidationError

    if value is not None and (value * 4) % 1:
        raise ValidationError(_("Study hours go in quarter hours: 0.25, 0.5, 0.75, 1, 1.25 ..."))


def lesson_media_path(lesson: "Lesson", filename: str) -> str:
    return f"lessons/{lesson.pk or 'new'}/{filename}"


class Lesson(EnglishTitle, EnglishDescription, models.Model):
    class Status(models.TextChoices):
        # Never sent a video: not "Uploading", which an organiser would wait on for ever.
        NO_VIDEO = "no_video", _("No video yet")
        # An upload is open (`services.videos.upload_start`) for a lesson that had no video.
        UPLOADING = "uploading", _("Uploading")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Publication(models.TextChoices):
        # The words of papers' draft state: an organiser prepares a lesson unseen, then publishes it.
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    series = models.ForeignKey(
        Series, verbose_name=_("series"), on_delete=models.PROTECT, null=True, blank=True, related_name="lessons"
    )
    position = models.PositiveIntegerField(_("position in the series"), default=0)
    title = models.CharField(_("title"), max_length=120)
    title_en = english_name_field(120)
    speaker = models.CharField(_("speaker"), max_length=60, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="lessons")
    description = models.TextField(_("description"), blank=True)
    description_en = english_text_field(label=_("English description"))
    audience = models.ManyToManyField(
        Unit,
        verbose_name=_("audience"),
        blank=True,
        related_name="+",
        help_text=_("Units whose subtrees may watch. Empty: the lesson's own unit and its subtree."),
    )
    required = models.BooleanField(
        _("required"), default=False, help_text=_("Required lessons cannot be skipped ahead while watching.")
    )
    paper = models.ForeignKey(
        "lessons.Paper", verbose_name=_("quiz after the lesson"), on_delete=models.SET_NULL, null=True, blank=True
    )
    # Members see a lesson only once it is published, its video ready and its window open.
    publication = models.CharField(
        _("publication"), max_length=10, choices=Publication.choices, default=Publication.DRAFT
    )
    publish_from = models.DateTimeField(_("published from"), null=True, blank=True)
    publish_until = models.DateTimeField(_("published until"), null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NO_VIDEO)
    progress = models.PositiveSmallIntegerField(default=0)
    # Set when its processing is queued for the background worker, cleared when a worker takes it:
    # a lesson still "processing" long after it was queued has no worker (quizsite.background).
    processing_queued_at = models.DateTimeField(_("processing queued at"), null=True, blank=True)
    failure = models.CharField(_("why processing failed"), max_length=300, blank=True)
    source = models.CharField(max_length=255, blank=True, help_text="The uploaded file, under MEDIA_ROOT.")
    duration_s = models.DecimalField(_("duration (s)"), max_digits=8, decimal_places=2, null=True, blank=True)
    poster = models.CharField(max_length=255, blank=True)
    mp4 = models.CharField(max_length=255, blank=True)
    hls = models.CharField(max_length=255, blank=True, help_text="The HLS master playlist, under MEDIA_ROOT.")
    renditions = models.JSONField(default=list, blank=True)
    subtitles = models.FileField(_("subtitles (WebVTT)"), upload_to=lesson_media_path, blank=True)
    # Fixed study hours for completing the lesson; empty: by its organ's study-hours rule.
    study_hours = models.DecimalField(
        _("study hours"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(Decimal("99.5")), whole_quarter_hours],
        help_text=_(
            "From 0 to 99.5 in quarter hours (0.25). Empty: by the study-hours rule, from the lesson's length."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("micro-class")
        verbose_name_plural = _("micro-classes")
        ordering = ["series_id", "position", "-created_at"]

    def __str__(self) -> str:
        return self.display_title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.subtitles and not self.subtitles.name.lower().endswith(".vtt"):
            raise ValidationError({"subtitles": _("Subtitles must be a WebVTT file (.vtt).")})
        if self.subtitles and hasattr(self.subtitles, "file") and not self._subtitles_header_ok():
            raise ValidationError({"subtitles": _("This is not a WebVTT file: it must begin with WEBVTT.")})
        if self.publish_from and self.publish_until and self.publish_until <= self.publish_from:
            raise ValidationError({"publish_until": _("The publish window ends before it starts.")})

    def _subtitles_header_ok(self) -> bool:
        self.subtitles.seek(0)
        head = self.subtitles.read(16)
        self.subtitles.seek(0)
        return head.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT")

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_published(self) -> bool:
        return self.publication == self.Publication.PUBLISHED

    @property
    def worker_missing(self) -> bool:
        """Its processing queued, yet no worker took it long after: no background worker seems to run."""
        return self.status == self.Status.PROCESSING and background.worker_missing(self.processing_queued_at)


class Upload(models.Model):
    """A resumable upload: chunks are appended in order; `received` says where to resume.

    A lesson's source video, or, with `purpose` naming a registered finisher
    (`services.videos.register_upload_finisher`), another app's file such as a call's video entry
    (`target_id` says which)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, null=True, blank=True, related_name="uploads")
    purpose = models.CharField(max_length=40, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    filename = models.CharField(max_length=200)
    size = models.BigIntegerField()
    received = models.BigIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.filename} {self.received}/{self.size}"


class Heartbeat(models.Model):
    """What the player reported, when the server received it, and what it was credited. Never edited."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="heartbeats")
    tab = models.CharField(max_length=40)
    position_s = models.DecimalField(max_digits=8, decimal_places=2)
    playing = models.BooleanField()
    rate = models.DecimalField(max_digits=4, decimal_places=2, default=1)
    received_at = models.DateTimeField()
    credited_from_s = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    credited_to_s = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    rejected = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["member", "lesson", "received_at"])]

    def __str__(self) -> str:
        return f"{self.member_id}·{self.lesson_id} @{self.position_s}"


class WatchProgress(models.Model):
    """Derived from heartbeats: merged watched intervals, how far the member has watched without a
    gap from the start, the last position, and the wall-clock time the page spent on the lesson
    (between live heartbeats, pauses included)."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watching")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress_rows")
    unit_at_start = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, related_name="+")
    intervals = models.JSONField(default=list)
    watched_s = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    # The end of the stretch watched without a gap from 0: a required lesson is credited, and may
    # be sought, only up to here.
    furthest_s = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    last_position_s = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    spent_s = models.DecimalField(
        _("time spent (s)"), max_digits=10, decimal_places=2, default=0, help_text="Wall clock between live heartbeats."
    )
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "lesson"], name="one_progress_per_member_lesson")]

    def __str__(self) -> str:
        return f"{self.member_id}·{self.lesson_id} {self.watched_s}s"


class WatchSpan(models.Model):
    """A member's current stretch of watching: one lesson in one tab at a time.

    A span begins with the first heartbeat after a silence of `LESSON_TAB_TIMEOUT_S` and survives
    pauses and a move to another tab or lesson; all the video it credits is bounded by the wall
    clock since `started_at` times the allowed rate, plus one slack. One row per member, locked
    by every heartbeat, so a member's heartbeats are judged one after another."""

    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_span")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, null=True, related_name="+")
    tab = models.CharField(max_length=40, blank=True)
    started_at = models.DateTimeField(null=True)
    credited_s = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    last_beat_at = models.DateTimeField(null=True)
    last_beat_position_s = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    last_beat_playing = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.member_id}·{self.lesson_id} since {self.started_at}"


class StudyCredit(models.Model):
    """Study hours granted for completing a lesson: once per member and lesson, with where the
    hours came from, so a member or an auditor can still tell after the rule has changed."""

    class Basis(models.TextChoices):
        RULE = "rule", _("A version of an organ's study-hours rule")
        LESSON = "lesson", _("The lesson's own hours")
        DEFAULT = "default", _("The platform's default")
        # Granted before credits recorded their basis, and not to be told from the data since.
        UNKNOWN = "unknown", _("Not recorded")

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_credits")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    granted_at = models.DateTimeField()
    basis = models.CharField(_("hours by"), max_length=10, choices=Basis.choices, default=Basis.UNKNOWN)
    # The version that gave the hours: it cannot be deleted while a credit names it.
    rule = models.ForeignKey(
        StudyHoursRule,
        verbose_name=_("study-hours rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "lesson"], name="study_credit_once"),
            models.CheckConstraint(
                condition=models.Q(basis="rule", rule__isnull=False)
                | (~models.Q(basis="rule") & models.Q(rule__isnull=True)),
                name="study_credit_rule_with_its_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}·{self.lesson_id} {self.hours} h"
