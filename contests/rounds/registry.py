"""Every round type's rules, by type: the one place a round's type is looked up."""

from .base import RoundKind
from .buzzer import Buzzer
from .compulsory import Compulsory
from .relay import Relay
from .risk import Risk
from .tiebreak import TieBreak

KINDS: dict[str, RoundKind] = {kind.type: kind for kind in (Relay(), Compulsory(), Buzzer(), Risk(), TieBreak())}


def round_kind(type: str) -> RoundKind:
    """The rules of rounds of this type (a `Round.Type` value)."""
    return KINDS[type]
