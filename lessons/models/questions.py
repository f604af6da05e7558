"""Question banks. A question's content lives in immutable-once-answered versions."""

import json
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit
from quizsite import background
from quizsite.naming import english_name_field, in_language

OPTION_LETTERS = "ABCDEFGH"


class QuestionType(models.TextChoices):
    """Canonical codes, used everywhere: API, exports, import summaries."""

    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
    FILL_BLANK = "fill_blank", _("Fill in the blank")


class QuestionBank(models.Model):
    """Questions owned by a unit, managed by its organisers; shared with the organisers of its
    subtree unless kept confidential."""

    slug = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = english_name_field(100, label=_("English name"))
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="question_banks")
    description = models.TextField(_("description"), blank=True)
    # A contest's bank is kept from the organisers below, who may be its contestants; a study bank
    # is shared so that they can build papers from it.
    shared_below = models.BooleanField(
        _("shared with the units below"),
        default=True,
        help_text=_(
            "Organisers of the units below may see this bank, export it and use its questions in their"
            " papers. Untick to keep a contest's questions confidential to this unit's organisers."
        ),
    )
    # Practice by topic shows each answer's key and may be restarted at will, so a bank is offered
    # there only when its organisers say so: `shared_below` never meant "members may see the keys".
    open_for_practice = models.BooleanField(
        _("open for practice by topic"),
        default=False,
        help_text=_(
            "Members of this unit and the units below may practise this bank's knowledge points and see"
            " every answer of this bank while practising. Do not open a bank used for exams or contests."
        ),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return in_language(self.name, self.name_en)


class Tag(models.Model):
    """A knowledge point (知识点)."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("knowledge point")
        verbose_name_plural = _("knowledge points")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """A question's identity; its content is `current` (a QuestionVersion)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    current = models.ForeignKey(
        "QuestionVersion", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("current version")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions", verbose_name=_("knowledge points"))
    # The import that brought it in (none when added by hand): an import can be undone as a whole.
    import_job = models.ForeignKey(
        "ImportJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="questions", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.current.stem_text[:40] if self.current else f"#{self.pk}"


class TextAsTypedJSONEncoder(json.JSONEncoder):
    """JSON with its text as typed (党, not \\u515a). SQLite stores a JSON field as this text, and
    a search of the options matches it: escaped, "1922" would match inside the escapes of Chinese
    characters ("\\u5192\\u2..."), and the text people see would need escaping to be found."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class QuestionVersion(models.Model):
    """The content of a question as answered. Once an attempt uses it, it is never edited.

    `options` is a list of option texts (A, B, ...). `key` depends on the type:
    single/multiple: letters, ["B"] or ["A", "B", "D"]; true_false: [true] or [false];
    fill_blank: one list of accepted alternatives per blank, [["十九大", "党的十九大"], ["2017"]].
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    type = models.CharField(_("type"), max_length=12, choices=QuestionType.choices)
    stem = models.TextField(_("stem"), help_text=_("Sanitised HTML."))
    options = models.JSONField(_("options"), default=list, blank=True, encoder=TextAsTypedJSONEncoder)
    key = models.JSONField(_("answer key"))
    explanation = models.TextField(_("explanation"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=3)
    image = models.CharField(
        _("image"), max_length=255, blank=True, help_text="An illustration, under MEDIA_ROOT (questions/images/)."
    )
    fingerprint = models.CharField(max_length=40, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="one_version_number_per_question"),
            models.CheckConstraint(condition=models.Q(difficulty__gte=1, difficulty__lte=5), name="difficulty_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.stem_text[:40]} (v{self.number})"

    @property
    def stem_text(self) -> str:
        from django.utils.html import strip_tags

        return strip_tags(self.stem)

    @property
    def option_pairs(self) -> list[tuple[str, str]]:
        return list(zip(OPTION_LETTERS, self.options, strict=False))


def stalled_after() -> timedelta:
    """How long a running import may stay silent (it reports every 500 rows) before it counts as stopped."""
    return timedelta(seconds=settings.QUESTION_IMPORT_STALLED_S)


class ImportJob(models.Model):
    """An uploaded question file being imported by a Celery task, with its progress and result."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Nothing imported")

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="import_jobs")
    file = models.FileField(upload_to="imports/questions/")
    filename = models.CharField(max_length=200)
    format = models.CharField(max_length=8)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    stage = models.CharField(max_length=20, blank=True)
    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when its organiser confirms the preview (at once through the API). A job never confirmed
    # is only a preview's kept file: the daily sweep deletes it after the preview window.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The status the imported questions get: drafts wait for a review before random rules and
    # online contests may draw them; the API and the command publish at once, as they always did.
    status_given = models.CharField(
        _("imported as"),
        max_length=10,
        choices=[(Question.Status.PUBLISHED, _("Published")), (Question.Status.DRAFT, _("Draft"))],
        default=Question.Status.PUBLISHED,
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the running import last reported progress.")
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when its organiser undid it, with what the undo did: {"deleted": n, "retired": m}.
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_result = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("question import")
        verbose_name_plural = _("question imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} → {self.bank}"

    @property
    def worker_missing(self) -> bool:
        """Confirmed, yet still waiting long after: no background worker seems to run."""
        return self.status == self.Status.PENDING and background.worker_missing(self.confirmed_at)

    @property
    def stalled(self) -> bool:
        """Running, yet silent for longer than any import takes: its worker was stopped or killed."""
        return self.status == self.Status.RUNNING and (
            self.heartbeat_at is None or self.heartbeat_at < timezone.now() - stalled_after()
        )

    @property
    def percent(self) -> int:
        if self.status in (self.Status.DONE, self.Status.FAILED):
            return 100
        return int(100 * self.processed / self.total) if self.total else 0
