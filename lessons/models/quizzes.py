"""Papers and attempts. Answers are facts: one per attempt item, enforced by the database."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit
from quizsite.naming import EnglishDescription, EnglishTitle, english_name_field, english_text_field

from .questions import Question, QuestionBank, QuestionType, QuestionVersion, Tag

DEFAULT_POINTS = {"single": 1, "multiple": 2, "true_false": 1, "fill_blank": 2}


def default_points() -> dict:
    return dict(DEFAULT_POINTS)


class Paper(EnglishTitle, EnglishDescription, models.Model):
    """What a member sits: a fixed list of questions or rules drawn per attempt, and its mode."""

    class Mode(models.TextChoices):
        PRACTICE = "practice", _("Practice")
        DAILY = "daily", _("Daily quiz")
        EXAM = "exam", _("Timed exam")
        CHALLENGE = "challenge", _("Challenge")

    class Grading(models.TextChoices):
        BEST = "best", _("Best attempt")
        LAST = "last", _("Last attempt")
        FIRST = "first", _("First attempt")

    class Review(models.TextChoices):
        AFTER_SUBMIT = "after_submit", _("After submitting")
        AFTER_CLOSE = "after_close", _("After the paper closes")
        NEVER = "never", _("Never")

    class MultipleScoring(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
        PARTIAL = "partial", _("Partial credit when no wrong option is picked")

    class FillBlankScoring(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
        PER_BLANK = "per_blank", _("Partial credit for each right blank")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=120)
    title_en = english_name_field(120)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="papers",
        help_text=_("Members of this unit's subtree may sit the paper; its organisers manage it."),
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField(_("description"), blank=True)
    description_en = english_text_field(label=_("English description"))
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    points_per_type = models.JSONField(_("points per type"), default=default_points)
    multiple_scoring = models.CharField(
        _("multiple-choice scoring"),
        max_length=20,
        choices=MultipleScoring.choices,
        default=MultipleScoring.ALL_OR_NOTHING,
        help_text=_("Not in challenges: there a partly right answer is wrong and ends the run."),
    )
    fill_blank_scoring = models.CharField(
        _("fill-in scoring"),
        max_length=20,
        choices=FillBlankScoring.choices,
        default=FillBlankScoring.ALL_OR_NOTHING,
        help_text=_("Not in challenges: there a partly right answer is wrong and ends the run."),
    )
    time_limit_s = models.PositiveIntegerField(_("time limit (seconds)"), null=True, blank=True)
    question_time_s = models.PositiveIntegerField(
        _("seconds per question"), null=True, blank=True, help_text=_("Challenge mode's per-question timer.")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), null=True, blank=True, help_text=_("Share of the full marks needed to pass; empty: none.")
    )
    max_attempts = models.PositiveIntegerField(_("attempts allowed"), default=0, help_text=_("0 means unlimited."))
    grading = models.CharField(_("grading"), max_length=5, choices=Grading.choices, default=Grading.BEST)
    review = models.CharField(_("answers shown"), max_length=12, choices=Review.choices, default=Review.AFTER_SUBMIT)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    practised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "A member's own practice by knowledge point (made by the member, not an organiser): only "
            "that member sits it, and it is listed on no paper page or ranking source."
        ),
    )

    class Meta:
        verbose_name = _("paper")
        verbose_name_plural = _("papers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.display_title

    def points_for(self, question_type: str) -> int:
        return int(self.points_per_type.get(question_type, DEFAULT_POINTS[question_type]))

    def partial_credit_for(self, question_type: str) -> bool:
        """Whether a partly right answer earns part of the points. Never in a challenge: sudden
        death has no "partly" right, so such an answer is wrong, scores 0 and ends the run."""
        if self.mode == self.Mode.CHALLENGE:
            return False
        if question_type == QuestionType.MULTIPLE:
            return self.multiple_scoring == self.MultipleScoring.PARTIAL
        if question_type == QuestionType.FILL_BLANK:
            return self.fill_blank_scoring == self.FillBlankScoring.PER_BLANK
        return False


class PaperQuestion(models.Model):
    """A fixed question on a paper. The version used is the question's current one at the attempt."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="fixed_questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    points = models.PositiveIntegerField(
        _("points"), null=True, blank=True, help_text=_("Empty: the paper's points for the question's type.")
    )

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["paper", "question"], name="question_once_per_paper")]

    def __str__(self) -> str:
        return f"{self.paper} · {self.position}"


class PaperRule(models.Model):
    """Draw `count` published questions per attempt from `bank`, optionally by type, tag, difficulty."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="rules")
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=12, choices=QuestionType.choices, blank=True)
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    difficulty = models.PositiveSmallIntegerField(null=True, blank=True)
    count = models.PositiveIntegerField(default=5)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.paper} · {self.bank} × {self.count}"


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Submitted at the deadline")

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="attempts")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    unit_at_start = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, related_name="+")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    day = models.DateField(null=True, blank=True, help_text=_("The local day of a daily quiz."))
    score = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    streak = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(
        default=0,
        help_text=_(
            "Bumped by every saved exam answer: a save from a page that had not seen the latest one (another "
            "tab or window changed the paper) is refused, so that the page shows what is saved."
        ),
    )
    revision_page = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text=_(
            "The page (a token each exam page makes when it loads) whose save made the current revision; "
            "empty when a client sent none. A save from that same page is accepted though its revision "
            "is behind: only its own save's answer was lost on the way back."
        ),
    )
    notebook_pending = models.BooleanField(
        default=False,
        help_text=_(
            "Wrong answers of this exam wait to join the notebook until the paper's answers may be shown "
            "(the notebook shows keys)."
        ),
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "paper", "number"], name="attempt_number_unique"),
            models.UniqueConstraint(
                fields=["member", "paper"], condition=models.Q(status="in_progress"), name="one_open_attempt_per_paper"
            ),
            models.UniqueConstraint(
                fields=["member", "paper", "day"], condition=models.Q(day__isnull=False), name="daily_quiz_once_a_day"
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline_at"])]

    def __str__(self) -> str:
        return f"{self.member} · {self.paper} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.IN_PROGRESS

    @property
    def time_used_s(self) -> float | None:
        """Seconds from start to submission, to the millisecond (4.817); None while the attempt is
        open. Not cut to whole seconds: online contests rank on it, and two members 0.9 s apart
        must not count as tied."""
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)

    @property
    def passed(self) -> bool | None:
        """Whether a finished attempt reached the paper's pass mark, a percentage of the full marks
        (exactly the mark passes); None when the paper sets no pass mark or the attempt is open."""
        if self.paper.pass_mark is None or self.is_open or not self.max_score:
            return None
        # Compared in whole numbers: score / max_score >= pass_mark / 100, without rounding.
        return self.score * 100 >= self.max_score * self.paper.pass_mark


class AttemptItem(models.Model):
    """One question in an attempt: the exact version, its points, and the option order shown."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(max_digits=6, decimal_places=2)
    option_order = models.JSONField(default=list, help_text=_("Shown position -> original option index."))
    # Autosaved selection while an exam is open: a draft, not a fact. Graded into an Answer.
    saved_response = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="item_position_unique"),
            models.UniqueConstraint(fields=["attempt", "version"], name="question_once_per_attempt"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} · {self.position}"


class Answer(models.Model):
    """The graded answer to an attempt item. Never updated; a second one cannot exist."""

    item = models.OneToOneField(AttemptItem, on_delete=models.CASCADE, related_name="answer")
    response = models.JSONField(null=True, help_text=_("In the version's own option letters; null: unanswered."))
    is_correct = models.BooleanField()
    score = models.DecimalField(max_digits=6, decimal_places=2)
    answered_at = models.DateTimeField()
    client_answer_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["answered_at"])]

    def __str__(self) -> str:
        return f"{self.item} · {self.score}"
