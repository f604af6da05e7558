"""Live contests: teams with frozen rosters, rounds, question openings, and the facts they produce.

Answers, buzzes, risk picks and score events are append-only rows; scores are derived from
them (base score + sum of events). Uniqueness is enforced by the database.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lessons.models import QuestionVersion
from orgs.models import Unit
from quizsite.naming import EnglishTitle, english_name_field, in_language

# The longest team name, in a hall contest as in an online relay (the columns' length): longer
# was imported on SQLite and a server error on PostgreSQL.
TEAM_NAME_MAX = 60
JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(6))


class Contest(EnglishTitle, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Preparing")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        FINISHED = "finished", _("Finished")

    title = models.CharField(_("title"), max_length=120)
    title_en = english_name_field(120)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="contests")
    join_code = models.CharField(_("join code"), max_length=8, unique=True, default=new_join_code)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    base_score = models.IntegerField(_("base score"), default=100)
    current = models.ForeignKey("Opening", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The number of the contest's latest broadcast, bumped in the transaction of each change
    # (`broadcast.after_commit`): kept here, not in Redis, so numbering survives a Redis restart.
    seq = models.PositiveBigIntegerField(default=0, editable=False)
    # Bumped in the transaction of each relay hand-over (`LegHandover`): every process keys the
    # roster it judges answers by on it, so none keeps judging by the legs before the hand-over.
    baton_version = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # A rehearsal is a disposable copy played with test teams under its own join code: it keeps
    # no results (results pages, exports and ranking sources refuse it).
    rehearsal_of = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="rehearsals", editable=False
    )

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.display_title

    @property
    def is_rehearsal(self) -> bool:
        return self.rehearsal_of_id is not None


class NamedAfterUnit:
    """For a team model with `name` and `unit`: its name as an English page shows it."""

    @property
    def name_en(self) -> str:
        """The name as an English page shows it (`english_team_name`)."""
        return english_team_name(self.name, self.unit.name, self.unit.name_en)

    @property
    def display_name(self) -> str:
        return in_language(self.name, self.name_en)


class Team(NamedAfterUnit, models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=TEAM_NAME_MAX)
    unit = models.ForeignKey(Unit, verbose_name=_("unit represented"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["contest", "name"], name="team_name_unique_in_contest")]

    def __str__(self) -> str:
        return self.name


def english_team_name(name: str, unit_name: str, unit_name_en: str) -> str:
    """A team named after its unit goes by the unit's English name on English pages: named as the
    unit (teams made from units are), by it; named "<unit>队" (the demo's and the roster
    template's way), "<English name> team". Any other name is shown as typed."""
    if not unit_name_en:
        return name
    if name == unit_name:
        return unit_name_en
    if name == f"{unit_name}队":
        return f"{unit_name_en} team"
    return name


def team_name_too_long(name: str) -> str:
    """Why `name` cannot name a team (longer than TEAM_NAME_MAX), in the page's language; "" when
    it can. Every way of naming a team refuses with these words: by hand, from units, by roster."""
    if len(name) <= TEAM_NAME_MAX:
        return ""
    return gettext("A team's name has at most %(max)d characters; this one has %(count)d.") % {
        "max": TEAM_NAME_MAX,
        "count": len(name),
    }


class TeamMember(models.Model):
    """A roster place. `leg` orders relay answers; substitutes have none. Frozen at the start."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="roster")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contest_places")
    leg = models.PositiveIntegerField(null=True, blank=True)
    is_captain = models.BooleanField(_("captain"), default=False)
    unit_at_start = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["team_id", "leg", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "member"], name="one_team_per_member"),
            models.UniqueConstraint(fields=["team", "leg"], name="one_member_per_leg"),
            models.UniqueConstraint(fields=["team"], condition=models.Q(is_captain=True), name="one_captain_per_team"),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.member}"


class LegHandover(models.Model):
    """The host gave a runner's remaining relay legs to a teammate: from `from_question` on (in
    round order), every leg `from_member` would hold is `to_member`'s. Append-only: `TeamMember.leg`
    stays as frozen at the start; `services.baton_in_turn` applies these on top of it, in order."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="leg_handovers")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="leg_handovers")
    from_member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_question = models.ForeignKey("RoundQuestion", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.team} · {self.from_member_id} → {self.to_member_id}"


class Round(models.Model):
    class Type(models.TextChoices):
        RELAY = "relay", _("Relay")
        COMPULSORY = "compulsory", _("Compulsory")
        BUZZER = "buzzer", _("Buzzer")
        RISK = "risk", _("Risk")
        TIEBREAK = "tiebreak", _("Tie-break")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rounds")
    position = models.PositiveIntegerField()
    type = models.CharField(_("type"), max_length=12, choices=Type.choices)
    title = models.CharField(_("title"), max_length=60, blank=True)
    title_en = english_name_field(60)
    points = models.IntegerField(_("points for a right answer"), default=10)
    penalty = models.IntegerField(_("points off for a wrong answer"), default=0)
    early_buzz_penalty = models.IntegerField(_("points off for buzzing early"), default=5)
    time_limit_s = models.PositiveIntegerField(_("seconds per question"), default=20)
    risk_tiers = models.JSONField(_("risk values"), default=list, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["contest", "position"], name="round_position_unique")]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The English title on an English page when there is one, the title as typed otherwise,
        and the round type's name (in the page's language) for a round without a title."""
        return in_language(self.title, self.title_en) or self.get_type_display()

    @property
    def kind(self):
        """This round type's rules (contests/rounds), for templates; code calls `round_kind`."""
        from .rounds import round_kind  # the round kinds build on these models

        return round_kind(self.type)


class RoundQuestion(models.Model):
    """A question in a round; `team` set for compulsory questions that belong to one team."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["round", "position"], name="round_question_position_unique")]

    def __str__(self) -> str:
        return f"{self.round} · {self.position}"


class Opening(models.Model):
    """A question shown to the hall: opened at a server time, with an absolute deadline."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="openings")
    question = models.OneToOneField(RoundQuestion, on_delete=models.CASCADE, related_name="opening")
    # Risk rounds: picks first (phase "picking"), then the question opens.
    picking_until = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    paused_remaining_ms = models.PositiveIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    buzz_winner = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    skipped = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.contest} · {self.question}"


class Pause(models.Model):
    """A time the contest was paused: from the host's pause to the resume (or the finish; open
    while it lasts). Relay time leaves these out: a leg counts only the time the hall could answer."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.contest} · {self.started_at:%H:%M:%S}"


class ContestAnswer(models.Model):
    """A team's answer to an opening, by server receive time. One per team per opening."""

    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="answers")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    response = models.JSONField()
    received_at = models.DateTimeField()
    client_answer_id = models.CharField(max_length=64)
    is_correct = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opening", "team"], name="one_answer_per_team_per_opening"),
            models.UniqueConstraint(fields=["opening", "client_answer_id"], name="answer_id_unique_per_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.opening_id}"


class Buzz(models.Model):
    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="buzzes")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    early = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opening", "team"], name="one_buzz_per_team")]

    def __str__(self) -> str:
        return f"{self.team} buzz"


class RiskPick(models.Model):
    """A team's stake in a risk question; 0 abstains."""

    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="risk_picks")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveIntegerField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opening", "team"], name="one_risk_pick_per_team")]

    def __str__(self) -> str:
        return f"{self.team} risk {self.value}"


class ScoreEvent(models.Model):
    """Points gained or lost. Never edited: a correction is another event with a reason."""

    class Reason(models.TextChoices):
        RIGHT = "right", _("Right answer")
        WRONG = "wrong", _("Wrong answer")
        EARLY_BUZZ = "early_buzz", _("Buzzed early")
        OVERRIDE = "override", _("Judge's ruling")
        ADJUSTMENT = "adjustment", _("Adjustment")
        # An organiser's ruling or adjustment on an appeal after the finish.
        CORRECTION = "correction", _("Correction after the finish")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="score_events")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="score_events")
    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Who earned it (the answering or buzzing member) and how long their answer took, so member
    # rankings and "time used" tie-breaks read one table. Empty for team-wide adjustments.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    time_used_ms = models.PositiveIntegerField(null=True, blank=True)
    points = models.IntegerField()
    reason = models.CharField(max_length=12, choices=Reason.choices)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # An answer is scored once, however many times the reveal is pressed.
            models.UniqueConstraint(
                fields=["opening", "team", "reason"],
                condition=models.Q(reason__in=["right", "wrong", "early_buzz"]),
                name="one_automatic_score_per_team_per_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.points:+d} ({self.reason})"


class AuditEntry(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=40)
    detail = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.action} @ {self.at:%H:%M:%S}"


# Online contests live in their own package; imported here so Django registers their models.
from .online.models import IntegrityEvent, OnlineAttempt, OnlineAuditEntry, OnlineContest  # noqa: E402, F401

# Team relays over days, likewise in their own package.
from .relay.models import RelayContest, RelayLeg, RelayRunner, RelayTeam  # noqa: E402, F401
