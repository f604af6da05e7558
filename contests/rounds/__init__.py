"""Live contest round types (relay, compulsory, buzzer, risk, tie-break): each type's rules in
one class with the methods of `RoundKind` (who may answer, how a question opens, how an answer
scores, what the public frame adds, the settings and their defaults), looked up by
`round_kind(round.type)`. A new type is a `Round.Type` value, one module here and its line in
`registry.KINDS`."""

from .base import ROUND_SETTINGS, RoundKind
from .registry import KINDS, round_kind

__all__ = ["KINDS", "ROUND_SETTINGS", "RoundKind", "round_kind"]
