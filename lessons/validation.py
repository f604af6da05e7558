"""Check question content before it is stored, by the organiser's or an import's hand."""

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

import nh3
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from quizsite.naming import listed

from .grading import BLANK_MAX_CHARS, normalise_letters, normalise_text, separates_letters
from .models.questions import OPTION_LETTERS, QuestionType

STEM_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "sub", "sup", "span", "ul", "ol", "li", "code", "pre"}
BLANK_MARK = re.compile(r"_{2,}|（\s*）|\(\s*\)")
MAX_OPTIONS = len(OPTION_LETTERS)
# The most characters (as read, markup aside) a question's parts may hold: several times the
# longest real exam question, answer option or explanation, so only a pasted document or a column
# slipped into the wrong place reaches them.
STEM_MAX_CHARS = 2000
OPTION_MAX_CHARS = 500
EXPLANATION_MAX_CHARS = 2000
# `QuestionType.values` rebuilds its list on every call: too slow for an import's 10,000 rows.
QUESTION_TYPES = frozenset(QuestionType.values)


def sanitise(html: str) -> str:
    """Keep simple formatting; drop scripts, handlers and anything else."""
    return nh3.clean(str(html or "").strip(), tags=STEM_TAGS, attributes={}, link_rel=None).strip()


@dataclass
class QuestionContent:
    type: str
    stem: str
    options: list[str] = field(default_factory=list)
    key: list = field(default_factory=list)
    explanation: str = ""
    source: str = ""
    difficulty: int = 3
    tags: list[str] = field(default_factory=list)
    image: str = ""


class QuestionInvalid(Exception):
    """Content that cannot be stored; `errors` maps a field name to its message, and
    `option_letter` names the option the "options" message is about (a spreadsheet's column)."""

    def __init__(self, errors: dict[str, str], *, option_letter: str = "") -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.option_letter = option_letter


def _too_long(text: str, limit: int) -> int | None:
    """How long `text` is as read (markup aside) when that is over `limit`, else None."""
    if len(text) <= limit:  # markup only adds: most text is decided without stripping it
        return None
    length = len(strip_tags(text)) if "<" in text else len(text)
    return length if length > limit else None


def _length_message(what: str, length: int, limit: int) -> str:
    return _("%(what)s is %(length)s characters long; the limit is %(limit)s.") % {
        "what": what,
        "length": f"{length:,}",
        "limit": f"{limit:,}",
    }


def _repeated_option(options: list[str]) -> tuple[int, int] | None:
    """The indexes of an earlier option and of the first option that repeats it as members read it
    (full-width forms and spacing aside), or None. Case and punctuation count: "。" and "，" differ."""
    seen: dict[str, int] = {}
    for i, option in enumerate(options):
        read = " ".join(unicodedata.normalize("NFKC", strip_tags(option)).split())
        if read in seen:
            return seen[read], i
        seen[read] = i
    return None


def check_question(content: QuestionContent, *, options_before: list[str] | None = None) -> QuestionContent:
    """Validate and canonicalise; raise QuestionInvalid naming every bad field. `options_before`:
    the options of the version an edit changes. Options it leaves as they were are not refused for
    repeating one another (a rule newer than some stored questions): changing only the knowledge
    points or the explanation of such a question still saves."""
    errors: dict[str, str] = {}
    stem = sanitise(content.stem)
    if not strip_tags(stem).strip():
        errors["stem"] = _("The question text is blank.")
    elif length := _too_long(stem, STEM_MAX_CHARS):
        errors["stem"] = _length_message(_("The question text"), length, STEM_MAX_CHARS)
    explanation = sanitise(content.explanation)
    if length := _too_long(explanation, EXPLANATION_MAX_CHARS):
        errors["explanation"] = _length_message(_("The explanation"), length, EXPLANATION_MAX_CHARS)
    if content.type not in QUESTION_TYPES:
        errors["type"] = _("Unknown question type “%(type)s”.") % {"type": content.type}
        raise QuestionInvalid(errors)
    options = [str(o).strip() for o in content.options]
    while options and not options[-1]:
        options.pop()
    key = content.key
    option_letter = ""
    if content.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        too_long = [(i, length) for i, option in enumerate(options) if (length := _too_long(option, OPTION_MAX_CHARS))]
        if len(options) < 2:
            option_letter = OPTION_LETTERS[len(options)]
            errors["options"] = _("A choice question needs at least two options.")
        elif len(options) > MAX_OPTIONS:
            option_letter = OPTION_LETTERS[-1]
            errors["options"] = _("At most %(n)d options (A to H).") % {"n": MAX_OPTIONS}
        elif "" in options:
            option_letter = OPTION_LETTERS[options.index("")]
            errors["options"] = _("Option %(letter)s is blank but a later option is filled.") % {
                "letter": option_letter
            }
        elif too_long:
            option_letter = OPTION_LETTERS[too_long[0][0]]
            what = _("Option %(letter)s") % {"letter": option_letter}
            errors["options"] = _length_message(what, too_long[0][1], OPTION_MAX_CHARS)
        elif options != [str(o).strip() for o in options_before or []] and (repeated := _repeated_option(options)):
            first, second = repeated
            option_letter = OPTION_LETTERS[second]
            errors["options"] = _(
                "Options %(first)s and %(second)s are the same, “%(text)s”: an answer between them is ambiguous. "
                "Change one of them."
            ) % {"first": OPTION_LETTERS[first], "second": option_letter, "text": strip_tags(options[second])}
        typed = "".join(str(part) for part in key).strip()
        written = [ch for ch in unicodedata.normalize("NFKC", typed).upper() if not separates_letters(ch)]
        key = normalise_letters(key)
        if not written:
            errors["key"] = _("The answer is blank.")
        elif any(ch not in OPTION_LETTERS for ch in written):
            errors["key"] = _("The answer “%(key)s” is not made of option letters A-H.") % {"key": typed}
        else:
            empty = [letter for letter in key if OPTION_LETTERS.index(letter) >= len(options)]
            if empty:
                errors["key"] = _("The answer names option %(letters)s, which is empty.") % {"letters": listed(empty)}
            elif content.type == QuestionType.SINGLE and len(key) > 1:
                errors["key"] = _("A single-choice question has one answer, not %(key)s.") % {"key": "".join(key)}
            # 多选题 means at least two right options, as members are told; one right option is a
            # single-choice question. Questions stored before this rule keep their key (not rechecked).
            elif content.type == QuestionType.MULTIPLE and len(key) < 2:
                errors["key"] = _(
                    "A multiple-choice question has at least two right options, not only %(key)s: tick another"
                    " right option or make it a single-choice question."
                ) % {"key": "".join(key)}
    elif content.type == QuestionType.TRUE_FALSE:
        options = []
        if len(key) != 1 or not isinstance(key[0], bool):
            errors["key"] = _("The answer of a true-or-false question is 对 or 错.")
    elif content.type == QuestionType.FILL_BLANK:
        options = []
        key = [[str(a).strip() for a in blank if str(a).strip()] for blank in key]
        # An accepted answer longer than a member may type (grading.BLANK_MAX_CHARS) could never be given.
        too_long = [(n, len(a)) for n, blank in enumerate(key, start=1) for a in blank if len(a) > BLANK_MAX_CHARS]
        if not key or any(not blank for blank in key):
            errors["key"] = _("Every blank needs at least one accepted answer.")
        elif too_long:
            errors["key"] = _(
                "An accepted answer of blank %(n)s is %(length)s characters long; "
                "members can type at most %(limit)s characters in a blank."
            ) % {"n": too_long[0][0], "length": f"{too_long[0][1]:,}", "limit": BLANK_MAX_CHARS}
        marks = len(BLANK_MARK.findall(strip_tags(stem)))
        if marks and key and marks != len(key):
            errors["key"] = _("The question has %(marks)d blanks but %(answers)d answers.") % {
                "marks": marks,
                "answers": len(key),
            }
    if not isinstance(content.difficulty, int) or not 1 <= content.difficulty <= 5:
        errors["difficulty"] = _("Difficulty is 1 to 5 (or 易, 中, 难).")
    if errors:
        raise QuestionInvalid(errors, option_letter=option_letter)
    return QuestionContent(
        type=content.type,
        stem=stem,
        options=options,
        key=key,
        explanation=explanation,
        source=str(content.source or "").strip()[:200],
        difficulty=content.difficulty,
        tags=sorted({t.strip()[:50] for t in content.tags if t.strip()}),
        image=content.image,
    )


def fingerprint(content: QuestionContent) -> str:
    """Same normalised stem, type and key: the same question, whoever typed it."""
    payload = json.dumps(
        [content.type, normalise_text(strip_tags(content.stem)), content.key], ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()
