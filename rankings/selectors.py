"""Reads for the rankings pages: which rules a person sees, leaderboard rows, charts, honours."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db.models import Avg, Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery

from contests.models import TeamMember
from contests.relay.models import RelayLeg
from orgs import access
from orgs.models import Role, RoleGrant, Unit, User
from orgs.paths import PathMatch, PathNode, UnitPathFinder, first_found, path_parts
from quizsite.naming import in_language

from .models import RankingRule, RuleScope, RuleUnit, Snapshot, SnapshotRow
from .params import RATE_METRICS, RuleParams, period_bounds, teams_ranked
from .templatetags.ranking_format import metric_value
from .ties import TieMark, tie_mark


def can_administer(user, rule: RankingRule) -> bool:
    """Administrators of the rule's unit who also administer every unit it covers: a rule ranking
    several organs is theirs only who hold them all (`RankingRule.managing_units`)."""
    return all(access.can_administer_unit(user, unit) for unit in rule.managing_units())


def covered_q(rule: RankingRule, *, prefix: str = "") -> Q:
    """A filter for objects whose unit (at `prefix`, e.g. "unit__") lies in a subtree the rule covers."""
    condition = Q(pk__in=[])
    for path in rule.covered_paths():
        condition |= Q(**{f"{prefix}path__startswith": path})
    return condition


def _covering_path(rule: RankingRule, path: str) -> str | None:
    """The path of the covered unit whose subtree holds `path`, or None."""
    return next((covered for covered in rule.covered_paths() if path.startswith(covered)), None)


def other_approvers(user, units: Iterable[Unit]) -> dict[int, set[int]]:
    """For each of `units`, the active administrators other than `user` who administer it (a
    grant on it or above), by id: a version `user` computed of a rule under the four-eyes setting
    is approved by one of them who holds every unit managing the rule (`has_other_approver`).
    One query for the grants, whatever the number of units."""
    grants = list(
        RoleGrant.objects.filter(role=Role.ADMINISTRATOR, user__is_active=True)
        .exclude(user=user)
        .values_list("user_id", "unit__path")
    )
    return {unit.pk: {holder for holder, path in grants if unit.path.startswith(path)} for unit in units}


def has_other_approver(rule: RankingRule, user) -> bool:
    """Whether someone other than `user` may approve a version `user` computed under the
    four-eyes setting: an active administrator of the rule (`can_administer`: a grant on or above
    its unit and each unit it covers), as `services.snapshot_approve` decides."""
    held = other_approvers(user, rule.managing_units()).values()
    return bool(set.intersection(*held))


def can_view(user, rule: RankingRule) -> bool:
    """Administrators of the rule's unit, organisers and administrators of a unit it covers, and
    anyone whose unit lies in a subtree it covers."""
    covered = rule.covered_units()
    if can_administer(user, rule) or any(access.can_manage_unit(user, unit) for unit in [rule.unit, *covered]):
        return True
    unit = getattr(user, "unit", None)
    return bool(unit and _covering_path(rule, unit.path))


def can_download_results(user, rule: RankingRule) -> bool:
    """Exports and anyone's certificate: organisers and administrators of every unit the rule
    covers (its unit, or each of its scope). A member sees the published board, not a spreadsheet
    of every colleague's result."""
    return all(access.can_manage_unit(user, unit) for unit in rule.covered_units())


def own_certificate_subjects(user, rule: RankingRule) -> set[int] | None:
    """The subjects whose certificates the user may download: None for all of them (see
    `can_download_results`), else their own - themselves, their teams, or units they manage."""
    if can_download_results(user, rule):
        return None
    if rule.subject == RankingRule.Subject.MEMBER:
        return {user.pk}
    if rule.subject == RankingRule.Subject.TEAM:
        teams = teams_ranked(rule.sources.values_list("kind", flat=True))
        return member_teams(user, teams, period=period_bounds(rule.period_starts_on, rule.period_ends_on))
    return set(access.managed_units(user).filter(covered_q(rule)).values_list("pk", flat=True))


Period = tuple[datetime | None, datetime | None]


def _ran(legs: QuerySet[RelayLeg], period: Period) -> QuerySet[RelayLeg]:
    """The finished legs among `legs` that a ranking of `period` counts: those finished inside it
    (as the ranking's facts are, `rankings.sources.exam`: its days are local calendar days)."""
    starts, ends = period
    legs = legs.filter(status=RelayLeg.Status.FINISHED, holder__isnull=False)
    if starts is not None:
        legs = legs.filter(finished_at__gte=starts)
    if ends is not None:
        legs = legs.filter(finished_at__lt=ends)
    return legs


def member_teams(user, teams: str | None, *, period: Period = (None, None)) -> set[int]:
    """The teams of the kind a team ranking ranks (`RuleParams.teams`) that a board's results are
    about `user` in: a live contest team whose roster holds them, or a relay team for which they
    ran a finished leg inside the ranking's `period` (`team_people`)."""
    if teams == "relay":
        return set(_ran(RelayLeg.objects.filter(holder=user), period).values_list("team_id", flat=True))
    return set(TeamMember.objects.filter(member=user).values_list("team_id", flat=True))


def team_people(snapshot: Snapshot, team_ids) -> list[tuple[int, int]]:
    """(member_id, team_id) for the people of the teams `team_ids` of a team ranking's snapshot,
    whom its publication and certificates are for: a live contest team's roster; for a relay's
    teams, the members who ran one of the team's finished legs that the snapshot counted (inside
    its period), the legs its score adds up. A relay team's roster names places, not people who
    ran: a place may be a unit (whichever of its members starts the leg runs it), a leg may be
    given to another member, and a place skipped, or never reached before the window closed, ran
    nothing; the leg's holder is who ran it."""
    params = RuleParams.from_json(snapshot.parameters)
    if params.teams == "relay":
        legs = _ran(RelayLeg.objects.filter(team_id__in=team_ids), params.period)
        return list(legs.values_list("holder_id", "team_id").distinct())
    return list(TeamMember.objects.filter(team_id__in=team_ids).values_list("member_id", "team_id"))


def own_row(snapshot: Snapshot, user) -> SnapshotRow | None:
    """The user's own row of a member ranking's snapshot (None: not a member ranking, or not in
    it), with its group's name in the page's language (`with_unit_paths`) and `tied_in_group`
    (`with_group_ties`): their place within their unit, beside the overall one."""
    if snapshot.rule.subject != RankingRule.Subject.MEMBER:
        return None
    row = SnapshotRow.objects.filter(snapshot=snapshot, subject_id=user.pk).first()
    if row is None:
        return None
    return with_group_ties(snapshot, with_unit_paths(snapshot.rule, [row]))[0]


def _administered_q(user) -> Q:
    """Rules the user administers (`can_administer`): their unit and every scope unit in the
    user's subtrees."""
    scope_outside = RuleScope.objects.filter(rule=OuterRef("pk")).exclude(
        access.subtree_q(user, prefix="unit__", roles=access.ADMINISTERING)
    )
    return access.subtree_q(user, prefix="unit__", roles=access.ADMINISTERING) & ~Exists(scope_outside)


def visible_rules(user) -> QuerySet[RankingRule]:
    """Published rules covering the user's part of the tree, and every rule they administer."""
    published = Exists(Snapshot.objects.filter(rule=OuterRef("pk"), status=Snapshot.Status.PUBLISHED))
    condition = _administered_q(user)
    unit = getattr(user, "unit", None)
    if unit is not None:
        ancestors = unit.lineage_paths()
        scoped = Exists(RuleScope.objects.filter(rule=OuterRef("pk")))
        in_scope = Exists(RuleScope.objects.filter(rule=OuterRef("pk"), unit__path__in=ancestors))
        condition |= Q(published) & (Q(~scoped, unit__path__in=ancestors) | Q(in_scope))
    elif user.is_superuser:
        condition = Q()
    return (
        RankingRule.objects.filter(condition)
        .select_related("unit")
        .prefetch_related("scope__unit")
        .order_by("-created_at")
    )


def board_snapshot(rule: RankingRule, user, version: int | None = None) -> Snapshot | None:
    """The snapshot a page shows: the published one, or for administrators any version asked
    for (or the newest when nothing is published yet)."""
    snapshots = rule.snapshots.select_related("computed_by", "approved_by", "published_by")
    if version is not None and can_administer(user, rule):
        return snapshots.filter(version=version).first()
    published = snapshots.filter(status=Snapshot.Status.PUBLISHED).first()
    if published or not can_administer(user, rule):
        return published
    return snapshots.order_by("-version").first()


# Whose `name_sort` lists a subject's ties: a member's or a unit's (teams list by their label).
NAMED_SUBJECTS = {"member": User, "unit": Unit}


def in_place_order(rows: QuerySet[SnapshotRow], snapshot: Snapshot, *first) -> QuerySet[SnapshotRow]:
    """`rows` ordered by `first`, then by place (none last), subjects tied on a place by name:
    a member's or a unit's in pinyin order (`name_sort`, orgs.sorting), then by label.

    Only the order of ties changes with a name: places, prizes and the rows hash never read it.
    The key is the subject's name today; the label is its name when ranked."""
    order = [*first, F("place").asc(nulls_last=True)]
    named = NAMED_SUBJECTS.get(snapshot.parameters.get("subject", ""))
    if named is not None:
        names = named.objects.filter(pk=OuterRef("subject_id")).values("name_sort")[:1]
        rows = rows.annotate(name_order=Subquery(names))
        order.append(F("name_order").asc(nulls_last=True))
    return rows.order_by(*order, "label", "subject_id")


def leaderboard_rows(snapshot: Snapshot, *, search: str = "", group_id: int | None = None) -> QuerySet[SnapshotRow]:
    rows = SnapshotRow.objects.filter(snapshot=snapshot)
    if search:
        rows = rows.filter(Q(label__icontains=search) | Q(unit_name__icontains=search))
    if group_id:
        return in_place_order(rows.filter(group_id=group_id), snapshot, "rank_in_group")
    return in_place_order(rows, snapshot)


def row_position(rows: QuerySet[SnapshotRow], subject_id: int) -> int | None:
    """Where the subject's row stands in `rows` as ordered (0 first), or None when it is not there."""
    for position, listed in enumerate(rows.values_list("subject_id", flat=True).iterator()):
        if listed == subject_id:
            return position
    return None


def _next_places(snapshot: Snapshot, rows: list[SnapshotRow], group_id: int | None) -> dict[int, SnapshotRow]:
    """For each placed row of `rows` (by pk), a row of the next place after it: overall, or
    within its group when `group_id` is given (search and pages aside: the next in the ranking)."""
    placed = [row for row in rows if row.place is not None]
    if not placed:
        return {}
    if group_id is None:
        after = {row.pk: row.place + row.tied_count for row in placed}
        scope = SnapshotRow.objects.filter(snapshot=snapshot)
    else:
        scope = SnapshotRow.objects.filter(snapshot=snapshot, group_id=group_id)
        later = scope.filter(place__gt=OuterRef("place"), place__isnull=False).order_by("place").values("place")[:1]
        after = dict(
            SnapshotRow.objects.filter(pk__in=[row.pk for row in placed])
            .annotate(next_place=Subquery(later))
            .values_list("pk", "next_place")
        )
    at_place = {row.place: row for row in scope.filter(place__in={p for p in after.values() if p is not None})}
    return {pk: at_place[place] for pk, place in after.items() if place in at_place}


def _last_listed(snapshot: Snapshot, places: set[int], group_id: int | None) -> set[int]:
    """The pk of the row listed last among those sharing each of `places` (overall, or within
    the group `group_id`), in the board's order (`in_place_order`): the one just above the next place."""
    if not places:
        return set()
    scope = SnapshotRow.objects.filter(snapshot=snapshot, place__in=places)
    if group_id is not None:
        scope = scope.filter(group_id=group_id)
    last = {}
    for pk, place in in_place_order(scope, snapshot).values_list("pk", "place"):
        last[place] = pk
    return set(last.values())


def tie_marks(snapshot: Snapshot, rows, *, group_id: int | None = None) -> dict[int, TieMark]:
    """The rows of `rows` placed above the next place by a tie-break, level with it on the score
    shown (`ties.tie_mark`), by pk. Of rows sharing a place only the one listed last, just above
    the next place, is marked: a mark names what separated a row from the one below it, and the
    others are level with the row below them. A query for the next places, and one for the
    sharing rows' order when a marked row shares its place, whatever the number of rows."""
    rows = list(rows)
    if group_id is not None and not all(hasattr(row, "tied_in_group") for row in rows):
        rows = with_group_ties(snapshot, rows)
    below = _next_places(snapshot, rows, group_id)
    metric = snapshot.parameters.get("metric", "")
    tie_breaks = snapshot.parameters.get("tie_breaks") or ()
    marks = {}
    shared = {}
    for row in rows:
        shown = lambda value: metric_value(value, metric)  # noqa: E731 - as the board writes it
        mark = tie_mark(row, below.get(row.pk), tie_breaks, shown, in_group=group_id is not None)
        if mark:
            marks[row.pk] = mark
            if (row.tied_in_group if group_id is not None else row.tied_count) > 1:
                shared[row.pk] = row.place
    last = _last_listed(snapshot, set(shared.values()), group_id)
    return {pk: mark for pk, mark in marks.items() if pk not in shared or pk in last}


def with_tie_marks(snapshot: Snapshot, rows, *, group_id: int | None = None) -> list[SnapshotRow]:
    """The rows, each with `tie_mark` (`tie_marks`; None for most)."""
    rows = list(rows)
    marks = tie_marks(snapshot, rows, group_id=group_id)
    for row in rows:
        row.tie_mark = marks.get(row.pk)
    return rows


def with_group_ties(snapshot: Snapshot, rows) -> list[SnapshotRow]:
    """The rows, each with `tied_in_group`: how many rows of its group share its place (1 for a
    row alone on it, or without a place or a group). A row's `tied_count` counts ties over the
    whole ranking; within a group only the group's own rows tie with it: those of the same
    place (equal on the score and every tie-break), as `rank_in_group` numbers them. One query."""
    rows = list(rows)
    grouped = [row for row in rows if row.place is not None and row.group_id is not None]
    counts = {}
    if any(row.tied_count > 1 for row in grouped):  # no one shares a place overall: no one in a group
        counts = group_ties(
            snapshot,
            group_id__in={row.group_id for row in grouped},
            place__in={row.place for row in grouped if row.tied_count > 1},
        )
    for row in rows:
        row.tied_in_group = counts.get((row.group_id, row.place), 1)
    return rows


def group_ties(snapshot: Snapshot, **among) -> dict[tuple[int, int], int]:
    """How many rows of a group share a place, by (group, place), for the places two or more
    share: of the whole snapshot, or of the rows filtered by `among`. One query."""
    return {
        (group, place): n
        for group, place, n in SnapshotRow.objects.filter(
            snapshot=snapshot, place__isnull=False, group_id__isnull=False, **among
        )
        .values("group_id", "place")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("group_id", "place", "n")
    }


def groups(snapshot: Snapshot) -> list[dict]:
    """Each parent unit of the scope with its ranked count, mean metric and best place."""
    return list(
        SnapshotRow.objects.filter(snapshot=snapshot, group_id__isnull=False)
        .values("group_id", "group_name")
        .annotate(count=Count("id"), mean=Avg("metric", filter=Q(eligible=True)), best=Min("place"))
        .order_by("best", "group_name")
    )


def score_histogram(snapshot: Snapshot, bins: int = 10) -> dict:
    """Counts of eligible subjects per metric band, for the distribution chart; a participation
    rate's bands read in percent. Each band's label has decimals enough to tell it from the next
    (0.95-1 in tenths would read 1.0–1.0 nine times)."""
    eligible = SnapshotRow.objects.filter(snapshot=snapshot, eligible=True)
    bounds = eligible.aggregate(low=Min("metric"), high=Max("metric"))
    if bounds["low"] is None:
        return {"labels": [], "counts": []}
    rate = snapshot.parameters.get("metric") in RATE_METRICS
    scale, suffix = (100.0, "%") if rate else (1.0, "")
    values = [float(value) * scale for value in eligible.values_list("metric", flat=True).iterator(chunk_size=10_000)]
    if all(value.is_integer() for value in values):
        return _whole_number_histogram([int(value) for value in values], bins, suffix)
    low, high = float(bounds["low"]) * scale, float(bounds["high"]) * scale
    width = (high - low) / bins if high > low else 1.0
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / width), bins - 1)] += 1
    decimals = max(1, min(4, math.ceil(-math.log10(width))))
    labels = [f"{low + width * i:.{decimals}f}–{low + width * (i + 1):.{decimals}f}{suffix}" for i in range(bins)]
    return {"labels": labels, "counts": counts}


def _whole_number_histogram(values: list[int], bins: int, suffix: str) -> dict:
    """Bands of whole numbers for whole-number metrics (points, counts): "1–5", "6–10", or "3"
    for a band of one value, never "1.0–5.2"; at most `bins` bands of equal width."""
    low, high = min(values), max(values)
    width = -(-(high - low + 1) // bins)  # ceiling: the fewest values per band for `bins` bands
    counts = [0] * -(-(high - low + 1) // width)
    for value in values:
        counts[(value - low) // width] += 1
    labels = [
        f"{start}{suffix}" if width == 1 else f"{start}–{start + width - 1}{suffix}"
        for start in range(low, low + width * len(counts), width)
    ]
    return {"labels": labels, "counts": counts}


def honour_rows(snapshot: Snapshot) -> QuerySet[SnapshotRow]:
    return in_place_order(SnapshotRow.objects.filter(snapshot=snapshot).exclude(prize=""), snapshot)


def prize_counts(snapshot: Snapshot) -> list[dict]:
    """Each prize awarded, best first, with its winners (`count`) and, for prizes by count, the
    places its tier was given (`places`; None otherwise). Counts are places counted on from the
    tier above, so ties at a boundary can give a tier more winners than places."""
    parameters = snapshot.parameters
    places = {}
    if parameters.get("prize_mode") == "count":
        places = {tier["name"]: int(tier["value"]) for tier in parameters.get("prize_tiers") or ()}
    counts = list(
        SnapshotRow.objects.filter(snapshot=snapshot)
        .exclude(prize="")
        .values("prize")
        .annotate(count=Count("id"), best=Min("place"))
        .order_by("best")
    )
    for prize in counts:
        prize["places"] = places.get(prize["prize"])
    return counts


def _rule_tree(rule: RankingRule) -> tuple[dict[int, tuple[str, str]], dict[int, str]]:
    """The rule's subtree as `unit_names` reads it: each unit's (path, name as typed), the tree the
    rule froze plus units added since; and the English names of the units that have one and still
    bear the name that was frozen."""
    frozen = RuleUnit.objects.filter(rule=rule).values_list("unit_id", "path", "name")
    nodes = {unit_id: (path, name) for unit_id, path, name in frozen}
    frozen_paths = {path for path, _name in nodes.values()}
    live = Unit.objects.filter(covered_q(rule)).values_list("pk", "path", "name", "name_en")
    english = {}
    for unit_id, path, name, name_en in live:
        if unit_id not in nodes and path not in frozen_paths:
            nodes[unit_id] = (path, name)
        if name_en and nodes.get(unit_id, (None, None))[1] == name:
            english[unit_id] = name_en
    return nodes, english


def unit_names(rule: RankingRule, *, as_typed: bool = False) -> dict[int, list[str]]:
    """Each unit of the rule's subtree as the names from below the rule's unit down to it
    (["广州特派办", "第一党支部"]): "第一党支部" alone names a branch in every organ. The tree is
    the one the rule froze, plus units added since, as the computation reads it. A rule covering
    several units (its scope) names from the covered unit down (["审计署", "广州特派办"]): which
    organ a unit belongs to is what such a board compares.

    On an English page a name is the unit's English name, looked up now (frozen rows keep only
    the name as typed, and their hashes cover it): only while the unit still bears the name that
    was frozen, so a unit renamed since keeps its old name rather than a translation of the new
    one (`unit_english_names`). `as_typed`: the names as typed whatever the page's language
    (imports match them)."""
    nodes, english = _rule_tree(rule)
    if not as_typed:
        nodes = {
            unit_id: (path, in_language(name, english.get(unit_id, ""))) for unit_id, (path, name) in nodes.items()
        }
    name_at = dict(nodes.values())
    scoped = bool(rule.scope_units())

    def first_named(path: str) -> int:
        """Where the names start: at the covered unit for a scope, below the rule's unit otherwise."""
        if scoped:
            return len(_covering_path(rule, path) or path)
        return len(rule.unit.path) + Unit.steplen

    return {
        unit_id: [name_at.get(path[:end], "") for end in range(first_named(path), len(path) + 1, Unit.steplen)]
        or [name]
        for unit_id, (path, name) in nodes.items()
    }


def unit_english_names(rule: RankingRule) -> dict[int, str]:
    """The English name of each unit of the rule's subtree that English pages name in English
    (`unit_names`): one that has an English name and still bears the name that was frozen. For
    clients that choose the language themselves, as the API's `_en` fields do."""
    return _rule_tree(rule)[1]


def unit_paths(rule: RankingRule, *, as_typed: bool = False) -> dict[int, str]:
    """`unit_names` joined for tables: "广州特派办/第一党支部"."""
    return {unit_id: "/".join(names) for unit_id, names in unit_names(rule, as_typed=as_typed).items()}


def with_unit_paths(rule: RankingRule, rows) -> list[SnapshotRow]:
    """The rows, each with `unit_path`: its unit's path below the rule's unit (`unit_paths`), cut
    into `unit_own` (the unit's own name) and `unit_above` (the path above it, or ""), and on an
    English page a `group_name` in English where its unit has an English name."""
    names = unit_names(rule)
    rows = list(rows)
    for row in rows:
        row.unit_path = "/".join(names.get(row.unit_id, ())) or row.unit_name
        *above, row.unit_own = names.get(row.unit_id) or [row.unit_name]
        row.unit_above = "/".join(above)
        if row.group_id in names:
            row.group_name = in_language(row.group_name, names[row.group_id][-1])
    return rows


def with_group_names(rule: RankingRule, groups: list[dict]) -> list[dict]:
    """`groups`, each `group_name` in the page's language as `with_unit_paths` gives it."""
    names = unit_names(rule)
    return [
        group | {"group_name": in_language(group["group_name"], names[group["group_id"]][-1])}
        if group["group_id"] in names
        else group
        for group in groups
    ]


def headcount_units(rule: RankingRule) -> list[dict]:
    """The units a unit ranking ranks, in tree order, each with its path below the rule's unit
    as typed (`path`, what the headcount sheets give) and in the page's language (`label`, in
    English where the units have English names: `unit_paths`), its expected headcount (None if
    not stated), its headcount in the newest version and how many took part in it (`took_part`:
    the fewest a stated headcount may be)."""
    if rule.subject != RankingRule.Subject.UNIT or not (rule.unit_level or rule.unit_kinds):
        return []
    # The units ranked: those of the level, or of the kinds (`rankings.compute`).
    which = {"kind__in": rule.unit_kinds} if rule.unit_kinds else {"depth": rule.unit_level}
    frozen = dict(RuleUnit.objects.filter(rule=rule, **which).values_list("unit_id", "path"))
    live = Unit.objects.filter(covered_q(rule), **which).values_list("pk", "path")
    ranked = frozen | {pk: path for pk, path in live if pk not in frozen and path not in frozen.values()}
    paths = unit_paths(rule, as_typed=True)  # as the headcount sheets give them
    labels = unit_paths(rule)
    expected = dict(rule.expected_headcounts.values_list("unit_id", "headcount"))
    newest = Snapshot.objects.filter(rule=rule).order_by("-version").first()
    newest_rows = SnapshotRow.objects.filter(snapshot=newest).values_list("subject_id", "headcount", "participants")
    counted = {pk: (headcount, took_part) for pk, headcount, took_part in newest_rows} if newest else {}
    return [
        {
            "unit_id": pk,
            "path": paths.get(pk, ""),
            "label": labels.get(pk, ""),
            "expected": expected.get(pk),
            "latest": counted.get(pk, (None, None))[0],
            "took_part": counted.get(pk, (None, 0))[1] or 0,
        }
        for pk, _path in sorted(ranked.items(), key=lambda item: item[1])
    ]


def headcount_unit_finder(rule: RankingRule) -> Callable[[str], PathMatch]:
    """What finds the ranked unit a headcount sheet's row names (`orgs.paths`): by its path below
    the rule's unit, its full path, or its name alone where no other ranked unit shares it; each
    name as typed or in English, the names the headcount page shows in either language. The tree
    is `unit_names`' (frozen names; an English name only while the unit still bears the name
    that was frozen), the units above the rule's unit as they are now."""
    ranked = {unit["unit_id"] for unit in headcount_units(rule)}
    tree, english = _rule_tree(rule)
    # Paths start below the rule's unit, or at the covered units for a scope (`unit_names`).
    scope = rule.scope_units()
    below = [
        PathNode(unit_id, path, name, english.get(unit_id, ""), listed=unit_id in ranked)
        for unit_id, (path, name) in tree.items()
        if scope or len(path) > len(rule.unit.path)
    ]
    if scope:
        above_units = {ancestor for unit in scope for ancestor in Unit.objects.get_ancestors(unit)}
        relative = UnitPathFinder(below, top_depth=min(unit.depth for unit in scope))
    else:
        above_units = [*Unit.objects.get_ancestors(rule.unit), rule.unit]
        relative = UnitPathFinder(below, top_depth=rule.unit.depth + 1)
    above = [PathNode(unit.pk, unit.path, unit.name, unit.name_en, listed=False) for unit in above_units]
    full = UnitPathFinder(above + below)

    def find(text: str) -> PathMatch:
        if len(path_parts(text)) == 1:
            return first_found(relative.find(text), relative.find_by_name(text))
        return first_found(relative.find(text), full.find(text))

    return find


def administered_rules(user) -> QuerySet[RankingRule]:
    """Rules the user administers (`can_administer`), newest first."""
    return (
        RankingRule.objects.filter(_administered_q(user))
        .select_related("unit")
        .prefetch_related("scope__unit")
        .order_by("-updated_at")
    )


def rule_stages(rules: list[RankingRule]) -> dict[int, str]:
    """Where each rule stands, from its newest snapshot: "draft" (never computed), "computed"
    (a provisional version waits for approval), "approved" (waits to be published), "published"."""
    newest = {}
    for rule_id, status in (
        Snapshot.objects.filter(rule__in=rules).order_by("rule_id", "-version").values_list("rule_id", "status")
    ):
        newest.setdefault(rule_id, status)
    stage = {Snapshot.Status.DRAFT: "computed", Snapshot.Status.APPROVED: "approved"}
    return {rule.pk: stage.get(newest.get(rule.pk), "published" if rule.pk in newest else "draft") for rule in rules}


def headcounts_below_participants(snapshot: Snapshot) -> list[dict]:
    """The units of `snapshot` whose stated headcount was below the number who took part (more took
    part after it was stated), each with its path in the page's language, the figure stated and
    the participants it was counted with instead, in path order."""
    if not snapshot.parameters.get("stated_headcount_floor"):
        return []
    rows = SnapshotRow.objects.filter(snapshot=snapshot, headcount_expected=True).order_by("unit_id")
    paths = unit_paths(snapshot.rule)
    found = []
    for row in rows:
        stated = snapshot.stated_headcount_below_participants(row)
        if stated is not None:
            found.append(
                {"unit": paths.get(row.subject_id, row.label), "stated": stated, "participants": row.participants}
            )
    return sorted(found, key=lambda unit: unit["unit"])


def replaced_version(snapshot: Snapshot) -> Snapshot | None:
    """The published version `snapshot` corrected (superseded by it, with the reason), or None."""
    return Snapshot.objects.filter(superseded_by=snapshot).only("version", "supersede_reason").first()
