"""A rule's parameters as a plain, hashable value, and the checks a rule must pass.

A snapshot stores these parameters, so `verify_snapshot` recomputes exactly what was computed,
whatever happened to the rule since.

How people are counted (the rule's population), stated once here and on the rule's page:

- Period days are local calendar days (`TIME_ZONE`): a period from D1 to D2 holds every fact from
  local midnight starting D1 to local midnight ending D2, for every source.
- A member who moved is credited fact by fact (the default; `mover_credit`): each fact goes to
  the unit the member belonged to when it happened (the unit recorded at an exam's or contest's
  start, otherwise the placement history in `orgs`). A rule may instead credit every fact of a
  member in the headcount to their unit at the cut-off. A member board lists a member who moved
  once, with all their results, in one unit (`counting_rules` says which for the setting).
- The headcount counts each member once, in their unit at the cut-off (`headcount_at`: the end
  of the day `headcount_on`, else of the period, else when the rule was first saved), a member's
  first recorded unit reaching back before they were placed there, as for their results
  (`headcount_as_credited`: members imported after the cut-off count where their results do); "party
  members only" leaves others out of it and of the participants. An expected headcount an
  organiser states for a unit (应参与人数) replaces the counted one.
- A unit's participants are the members with a result credited to it (`participants_as_credited`):
  those whose results make up its total, so its mean is that total over them. A member who moved
  and took part before and after counts in both units. The headcount is never below the
  participants (a unit left by members who took part there, or a stated figure outgrown, is
  counted against its participants, since `headcount_as_credited` even where nobody was counted):
  participation never exceeds 100 %, and "no headcount" keeps a unit out only where the metric
  divides by it. Snapshots computed
  before counted only members of the unit's headcount as its participants, while a mover's
  results still added to its total; they keep their parameters and verify as computed.
- Deactivated members count in neither the headcount nor the participants, and their facts are
  not ranked, unless the rule counts them (`count_deactivated`). A team's score is the team's
  record and keeps every roster member's points.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from orgs.models import Unit
from orgs.paths import unit_name_key
from quizsite.forms import local_day_problem

from .sources import KINDS

TIE_BREAKS = ("accuracy_desc", "right_desc", "time_used_asc", "finished_at_asc", "participants_desc")
# The data a tie-break key reads, by who provides it: answers (right or wrong, with their time)
# come from contests, exams and online contests (graded as exams); a finish time from every source;
# participants from groups.
ANSWER_KEYS = ("accuracy_desc", "right_desc", "time_used_asc")
ANSWER_SOURCES = tuple(name for name, kind in KINDS.items() if kind.answers)
SUGGESTED_TIE_BREAKS = ("accuracy_desc", "time_used_asc")
COMPOSABLE = ("total", "mean", "per_capita", "participation", "top_k")
MEMBER_METRICS = ("total", "mean", "best")
# Metrics that are a share of a headcount: kept as a fraction (0.95), read as a percentage (95%).
RATE_METRICS = frozenset({"participation"})
STEPLEN = 4  # treebeard's materialised-path step: a unit at depth d has a path of 4 * d characters
# Where a team ranking's teams come from, by the kind of source that brings them: a live contest's
# teams and rosters, or the teams of the relay run on an online contest's paper (a relay's legs
# are attempts at that paper). Team ids of the two kinds overlap: a rule ranks one kind.
TEAM_SOURCES = {name: kind.teams for name, kind in KINDS.items() if kind.teams}


def records_time(parameters: dict) -> bool:
    """Whether a snapshot's sources (its stored parameters) record the time people took: only
    those with answers do (`SourceKind.answers`); self-study points and study hours have none."""
    return any(source.get("kind") in ANSWER_SOURCES for source in parameters.get("sources") or ())


def teams_ranked(source_kinds) -> str | None:
    """Which teams a team ranking with sources of `source_kinds` ranks ("contest" or "relay"),
    or None when no source brings teams."""
    kinds = {TEAM_SOURCES[kind] for kind in source_kinds if kind in TEAM_SOURCES}
    if "contest" in kinds:
        return "contest"
    return "relay" if kinds else None


@dataclass(frozen=True)
class Source:
    kind: str
    weight: float = 1.0
    contest_id: int | None = None
    paper_id: int | None = None
    activity: str = ""


@dataclass(frozen=True)
class RuleParams:
    rule_id: int
    unit_path: str
    subject: str
    metric: str = "total"
    unit_level: int | None = None
    # A unit ranking ranks the units at `unit_level`, or (when given) every unit of these kinds.
    unit_kinds: tuple = ()
    group_level: int | None = None
    top_k: int = 3
    composite: dict = field(default_factory=dict)
    min_participants: int = 0
    min_participation: float | None = None
    tie_breaks: tuple = ()
    rank_style: str = "standard"
    prize_mode: str = "none"
    prize_tiers: tuple = ()
    boundary_ties: str = "share"
    percent_rounding: str = "floor"
    period_starts_on: str | None = None
    period_ends_on: str | None = None
    headcount_at: str | None = None
    sources: tuple = ()
    party_members_only: bool = False
    expected_headcounts: tuple = ()  # ((unit_id, headcount), ...) by unit id
    mover_credit: str = "fact"
    count_deactivated: bool = False
    # A stated headcount below a unit's participants counts as its participants (more took part
    # than were expected): never a rate over 100 %. Off in snapshots computed before it existed.
    stated_headcount_floor: bool = False
    # A unit's participants are everyone with a result credited to it, and its headcount (counted
    # or stated) is never below them. Off in snapshots computed before: there a mover's results
    # added to the total of a unit they were no participant of.
    participants_as_credited: bool = False
    # A member's first recorded placement reaches back before it for the headcount as it does for
    # their results (members imported after the cut-off count where their results count); the
    # headcount is never below the participants, even where nobody was counted; and only a metric
    # that divides by the headcount leaves out a unit without one. Off in snapshots computed before:
    # there members placed after the cut-off were in no headcount, and a unit without a headcount
    # was not ranked by any metric.
    headcount_as_credited: bool = False
    # The units a rule covers when it names several (`RuleScope`), by path: it ranks the union of
    # their subtrees. Empty: the subtree of `unit_path`, as every rule before scopes.
    scope_paths: tuple = ()
    # A member board lists a member who moved, with all their results, in their unit at the
    # cut-off (the headcount's), under either `mover_credit`; one no longer in the ranked units
    # stays in the unit of their results whose path sorts last. Off in snapshots computed before:
    # there every mover was listed that way, which could be the unit they had left.
    members_listed_at_cut_off: bool = False

    @classmethod
    def from_rule(cls, rule) -> RuleParams:
        return cls(
            rule_id=rule.pk,
            unit_path=rule.unit.path,
            subject=rule.subject,
            metric=rule.metric,
            unit_level=rule.unit_level if not rule.unit_kinds else None,
            unit_kinds=tuple(sorted(rule.unit_kinds or ())) if rule.subject == "unit" else (),
            group_level=rule.group_level,
            top_k=rule.top_k,
            composite={key: float(value) for key, value in (rule.composite or {}).items()},
            min_participants=rule.min_participants,
            min_participation=float(rule.min_participation) if rule.min_participation is not None else None,
            tie_breaks=tuple(rule.tie_breaks or ()),
            rank_style=rule.rank_style,
            prize_mode=rule.prize_mode,
            prize_tiers=tuple(_tier(t) for t in rule.prize_tiers or ()),
            boundary_ties=rule.boundary_ties,
            percent_rounding=rule.percent_rounding,
            period_starts_on=rule.period_starts_on.isoformat() if rule.period_starts_on else None,
            period_ends_on=rule.period_ends_on.isoformat() if rule.period_ends_on else None,
            headcount_at=_cut_off(rule),
            sources=tuple(
                Source(
                    kind=source.kind,
                    weight=float(source.weight),
                    contest_id=source.contest_id,
                    paper_id=source.paper_id,
                    activity=source.activity,
                )
                for source in rule.sources.order_by("id")
            ),
            party_members_only=rule.party_members_only,
            mover_credit=rule.mover_credit,
            count_deactivated=rule.count_deactivated,
            expected_headcounts=tuple(rule.expected_headcounts.order_by("unit_id").values_list("unit_id", "headcount"))
            if rule.subject == "unit"
            else (),
            stated_headcount_floor=rule.subject == "unit" and rule.expected_headcounts.exists(),
            participants_as_credited=rule.subject == "unit",
            headcount_as_credited=rule.subject == "unit",
            scope_paths=_scope_paths(rule),
            members_listed_at_cut_off=rule.subject == "member",
        )

    @classmethod
    def from_json(cls, data: dict) -> RuleParams:
        data = dict(data)
        data["sources"] = tuple(Source(**source) for source in data.get("sources", ()))
        data["tie_breaks"] = tuple(data.get("tie_breaks", ()))
        data["unit_kinds"] = tuple(data.get("unit_kinds", ()))
        data["prize_tiers"] = tuple(data.get("prize_tiers", ()))
        data["expected_headcounts"] = tuple(tuple(pair) for pair in data.get("expected_headcounts", ()))
        data["scope_paths"] = tuple(data.get("scope_paths", ()))
        return cls(**data)

    def to_json(self) -> dict:
        data = asdict(self)
        data["sources"] = [asdict(source) for source in self.sources]
        data["tie_breaks"] = list(self.tie_breaks)
        data["unit_kinds"] = list(self.unit_kinds)
        data["prize_tiers"] = [dict(tier) for tier in self.prize_tiers]
        data["expected_headcounts"] = [list(pair) for pair in self.expected_headcounts]
        data["scope_paths"] = list(self.scope_paths)
        # Settings added later are left out while unused, so earlier snapshots' parameters (and
        # the hashes taken over them) read the same.
        unused_settings = (
            ("party_members_only", False),
            ("expected_headcounts", []),
            ("mover_credit", "fact"),
            ("count_deactivated", False),
            ("unit_kinds", []),
            ("stated_headcount_floor", False),
            ("participants_as_credited", False),
            ("headcount_as_credited", False),
            ("scope_paths", []),
            ("members_listed_at_cut_off", False),
        )
        for name, unused in unused_settings:
            if data[name] == unused:
                del data[name]
        return data

    def canonical(self) -> bytes:
        return json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    @property
    def covered_paths(self) -> tuple[str, ...]:
        """The paths of the units whose subtrees are ranked: the scope's, or the rule's unit."""
        return self.scope_paths or (self.unit_path,)

    @property
    def period(self) -> tuple[datetime | None, datetime | None]:
        """The instants the rule's period runs from and until (`period_bounds`)."""
        return period_bounds(
            date.fromisoformat(self.period_starts_on) if self.period_starts_on else None,
            date.fromisoformat(self.period_ends_on) if self.period_ends_on else None,
        )

    @property
    def period_start(self) -> datetime | None:
        return self.period[0]

    @property
    def period_end(self) -> datetime | None:
        """The first instant after the period: local midnight ending its last day."""
        return self.period[1]

    @property
    def teams(self) -> str | None:
        """For a team ranking, which teams it ranks (`teams_ranked`)."""
        return teams_ranked(source.kind for source in self.sources) if self.subject == "team" else None

    @property
    def needs_headcount(self) -> bool:
        """Whether a subject's ranking reads its headcount: a metric (or composite part) divided by
        it, or a minimum participation rate."""
        divided = {"per_capita", "participation"}
        parts = set(self.composite) if self.metric == "composite" else {self.metric}
        return bool(parts & divided) or self.min_participation is not None

    @property
    def subject_level(self) -> int | None:
        return self.unit_level if self.subject == "unit" else None


def _scope_paths(rule) -> tuple[str, ...]:
    """The scope's paths, or () when it covers the rule's unit alone (what no scope means)."""
    paths = tuple(rule.covered_paths())
    return () if paths == (rule.unit.path,) else paths


def _tier(tier: dict) -> dict:
    """A prize tier as parameters: its name, value and, only when set, its per-group quota."""
    plain = {"name": str(tier["name"]), "value": float(tier["value"])}
    if tier.get("per_group"):
        plain["per_group"] = int(tier["per_group"])
    return plain


def period_bounds(starts_on: date | None, ends_on: date | None) -> tuple[datetime | None, datetime | None]:
    """A period of local calendar days, both included, as instants: the local midnight beginning
    its first day, and the one ending its last (the first instant after it); None for an open end."""
    return (
        local_midnight(starts_on) if starts_on else None,
        local_midnight(ends_on + timedelta(days=1)) if ends_on else None,
    )


def local_midnight(day: date) -> datetime:
    """The UTC instant a local calendar day (`TIME_ZONE`) begins: dates people type are local."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE)).astimezone(UTC)


def _cut_off(rule) -> str | None:
    """When the headcount is taken: the end of the day the rule names, else the period's end,
    else when the rule's population was frozen."""
    if rule.headcount_on:
        return local_midnight(rule.headcount_on + timedelta(days=1)).isoformat()
    if rule.period_ends_on:
        return local_midnight(rule.period_ends_on + timedelta(days=1)).isoformat()
    if rule.population_frozen_at:
        return rule.population_frozen_at.astimezone(UTC).isoformat()
    return None


# The most places a prize tier (or a group's quota) may cover, and the largest score band: no
# ranking has a million places, and a number past these is a typo that would overflow (1e400 is
# infinity as a float) where the snapshot counts places.
MAX_PRIZE_PLACES = 1_000_000
MAX_SCORE_BAND = 1_000_000_000


def _number(value, field_name: str, tier: int) -> float:
    try:
        number = float(Decimal(str(value)))
    except (ArithmeticError, ValueError, TypeError):
        number = None
    if number is None or isinstance(value, bool) or not math.isfinite(number):
        raise ValidationError({field_name: _("Tier %(n)d: the value must be a number.") % {"n": tier}})
    return number


def check_tie_breaks(tie_breaks, *, subject: str, source_kinds) -> str | None:
    """Why these tie-break keys cannot order this rule's subjects, or None. `source_kinds`: the
    kinds of the rule's sources, or None while it has none yet (then only the keys are checked)."""
    breaks = list(tie_breaks or [])
    if any(key not in TIE_BREAKS for key in breaks) or len(set(breaks)) != len(breaks):
        return _("Tie-breaks are a list of distinct keys from: %(keys)s.") % {"keys": ", ".join(TIE_BREAKS)}
    if subject == "member" and "participants_desc" in breaks:
        return _("A member is one participant: the number of participants cannot break a tie between members.")
    answered = [key for key in breaks if key in ANSWER_KEYS]
    if source_kinds is not None and answered and not set(source_kinds) & set(ANSWER_SOURCES):
        labels = {
            "accuracy_desc": _("accuracy"),
            "right_desc": _("number of right answers"),
            "time_used_asc": _("time used"),
        }
        return _(
            "The tie-break %(key)s needs answers, which only a contest, an exam or an online contest source provides; "
            "add one, or choose another tie-break."
        ) % {"key": ", ".join(str(labels[key]) for key in answered)}
    return None


SAVED_SOURCES = "saved"


def check_rule(rule, *, source_kinds=SAVED_SOURCES) -> None:
    """Raise ValidationError (by field) unless the rule's settings make a computable ranking.

    `source_kinds`: the kinds of the sources the rule will have; by default those saved with it
    (none for an unsaved rule, whose tie-breaks are then checked again when sources are added);
    None when the sources are checked separately, in the same edit."""
    errors: dict[str, str] = {}
    if source_kinds == SAVED_SOURCES:
        source_kinds = list(rule.sources.values_list("kind", flat=True)) or None if rule.pk else None
    covered = rule.covered_units()
    # Every covered subtree has a unit at the ranked level only at or below the deepest of them.
    unit_depth = max((unit.depth for unit in covered), default=1)
    if rule.subject == "member" and rule.metric not in MEMBER_METRICS:
        errors["metric"] = _(
            "A member's ranking uses the total, the mean over their sources or their best source; "
            "the other metrics describe teams and units."
        )
    if rule.subject != "member" and rule.metric == "best":
        errors["metric"] = _("The best single source ranks members; for teams and units use the mean of the top k.")
    kinds = list(rule.unit_kinds or [])
    if rule.subject == "unit" and kinds:
        known = {value for value, _label in Unit.Kind.choices}
        if not isinstance(rule.unit_kinds, list) or any(kind not in known for kind in kinds):
            errors["unit_kinds"] = _("Unknown unit kind: choose from the list.")
        elif rule.unit_level:
            errors["unit_level"] = _("Rank units either by tree level or by kind, not both: leave the level empty.")
    elif rule.subject == "unit":
        if not rule.unit_level:
            errors["unit_level"] = _("Choose the tree level of the units to rank, or the kinds of unit.")
        elif rule.unit_level < unit_depth and covered != [rule.unit]:
            errors["unit_level"] = _("The level must be at or below every unit covered (level %(d)d).") % {
                "d": unit_depth
            }
        elif rule.unit_level < unit_depth:
            errors["unit_level"] = _("The level must be at or below the rule's unit (level %(d)d).") % {"d": unit_depth}
    if rule.group_level:
        ranked_level = rule.unit_level if rule.subject == "unit" else None
        if ranked_level and rule.group_level >= ranked_level:
            errors["group_level"] = _("Groups must sit above the ranked units.")
    if rule.metric == "composite":
        weights = rule.composite or {}
        unknown = sorted(set(weights) - set(COMPOSABLE))
        if not weights:
            errors["composite"] = _("Give at least one weight for a composite metric.")
        elif unknown:
            errors["composite"] = _("Unknown metric in the weights: %(names)s.") % {"names": ", ".join(unknown)}
        elif any(not isinstance(w, int | float) or w <= 0 for w in weights.values()):
            errors["composite"] = _("Weights must be positive numbers.")
    if rule.metric == "top_k" and rule.top_k < 1:
        errors["top_k"] = _("k must be at least 1.")
    if rule.min_participation is not None and not 0 <= rule.min_participation <= 1:
        errors["min_participation"] = _("A participation rate lies between 0 and 1.")
    team_error = check_team_sources(subject=rule.subject, source_kinds=source_kinds)
    if team_error:
        errors["subject"] = team_error
    tie_error = check_tie_breaks(rule.tie_breaks, subject=rule.subject, source_kinds=source_kinds)
    if tie_error:
        errors["tie_breaks"] = tie_error
    tier_error = _check_tiers(rule)
    if tier_error:
        errors["prize_tiers"] = tier_error
    if rule.period_starts_on and rule.period_ends_on and rule.period_ends_on < rule.period_starts_on:
        errors["period_ends_on"] = _("The period ends before it starts.")
    errors |= check_days(rule)
    if errors:
        raise ValidationError(errors)


def check_days(rule) -> dict[str, str]:
    """The rule's days that cannot be computed (no local midnight before or after them), by field,
    with why: empty when every day it names can be (`local_day_problem`)."""
    days = {name: getattr(rule, name) for name in ("period_starts_on", "period_ends_on", "headcount_on")}
    return {name: problem for name, day in days.items() if (problem := local_day_problem(day))}


def check_team_sources(*, subject: str, source_kinds) -> str | None:
    """Why a team ranking's sources cannot give it teams, or None (also while it has no sources)."""
    if subject != "team" or source_kinds is None:
        return None
    kinds = {TEAM_SOURCES[kind] for kind in source_kinds if kind in TEAM_SOURCES}
    if not kinds:
        return _("Teams are ranked from a live contest or a team relay: add the contest, or the relay, as a source.")
    if len(kinds) > 1:
        return _(
            "A team ranking ranks either a live contest's teams or a relay's teams: "
            "keep contest sources or relay sources, not both."
        )
    return None


def tier_name_key(name: str) -> str:
    """What two prize tiers' names are compared by, as sibling units' are (`unit_name_key`: 一等奖
    and "一等奖 ", Ａ and a are one): a rule's tiers must differ by it, or their prizes merge."""
    return unit_name_key(name)


def _check_tiers(rule) -> str | None:
    problem = check_prize_tiers(mode=rule.prize_mode, tiers=rule.prize_tiers or [], group_level=rule.group_level)
    if problem or rule.prize_mode == "none":
        return problem
    for key in ("name", "name_en"):
        first: dict[str, int] = {}
        for index, tier in enumerate(rule.prize_tiers, start=1):
            name = str(tier.get(key) or "")
            if name and first.setdefault(tier_name_key(name), index) != index:
                return _("Tier %(n)d has the same name as tier %(first)d: give each tier its own name.") % {
                    "n": index,
                    "first": first[tier_name_key(name)],
                }
    return None


def check_prize_tiers(*, mode: str, tiers: list[dict], group_level: int | None = None) -> str | None:
    """Why prize tiers (dicts with a name, a value and an optional quota per group), best first,
    cannot be awarded in `mode`, or None: each named, a count whole and above zero, percentages
    adding up to at most 100 %, score bands from the highest down. A call's tiers are checked by
    it too (`calls.forms.PrizeTierFormSet`)."""
    if mode == "none":
        return None
    if not isinstance(tiers, list) or not tiers:
        return _("List the prize tiers, best first.")
    values = []
    for index, tier in enumerate(tiers, start=1):
        if not isinstance(tier, dict) or not str(tier.get("name", "")).strip():
            return _("Tier %(n)d needs a name.") % {"n": index}
        value = _number(tier.get("value"), "prize_tiers", index)
        if mode in ("count", "percent") and value <= 0:
            return _("Tier %(n)d: the value must be above zero.") % {"n": index}
        if mode == "count" and (value != int(value) or value > MAX_PRIZE_PLACES):
            return _("Tier %(n)d: a count is a whole number from 1 to %(most)s.") % {
                "n": index,
                "most": f"{MAX_PRIZE_PLACES:,}",
            }
        if mode == "band" and abs(value) > MAX_SCORE_BAND:
            return _("Tier %(n)d: a score band lies between -%(most)s and %(most)s.") % {
                "n": index,
                "most": f"{MAX_SCORE_BAND:,}",
            }
        quota = tier.get("per_group")
        if quota is not None:
            if not group_level:
                return _("Tier %(n)d: a quota per group needs a group level.") % {"n": index}
            if isinstance(quota, bool) or not isinstance(quota, int) or not 1 <= quota <= MAX_PRIZE_PLACES:
                return _("Tier %(n)d: the quota per group is a whole number from 1 to %(most)s.") % {
                    "n": index,
                    "most": f"{MAX_PRIZE_PLACES:,}",
                }
        values.append(value)
    if mode == "percent" and sum(values) > 100:
        return _("The percentages add up to %(sum)s%%, more than 100%%.") % {"sum": f"{sum(values):g}"}
    if mode == "band" and any(b >= a for a, b in zip(values, values[1:], strict=False)):
        return _("Score bands go from the highest lowest-score down, each below the one before.")
    return None


def prize_places_beyond_ranked(*, mode: str, tiers, ranked: int) -> str | None:
    """A warning, not a refusal, when tiers by count cover more places than `ranked` subjects
    take (100, 200 and 300 places on a board of 119: everyone ranked wins a prize), or None."""
    if mode != "count" or not ranked:
        return None
    places = sum(int(tier["value"]) for tier in tiers or ())
    if places <= ranked:
        return None
    return _(
        "The prize tiers cover %(places)s places; only %(ranked)s are ranked, so every one of them gets a prize."
    ) % {"places": f"{places:,}", "ranked": f"{ranked:,}"}


def composite_formula(weights: dict) -> str:
    """The composite in words, as the board and the console show it, e.g. "participation rate
    (%) × 0.4 + per capita / best eligible × 100 × 0.6"."""
    names = {
        "total": _("total"),
        "mean": _("mean"),
        "per_capita": _("per capita"),
        "participation": _("participation rate"),
        "top_k": _("top-k mean"),
    }
    parts = []
    for name, weight in sorted((weights or {}).items()):
        if name not in names:
            continue
        if name == "participation":
            parts.append(_("%(part)s (%%, at most 100) × %(weight)s") % {"part": names[name], "weight": f"{weight:g}"})
        else:
            parts.append(
                _("%(part)s / best eligible × 100 × %(weight)s") % {"part": names[name], "weight": f"{weight:g}"}
            )
    return " + ".join(parts)


def _member_mover_rules(params: RuleParams) -> list[str]:
    """Where a member board lists a member who moved: with all their results in one unit, their
    unit at the cut-off (since `members_listed_at_cut_off`, or when the rule credits movers
    there); before, otherwise, the unit of their results whose path sorts last (`compute`:
    MAX(unit_path)), not necessarily their unit now. Their place within a group and the groups'
    means ("Units compared") count them in that unit too."""
    if params.mover_credit == "cut_off" or params.members_listed_at_cut_off:
        listed = _("A member who moved is listed, with all their results, in their unit when the headcount is taken.")
    else:
        listed = _(
            "A member who moved is listed once, with all their results, in one of the units they earned them "
            "in, not necessarily their unit now."
        )
    if not params.group_level:
        return [listed]
    return [listed, _('Their place within a unit and "Units compared" count all their results there.')]


def counting_rules(params: RuleParams) -> list[str]:
    """How a snapshot counted people, sentence by sentence, as its board states it."""
    sentences = [_("Period days are local calendar days.")]
    if params.subject == "member":
        # A member is one row in one unit: crediting each result to the unit of its time splits
        # nothing on a member board, so that is not what it says to its readers.
        sentences += _member_mover_rules(params)
    elif params.mover_credit == "cut_off":
        sentences.append(_("Every result of a member counts for their unit when the headcount is taken."))
    else:
        sentences.append(_("Each result counts for the unit the member belonged to when it was earned."))
    if params.subject == "unit" and params.unit_kinds:
        # `compute._ranked_under`: each fact and each member of the headcount to one ranked unit.
        sentences.append(
            _(
                "Each member counts once, for the nearest ranked unit at or above their own: a ranked unit "
                "with ranked units under it counts only the members placed outside them."
            )
        )
    if params.headcount_at:
        moment = datetime.fromisoformat(params.headcount_at).astimezone(ZoneInfo(settings.TIME_ZONE))
        if moment.time() == time.min:  # a local midnight: the end of the day before
            sentences.append(
                _("The headcount counts each member once, in their unit at the end of the headcount day, %(day)s.")
                % {"day": (moment.date() - timedelta(days=1)).isoformat()}
            )
        else:
            sentences.append(
                _("The headcount counts each member once, in their unit when it was taken, %(moment)s.")
                % {"moment": moment.strftime("%Y-%m-%d %H:%M")}
            )
    else:
        sentences.append(_("The headcount counts each member once, in their unit now."))
    if params.party_members_only:
        sentences.append(_("Only party members are counted."))
    if params.expected_headcounts and params.stated_headcount_floor:
        sentences.append(
            _(
                "Where an organiser stated an expected headcount, it replaces the counted one, "
                "but never below the number who took part."
            )
        )
    elif params.expected_headcounts:
        sentences.append(_("Where an organiser stated an expected headcount, it replaces the counted one."))
    if params.participants_as_credited:
        sentences.append(
            _(
                "A unit's participants are the members whose results count for it, so its mean is its total "
                "divided by them; a member who moved counts in each unit they took part for."
            )
        )
        sentences.append(
            _(
                "Per capita is the total divided by the headcount, and participation the participants "
                "divided by the headcount, which is never below the participants."
            )
        )
    else:
        sentences.append(_("Participants are members of the headcount who took part."))
    if params.headcount_as_credited:
        sentences.append(
            _(
                "Members first placed in a unit after the headcount day (imported since, say) count in its "
                "headcount, as their results count for it."
            )
        )
    if params.count_deactivated:
        sentences.append(_("Deactivated members are counted."))
    else:
        sentences.append(_("Deactivated members are not counted."))
    return sentences
