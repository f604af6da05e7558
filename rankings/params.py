"""A rule's parameters as a plain, hashable value, and the checks a rule must pass.

A snapshot stores these parameters, so `verify_snapshot` recomputes exactly what was computed,
whatever happened to the rule since.

How people are counted (the rule's population), stated once here and on the rule's page:

- Period days are local calendar days (`TIME_ZONE`): a period from D1 to D2 holds every fact from
  local midnight starting D1 to local midnight ending D2, for every source.
- A member who moved is credited fact by fact: each fact goes to the unit the member belonged to
  when it happened (the unit recorded at an exam's or contest's start, otherwise the placement
  history in `orgs`). The headcount counts each member once, in their unit at the cut-off
  (`headcount_at`: the end of the period, or when the rule was first saved if it has no end).
- A unit's participants are members of its headcount with a fact credited to it, so
  participation never exceeds 100 %; a mover's facts still add to the unit they were earned in.
- Deactivated members count in neither the headcount nor the participants, and their facts are
  not ranked. A team's score is the team's record and keeps every roster member's points.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TIE_BREAKS = ("time_used_asc", "finished_at_asc", "participants_desc")
COMPOSABLE = ("total", "mean", "per_capita", "participation", "top_k")
STEPLEN = 4  # treebeard's materialised-path step: a unit at depth d has a path of 4 * d characters


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

    @classmethod
    def from_rule(cls, rule) -> RuleParams:
        return cls(
            rule_id=rule.pk,
            unit_path=rule.unit.path,
            subject=rule.subject,
            metric=rule.metric,
            unit_level=rule.unit_level,
            group_level=rule.group_level,
            top_k=rule.top_k,
            composite={key: float(value) for key, value in (rule.composite or {}).items()},
            min_participants=rule.min_participants,
            min_participation=float(rule.min_participation) if rule.min_participation is not None else None,
            tie_breaks=tuple(rule.tie_breaks or ()),
            rank_style=rule.rank_style,
            prize_mode=rule.prize_mode,
            prize_tiers=tuple({"name": str(t["name"]), "value": float(t["value"])} for t in rule.prize_tiers or ()),
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
        )

    @classmethod
    def from_json(cls, data: dict) -> RuleParams:
        data = dict(data)
        data["sources"] = tuple(Source(**source) for source in data.get("sources", ()))
        data["tie_breaks"] = tuple(data.get("tie_breaks", ()))
        data["prize_tiers"] = tuple(data.get("prize_tiers", ()))
        return cls(**data)

    def to_json(self) -> dict:
        data = asdict(self)
        data["sources"] = [asdict(source) for source in self.sources]
        data["tie_breaks"] = list(self.tie_breaks)
        data["prize_tiers"] = [dict(tier) for tier in self.prize_tiers]
        return data

    def canonical(self) -> bytes:
        return json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    @property
    def period_start(self) -> datetime | None:
        return local_midnight(date.fromisoformat(self.period_starts_on)) if self.period_starts_on else None

    @property
    def period_end(self) -> datetime | None:
        """The first instant after the period: local midnight ending its last day."""
        if not self.period_ends_on:
            return None
        return local_midnight(date.fromisoformat(self.period_ends_on) + timedelta(days=1))

    @property
    def subject_level(self) -> int | None:
        return self.unit_level if self.subject == "unit" else None


def local_midnight(day: date) -> datetime:
    """The UTC instant a local calendar day (`TIME_ZONE`) begins: dates people type are local."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE)).astimezone(UTC)


def _cut_off(rule) -> str | None:
    """When the headcount is taken: the period's end, else when the rule's population was frozen."""
    if rule.period_ends_on:
        return local_midnight(rule.period_ends_on + timedelta(days=1)).isoformat()
    if rule.population_frozen_at:
        return rule.population_frozen_at.astimezone(UTC).isoformat()
    return None


def _number(value, field_name: str, tier: int) -> float:
    try:
        number = float(Decimal(str(value)))
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError({field_name: _("Tier %(n)d: the value must be a number.") % {"n": tier}}) from None
    return number


def check_rule(rule) -> None:
    """Raise ValidationError (by field) unless the rule's settings make a computable ranking."""
    errors: dict[str, str] = {}
    unit_depth = rule.unit.depth if rule.unit_id else 1
    if rule.subject == "member" and rule.metric != "total":
        errors["metric"] = _("A member's ranking uses the total; the other metrics describe teams and units.")
    if rule.subject == "unit":
        if not rule.unit_level:
            errors["unit_level"] = _("Choose the tree level of the units to rank.")
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
    breaks = list(rule.tie_breaks or [])
    if any(key not in TIE_BREAKS for key in breaks) or len(set(breaks)) != len(breaks):
        errors["tie_breaks"] = _("Tie-breaks are a list of distinct keys from: %(keys)s.") % {
            "keys": ", ".join(TIE_BREAKS)
        }
    tier_error = _check_tiers(rule)
    if tier_error:
        errors["prize_tiers"] = tier_error
    if rule.period_starts_on and rule.period_ends_on and rule.period_ends_on < rule.period_starts_on:
        errors["period_ends_on"] = _("The period ends before it starts.")
    if errors:
        raise ValidationError(errors)


def _check_tiers(rule) -> str | None:
    tiers = rule.prize_tiers or []
    if rule.prize_mode == "none":
        return None
    if not isinstance(tiers, list) or not tiers:
        return _("List the prize tiers, best first.")
    values = []
    for index, tier in enumerate(tiers, start=1):
        if not isinstance(tier, dict) or not str(tier.get("name", "")).strip():
            return _("Tier %(n)d needs a name.") % {"n": index}
        value = _number(tier.get("value"), "prize_tiers", index)
        if rule.prize_mode in ("count", "percent") and value <= 0:
            return _("Tier %(n)d: the value must be above zero.") % {"n": index}
        if rule.prize_mode == "count" and value != int(value):
            return _("Tier %(n)d: a count is a whole number.") % {"n": index}
        values.append(value)
    if rule.prize_mode == "percent" and sum(values) > 100:
        return _("The percentages add up to %(sum)s%%, more than 100%%.") % {"sum": f"{sum(values):g}"}
    if rule.prize_mode == "band" and any(b >= a for a, b in zip(values, values[1:], strict=False)):
        return _("Score bands go from the highest lowest-score down, each below the one before.")
    return None
