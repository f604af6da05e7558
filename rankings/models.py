"""Ranking rules, the frozen population they count against, runs, and immutable snapshots.

A rule says who is ranked (members, teams or units at a level), from which facts, by which
metric, with which tie-breaks and prizes. A snapshot is one computation of a rule: its rows are
written once by set-based SQL (`rankings.compute`) and never edited. Publication moves a snapshot
draft -> approved -> published; a correction is a newer snapshot that supersedes it with a reason
(DESIGN invariant 5).
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from lessons.selectors import activity_label
from orgs.models import Unit
from quizsite import background
from quizsite.naming import EnglishTitle, english_name_field, in_language

from .sources import KINDS


class RankingRule(EnglishTitle, models.Model):
    class Subject(models.TextChoices):
        MEMBER = "member", _("Members")
        TEAM = "team", _("Teams")
        UNIT = "unit", _("Units")

    class Metric(models.TextChoices):
        TOTAL = "total", _("Total")
        MEAN = "mean", _("Mean over participants")
        PER_CAPITA = "per_capita", _("Per capita (headcount on the headcount day)")
        PARTICIPATION = "participation", _("Participation rate")
        TOP_K = "top_k", _("Mean of the top k")
        BEST = "best", _("Best single source (members)")
        COMPOSITE = "composite", _("Weighted composite")

    class RankStyle(models.TextChoices):
        STANDARD = "standard", _("Standard competition (1, 2, 2, 4)")
        DENSE = "dense", _("Dense (1, 2, 2, 3)")

    class PrizeMode(models.TextChoices):
        NONE = "none", _("No prizes")
        COUNT = "count", _("By count")
        PERCENT = "percent", _("By percentage of eligible subjects")
        BAND = "band", _("By score band")

    class BoundaryTies(models.TextChoices):
        SHARE = "share", _("Everyone tied at the boundary gets the prize")
        DROP = "drop", _("A tied group that would overflow the prize drops to the next tier")

    class Rounding(models.TextChoices):
        FLOOR = "floor", _("Round down")
        HALF_UP = "half_up", _("Round half up")
        CEIL = "ceil", _("Round up")

    class MoverCredit(models.TextChoices):
        FACT = "fact", _("Each fact to the unit the member belonged to when it happened")
        CUT_OFF = "cut_off", _("Every fact to the member's unit when the headcount is taken")

    title = models.CharField(_("title"), max_length=120)
    title_en = english_name_field(120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="ranking_rules",
        help_text=_(
            "The unit whose administrators own the rule. Unless the rule names the units it covers, "
            "only members, teams and units of this unit's subtree are ranked."
        ),
    )
    subject = models.CharField(_("ranked"), max_length=10, choices=Subject.choices, default=Subject.MEMBER)
    unit_level = models.PositiveSmallIntegerField(
        _("unit level"), null=True, blank=True, help_text=_("For unit rankings: the tree level ranked (1 = roots).")
    )
    unit_kinds = models.JSONField(
        _("unit kinds"),
        default=list,
        blank=True,
        help_text=_(
            "For unit rankings, instead of a tree level: rank every unit of these kinds, at whatever level it "
            "sits (for example all party branches). A unit inside another ranked unit is ranked on its own."
        ),
    )
    group_level = models.PositiveSmallIntegerField(
        _("group level"),
        null=True,
        blank=True,
        help_text=_("Also rank within each parent unit at this tree level (1 = roots). Empty: overall only."),
    )
    metric = models.CharField(
        _("metric"),
        max_length=14,
        choices=Metric.choices,
        default=Metric.TOTAL,
        help_text=_(
            "Members: the total, the mean over the sources they took part in, or their best single source. "
            "Teams and units: any but the best single source."
        ),
    )
    top_k = models.PositiveSmallIntegerField(_("k for the top-k mean"), default=3)
    composite = models.JSONField(
        _("composite weights"),
        default=dict,
        blank=True,
        help_text=_(
            'For a composite metric, weights per metric, e.g. {"participation": 0.4, "per_capita": 0.6}. '
            "The participation rate counts as a percentage (at most 100); every other part as a percentage "
            "of the best eligible subject's (ineligible subjects and rates above 100 % never set the scale)."
        ),
    )
    min_participants = models.PositiveIntegerField(_("minimum participants"), default=0)
    min_participation = models.DecimalField(
        _("minimum participation rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    tie_breaks = models.JSONField(
        _("tie-breaks"),
        default=list,
        blank=True,
        help_text=_(
            "After the metric, in order, keys from: accuracy_desc (rate of right answers), right_desc (number "
            "of right answers), time_used_asc, finished_at_asc, participants_desc. Accuracy, right answers "
            'and time need a contest or exam source. Suggested: ["accuracy_desc", "time_used_asc"].'
        ),
    )
    rank_style = models.CharField(_("rank style"), max_length=10, choices=RankStyle.choices, default="standard")
    prize_mode = models.CharField(_("prizes"), max_length=10, choices=PrizeMode.choices, default=PrizeMode.NONE)
    prize_tiers = models.JSONField(
        _("prize tiers"),
        default=list,
        blank=True,
        help_text=_(
            'Best first: [{"name": "一等奖", "name_en": "First prize", "value": 3, "per_group": 1}, ...]. The '
            "value is a count, a percentage, or the lowest score of the band; the optional name_en is shown on "
            "English pages; the optional per_group is the most of that tier one group (the group level's unit) "
            "may take: the place a capped subject would have taken goes to the next eligible one."
        ),
    )
    boundary_ties = models.CharField(
        _("ties at a prize boundary"), max_length=5, choices=BoundaryTies.choices, default=BoundaryTies.SHARE
    )
    percent_rounding = models.CharField(
        _("rounding of percentages"), max_length=8, choices=Rounding.choices, default=Rounding.FLOOR
    )
    period_starts_on = models.DateField(_("period starts on"), null=True, blank=True)
    period_ends_on = models.DateField(_("period ends on"), null=True, blank=True)
    population_frozen_at = models.DateTimeField(_("headcount frozen at"), null=True, blank=True)
    headcount_on = models.DateField(
        _("headcount taken on"),
        null=True,
        blank=True,
        help_text=_(
            "The local calendar day at whose end members are counted, each in their unit then. "
            "Empty: the period's last day, or when the rule was first saved if it has no end."
        ),
    )
    mover_credit = models.CharField(
        _("members who moved are credited"),
        max_length=8,
        choices=MoverCredit.choices,
        default=MoverCredit.FACT,
        help_text=_(
            "Where the facts of a member who moved units count. The headcount always counts them once, "
            "in their unit when it is taken."
        ),
    )
    count_deactivated = models.BooleanField(
        _("count deactivated members"),
        default=False,
        help_text=_(
            "Off: deactivated members are in neither the headcount nor the participants, and are not ranked. "
            "On: they count like everyone else."
        ),
    )
    party_members_only = models.BooleanField(
        _("party members only"),
        default=False,
        help_text=_("Count and rank party members only: others are in neither the headcount nor the participants."),
    )
    version = models.PositiveIntegerField(_("rule version"), default=1, editable=False)
    dirty = models.BooleanField(_("inputs changed"), default=True, editable=False)
    inputs_fingerprint = models.CharField(max_length=200, blank=True, editable=False)
    is_active = models.BooleanField(_("recompute when inputs change"), default=True)
    requires_second_approver = models.BooleanField(
        _("a second administrator approves"),
        default=True,
        help_text=_("Whoever computed a version cannot approve it alone."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ranking rule")
        verbose_name_plural = _("ranking rules")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.display_title

    @property
    def ranked_display(self) -> str:
        """Who the rule ranks, as its pages say it (`ranked_description`)."""
        return ranked_description(self.subject, unit_level=self.unit_level, unit_kinds=self.unit_kinds)

    def scope_units(self) -> list[Unit]:
        """The units of the rule's scope (`RuleScope`) by path, none for most rules. An edit not
        saved yet carries its scope as `pending_scope`."""
        scope = getattr(self, "pending_scope", None)
        if scope is None:
            # `scope.all()`: pages fetch rules with `prefetch_related("scope__unit")`.
            scope = [entry.unit for entry in self.scope.all()] if self.pk else []
        return sorted(scope, key=lambda unit: unit.path)

    def covered_units(self) -> list[Unit]:
        """The units whose subtrees the rule ranks: its scope's, or its own unit without one."""
        return self.scope_units() or ([self.unit] if self.unit_id else [])

    def covered_paths(self) -> list[str]:
        return [unit.path for unit in self.covered_units()]

    def managing_units(self) -> list[Unit]:
        """The units whose administrators manage the rule, each of whom must hold them all
        (`selectors.can_administer`): its own unit and its scope's, in path order."""
        units = {unit.pk: unit for unit in [self.unit, *self.scope_units()]}
        return sorted(units.values(), key=lambda unit: unit.path)

    @property
    def managing_display(self) -> str:
        """The units whose administrators manage the rule (`managing_units`), as its pages name them."""
        return pgettext("between list items", ", ").join(unit.display_name for unit in self.managing_units())

    @property
    def period_display(self) -> str:
        """The days the rule counts now (`period_description`); each snapshot keeps its own."""
        return period_description(
            self.period_starts_on.isoformat() if self.period_starts_on else None,
            self.period_ends_on.isoformat() if self.period_ends_on else None,
        )

    @property
    def covered_display(self) -> str:
        """The units the rule covers, as its pages name them: its unit's name, or its scope's."""
        return pgettext("between list items", ", ").join(unit.display_name for unit in self.covered_units())

    def prize_english(self, prize: str) -> str:
        """The English name of a prize as a snapshot row names it (its tier's name as typed), or ""
        when the rule gives none. A tier renamed since the row was computed is no longer found."""
        return next((str(t.get("name_en") or "") for t in self.prize_tiers or () if t.get("name") == prize), "")

    def display_prize(self, prize: str) -> str:
        """A prize as a snapshot row names it, in the page's language: the tier's English name on
        an English page when the rule gives one (`prize_english`), else the prize as recorded."""
        return in_language(prize, self.prize_english(prize))

    def clean(self) -> None:
        from .params import SAVED_SOURCES, check_rule

        if self.unit_id:
            # A form editing the sources alongside says so: their kinds are checked with them.
            check_rule(self, source_kinds=getattr(self, "pending_source_kinds", SAVED_SOURCES))


def ranked_description(subject: str, *, unit_level: int | None = None, unit_kinds=()) -> str:
    """Who a ranking ranks, in the reader's language: "Members", "Teams", "Units at level 3", or
    "Units: Party branch, Temporary party branch (at any level)" for a ranking by kind."""
    if subject != RankingRule.Subject.UNIT:
        return str(RankingRule.Subject(subject).label) if subject in RankingRule.Subject.values else subject
    if unit_kinds:
        kinds = pgettext("between list items", ", ").join(
            str(Unit.Kind(kind).label) if kind in Unit.Kind.values else kind for kind in unit_kinds
        )
        return _("Units: %(kinds)s (at any level)") % {"kinds": kinds}
    if unit_level:
        return _("Units at level %(level)d") % {"level": unit_level}
    return str(RankingRule.Subject.UNIT.label)


def period_description(starts_on: str | None, ends_on: str | None) -> str:
    """The local calendar days a ranking counts (ISO dates, as a snapshot's parameters keep them),
    in the reader's date format: "Period: 24 Nov 2026 – 7 Dec 2026", "Period: from 24 Nov 2026",
    or, with no dates, every fact up to the computation."""
    return _("Period: %(period)s") % {"period": period_span(starts_on, ends_on)}


def period_span(starts_on: str | None, ends_on: str | None) -> str:
    """`period_description` without its label, for a cell beside one: "24 Nov 2026 – 7 Dec 2026"."""
    start = date_format(date.fromisoformat(starts_on), "DATE_FORMAT") if starts_on else ""
    end = date_format(date.fromisoformat(ends_on), "DATE_FORMAT") if ends_on else ""
    if start and end:
        period = start if start == end else _("%(start)s – %(end)s") % {"start": start, "end": end}
    elif start:
        period = _("from %(start)s") % {"start": start}
    elif end:
        period = _("until %(end)s") % {"end": end}
    else:
        period = _("no dates set, every fact up to the computation")
    return str(period)  # `_` is lazy here: a cell takes text, not a proxy


class RuleSource(models.Model):
    """Facts a rule reads: a contest's score events, self-study points, a paper's best attempts, or
    study hours from completed micro-classes."""

    class Kind(models.TextChoices):
        CONTEST = "contest", _("Contest scores")
        POINTS = "points", _("Self-study points in the period")
        EXAM = "exam", _("Exam paper: best attempt per member")
        ONLINE = "online", _("Online contest: the attempt that counts per member")
        STUDY_HOURS = "study_hours", _("Study hours from micro-classes in the period")

    rule = models.ForeignKey(RankingRule, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    contest = models.ForeignKey(
        "contests.Contest", verbose_name=_("contest"), on_delete=models.PROTECT, null=True, blank=True
    )
    paper = models.ForeignKey("lessons.Paper", verbose_name=_("paper"), on_delete=models.PROTECT, null=True, blank=True)
    activity = models.SlugField(_("point activity"), max_length=40, blank=True, help_text=_("Empty: every activity."))
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=3, default=1)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description

    @property
    def description(self) -> str:
        """The source as people read it, in the reader's language: its kind, then the contest's or
        paper's title or the points activity's name (never the ledger's activity code)."""
        named = self.contest or self.paper
        if named is not None:
            detail = named.display_title
        elif self.activity:
            detail = activity_label(self.activity)
        else:
            return str(self.get_kind_display())
        return _("%(kind)s (%(detail)s)") % {"kind": self.get_kind_display(), "detail": detail}

    def clean(self) -> None:
        kind = KINDS.get(self.kind)  # an unknown kind is refused by the field's choices
        if kind is not None:
            kind.check(self, getattr(self, "rule", None))


class RuleScope(models.Model):
    """One of the units a rule covers: it ranks the union of its scope units' subtrees, say three
    organs that are no subtree of one unit the administrator holds. No rows: the rule's own unit."""

    rule = models.ForeignKey(RankingRule, on_delete=models.CASCADE, related_name="scope")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("unit covered")
        verbose_name_plural = _("units covered")
        constraints = [models.UniqueConstraint(fields=["rule", "unit"], name="rulescope_unit_once_per_rule")]

    def __str__(self) -> str:
        return self.unit.name


class ExpectedHeadcount(models.Model):
    """The headcount an organiser states for a ranked unit (应参与人数). It wins over the one
    counted from the member records, and the board says so."""

    rule = models.ForeignKey(RankingRule, on_delete=models.CASCADE, related_name="expected_headcounts")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    headcount = models.PositiveIntegerField(
        _("expected headcount"), help_text=_("How many members of the unit are expected to take part.")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("expected headcount")
        verbose_name_plural = _("expected headcounts")
        constraints = [models.UniqueConstraint(fields=["rule", "unit"], name="expected_headcount_once_per_unit")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.headcount}"


class RuleUnit(models.Model):
    """The unit tree as it stood when the rule's population was frozen (moves later do not count)."""

    rule = models.ForeignKey(RankingRule, on_delete=models.CASCADE, related_name="+")
    unit_id = models.IntegerField()
    path = models.CharField(max_length=255)
    depth = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    # The unit's kind then (`Unit.Kind`): a ranking by kind ranks the units of its kinds.
    kind = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "unit_id"], name="rule_unit_once")]
        indexes = [models.Index(fields=["rule", "path"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.path})"


class RuleMember(models.Model):
    """An active member of the rule's subtree when it was first saved, with their unit then: a
    record of the start only. The headcount that per capita and participation divide by is taken
    at the cut-off, the end of the headcount day (`rankings.params`), not from these rows."""

    rule = models.ForeignKey(RankingRule, on_delete=models.CASCADE, related_name="+")
    member_id = models.IntegerField()
    unit_id = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "member_id"], name="rule_member_once")]

    def __str__(self) -> str:
        return f"member {self.member_id} in unit {self.unit_id}"


class RankingRun(models.Model):
    """One request to compute a rule, with its progress. One active run per rule at a time.

    The execution working on a running run renews `heartbeat_at` at every stage; once it is older
    than RANKINGS_RUN_GRACE_S the worker is taken as dead and another execution may take the run
    over, which bumps `attempt` (the token that fences out the old execution's writes)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Computing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    rule = models.ForeignKey(RankingRule, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=40, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    snapshot = models.ForeignKey("Snapshot", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=200, blank=True)
    attempt = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule"], condition=models.Q(status__in=["queued", "running"]), name="one_active_run_per_rule"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.get_status_display()}"

    @property
    def worker_missing(self) -> bool:
        """Still queued long after it was requested: no background worker seems to run."""
        return self.status == self.Status.QUEUED and background.worker_missing(self.created_at)

    @property
    def outcome_display(self) -> str:
        known = {
            "computed": _("A new provisional version was computed."),
            "unchanged": _("Nothing changed since the newest version; no new version."),
        }
        if self.outcome.startswith("stale"):
            return _("The rule changed during the run; it will be computed again.")
        if self.outcome.startswith("abandoned"):
            return _("The worker computing this run stopped; compute again.")
        return str(known.get(self.outcome, self.outcome))


class SnapshotImmutable(Exception):
    """A published or superseded snapshot, or any snapshot row, cannot be edited or deleted."""


class Snapshot(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Provisional")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    FROZEN = (Status.PUBLISHED, Status.SUPERSEDED)
    REVIEWED = (Status.DRAFT, Status.APPROVED)  # waiting to be approved or published

    rule = models.ForeignKey(RankingRule, on_delete=models.PROTECT, related_name="snapshots")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    rule_version = models.PositiveIntegerField()
    parameters = models.JSONField()
    input_hash = models.CharField(max_length=64)
    # Whether the inputs ranked were kept (SnapshotInput, SnapshotUnit, SnapshotTeam): snapshots
    # computed before inputs were kept can only be checked against today's facts.
    inputs_kept = models.BooleanField(default=False)
    # Where the participants' inputs were kept: True, in the snapshot's own rows (a member ranking
    # by total: one row per member holds all of them, see `compute.inputs_in_rows`); otherwise in
    # SnapshotInput. NULL for snapshots kept before rows could hold them.
    inputs_in_rows = models.BooleanField(null=True, editable=False)
    inputs_fingerprint = models.CharField(max_length=200, blank=True)
    rows_hash = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(default=0)
    eligible_count = models.PositiveIntegerField(default=0)
    diff = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    computed_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    supersede_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("ranking snapshot")
        verbose_name_plural = _("ranking snapshots")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="snapshot_version_unique"),
            models.UniqueConstraint(
                fields=["rule"], condition=models.Q(status="published"), name="one_published_snapshot_per_rule"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk and Snapshot.objects.filter(pk=self.pk, status__in=self.FROZEN).exists():
            raise SnapshotImmutable(f"snapshot {self.pk} is published and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Snapshot.objects.filter(pk=self.pk, status__in=self.FROZEN).exists():
            raise SnapshotImmutable(f"snapshot {self.pk} is published and cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def prize_places_warning(self) -> str | None:
        """Whether its tiers by count cover more places than it ranked (`prize_places_beyond_ranked`)."""
        from .params import prize_places_beyond_ranked

        parameters = self.parameters or {}
        return prize_places_beyond_ranked(
            mode=parameters.get("prize_mode", ""), tiers=parameters.get("prize_tiers"), ranked=self.eligible_count
        )

    @property
    def period_display(self) -> str:
        """The period this version counted (its parameters: the rule may have changed since)."""
        parameters = self.parameters or {}
        return period_description(parameters.get("period_starts_on"), parameters.get("period_ends_on"))

    @property
    def period_days(self) -> str:
        """The days of `period_display` without its "Period:" label."""
        parameters = self.parameters or {}
        return period_span(parameters.get("period_starts_on"), parameters.get("period_ends_on"))

    @property
    def period_starts_on(self) -> date | None:
        """The first local calendar day this version counted (`period_display`), None without one:
        a date as typed, never an instant, so no time zone shifts it."""
        starts_on = (self.parameters or {}).get("period_starts_on")
        return date.fromisoformat(starts_on) if starts_on else None

    @property
    def period_ends_on(self) -> date | None:
        """The last local calendar day this version counted, whole (`period_starts_on`)."""
        ends_on = (self.parameters or {}).get("period_ends_on")
        return date.fromisoformat(ends_on) if ends_on else None

    def stated_headcount_below_participants(self, row: "SnapshotRow") -> int | None:
        """The headcount an organiser stated for `row`'s unit when fewer than took part, so the
        row counts its participants instead (`RuleParams.stated_headcount_floor`); else None."""
        if not row.headcount_expected:
            return None
        stated = self._stated_headcounts.get(row.subject_id)
        return stated if stated is not None and stated < row.headcount else None

    def counted_headcount_below_participants(self, row: "SnapshotRow") -> int | None:
        """The headcount counted for `row`'s unit at the cut-off when more took part there (members
        who took part, then moved out: `RuleParams.participants_as_credited`), so the row counts
        its participants instead; else None."""
        if row.headcount_expected or not self.parameters.get("participants_as_credited"):
            return None
        counted = self._counted_headcounts.get(row.subject_id, 0)
        return counted if counted < (row.headcount or 0) else None

    @cached_property
    def _counted_headcounts(self) -> dict[int, int]:
        """Each ranked unit's counted headcount from the units this snapshot kept, as the
        computation sums it: every kept unit under the ranked one (by kind: those whose nearest
        unit of a ranked kind at or above them is it)."""
        from .params import STEPLEN

        units = list(SnapshotUnit.objects.filter(snapshot=self).values_list("unit_id", "path", "kind", "headcount"))
        kinds = set(self.parameters.get("unit_kinds") or ())
        level = self.parameters.get("unit_level")
        by_path = {path: unit_id for unit_id, path, kind, _count in units if not kinds or kind in kinds}
        counted: dict[int, int] = {}
        for _unit_id, path, _kind, count in units:
            if kinds:
                # Ancestors' paths are the path's prefixes, STEPLEN characters a level; the deepest wins.
                prefixes = (path[:end] for end in range(len(path), 0, -STEPLEN))
                subject = next((by_path[prefix] for prefix in prefixes if prefix in by_path), None)
            else:
                subject = by_path.get(path[: STEPLEN * level]) if level and len(path) >= STEPLEN * level else None
            if subject is not None:
                counted[subject] = counted.get(subject, 0) + count
        return counted

    @cached_property
    def _stated_headcounts(self) -> dict[int, int]:
        return {int(unit): int(count) for unit, count in self.parameters.get("expected_headcounts") or ()}


class SnapshotRow(models.Model):
    """One ranked subject. Written once by the computation's INSERT ... SELECT; never saved by hand."""

    # No database-level foreign key: a check trigger per row costs a third of writing 100,000 rows,
    # and rows are only ever written by the computation, in the transaction creating the snapshot.
    # Nor an index of its own: the unique (snapshot, subject) index serves lookups by snapshot.
    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.CASCADE, related_name="rows", db_constraint=False, db_index=False
    )
    subject_id = models.IntegerField()
    label = models.CharField(max_length=150)
    unit_id = models.IntegerField(null=True)
    unit_name = models.CharField(max_length=100, blank=True)
    group_id = models.IntegerField(null=True)
    group_name = models.CharField(max_length=100, blank=True)
    metric = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    total = models.DecimalField(max_digits=18, decimal_places=4)
    participants = models.PositiveIntegerField()
    headcount = models.PositiveIntegerField(null=True)
    time_used_s = models.DecimalField(max_digits=14, decimal_places=3)
    finished_at = models.DateTimeField(null=True)
    eligible = models.BooleanField()
    ineligible_reason = models.CharField(max_length=20, blank=True)
    place = models.PositiveIntegerField(null=True, help_text="Competition rank among eligible subjects (prizes).")
    rank = models.PositiveIntegerField(null=True, help_text="Rank as displayed (standard or dense).")
    rank_in_group = models.PositiveIntegerField(null=True)
    tied_count = models.PositiveIntegerField(default=1)
    prize = models.CharField(max_length=40, blank=True)
    previous_rank = models.PositiveIntegerField(null=True)
    headcount_expected = models.BooleanField(
        default=False, help_text="The headcount is the one an organiser stated, not the counted one."
    )
    right_count = models.PositiveIntegerField(default=0, help_text="Right answers (contest and exam sources).")
    answer_count = models.PositiveIntegerField(default=0, help_text="Questions answered (contest) or asked (exam).")

    class Meta:
        ordering = ["snapshot_id", "place", "label"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "subject_id"], name="snapshot_subject_once")]
        # One index besides the unique one: pages list rows by place; each costs on every insert.
        indexes = [models.Index(fields=["snapshot", "place"])]

    def __str__(self) -> str:
        return f"{self.label} #{self.rank}"

    # Why a subject takes no place, as the computation records it and as people read it.
    REASONS = {
        "no_participants": _("No participants"),
        "no_headcount": _("No headcount"),
        "too_few_participants": _("Too few participants"),
        "low_participation": _("Participation too low"),
    }

    def save(self, *args, **kwargs):
        raise SnapshotImmutable("snapshot rows are written by the computation only")

    def delete(self, *args, **kwargs):
        raise SnapshotImmutable("snapshot rows are written by the computation only")

    @property
    def accuracy(self) -> float | None:
        """The rate of right answers, or None without answers."""
        return self.right_count / self.answer_count if self.answer_count else None

    @property
    def reason_display(self) -> str:
        return str(self.REASONS.get(self.ineligible_reason, self.ineligible_reason))


class SnapshotInput(models.Model):
    """One (subject, participant) aggregate a snapshot ranked, kept so that the snapshot can be
    recomputed from its own inputs for good. Written once, with the rows, by set-based SQL."""

    # Found by snapshot through a BRIN index on PostgreSQL (a plain one on SQLite), made by
    # migration 0018 outside the model's state: a snapshot's inputs are written in one statement,
    # so they lie together, and a b-tree entry per row would double the cost of keeping them.
    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    subject_id = models.IntegerField()
    member_id = models.IntegerField(null=True)
    score = models.DecimalField(max_digits=24, decimal_places=8)
    time_s = models.DecimalField(max_digits=20, decimal_places=6)
    finished_at = models.DateTimeField(null=True)
    unit_path = models.CharField(max_length=255)
    counted = models.SmallIntegerField()
    right_answers = models.IntegerField(default=0)
    answers = models.IntegerField(default=0)
    sources = models.IntegerField(null=True, help_text="For a member's mean: the sources with a fact.")
    best_source_score = models.DecimalField(
        max_digits=24, decimal_places=8, null=True, help_text="For a member's best-of: their best source's score."
    )

    def __str__(self) -> str:
        return f"subject {self.subject_id} member {self.member_id}"

    def save(self, *args, **kwargs):
        raise SnapshotImmutable("snapshot inputs are written by the computation only")

    def delete(self, *args, **kwargs):
        raise SnapshotImmutable("snapshot inputs are written by the computation only")


class SnapshotUnit(models.Model):
    """A unit of the tree a snapshot ranked, with the members of the headcount placed in it."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    unit_id = models.IntegerField()
    path = models.CharField(max_length=255)
    depth = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    headcount = models.PositiveIntegerField()
    # The unit's kind as ranked ("" in snapshots kept before kinds were: none of them ranked by kind).
    kind = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.headcount})"

    def save(self, *args, **kwargs):
        raise SnapshotImmutable("snapshot inputs are written by the computation only")

    def delete(self, *args, **kwargs):
        raise SnapshotImmutable("snapshot inputs are written by the computation only")


class SnapshotTeam(models.Model):
    """A team a snapshot ranked: its unit and roster size as they were then."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    team_id = models.IntegerField()
    unit_id = models.IntegerField(null=True)
    roster = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"team {self.team_id} ({self.roster})"

    def save(self, *args, **kwargs):
        raise SnapshotImmutable("snapshot inputs are written by the computation only")

    def delete(self, *args, **kwargs):
        raise SnapshotImmutable("snapshot inputs are written by the computation only")
