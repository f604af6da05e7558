"""The question editor's form state: read from a stored version or a POST, turned into content.

The editor posts options as a list with the ticked ones' positions, true or false as one word, and
each blank as its own list of alternatives; this module is the one place that reads those names.
"""

from dataclasses import dataclass, field

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .grading import BLANK_MAX_CHARS
from .importing.export import key_text
from .models import Question, QuestionType
from .models.questions import OPTION_LETTERS
from .validation import QuestionContent

MAX_BLANKS = 20
DIFFICULTY_LABELS = {
    1: gettext_lazy("easy"),
    2: gettext_lazy("fairly easy"),
    3: gettext_lazy("medium"),
    4: gettext_lazy("fairly hard"),
    5: gettext_lazy("hard"),
}
# Every difficulty picker and every rule that names one shows it the same way: "3 · 中".
DIFFICULTY_CHOICES = tuple((n, format_lazy("{} · {}", n, word)) for n, word in DIFFICULTY_LABELS.items())


def difficulty_label(difficulty: int) -> str:
    """A difficulty as every page shows it ("3 · 中"); a number outside 1-5 as it is."""
    return str(dict(DIFFICULTY_CHOICES).get(difficulty, difficulty))


@dataclass
class EditorDraft:
    """What the editor shows, whether or not it is valid yet."""

    type: str = QuestionType.SINGLE
    stem: str = ""
    options: list[str] = field(default_factory=lambda: ["", "", "", ""])
    ticked: list[int] = field(default_factory=list)
    truth: bool | None = None
    blanks: list[list[str]] = field(default_factory=lambda: [[""]])
    explanation: str = ""
    source: str = ""
    difficulty: int = 3
    tags: list[str] = field(default_factory=list)
    status: str = Question.Status.PUBLISHED
    image: str = ""

    @property
    def option_rows(self) -> list[dict]:
        return [
            {
                "index": i,
                "letter": OPTION_LETTERS[i] if i < len(OPTION_LETTERS) else "?",
                "text": text,
                "ticked": i in self.ticked,
            }
            for i, text in enumerate(self.options)
        ]

    def content(self) -> QuestionContent:
        if self.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            key: list = [OPTION_LETTERS[i] for i in sorted(self.ticked) if i < len(OPTION_LETTERS)]
        elif self.type == QuestionType.TRUE_FALSE:
            key = [] if self.truth is None else [self.truth]
        else:
            key = [list(blank) for blank in self.blanks]
        return QuestionContent(
            type=self.type,
            stem=self.stem,
            options=list(self.options) if self.type in (QuestionType.SINGLE, QuestionType.MULTIPLE) else [],
            key=key,
            explanation=self.explanation,
            source=self.source,
            difficulty=self.difficulty,
            tags=list(self.tags),
            image=self.image,
        )

    def preview_item(self) -> dict:
        """The question as a member's card shows it (the `_question.html` payload), key apart."""
        content = self.content()
        return {
            "position": 1,
            "type": content.type,
            "stem": content.stem,
            "options": [
                {"letter": letter, "text": text} for letter, text in zip(OPTION_LETTERS, content.options, strict=False)
            ],
            "blank_values": [""] * len(content.key) if content.type == QuestionType.FILL_BLANK else [],
            "blank_max_chars": BLANK_MAX_CHARS,
            "points": "",
            "answered": False,
            "saved_response": None,
        }

    def key_text(self) -> str:
        content = self.content()
        return key_text(content.type, content.key).replace(";", "；")


def draft_from_question(question: Question) -> EditorDraft:
    version = question.current
    draft = EditorDraft(
        type=version.type,
        stem=version.stem,
        explanation=version.explanation,
        source=version.source,
        difficulty=version.difficulty,
        tags=list(question.tags.values_list("name", flat=True)),
        status=question.status,
        image=version.image,
    )
    if version.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        draft.options = list(version.options)
        draft.ticked = [OPTION_LETTERS.index(letter) for letter in version.key]
    elif version.type == QuestionType.TRUE_FALSE:
        draft.truth = bool(version.key[0])
    else:
        draft.blanks = [list(blank) for blank in version.key]
    return draft


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def draft_from_post(post, *, image: str) -> EditorDraft:
    """Read the editor's fields. Nothing is checked here beyond shape: check_question judges."""
    question_type = post.get("type", "")
    options = [text.strip() for text in post.getlist("option")]
    ticked = sorted({_int(i, -1) for i in post.getlist("key")} & set(range(len(options))))
    blanks = []
    for number in range(MAX_BLANKS):
        if f"blank{number}" not in post:
            break
        blanks.append([text.strip() for text in post.getlist(f"blank{number}") if text.strip()])
    tags = [t.strip() for t in post.getlist("tag") if t.strip()]
    tags += [t.strip() for t in post.get("tag_new", "").replace("；", ";").replace("，", ";").split(";") if t.strip()]
    status = post.get("status", Question.Status.PUBLISHED)
    return EditorDraft(
        type=question_type,
        stem=post.get("stem", ""),
        options=options,
        ticked=ticked,
        truth={"true": True, "false": False}.get(post.get("truth", "")),
        blanks=blanks or [[]],
        explanation=post.get("explanation", ""),
        source=post.get("source", ""),
        difficulty=_int(post.get("difficulty"), 0),
        tags=list(dict.fromkeys(tags)),
        status=status if status in Question.Status.values else Question.Status.PUBLISHED,
        image=image,
    )


def editor_errors(draft: EditorDraft, errors: dict[str, str]) -> dict[str, str]:
    """check_question's messages, said the way the editor asks for the key (by ticking)."""
    errors = dict(errors)
    content = draft.content()
    if not content.key and "key" in errors:
        if draft.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            errors["key"] = _("Tick the right option.")
        elif draft.type == QuestionType.TRUE_FALSE:
            errors["key"] = _("Choose whether the statement is true or false.")
    return errors
