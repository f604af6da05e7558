"""The ranking rule builder's form: plain controls for every setting of a rule, each checked by field.

Scalar settings come from the model, placed on the page by `LAYOUT` (adding a setting is one name
there and, when the model's wording is not plain enough, one line in `HELP`). The settings the admin kept as JSON
are edited as rows: prize tiers and sources as repeated inputs posted in page order, the tie-break
chain as an ordered list of hidden inputs, the composite weights as one percentage per metric.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db import models
from django.db.models import Max, Q
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from contests.models import Contest
from lessons.models import Paper, PointRule
from lessons.selectors import activity_labels
from orgs import access
from orgs.forms import unit_picker_attrs
from orgs.models import Unit
from orgs.selectors import unit_labels
from quizsite.forms import LOCAL_DAY_ATTRS, NumberRangeMessages, check_local_day
from quizsite.naming import in_language

from . import selectors
from .models import RankingRule, RuleSource, SnapshotRow
from .params import (
    COMPOSABLE,
    MAX_PRIZE_PLACES,
    MAX_SCORE_BAND,
    RATE_METRICS,
    TIE_BREAKS,
    check_rule,
    check_team_sources,
    tier_name_key,
)

# Where each setting shows: the page's sections, in order. A new model setting is one name here
# (and one line in HELP when the model's help text is not plain enough); SHOWN_IF and WIDE only
# when it applies to some choices or needs a full line.
LAYOUT = {
    "who": [
        "title",
        "title_en",
        "slug",
        "unit",
        "scope",
        "subject",
        "units_by",
        "unit_level",
        "unit_kinds",
        "group_level",
    ],
    "facts": ["period_starts_on", "period_ends_on"],
    "counted": ["headcount_on", "mover_credit", "party_members_only", "count_deactivated"],
    "score": ["metric", "top_k", "min_participants", "min_participation"],
    "order": ["rank_style"],
    "prize_mode": ["prize_mode"],
    "prizes": ["boundary_ties", "percent_rounding"],
    "record": ["is_active", "requires_second_approver"],
}
SHOWN_IF = {
    # Units are ranked by tree level or by kind (conditions joined by ";" must all hold).
    "units_by": "id_subject:unit",
    "unit_level": "id_subject:unit;id_units_by:level",
    "unit_kinds": "id_subject:unit;id_units_by:kind",
    "top_k": "id_metric:top_k",
    "percent_rounding": "id_prize_mode:percent",
}
WIDE = {
    "title",
    "scope",
    "unit_kinds",
    "metric",
    "mover_credit",
    "party_members_only",
    "count_deactivated",
    "rank_style",
    "prize_mode",
    "is_active",
    "requires_second_approver",
}

# Settings the form edits its own way; every other name in LAYOUT is the model's field as it is.
FORM_ONLY = ("unit", "scope", "min_participation", "units_by", "unit_kinds")
RULE_FIELDS = [name for names in LAYOUT.values() for name in names if name not in FORM_ONLY]

# One line under each control, in plain words.
HELP = {
    "title": gettext_lazy("As members see it on the board, e.g. 2026 Party-constitution quiz, branches."),
    "slug": gettext_lazy("Letters, digits and dashes; it appears in the board's address."),
    "unit": gettext_lazy(
        "The rule's own unit: its administrators keep the rule. Only members, teams and units under it are "
        "ranked, unless you choose the units covered below."
    ),
    "scope": gettext_lazy(
        "To rank across several units you administer (say three organs), choose them all: everyone under "
        "each is ranked on one board, and the levels below count from the top of the tree. Empty: the unit "
        "above only."
    ),
    "subject": gettext_lazy(
        "Whether people, teams or units take the places. Teams are a live contest's or a team relay's: "
        "add that contest or relay as a source."
    ),
    "units_by": gettext_lazy(
        "Branches can sit at different levels: rank by kind to rank all of one kind, wherever they sit."
    ),
    "unit_level": gettext_lazy("For units: which level of the tree is ranked (1 = the top organs)."),
    "unit_kinds": gettext_lazy(
        "Every unit of the kinds ticked is ranked, at whatever level it sits. Each member counts once, for "
        "the nearest ticked unit at or above their own: a general branch ticked with party branches counts "
        "only the members placed in it directly, so tick general branches alone to compare them with all "
        "their members. Tick temporary branches to rank them too."
    ),
    "group_level": gettext_lazy("Also rank within each parent unit at this level; leave empty for one overall list."),
    "metric": gettext_lazy("How each subject's score is worked out from its participants' facts."),
    "top_k": gettext_lazy("For the top-k mean: how many best participants count."),
    "min_participants": gettext_lazy("Subjects with fewer participants are listed but take no place."),
    "min_participation": gettext_lazy("Units below this share of their headcount take no place (0-100 %)."),
    "period_starts_on": gettext_lazy("First local calendar day whose points, exams and study hours count."),
    "period_ends_on": gettext_lazy(
        "Last day that counts (included); unless a headcount day is set, the headcount is taken at its end."
    ),
    "headcount_on": gettext_lazy(
        "The local calendar day at whose end members are counted, each in their unit then; "
        "empty: the period's last day."
    ),
    "mover_credit": gettext_lazy(
        "For members who moved units: each result to the unit they were in when they earned it, "
        "or all of them to their unit on the headcount day."
    ),
    "party_members_only": gettext_lazy("Others are left out of the headcount, the participants and the ranking."),
    "count_deactivated": gettext_lazy(
        "Off: deactivated members are left out of the headcount, the participants and the ranking."
    ),
    "rank_style": gettext_lazy("How tied subjects number the places after them."),
    "prize_mode": gettext_lazy("How prize tiers are measured: a number of places, a share of places, or a score."),
    "boundary_ties": gettext_lazy("What happens to subjects tied across a prize boundary."),
    "percent_rounding": gettext_lazy("For prizes by share: how a fractional number of places is rounded."),
    "is_active": gettext_lazy("Recompute by itself when new facts arrive."),
}

# Labels where the model's would repeat its section's title.
LABELS = {"prize_mode": gettext_lazy("how prizes are given")}

TIE_BREAK_LABELS = {
    "accuracy_desc": gettext_lazy("Higher accuracy (rate of right answers) ranks higher"),
    "right_desc": gettext_lazy("More right answers ranks higher"),
    "time_used_asc": gettext_lazy("Less time used ranks higher"),
    "finished_at_asc": gettext_lazy("Finished earlier ranks higher"),
    "participants_desc": gettext_lazy("More participants ranks higher"),
}

# Source kinds named more plainly than the model names them.
SOURCE_LABELS = {
    RuleSource.Kind.ONLINE: gettext_lazy("Online contest or team relay (for teams: each team's legs)"),
}

# Field names of `RuleForm` whose errors belong to a whole section rather than one input.
SECTIONS = ("prize_tiers", "composite", "sources")

RESERVED_SLUGS = {"rules"}

# A prize's name (and its English name) is at most as long as the prize a snapshot row records:
# a longer one would fail the computation's insert on PostgreSQL.
PRIZE_NAME_MAX = SnapshotRow._meta.get_field("prize").max_length

# A title is read on the board, the big screen's header and the console in one or two lines: the
# column takes 120 characters, a title on those pages at most these (a Chinese character is about
# two Latin letters wide, so the English title may take more).
TITLE_MAX = {"title": 60, "title_en": 80}

# A source's weight is stored to three decimal places (0.001).
WEIGHT_STEP = Decimal("0.001")


def tie_break_choices() -> list[tuple[str, str]]:
    return [(key, TIE_BREAK_LABELS.get(key, key)) for key in TIE_BREAKS]


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace("％", "").replace("%", ""))
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def band_in_percent(mode: str, metric: str) -> bool:
    """Whether prize tiers of `mode` under `metric` are score bands on a rate, typed in percent."""
    return mode == RankingRule.PrizeMode.BAND and metric in RATE_METRICS


def _plain(value) -> str:
    """A stored number as typed: 3, 12.5 (never 3.0 or 1E+1)."""
    number = Decimal(str(value))
    return f"{number:f}".rstrip("0").rstrip(".") if "." in f"{number:f}" else f"{number:f}"


class AdministeredUnitField(forms.ModelChoiceField):
    """Units the user administers, shown by their full path; anything else is refused by name."""

    def __init__(self, *, user, **kwargs):
        units = Unit.objects.filter(access.subtree_q(user, roles=access.ADMINISTERING)).order_by("path")
        labels = unit_labels(list(units))
        self._paths = labels.paths
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": _("You do not administer that unit: choose one of the units listed.")},
        )
        super().__init__(queryset=units, **kwargs)
        self.widget.attrs.update(unit_picker_attrs(labels.search))

    def label_from_instance(self, obj: Unit) -> str:
        return self._paths.get(obj.pk, obj.name)


class ScopeField(forms.ModelMultipleChoiceField):
    """Units the user administers that a rule may cover, by full path; closed units are not
    offered, and one posted anyway is refused by name, as are units inside another one chosen."""

    def __init__(self, *, user, chosen=(), **kwargs):
        units = Unit.objects.filter(access.subtree_q(user, roles=access.ADMINISTERING)).order_by("path")
        labels = unit_labels(list(units))
        self._paths = labels.paths
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": _("You do not administer one of these units: choose units listed."),
                "invalid_pk_value": _("You do not administer one of these units: choose units listed."),
            },
        )
        super().__init__(queryset=units, required=False, **kwargs)
        chosen = {unit.pk for unit in chosen}
        self.widget.choices = [
            (unit.pk, self.label_from_instance(unit)) for unit in units if unit.closed_at is None or unit.pk in chosen
        ]
        offered = {pk for pk, _label in self.widget.choices}
        self.widget.attrs.update(unit_picker_attrs({pk: t for pk, t in labels.search.items() if pk in offered}))

    def label_from_instance(self, obj: Unit) -> str:
        return self._paths.get(obj.pk, obj.name)

    def clean(self, value) -> list[Unit]:
        units = sorted(super().clean(value), key=lambda unit: unit.path)
        check_scope(units, self.label_from_instance)
        return units


def check_scope(units: list[Unit], label: Callable[[Unit], str]) -> None:
    """Refuse units a rule may not cover together, each named by `label`: a closed unit, or one
    inside another chosen (which covers it already)."""
    for unit in units:
        if unit.closed_at is not None:
            raise ValidationError(_("%(unit)s is closed: a ranking covers open units.") % {"unit": label(unit)})
    for outer in units:
        for inner in units:
            if inner.pk != outer.pk and inner.path.startswith(outer.path):
                raise ValidationError(
                    _("%(inner)s lies inside %(outer)s, which covers it already: choose one of the two.")
                    % {"inner": label(inner), "outer": label(outer)}
                )


class TierRows:
    """Prize tiers as the rows posted (`tier_name`, `tier_name_en`, `tier_value`, `tier_per_group`,
    in page order), best first. A row's optional English name is shown on English pages; its
    optional quota is the most of that tier one group may take. A score band on a rate (the
    participation rate, stored as a fraction like the metric) is typed and shown as a percentage,
    as the board shows the rate: 90 on the page is 0.9 stored (`in_percent`)."""

    def __init__(self, data=None, *, initial=(), in_percent: bool = False):
        if data is not None:
            names, values = data.getlist("tier_name"), data.getlist("tier_value")
            # A post without the English name or quota column (an older page) keeps its rows.
            english = data.getlist("tier_name_en") + [""] * len(names)
            quotas = data.getlist("tier_per_group") + [""] * len(names)
            rows = zip(names, english, values, quotas, strict=False)
            self.rows = [
                {"name": n.strip(), "name_en": " ".join(e.split()), "value": v.strip(), "per_group": q.strip()}
                for n, e, v, q in rows
                if n.strip() or e.strip() or v.strip() or q.strip()
            ]
        else:
            self.rows = [
                {
                    "name": str(t["name"]),
                    "name_en": str(t.get("name_en") or ""),
                    "value": _plain(Decimal(str(t["value"])) * 100 if in_percent else t["value"]),
                    "per_group": str(t.get("per_group") or ""),
                }
                for t in initial or ()
            ]
        for row in self.rows:
            row["errors"] = []

    @property
    def has_errors(self) -> bool:
        return any(row["errors"] for row in self.rows)

    def clean(self, mode: str, *, has_groups: bool = False, metric: str = "") -> tuple[list[dict], str | None]:
        """The tiers as the rule stores them, and a message for the section (or None).
        `has_groups`: the rule ranks within groups, so a tier may have a quota per group; `metric`:
        the rule's, whose score bands on a rate are typed in percent (`band_in_percent`)."""
        in_percent = band_in_percent(mode, metric)
        if mode == RankingRule.PrizeMode.NONE:
            return [], None
        if not self.rows:
            return [], _("List the prize tiers, best first.")
        tiers, above = [], None
        seen: dict[str, dict[str, int]] = {"name": {}, "name_en": {}}
        for number, row in enumerate(self.rows, start=1):
            value = _number(row["value"])
            if not row["name"]:
                row["errors"].append(_("Give this tier a name."))
            if len(row["name"]) > PRIZE_NAME_MAX:
                row["errors"].append(_("A prize name is at most %(n)d characters long.") % {"n": PRIZE_NAME_MAX})
            if len(row["name_en"]) > PRIZE_NAME_MAX:
                row["errors"].append(_("The English name is at most %(n)d characters long.") % {"n": PRIZE_NAME_MAX})
            if value is None:
                row["errors"].append(_("Enter a number."))
            elif mode == RankingRule.PrizeMode.COUNT and value < 0:
                row["errors"].append(_("A count cannot be negative."))
            elif mode == RankingRule.PrizeMode.COUNT and (
                value == 0 or value != value.to_integral_value() or value > MAX_PRIZE_PLACES
            ):
                row["errors"].append(
                    _("A count is a whole number of places, from 1 to %(most)s.") % {"most": f"{MAX_PRIZE_PLACES:,}"}
                )
            elif mode == RankingRule.PrizeMode.PERCENT and not 0 < value <= 100:
                row["errors"].append(_("A percentage lies above 0 and at most 100."))
            elif in_percent and not 0 <= value <= 100:
                row["errors"].append(_("A participation rate lies between 0 and 100 %."))
            elif mode == RankingRule.PrizeMode.BAND and abs(value) > MAX_SCORE_BAND:
                row["errors"].append(
                    _("A score band lies between -%(most)s and %(most)s.") % {"most": f"{MAX_SCORE_BAND:,}"}
                )
            elif mode == RankingRule.PrizeMode.BAND and above is not None and value >= above:
                row["errors"].append(
                    _("This band's lowest score (%(low)s) must be below the band above it (%(above)s).")
                    % {"low": _plain(value), "above": _plain(above)}
                )
            self._check_repeated(row, number, seen)
            quota = self._quota(row, has_groups=has_groups)
            if value is not None:
                above = value
                tier = {"name": row["name"], "value": float(value / 100 if in_percent else value)}
                if row["name_en"]:
                    tier["name_en"] = row["name_en"]
                if quota:
                    tier["per_group"] = quota
                tiers.append(tier)
        if self.has_errors:
            return tiers, _("Correct the tier rows marked below.")
        if mode == RankingRule.PrizeMode.PERCENT and sum(t["value"] for t in tiers) > 100:
            total = sum(_number(row["value"]) for row in self.rows)
            return tiers, _("The percentages add up to %(sum)s%%, more than 100%%.") % {"sum": _plain(total)}
        return tiers, None

    def _check_repeated(self, row: dict, number: int, seen: dict[str, dict[str, int]]) -> None:
        """A name (or English name) given to a tier above is refused on row `number` (from 1): the
        board would merge both tiers into one prize. Names compare as unit names do (`tier_name_key`)."""
        for field, message in (
            ("name", _("Tier %(n)d is already named %(name)s: give each tier its own name.")),
            ("name_en", _("Tier %(n)d already has the English name %(name)s: give each tier its own.")),
        ):
            if not row[field]:
                continue
            first = seen[field].setdefault(tier_name_key(row[field]), number)
            if first != number:
                row["errors"].append(message % {"n": first, "name": self.rows[first - 1][field]})

    @staticmethod
    def _quota(row: dict, *, has_groups: bool) -> int | None:
        """The row's "at most N per group" as a whole number, or None (empty); errors go on the row."""
        if not row["per_group"]:
            return None
        quota = _number(row["per_group"])
        if quota is None or not 1 <= quota <= MAX_PRIZE_PLACES or quota != quota.to_integral_value():
            row["errors"].append(
                _("At most how many per group: a whole number from 1 to %(most)s, or empty.")
                % {"most": f"{MAX_PRIZE_PLACES:,}"}
            )
            return None
        if not has_groups:
            row["errors"].append(
                _("A quota per group needs groups: choose a group level under What is ranked, or empty the quota.")
            )
            return None
        return int(quota)


class SourceRows:
    """The facts a rule reads, as the rows posted (`source_kind`, `source_contest`, `source_paper`,
    `source_activity`, `source_weight`): contests and papers are offered by title from the units
    the user administers, point activities by name."""

    KEYS = ("kind", "contest", "paper", "activity", "weight")

    def __init__(self, data=None, *, user, initial=()):
        scope = access.subtree_q(user, prefix="unit__", roles=access.ADMINISTERING)
        self.contests = list(Contest.objects.filter(scope).select_related("unit").order_by("-created_at"))
        self.papers = list(
            Paper.objects.filter(scope, practised_by=None)
            .select_related("unit", "online_contest__relay")
            .order_by("title")
        )
        self.online_papers = [p for p in self.papers if hasattr(p, "online_contest")]
        # Relays are online contests too: their papers are offered as such, named as relays.
        self.relay_papers = {p.pk for p in self.online_papers if hasattr(p.online_contest, "relay")}
        self.activities = list(PointRule.objects.order_by("id"))
        labels = activity_labels()
        for rule in self.activities:
            rule.display_label = labels.get(rule.activity, rule.label)
        self.kinds = [(kind, SOURCE_LABELS.get(kind, label)) for kind, label in RuleSource.Kind.choices]
        if data is not None:
            columns = [data.getlist(f"source_{key}") for key in self.KEYS]
            rows = zip(*columns, strict=False)  # a forged post with a column short loses its last rows
            self.rows = [dict(zip(self.KEYS, (v.strip() for v in values), strict=True)) for values in rows]
        else:
            self.rows = [
                {
                    "kind": s.kind,
                    "contest": str(s.contest_id or ""),
                    "paper": str(s.paper_id or ""),
                    "activity": s.activity,
                    "weight": _plain(s.weight),
                }
                for s in initial
            ]
        for row in self.rows:
            row["errors"] = []

    @property
    def has_errors(self) -> bool:
        return any(row["errors"] for row in self.rows)

    def clean(self) -> tuple[list[dict], str | None]:
        """Keyword arguments of each `RuleSource`, and a message for the section (or None)."""
        if not self.rows:
            return [], _("Add at least one source of facts to rank.")
        contests = {str(c.pk) for c in self.contests}
        papers = {str(p.pk) for p in self.papers}
        activities = {a.activity for a in self.activities}
        sources = []
        for row in self.rows:
            kind, weight = row["kind"], _number(row["weight"])
            source = {"kind": kind, "contest_id": None, "paper_id": None, "activity": "", "weight": weight}
            if kind not in RuleSource.Kind.values:
                row["errors"].append(_("Choose what kind of facts this source reads."))
            elif kind == RuleSource.Kind.CONTEST:
                if row["contest"] not in contests:
                    row["errors"].append(_("Choose one of the contests listed."))
                source["contest_id"] = int(row["contest"]) if row["contest"].isdecimal() else None
            elif kind == RuleSource.Kind.EXAM:
                if row["paper"] not in papers:
                    row["errors"].append(_("Choose one of the papers listed."))
                source["paper_id"] = int(row["paper"]) if row["paper"].isdecimal() else None
            elif kind == RuleSource.Kind.ONLINE:
                if row["paper"] not in {str(p.pk) for p in self.online_papers}:
                    row["errors"].append(_("Choose one of the online contests listed."))
                source["paper_id"] = int(row["paper"]) if row["paper"].isdecimal() else None
            elif kind == RuleSource.Kind.POINTS:
                if row["activity"] and row["activity"] not in activities:
                    row["errors"].append(_("Choose one of the activities listed."))
                source["activity"] = row["activity"]
            if weight is None or weight <= 0 or weight >= 1000:
                row["errors"].append(_("A weight is a number above 0 and below 1000."))
            elif weight != weight.quantize(WEIGHT_STEP):
                row["errors"].append(_("A weight has at most 3 decimal places."))
            sources.append(source)
        if self.has_errors:
            return sources, _("Correct the sources marked below.")
        return sources, None

    def check_relays(self) -> str | None:
        """For a team ranking: every online contest source must be a relay (its teams are ranked);
        errors go on the rows, and a message for the section is returned (or None)."""
        for row in self.rows:
            if row["kind"] == RuleSource.Kind.ONLINE and not (
                row["paper"].isdecimal() and int(row["paper"]) in self.relay_papers
            ):
                row["errors"].append(_("Teams are ranked from a team relay: choose a relay."))
        return _("Correct the sources marked below.") if self.has_errors else None


MAX_MIN_PARTICIPANTS = 1_000_000
# A period day further than this from today is most likely a mistyped year (far_off_period_notes).
FAR_OFF_YEARS = 10
MAX_TOP_K = 1_000
TREE_LEVELS = ("unit_level", "group_level")
LOCAL_DAYS = ("period_starts_on", "period_ends_on", "headcount_on")


class RuleForm(NumberRangeMessages, forms.Form):
    """Everything about a rule but its record (version, frozen population), checked as one."""

    unit = forms.Field()  # replaced per user in __init__
    units_by = forms.ChoiceField(
        label=gettext_lazy("rank the units"),
        required=False,
        choices=[("level", gettext_lazy("At one tree level")), ("kind", gettext_lazy("Of chosen kinds, at any level"))],
    )
    unit_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("kinds of unit ranked"),
        required=False,
        choices=Unit.Kind.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    min_participation = forms.DecimalField(
        label=gettext_lazy("minimum participation (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    tie_breaks = forms.MultipleChoiceField(
        label=gettext_lazy("tie-breaks"), required=False, choices=tie_break_choices, widget=forms.MultipleHiddenInput
    )
    # Sections edited as rows: they carry the section's errors.
    prize_tiers = forms.Field(label=gettext_lazy("prize tiers"), required=False, widget=forms.HiddenInput)
    composite = forms.Field(label=gettext_lazy("composite weights"), required=False, widget=forms.HiddenInput)
    sources = forms.Field(label=gettext_lazy("sources"), required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, user, rule: RankingRule, sources=()):
        self.rule = rule
        initial = {name: getattr(rule, name) for name in RULE_FIELDS}
        initial["unit"] = rule.unit_id
        scope = rule.scope_units()
        initial["scope"] = [unit.pk for unit in scope]
        initial["tie_breaks"] = list(rule.tie_breaks or [])
        initial["unit_kinds"] = list(rule.unit_kinds or [])
        initial["units_by"] = "kind" if rule.unit_kinds else "level"
        if rule.min_participation is not None:
            initial["min_participation"] = _plain(rule.min_participation * 100)
        for name, weight in (rule.composite or {}).items():
            initial[f"weight_{name}"] = _plain(Decimal(str(weight)) * 100)
        super().__init__(data, initial=initial)
        model_fields = fields_for_model(
            RankingRule,
            fields=RULE_FIELDS,
            help_texts=HELP,
            labels=LABELS,
            widgets={
                "period_starts_on": forms.DateInput(attrs=LOCAL_DAY_ATTRS, format="%Y-%m-%d"),
                "period_ends_on": forms.DateInput(attrs=LOCAL_DAY_ATTRS, format="%Y-%m-%d"),
                "headcount_on": forms.DateInput(attrs=LOCAL_DAY_ATTRS, format="%Y-%m-%d"),
            },
        )
        for name, field in model_fields.items():
            # The form field of a model's integer does not carry the column's range; a number past
            # it would reach the database and fail there (smallint out of range). A tree level is
            # instead checked against the tree (`_check_levels`), which names the levels there are.
            if isinstance(RankingRule._meta.get_field(name), models.IntegerField) and name not in TREE_LEVELS:
                field.validators.extend(RankingRule._meta.get_field(name).validators)
            if name in LOCAL_DAYS:
                # A day that has no local midnight before or after it cannot be computed.
                field.validators.append(check_local_day)
        # k past the number of members any unit has is a typo, said so in words, not the column's range.
        top_k = model_fields["top_k"]
        top_k.validators = [v for v in top_k.validators if not isinstance(v, MaxValueValidator)]
        top_k.validators.append(
            MaxValueValidator(MAX_TOP_K, message=_("k can be at most %(limit)s.") % {"limit": f"{MAX_TOP_K:,}"})
        )
        top_k.widget.attrs.update(max=MAX_TOP_K)
        # No unit has a million members: a larger minimum is a typo, said so before a preview or save.
        participants = model_fields["min_participants"]
        participants.validators = [v for v in participants.validators if not isinstance(v, MaxValueValidator)]
        participants.validators.append(
            MaxValueValidator(
                MAX_MIN_PARTICIPANTS,
                message=_("The minimum participants can be at most %(limit)s.")
                % {"limit": f"{MAX_MIN_PARTICIPANTS:,}"},
            )
        )
        participants.widget.attrs.update(min=0, max=MAX_MIN_PARTICIPANTS)
        for name, limit in TITLE_MAX.items():
            title = model_fields[name]
            title.max_length = limit
            title.validators = [v for v in title.validators if not isinstance(v, MaxLengthValidator)]
            title.validators.append(
                MaxLengthValidator(
                    limit,
                    message=_(
                        "A title can be at most %(limit_value)d characters (this one has %(show_value)d): "
                        "the board and the big screen show it on one or two lines. Shorten it."
                    ),
                )
            )
            # data-counter: app.js shows "characters typed / the most" under it.
            title.widget.attrs.update(maxlength=limit, **{"data-counter": ""})
        self.fields = {**model_fields, **self.fields}
        self.fields["unit"] = AdministeredUnitField(user=user, label=_("unit"), help_text=HELP["unit"])
        self.fields["scope"] = ScopeField(user=user, chosen=scope, label=_("units covered"), help_text=HELP["scope"])
        self.fields["min_participation"].help_text = HELP["min_participation"]
        self.fields["units_by"].help_text = HELP["units_by"]
        self.fields["unit_kinds"].help_text = HELP["unit_kinds"]
        for name in COMPOSABLE:
            self.fields[f"weight_{name}"] = forms.DecimalField(
                label=RankingRule.Metric(name).label, required=False, min_value=0, max_value=100, decimal_places=2
            )
        # Who else administers each unit, numbered (not their ids): someone holding the rule's unit
        # and every unit it covers may approve what this administrator computes. The form says at
        # once when "a second administrator approves" is ticked with no such person.
        approvers = selectors.other_approvers(user, self.fields["unit"].queryset)
        numbers = {holder: n for n, holder in enumerate(sorted(set().union(*approvers.values())))}
        self.approvers = {str(pk): sorted(numbers[h] for h in held) for pk, held in approvers.items() if held}
        self.tiers = TierRows(data, initial=rule.prize_tiers, in_percent=band_in_percent(rule.prize_mode, rule.metric))
        self.source_rows = SourceRows(data, user=user, initial=sources)

    @property
    def sections(self) -> dict[str, list[tuple]]:
        """Per section of the page: each setting's field, when it shows, and its width."""
        return {
            section: [(self[name], SHOWN_IF.get(name, ""), "col-12" if name in WIDE else "col-md-6") for name in names]
            for section, names in LAYOUT.items()
        }

    def _covered(self, data) -> list[Unit]:
        """The units the rule on the form covers: the units chosen, or its unit without any."""
        unit = data.get("unit")
        return list(data.get("scope") or ()) or ([unit] if unit else [])

    def tree_levels(self) -> list[tuple[int, str]]:
        """The tree levels under the units the rule covers (their own first), each with a few of
        its units' names, so that "level 3" means something to an administrator who never
        counted them."""
        data = getattr(self, "cleaned_data", None)
        if data is None:
            data = {"unit": self.rule.unit if self.rule.unit_id else None, "scope": self.rule.scope_units()}
        covered = self._covered(data)
        if not covered:
            return []
        subtree = Unit.objects.filter(_subtrees(covered))
        deepest = subtree.aggregate(deepest=Max("depth"))["deepest"]
        separator = pgettext("between list items", ", ")
        levels = []
        for depth in range(min(unit.depth for unit in covered), deepest + 1):  # one short query a level
            units = subtree.filter(depth=depth).order_by("path").values_list("name", "name_en")[:4]
            names = [in_language(name, name_en) for name, name_en in units]
            levels.append((depth, separator.join(names[:3]) + ("…" if len(names) > 3 else "")))
        return levels

    def no_second_approver(self) -> bool:
        """Whether "a second administrator approves" is ticked where no one else holds the unit
        chosen and every unit covered (`selectors.has_other_approver`), as rule_builder.js says it."""
        if not self["requires_second_approver"].value():
            return False
        chosen = {str(pk) for pk in [self["unit"].value(), *(self["scope"].value() or ())] if pk}
        return bool(chosen) and not set.intersection(*(set(self.approvers.get(pk, ())) for pk in chosen))

    @property
    def approvers_json(self) -> str:
        return json.dumps(self.approvers, separators=(",", ":"))

    @property
    def weight_fields(self):
        return [self[f"weight_{name}"] for name in COMPOSABLE]

    def selected_tie_breaks(self) -> list[tuple[str, str]]:
        """The chain as shown: keys posted (or stored), in order, with their labels."""
        keys = self["tie_breaks"].value() or []
        labels = dict(tie_break_choices())
        return [(key, labels[key]) for key in keys if key in labels]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("This short name is reserved for a page; choose another."))
        if RankingRule.objects.filter(slug=slug).exclude(pk=self.rule.pk).exists():
            raise ValidationError(_("Another ranking already uses this short name; choose another."))
        return slug

    def _check_levels(self, data) -> None:
        """Tree levels must name units that exist below the units covered: a level past the
        deepest would rank no unit, or put every member in no group, without a word."""
        covered = self._covered(data)
        if not covered:
            return
        if data.get("scope"):
            self._check_scope_levels(data, covered)
            return
        unit = covered[0]
        deepest = Unit.objects.filter(path__startswith=unit.path).aggregate(deepest=Max("depth"))["deepest"]
        names = {"unit": unit.display_name, "low": unit.depth, "high": deepest}
        unit_level = data.get("unit_level") if data.get("subject") == RankingRule.Subject.UNIT else None
        if unit_level and unit_level > deepest:
            self.add_error(
                "unit_level",
                _("The units under %(unit)s go down to level %(high)d: choose a level up to that.") % names,
            )
        group_level = data.get("group_level")
        if group_level and not unit.depth < group_level <= deepest:
            self.add_error(
                "group_level",
                _("Groups are units below %(unit)s (level %(low)d): choose a level above %(low)d and up to %(high)d.")
                % names
                if unit.depth < deepest
                else _("%(unit)s has no units below it to group by: leave this empty.") % names,
            )

    def _check_scope_levels(self, data, covered: list[Unit]) -> None:
        """For several units covered: groups may be the covered units themselves (a place within
        each organ) or units below them, never above (they would hold units not covered)."""
        deepest = Unit.objects.filter(_subtrees(covered)).aggregate(deepest=Max("depth"))["deepest"]
        separator = pgettext("between list items", ", ")
        names = {
            "unit": separator.join(unit.display_name for unit in covered),
            "low": max(unit.depth for unit in covered),
            "high": deepest,
        }
        unit_level = data.get("unit_level") if data.get("subject") == RankingRule.Subject.UNIT else None
        if unit_level and unit_level > deepest:
            self.add_error(
                "unit_level",
                _("The units under %(unit)s go down to level %(high)d: choose a level up to that.") % names,
            )
        group_level = data.get("group_level")
        if group_level and not names["low"] <= group_level <= deepest:
            self.add_error(
                "group_level",
                _(
                    "Groups are the units covered (level %(low)d) or units below them: choose a level "
                    "from %(low)d to %(high)d."
                )
                % names,
            )

    def _choose_units(self, data) -> None:
        """A unit ranking ranks one tree level or units of the kinds ticked, never both: the
        other choice's value is dropped (it may still be on the page, hidden)."""
        by_kind = data.get("subject") == RankingRule.Subject.UNIT and data.get("units_by") == "kind"
        if by_kind or data.get("subject") != RankingRule.Subject.UNIT:
            # Hidden on the page, and never read for members or teams: not kept either.
            data["unit_level"] = None
        if by_kind:
            if not data.get("unit_kinds") and not self.has_error("unit_kinds"):
                self.add_error("unit_kinds", _("Tick at least one kind of unit to rank."))
        else:
            data["unit_kinds"] = []

    def clean(self):
        data = super().clean()
        self._choose_units(data)
        self._check_levels(data)
        starts, ends = data.get("period_starts_on"), data.get("period_ends_on")
        if starts and ends and ends < starts:
            # Said with the other mistakes, not on a second round once they are put right.
            self.add_error("period_ends_on", _("The period ends before it starts."))
        mode = data.get("prize_mode") or RankingRule.PrizeMode.NONE
        # A group level typed but refused is named beside it: the quotas are not told it is missing.
        has_groups = bool(data.get("group_level")) or self.has_error("group_level")
        tiers, tier_error = self.tiers.clean(mode, has_groups=has_groups, metric=data.get("metric") or "")
        if tier_error:
            self.add_error("prize_tiers", tier_error)
        data["prize_tiers"] = tiers
        data["composite"] = self._weights(data)
        sources, source_error = self.source_rows.clean()
        if not source_error:
            kinds = [source["kind"] for source in sources]
            source_error = check_team_sources(subject=data.get("subject"), source_kinds=kinds)
        if not source_error and data.get("subject") == RankingRule.Subject.TEAM:
            source_error = self.source_rows.check_relays()
        if source_error:
            self.add_error("sources", source_error)
        data["sources"] = sources
        if not self.errors:
            try:
                # The rule itself changes only when saved; its tie-breaks are checked against the
                # sources on the form, not the ones saved before.
                kinds = [source["kind"] for source in sources] or None
                check_rule(self.apply(copy.copy(self.rule)), source_kinds=kinds)
            except ValidationError as refused:
                for name, messages in refused.message_dict.items():
                    self.add_error(name if name in self.fields else None, messages)
        return data

    def _weights(self, data) -> dict:
        """The composite weights as fractions; their percentages must add up to 100."""
        if data.get("metric") != RankingRule.Metric.COMPOSITE:
            return {}
        percents = {name: data.get(f"weight_{name}") for name in COMPOSABLE}
        if any(self.has_error(f"weight_{name}") for name in COMPOSABLE):
            return {}
        chosen = {name: value for name, value in percents.items() if value}
        total = sum(chosen.values(), Decimal(0))
        if total != 100:
            self.add_error(
                "composite",
                _("The weights add up to %(sum)s %%; they must add up to 100 %%.") % {"sum": _plain(total)},
            )
        return {name: float(value / 100) for name, value in chosen.items()}

    def apply(self, rule: RankingRule) -> RankingRule:
        """Copy the cleaned settings onto `rule` (not saved)."""
        data = self.cleaned_data
        for name in RULE_FIELDS:
            setattr(rule, name, data[name])
        rule.unit = data["unit"]
        rule.pending_scope = self.scope()
        rule.unit_kinds = sorted(data.get("unit_kinds") or [])
        share = data.get("min_participation")
        rule.min_participation = share / 100 if share is not None else None
        rule.tie_breaks = list(data.get("tie_breaks") or [])
        rule.prize_tiers = data.get("prize_tiers", [])
        rule.composite = data.get("composite", {})
        return rule

    def source_kwargs(self) -> list[dict]:
        return self.cleaned_data["sources"]

    def far_off_period_notes(self) -> list[str]:
        """A warning for each period day more than `FAR_OFF_YEARS` years from today (a start in
        1926, an end in 2999): almost surely a mistyped year. Said after saving, not refused: a
        rule may mean to count everything on record, and the days 1900-01-01 to 9998-12-31 stay
        valid (`check_local_day`)."""
        today = timezone.localdate()
        notes = []
        starts, ends = self.cleaned_data.get("period_starts_on"), self.cleaned_data.get("period_ends_on")
        figures = {"years": FAR_OFF_YEARS, "today": today.isoformat()}
        # Whole calendar years apart: 2015 from 2026 is 11, more than 10 years whatever the days.
        if starts and today.year - starts.year > FAR_OFF_YEARS:
            notes.append(
                _(
                    "The period starts on %(date)s, more than %(years)d years before today (%(today)s): if the year"
                    " is a typo, correct it before computing the ranking."
                )
                % {**figures, "date": starts.isoformat()}
            )
        if ends and ends.year - today.year > FAR_OFF_YEARS:
            notes.append(
                _(
                    "The period ends on %(date)s, more than %(years)d years after today (%(today)s): if the year"
                    " is a typo, correct it before computing the ranking."
                )
                % {**figures, "date": ends.isoformat()}
            )
        return notes

    def scope(self) -> list[Unit]:
        """The units chosen for the rule to cover (none: its unit only)."""
        return list(self.cleaned_data.get("scope") or [])


def _subtrees(units: list[Unit]) -> Q:
    """A filter for the units in the subtrees of `units`."""
    condition = Q(pk__in=[])
    for unit in units:
        condition |= Q(path__startswith=unit.path)
    return condition
