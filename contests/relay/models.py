"""A relay wraps an online contest (its paper holds the window, the leg's draw rules and the leg
time limit; its audience the units taking part) and adds teams, ordered rosters and legs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit

from ..models import TEAM_NAME_MAX, NamedAfterUnit
from ..online.models import OnlineAttempt, OnlineContest


class RelayContest(models.Model):
    """A team relay over days. Each leg is one attempt at `online.paper` (k questions drawn per
    leg by its rules, with the seed stored on the attempt), limited by the paper's time limit."""

    class LateStart(models.TextChoices):
        FLAG = "flag", _("Flag it for the captain and organisers")
        SKIP = "skip", _("Skip the holder automatically")

    online = models.OneToOneField(OnlineContest, on_delete=models.PROTECT, related_name="relay")
    start_within_h = models.PositiveIntegerField(
        _("hours a holder has to start"), default=24, help_text=_("Counted from when the baton reaches them.")
    )
    late_start = models.CharField(
        _("when a holder does not start in time"), max_length=8, choices=LateStart.choices, default=LateStart.FLAG
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relay contest")
        verbose_name_plural = _("relay contests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.online.paper.display_title

    @property
    def paper(self):
        return self.online.paper


class RelayTeam(NamedAfterUnit, models.Model):
    """A team and where its baton is (`baton`, the leg waiting or running; none when done)."""

    relay = models.ForeignKey(RelayContest, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=TEAM_NAME_MAX)
    unit = models.ForeignKey(Unit, verbose_name=_("unit represented"), on_delete=models.PROTECT, related_name="+")
    captain = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)
    baton = models.ForeignKey("RelayLeg", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["relay", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["relay", "name"], name="relay_team_name_unique")]

    def __str__(self) -> str:
        return self.name


class RelayRunner(models.Model):
    """One place in a team's ordered roster: a member, or a unit (any active member of it runs
    the leg, so the baton passes between party branches). The unit the member was in is frozen
    when the roster is made."""

    team = models.ForeignKey(RelayTeam, on_delete=models.CASCADE, related_name="runners")
    position = models.PositiveIntegerField()
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="relay_places"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    unit_at_start = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["team", "position"]
        constraints = [
            models.UniqueConstraint(fields=["team", "position"], name="relay_runner_position_unique"),
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) | models.Q(unit__isnull=False), name="relay_runner_who"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} #{self.position}"


class RelayLeg(models.Model):
    """A leg: created when the baton reaches its runner, and then waiting, running, finished,
    skipped (with a reason) or unrun (the window closed first). `holder` is who may start it
    (the runner, or a replacement); for a unit's leg, the member who started it."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting to start")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        SKIPPED = "skipped", _("Skipped")
        UNRUN = "unrun", _("Not run")

    team = models.ForeignKey(RelayTeam, on_delete=models.CASCADE, related_name="legs")
    runner = models.ForeignKey(RelayRunner, on_delete=models.CASCADE, related_name="legs")
    position = models.PositiveIntegerField()
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="relay_legs"
    )
    holder_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    baton_at = models.DateTimeField(help_text=_("When the baton reached this leg (or its replacement holder)."))
    start_by = models.DateTimeField()
    late_flagged_at = models.DateTimeField(null=True, blank=True)
    online_attempt = models.OneToOneField(
        OnlineAttempt, on_delete=models.PROTECT, null=True, blank=True, related_name="relay_leg"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    right = models.PositiveIntegerField(default=0)
    questions = models.PositiveIntegerField(default=0)
    # From the start of the leg's attempt to its end, to the millisecond (10.9 s, not 10).
    time_used_s = models.DecimalField(max_digits=10, decimal_places=3, default=0)
    skip_reason = models.CharField(max_length=200, blank=True)
    skipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["team", "position"]
        constraints = [models.UniqueConstraint(fields=["team", "position"], name="relay_leg_position_unique")]
        indexes = [models.Index(fields=["status", "start_by"]), models.Index(fields=["status", "deadline_at"])]

    def __str__(self) -> str:
        return f"{self.team} · {self.position}"
