"""The kinds of source a ranking reads facts from: one module each, found through `KINDS`.

A kind (`base.SourceKind`) holds everything that differs between sources: what a source of the
kind must name to be saved, the facts it brings to the computation, and the checksums that tell
when those facts changed. A new kind of source is one new module here, registered below, plus
its tests (and its choice in `RuleSource.Kind`)."""

from .base import SourceKind
from .contest import ContestSource
from .exam import ExamSource, OnlineSource
from .self_study import PointsSource, StudyHoursSource

KINDS: dict[str, SourceKind] = {
    kind.kind: kind for kind in (ContestSource(), PointsSource(), ExamSource(), OnlineSource(), StudyHoursSource())
}


def source_kind(kind: str) -> SourceKind:
    """The kind of source named `kind` (a `RuleSource.Kind` value)."""
    return KINDS[kind]
