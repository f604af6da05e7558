"""Unit paths people type, in either language: 审计署/广州特派办/第一党支部, or the names English
pages show, National Audit Office/Guangzhou Resident Office/First Party Branch.

Each part of a path names one unit below the one before it, by its name as typed or by its
English name (`Unit.name_en`), so a path copied from an English page finds the unit, as does one
that mixes the two: an English page shows a unit without an English name by its name as typed.
Letter case, spaces around a part and full-width or half-width forms do not matter (Ｘ处 is X处,
审计组（临时） is 审计组(临时), both sides compared by `unit_name_key`; the units are named as stored, a
path as typed), nor do spaces beside a Chinese character (一 处 is 一处); a full-width slash (／)
separates as "/" does.
A path either names one unit or says which part was not found; two units a path could name (one
unit's English name another's Chinese one) are refused rather than guessed.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from quizsite.naming import visible_text

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
    # "ambiguous" by a name alone (`find_by_name`): the units it could be.
    candidates: tuple[int, ...] = ()

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


_SPACES = re.compile(r"\s+")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def unit_name_tidied(name: str) -> str:
    """A unit name as it is kept: trimmed, each run of spaces one space, and no space beside a
    Chinese (wide) character, where Chinese writing has none: "一 处" is 一处, "Audit  Team 1" is
    "Audit Team 1". Full-width forms are kept as typed (审计组（临时）). Invisible format
    characters (`visible_text`: a zero-width space) are dropped, so a name of only those is blank."""
    parts = _SPACES.split(visible_text(name))
    tidied = parts[0]
    for part in parts[1:]:
        tidied += part if _wide(tidied[-1]) or _wide(part[0]) else " " + part
    return tidied


def unit_name_key(name: str) -> str:
    """What two unit names are compared by: the tidied name with full-width forms folded to
    half-width (NFKC: Ｘ处 and X处, （ and ( are one), case ignored. Sibling names must differ by
    it, and a typed path part finds a unit whose name or English name has the same key."""
    return unit_name_tidied(unicodedata.normalize("NFKC", name or "")).casefold()


def _folded(name: str) -> str:
    return unit_name_key(name)


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
            return PathMatch(problem="ambiguous", candidates=tuple(node.unit_id for node in named))
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


# A run of Chinese characters that folding leaves as they are: a name with the same key contains it.
_STABLE_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def _candidates_q(part: str) -> Q | None:
    """Units that may have the key of `part`, a superset (None: any unit may): its longest run of
    Chinese characters, or its English name written either way."""
    runs = _STABLE_RUN.findall(part)
    if not runs:
        return None
    folded = unicodedata.normalize("NFKC", part).strip()
    return Q(name__contains=max(runs, key=len)) | Q(name_en__iexact=part) | Q(name_en__iexact=folded)


def unit_path_finder(*, for_text: str | None = None, listed: set[int] | None = None) -> UnitPathFinder:
    """A finder over the whole tree, paths from the roots; `for_text`: over only the units that
    may be named in that one path (one query for a single lookup, not the whole tree); `listed`:
    the only units a path or a name may end at (all when None)."""
    units = Unit.objects.all()
    if for_text is not None:
        named = Q(pk__in=[])
        for part in {part for part in path_parts(for_text) if part}:
            candidates = _candidates_q(part)
            if candidates is None:
                named = None
                break
            named |= candidates
        if named is not None:
            units = units.filter(named)
    return UnitPathFinder(
        PathNode(*row, listed=listed is None or row[0] in listed)
        for row in units.values_list("pk", "path", "name", "name_en")
    )
