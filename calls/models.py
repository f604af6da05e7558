"""Calls for entries (micro-class and speech videos, essays, photo sets), the entries members
submit, their recommendation up the unit tree, and blind judging by panels against a rubric.

Facts are append-only (DESIGN invariant 1): a review decision, a reopening and a judge's score are
rows never edited; an entry's place in the tree and a judge's current score are read from them.
Writes go through `calls.services`.
"""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit
from quizsite.naming import (
    EnglishTitle,
    english_name_field,
    english_text_field,
    in_language,
    in_language_params,
    listed,
)
from rankings.models import RankingRule

# A call's prizes follow rankings' rules (`rankings.prizes`); "no prizes" is a call without tiers.
PRIZE_MODES = [choice for choice in RankingRule.PrizeMode.choices if choice[0] != RankingRule.PrizeMode.NONE]


JUDGES_PER_ENTRY_AT_LEAST_1 = MinValueValidator(
    1, message=_("Each entry needs at least 1 judge: with 0, no entry would get a judge.")
)


class Call(EnglishTitle, models.Model):
    class Kind(models.TextChoices):
        MICRO_CLASS = "micro_class", _("Micro-class video")
        SPEECH = "speech", _("Speech video")
        ESSAY = "essay", _("Essay")
        PHOTOS = "photos", _("Photo set")

    title = models.CharField(_("title"), max_length=120)
    title_en = english_name_field(120)
    unit = models.ForeignKey(Unit, verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="calls")
    audience = models.ManyToManyField(
        Unit,
        verbose_name=pgettext_lazy("call", "audience"),
        blank=True,
        related_name="+",
        help_text=_("Units whose members may enter. Empty: the owner unit and its subtree."),
    )
    kind = models.CharField(_("kind of entry"), max_length=20, choices=Kind.choices)
    rules = models.TextField(_("rules"), blank=True)
    rules_en = english_text_field(label=_("English rules"))
    opens_at = models.DateTimeField(_("submissions open"))
    closes_at = models.DateTimeField(_("submissions close"))
    entries_per_member = models.PositiveSmallIntegerField(_("entries per member"), default=1)
    entries_per_unit = models.PositiveSmallIntegerField(
        _("entries per unit"),
        default=0,
        help_text=_("The most entries one unit's members may submit together. 0: no limit."),
    )
    file_types = models.CharField(
        _("file types"),
        max_length=100,
        blank=True,
        help_text=_("Extensions separated by commas, such as docx, pdf. Empty: every type this kind allows."),
    )
    max_file_mb = models.PositiveIntegerField(_("largest file (MB)"), default=20)
    max_coauthors = models.PositiveSmallIntegerField(_("co-authors allowed"), default=0)
    blind = models.BooleanField(_("blind review"), default=True, help_text=_("Judges see neither author nor unit."))
    # 0 saved once, and every assignment run then gave every entry no judge at all.
    judges_per_entry = models.PositiveSmallIntegerField(
        _("judges per entry"), default=3, validators=[JUDGES_PER_ENTRY_AT_LEAST_1]
    )
    drop_extremes_from = models.PositiveSmallIntegerField(
        _("drop the highest and lowest from"),
        default=5,
        help_text=_("With this many scores or more, the highest and lowest are dropped. 0: never."),
    )
    normalise_per_judge = models.BooleanField(
        _("normalise per judge"),
        default=False,
        help_text=_("For panels that split the entries: each judge's totals become z-scores before averaging."),
    )
    spread_threshold = models.DecimalField(
        _("flag a spread above"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Entries whose judges' totals differ by more than this are flagged for a second look."),
    )
    similarity_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    prize_mode = models.CharField(_("prizes"), max_length=10, choices=PRIZE_MODES, default="count")
    boundary_ties = models.CharField(
        _("ties at a prize boundary"),
        max_length=5,
        choices=RankingRule.BoundaryTies.choices,
        default=RankingRule.BoundaryTies.SHARE,
    )
    percent_rounding = models.CharField(
        _("rounding of percentages"),
        max_length=8,
        choices=RankingRule.Rounding.choices,
        default=RankingRule.Rounding.FLOOR,
    )
    assignment_seed = models.CharField(max_length=32, blank=True, editable=False)
    assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    scores_locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    results_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call for entries")
        verbose_name_plural = _("calls for entries")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="call_window_ordered"),
            models.CheckConstraint(
                condition=models.Q(judges_per_entry__gte=1), name="call_judges_per_entry_at_least_1"
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    def takes_entries(self, at) -> bool:
        """Inside the window, and the results not published (they are final whatever the dates)."""
        return self.opens_at <= at < self.ends_at and not self.results_published_at

    @property
    def ends_at(self):
        """When the call stops (or stopped) taking entries: its closing time, or the publishing of
        its results when that came first. Before publishing waited for the closing, a call could
        be published while open; it is finished since, whatever its closing time says."""
        if self.results_published_at and self.results_published_at < self.closes_at:
            return self.results_published_at
        return self.closes_at

    @property
    def display_rules(self) -> str:
        return in_language(self.rules, self.rules_en)


class Level(models.Model):
    """One step of recommendation: the units of `unit_kind` each forward at most `quota` entries."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField()
    unit_kind = models.CharField(_("reviewed by"), max_length=20, choices=Unit.Kind.choices)
    quota = models.PositiveSmallIntegerField(_("forwards at most"), default=3)

    class Meta:
        ordering = ["call_id", "position"]
        constraints = [models.UniqueConstraint(fields=["call", "position"], name="one_level_per_position")]

    def __str__(self) -> str:
        return f"{self.get_unit_kind_display()} ({self.quota})"

    def reviews_at(self, unit: Unit) -> bool:
        """Whether `unit` is of the level's kind. A temporary party branch (an audit team's) is a
        party branch: a level of party branches reviews its members' entries too, or they would
        skip the level and its quota."""
        return unit.kind == self.unit_kind or (
            self.unit_kind == Unit.Kind.BRANCH and unit.kind == Unit.Kind.TEMPORARY_BRANCH
        )


class Criterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("criterion"), max_length=60)
    name_en = english_name_field(60, label=_("English criterion name"))
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    min_score = models.DecimalField(_("lowest score"), max_digits=6, decimal_places=2, default=0)
    max_score = models.DecimalField(_("highest score"), max_digits=6, decimal_places=2, default=10)

    class Meta:
        ordering = ["call_id", "position"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return in_language(self.name, self.name_en)

    @property
    def weight_percent(self) -> str:
        """The weight as organisers type it and judges read it: 0.60 is "60" (per cent)."""
        return f"{(self.weight * 100).normalize():f}"


class PrizeTier(models.Model):
    """A prize, best first; its value is read by the call's prize mode: a count of places, a
    percentage of the ranked entries, or the lowest final score of the band."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="prize_tiers")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("prize"), max_length=40)
    name_en = english_name_field(40, label=_("English prize name"))
    value = models.DecimalField(_("count, percentage or lowest score"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["call_id", "position"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return in_language(self.name, self.name_en)


class Panel(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="panels")
    name = models.CharField(_("panel"), max_length=60)
    name_en = english_name_field(60, label=_("English panel name"))
    judges = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("judges"), related_name="judging_panels")

    class Meta:
        # The manage page, the assign button and the judges' progress name panels by their name;
        # `calls.judges.panel_name_taken` says so kindly first, this stops what gets past it.
        constraints = [models.UniqueConstraint(fields=["call", "name"], name="one_panel_name_per_call")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return in_language(self.name, self.name_en)


def receipt_code() -> str:
    return secrets.token_hex(4).upper()


# An entry's summary is a few paragraphs a reviewer reads beside the file, not the work itself.
SUMMARY_MAX_CHARS = 2000


class Entry(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", pgettext_lazy("call entry", "Submitted")
        RETURNED = "returned", _("Returned")
        FINALIST = "finalist", _("In judging")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="entries")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="call_entries")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", help_text="The author's unit on submitting."
    )
    coauthors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="coauthored_entries")
    title = models.CharField(_("title"), max_length=120)
    summary = models.TextField(_("summary"), blank=True, max_length=SUMMARY_MAX_CHARS)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    level = models.PositiveSmallIntegerField(default=0, help_text="Position of the level reviewing it now.")
    at_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    returned_reason = models.CharField(max_length=300, blank=True)
    essay_html = models.TextField(blank=True)
    video_status = models.CharField(max_length=12, blank=True)
    video_failure = models.CharField(max_length=300, blank=True)
    lesson = models.ForeignKey(
        "lessons.Lesson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The micro-class this winning entry was published as.",
    )
    receipt = models.CharField(max_length=8, default=receipt_code, unique=True, editable=False)
    # Given as the entry reaches judging (`services._place`) and never changed: the blind label
    # judges and the scores export know it by (作品 001), so a later entry takes the next number
    # instead of renumbering those already shown.
    judging_number = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="Its place in the order the call's entries reached judging."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When the entry's file last changed after it was first submitted: the receipt says so, since
    # judges and reviewers are given the file as it is now, not as it was at `submitted_at`.
    file_replaced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["call", "judging_number"], name="one_judging_number_per_call"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def blind_label(self) -> str:
        """The neutral label judges and the scores export know the entry by (作品 001), from the
        order the call's entries reached judging; "" before it reaches judging."""
        if self.judging_number is None:
            return ""
        return gettext("Entry %(n)03d") % {"n": self.judging_number}

    @property
    def withdrawable(self) -> bool:
        """Its author may still withdraw it: not withdrawn already, no judge assigned yet, and the
        call's results not published (the call is over)."""
        if self.status == self.Status.WITHDRAWN or self.call.results_published_at:
            return False
        return not (self.status == self.Status.FINALIST and self.assignments.exists())

    @property
    def left_unrecommended(self) -> bool:
        """The call's results are out and the entry was still waiting for a recommendation: no one
        will review it now, so it no longer reads as waiting at its unit."""
        return self.status == self.Status.SUBMITTED and bool(self.call.results_published_at)

    @property
    def display_status(self) -> str:
        """The status as its author reads it, once the results are published too."""
        if self.call.results_published_at and self.status == self.Status.FINALIST:
            return gettext("Results published")
        if self.left_unrecommended:
            return gettext("Not recommended")
        return self.get_status_display()

    @property
    def file_replaced_after_submitting(self) -> bool:
        """Its file changed after its latest submission: what reviewers have is the newer file."""
        return bool(self.submitted_at and self.file_replaced_at and self.file_replaced_at > self.submitted_at)


class EntryFile(models.Model):
    """An uploaded file, checked on arrival. `blind_path` is a copy with the author's traces removed
    (document properties, PDF metadata) under a neutral name: the only file judges are given."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField(default=0)
    original_name = models.CharField(max_length=200)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    path = models.CharField(max_length=255)
    blind_path = models.CharField(max_length=255, blank=True)
    previews = models.JSONField(
        default=list, blank=True, help_text="Pictures shown in the page: a PDF's pages, a photo's thumbnail."
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry_id", "position", "id"]

    def __str__(self) -> str:
        return self.original_name


class CallField(models.Model):
    """A question the organiser adds to the entry form. An identifying field (the author's phone,
    their unit's name) is hidden from judges of a blind call."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        CHOICE = "choice", _("Choice")
        NUMBER = "number", _("Number")
        FILE = "file", _("File")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("question"), max_length=80)
    kind = models.CharField(_("answer"), max_length=8, choices=Kind.choices, default=Kind.TEXT)
    choices = models.CharField(
        _("choices"), max_length=300, blank=True, help_text=_("For a choice: the options, separated by commas.")
    )
    required = models.BooleanField(_("required"), default=False)
    identifying = models.BooleanField(
        _("identifying"), default=False, help_text=_("Hidden from judges of a blind call.")
    )

    class Meta:
        ordering = ["call_id", "position"]

    def __str__(self) -> str:
        return self.label

    @property
    def options(self) -> list[str]:
        return [part.strip() for part in self.choices.replace("，", ",").split(",") if part.strip()]


class FieldAnswer(models.Model):
    """A member's answer to one of the call's fields: text, a choice, a number, or a file (kept
    with a blind copy, as entry files are)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="answers")
    field = models.ForeignKey(CallField, on_delete=models.CASCADE, related_name="answers")
    value = models.TextField(blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=255, blank=True)
    blind_path = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["field__position"]
        constraints = [models.UniqueConstraint(fields=["entry", "field"], name="one_answer_per_entry_field")]

    def __str__(self) -> str:
        return f"{self.field}: {self.value or self.original_name}"

    @property
    def judging_name(self) -> str:
        """How a judge's page asks for the answer's blind file (`views.judging_file`)."""
        return f"answer-{self.field_id}"


class Reopening(models.Model):
    """An organiser let one entry be changed after the deadline, until `until`, for `reason`."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="reopenings")
    until = models.DateTimeField(_("open until"))
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.entry} → {self.until:%Y-%m-%d %H:%M}"


class Review(models.Model):
    """A level's decision on an entry: forwarded up (with a recommendation) or returned (with a reason)."""

    class Decision(models.TextChoices):
        FORWARD = "forward", _("Forwarded")
        RETURN = "return", _("Returned")

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="reviews")
    level = models.PositiveSmallIntegerField()
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    note = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.entry} · {self.get_decision_display()}"


class Assignment(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="assignments")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="call_assignments")
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="assignments")
    token = models.CharField(max_length=16, default=receipt_code, editable=False)
    # Score events up to this id were set aside by an organiser (`ScoreClearing` says who, when and
    # why): they stay on record and no longer count; the entry is scored afresh.
    scores_from = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "judge"], name="one_assignment_per_judge_entry")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.entry} · {self.judge}"


class StandingScores(models.Manager):
    """The score events that count: every one but those an organiser set aside (`ScoreClearing`).
    The default manager, so an assignment's `score_events` (and a prefetch of them) count only
    these; `ScoreEvent.every` reads the whole log."""

    def get_queryset(self):
        return super().get_queryset().filter(pk__gt=models.F("assignment__scores_from"))


class ScoreEvent(models.Model):
    """A judge's score on one criterion at a moment; the latest per criterion counts. Never edited:
    the rows are the audit log of every score and change (set aside ones too: `ScoreClearing`)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="score_events")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(max_digits=6, decimal_places=2)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    every = models.Manager()  # the whole log, set aside scores too
    objects = StandingScores()

    class Meta:
        ordering = ["id"]
        default_manager_name = "objects"
        base_manager_name = "every"

    def __str__(self) -> str:
        return f"{self.assignment} · {self.value}"


class ScoreClearing(models.Model):
    """An organiser set a judge's scores of one entry aside before the results were published (the
    judge scored the wrong entry, or gave wrong scores): the scores stay on record, no longer
    count, and the entry is scored afresh, by the same judge or by another of the panel
    (`reassigned_to`). Never edited."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="clearings")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    up_to = models.PositiveBigIntegerField(help_text="The last score event set aside.")
    values = models.JSONField(default=dict, help_text="Criterion id -> the value set aside, as a string.")
    reason = models.CharField(_("reason"), max_length=300)
    reassigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.at:%Y-%m-%d %H:%M}"


COMMENT_MAX = 1000


class ScoreComment(models.Model):
    """A judge's optional comment with their scores of an entry; the latest counts (empty: taken
    back). Never edited: like `ScoreEvent`, the rows are the audit log of every comment and change.
    Shown to the call's organisers only, never to other judges or the authors."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("comment"), max_length=COMMENT_MAX, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.text[:30]}"


def _assigned(params: dict) -> str:
    return (
        ngettext("%(n)d assignment, draw code %(seed)s", "%(n)d assignments, draw code %(seed)s", params["n"]) % params
    )


def _night_drawn(params: dict) -> str:
    return ngettext("seed %(seed)s, %(n)d speaker", "seed %(seed)s, %(n)d speakers", params["n"]) % params


def _settings_changed(params: dict) -> str:
    names = [
        gettext("prize tiers") if name == "prize_tiers" else str(Call._meta.get_field(name).verbose_name)
        for name in params["settings"]
    ]
    return gettext("changed: %(settings)s") % {"settings": listed(names)}


# How a coded detail of the log reads, written when the log is read: in the reader's language,
# whoever did it in whichever language.
AUDIT_DETAILS = {
    "assigned": _assigned,
    "night_drawn": _night_drawn,
    "night_speaker": lambda params: gettext("speaker %(position)d") % params,
    # The panel as named then, in the reader's language (`panel_en`, its English name; none before 0017).
    "judge_added": lambda params: gettext("%(judge)s joins %(panel)s") % in_language_params(params),
    "judge_removed": lambda params: gettext("%(judge)s off %(panel)s") % in_language_params(params),
    "settings_changed": _settings_changed,
    "closed_to_lock": lambda params: (
        gettext("closed the call then (it was to close %(was)s)") % in_language_params(params)
    ),
}


class AuditEvent(models.Model):
    """Who did what to a call or an entry outside the append-only facts above (reopenings, locks).

    A detail the platform words is kept as `detail_code` and `detail_params` and written in the
    reader's language when shown (`display_detail`); `detail` holds what a person typed (a reason),
    and, for rows from before codes, the sentence in the language of whoever acted."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="audit_events")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Action(models.TextChoices):
        REOPEN = "reopen", _("Reopened an entry")
        ASSIGN = "assign", _("Assigned entries to judges")
        LOCK = "lock", _("Locked the scores")
        PUBLISH = "publish", _("Published the results")
        NIGHT_DRAW = "night_draw", _("Drew the order of speakers")
        NIGHT_LOCK = "night_lock", _("Locked a speaker's scores")
        NIGHT_FINISH = "night_finish", _("Ended the speech night")
        CONFLICT = "conflict", _("Recorded a conflict of interest")
        LIBRARY = "library", _("Published a winner to the micro-class library")
        JUDGE_WITHDRAWN = "judge_withdrawn", _("Took a judge off the panel")
        UNLOCK = "unlock", _("Unlocked judging")
        JUDGE_ADDED = "judge_added", _("Added a judge for an entry no judge could score")
        JUDGE_REMOVED = "judge_removed", _("Removed a judge from a panel")
        SCORES_CLEARED = "scores_cleared", _("Cleared a judge's scores of an entry")
        RESULT_SETTINGS = "result_settings", _("Changed the prizes or the scoring after judges scored")

    action = models.CharField(max_length=40, choices=Action.choices)
    detail = models.CharField(max_length=300, blank=True)
    detail_code = models.CharField(max_length=40, blank=True)
    detail_params = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action} · {self.at:%Y-%m-%d %H:%M}"

    @property
    def display_detail(self) -> str:
        """The detail in the active language (a coded one), or as it was written."""
        write = AUDIT_DETAILS.get(self.detail_code)
        return write(self.detail_params) if write else self.detail


# ---------------------------------------------------------------- judging: accounts, conflicts


class JudgeAccount(models.Model):
    """A judge-only account: it signs in and sees its assignments and nothing else (no unit, no
    member pages, no API beyond its assignments). `unit` is the organiser's unit that owns it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="judge_account")
    unit = models.ForeignKey(Unit, verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="+")
    contact = models.CharField(_("phone or email"), max_length=120, blank=True)
    # The hash of the password printed for the judge: while the account still has it, the judge
    # must choose their own before anything else (a printed password is good for one sign-in).
    issued_password = models.CharField(max_length=128, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit_id", "id"]

    def __str__(self) -> str:
        return str(self.user)


class Conflict(models.Model):
    """A conflict of interest between a judge and an entry, declared by the judge or recorded by
    an organiser: the judge is never assigned the entry and may not score it."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="conflicts")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["entry", "judge"], name="one_conflict_per_judge_entry")]

    def __str__(self) -> str:
        return f"{self.judge} × {self.entry}"


class JudgeReminder(models.Model):
    """A reminder sent to the judges of a call with assignments still unscored."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="judge_reminders")
    judges = models.PositiveIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.call} · {self.judges}"


# ---------------------------------------------------------------- similarity of essays


class EntryText(models.Model):
    """The plain text of an essay, extracted once for the similarity check."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="plain_text")
    file = models.ForeignKey(EntryFile, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    extracted_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.entry)


class SimilarityPair(models.Model):
    """Two essays the MinHash index found alike and whose exact Jaccard similarity of character
    shingles reached the threshold. `other` may belong to an earlier call. Derived: a new check
    updates the pairs; the organisers' decisions are rows of `SimilarityDecision`."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="similar_pairs")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    jaccard = models.DecimalField(max_digits=5, decimal_places=4)
    found_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-jaccard", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "entry", "other"], name="one_pair_per_call")]

    def __str__(self) -> str:
        return f"{self.entry} ~ {self.other}"


class SimilarityDecision(models.Model):
    """An organiser's word on a pair; the latest counts, every one is kept."""

    class Verdict(models.TextChoices):
        FINE = "fine", _("Not an issue")
        LOOK = "look", _("Needs a look")

    pair = models.ForeignKey(SimilarityPair, on_delete=models.CASCADE, related_name="decisions")
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.pair} · {self.verdict}"


from .live.models import Night, NightScore, NightSpeaker  # noqa: E402,F401 - the speech night's models
