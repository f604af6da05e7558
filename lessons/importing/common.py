"""What every question format parses into, and the import's report."""

from dataclasses import dataclass, field

from ..validation import QuestionContent


@dataclass
class Draft:
    """One parsed question and where it came from: {"row": R} for tables, {"line": L} for text."""

    where: dict
    content: QuestionContent
    # What the import changed in the row as typed, for the preview to say ("A." taken off option A).
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    drafts: list[Draft] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    # Each table row's question text as typed, so the preview can show which question a refused row was.
    stems_typed: dict[int, str] = field(default_factory=dict)
    imported: int = 0
    by_type: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("single", "multiple", "true_false", "fill_blank"), 0)
    )

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, where: dict, column: str, message: str) -> None:
        self.errors.append({**where, "column": column, "message": message})

    def summary(self) -> dict:
        return {
            "imported": self.imported,
            "by_type": self.by_type,
            "duplicates": len(self.duplicates),
            "errors": self.errors,
        }
