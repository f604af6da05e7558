"""Unit paths people type, in either language: 审计署/广州特派办/第一党支部, or the names English
pages show, National Audit Office/Guangzhou Resident Office/First Party Branch.

Each part of a path names one unit below the one before it, by its name as typed or by its
English name (`Unit.name_en`), so a path copied from an English page finds the unit, as does one
that mixes the two: an English page shows a unit without an English name by its name as typed.
Letter case and spaces around a part do not matter, and a full-width slash (／) separates as "/" does.
A path either names one unit or says which part was not found; two units a path could name (one
unit's English name another's Chinese one) are refused rather than guessed.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import UNIT_PATH_SEPARATOR, Unit


@dataclass(frozen=True)
class PathNode:
    """One unit a path may pass through: its tree path (`Unit.path`), its names, and whether a
    path may end at it (a headcount names only the ranked units, not the offices above them)."""

    unit_id: int
    tree_path: str
    name: str
    name_en: str = ""
    listed: bool = True


@dataclass(frozen=True)
class PathMatch:
    """The unit a typed path names (`unit_id`), or why none: `problem` is "blank", "not_found"
    (`missing` is the first part that names no unit there, `found` the parts before it),
    "not_listed" (a unit, but not one of those asked for) or "ambiguous"."""

    unit_id: int | None = None
    problem: str = ""
    missing: str = ""
    found: str = ""

    def explained(self) -> str:
        """Which part of the path went wrong, in the page's language ("" when found or blank)."""
        if self.problem == "not_found" and not self.missing:
            return _("A part of the path is empty: two slashes together, or one at an end.")
        if self.problem == "not_found" and self.found:
            return _("No unit “%(name)s” under %(parent)s.") % {"name": self.missing, "parent": self.found}
        if self.problem == "not_found":
            return _("No unit “%(name)s” at the start of the path.") % {"name": self.missing}
        if self.problem == "ambiguous":
            return _("Several units have these names: write the names as typed (in Chinese).")
        return ""


def path_parts(text: str) -> list[str]:
    """The parts of a typed path, each trimmed: "审计署 ／ 广州特派办" → ["审计署", "广州特派办"]."""
    return [part.strip() for part in (text or "").replace("／", UNIT_PATH_SEPARATOR).split(UNIT_PATH_SEPARATOR)]


def _folded(name: str) -> str:
    return name.strip().casefold()


class UnitPathFinder:
    """Finds units by typed paths among `nodes`; a path starts at the units of depth `top_depth`
    (1: the roots; one below a ranking's unit for the paths its headcount sheet gives)."""

    def __init__(self, nodes: Iterable[PathNode], *, top_depth: int = 1) -> None:
        self._children: dict[str, list[PathNode]] = {}
        self._top = top_depth
        for node in nodes:
            depth = len(node.tree_path) // Unit.steplen
            if depth >= top_depth:
                parent = "" if depth == top_depth else node.tree_path[: -Unit.steplen]
                self._children.setdefault(parent, []).append(node)

    def find(self, text: str) -> PathMatch:
        parts = path_parts(text)
        if not any(parts):
            return PathMatch(problem="blank")
        reached: list[PathNode] = [PathNode(0, "", "")]
        for index, part in enumerate(parts):
            key = _folded(part)
            reached = [
                child
                for node in reached
                for child in self._children.get(node.tree_path, ())
                if key and key in {_folded(child.name), _folded(child.name_en) or None}
            ]
            if not reached:
                return PathMatch(problem="not_found", missing=part, found=UNIT_PATH_SEPARATOR.join(parts[:index]))
        listed = [node for node in reached if node.listed]
        if len(listed) > 1:
            return PathMatch(problem="ambiguous")
        if not listed:
            return PathMatch(problem="not_listed")
        return PathMatch(unit_id=listed[0].unit_id)

    def find_by_name(self, text: str) -> PathMatch:
        """The one listed unit called `text` (either language), at any depth: where no other
        listed unit shares its name, a name alone is enough."""
        key = _folded(text)
        named = [
            node
            for nodes in self._children.values()
            for node in nodes
            if node.listed and key in {_folded(node.name), _folded(node.name_en) or None}
        ]
        if len(named) > 1:
            return PathMatch(problem="ambiguous")
        if not named:
            return PathMatch(problem="not_found", missing=text)
        return PathMatch(unit_id=named[0].unit_id)


def first_found(*matches: PathMatch) -> PathMatch:
    """The first match that found a unit, else the refusal that got furthest into its path (its
    problem names the part a person most likely mistyped)."""
    for match in matches:
        if match.unit_id is not None:
            return match
    return max(matches, key=lambda match: (match.problem != "not_found", len(match.found)))


def unit_path_finder(*, for_text: str | None = None) -> UnitPathFinder:
    """A finder over the whole tree, paths from the roots; `for_text`: over only the units named
    in that one path (one query for a single lookup, not the whole tree)."""
    units = Unit.objects.all()
    if for_text is not None:
        named = Q(pk__in=[])
        for part in {part for part in path_parts(for_text) if part}:
            named |= Q(name__iexact=part) | Q(name_en__iexact=part)
        units = units.filter(named)
    return UnitPathFinder(PathNode(*row) for row in units.values_list("pk", "path", "name", "name_en"))
