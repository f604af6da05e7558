"""Answer matching and grading, pure functions (no database).

Matching suits Chinese input: full-width and half-width forms, whitespace anywhere, Chinese and
Western punctuation variants and letter case all compare equal.
"""

import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from .models.questions import OPTION_LETTERS, QuestionType

# NFKC already folds full-width ASCII (Ａ，１) to half-width; these have no compatibility form.
_PUNCTUATION = str.maketrans(
    {
        "。": ".",
        "、": ",",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "《": "<",
        "》": ">",
        "【": "[",
        "】": "]",
        "〔": "(",
        "〕": ")",
        "—": "-",
        "－": "-",
        "～": "~",
        "·": ".",
        "・": ".",
    }
)
_TRAILING = ".,;:!?"


class ResponseInvalid(Exception):
    """A response that does not fit the question (a letter it has no option for...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def normalise_text(text: object) -> str:
    """Fold a typed answer for comparison: width, case, punctuation variants, all whitespace."""
    folded = unicodedata.normalize("NFKC", str(text or "")).translate(_PUNCTUATION).casefold()
    return "".join(folded.split()).strip(_TRAILING)


def normalise_letters(raw: object) -> list[str]:
    """ "A,B,D", "A、B、D", "ａｂｄ", ["b", "a"] -> ["A", "B", "D"] (sorted, unique)."""
    if isinstance(raw, list | tuple):
        raw = "".join(str(part) for part in raw)
    text = unicodedata.normalize("NFKC", str(raw or "")).upper()
    return sorted({ch for ch in text if ch.isalpha()})


TRUE_WORDS = {"对", "√", "✓", "✔", "正确", "T", "TRUE", "是", "Y", "YES", "1", "V"}
FALSE_WORDS = {"错", "×", "✗", "✘", "X", "错误", "F", "FALSE", "否", "N", "NO", "0"}


def parse_true_false(raw: object) -> bool | None:
    if isinstance(raw, bool):
        return raw
    word = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip().upper()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def clean_response(*, type: str, options: list[str], blanks: int, response: object) -> object:
    """Check a response's shape against the question; return it in canonical form."""
    if type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        letters = normalise_letters(response)
        allowed = set(OPTION_LETTERS[: len(options)])
        if any(letter not in allowed for letter in letters):
            raise ResponseInvalid("no_such_option", f"Choose from {', '.join(sorted(allowed))}.")
        if type == QuestionType.SINGLE and len(letters) > 1:
            raise ResponseInvalid("one_option_only", "A single-choice question takes one option.")
        return letters
    if type == QuestionType.TRUE_FALSE:
        value = response[0] if isinstance(response, list) and len(response) == 1 else response
        parsed = parse_true_false(value)
        if parsed is None and value not in (None, ""):
            raise ResponseInvalid("not_true_false", "Answer true or false.")
        return [] if parsed is None else [parsed]
    if type == QuestionType.FILL_BLANK:
        if isinstance(response, str):
            response = [response]
        if not isinstance(response, list) or len(response) > blanks:
            raise ResponseInvalid("wrong_blank_count", f"This question has {blanks} blank(s).")
        texts = [str(part)[:500] if part is not None else "" for part in response]
        return texts + [""] * (blanks - len(texts))
    raise ResponseInvalid("unknown_type", f"Unknown question type {type!r}.")


def grade(*, type: str, key: list, response: list, partial: bool) -> Decimal:
    """The fraction of the points earned, 0 to 1, for a cleaned response."""
    if type == QuestionType.SINGLE or type == QuestionType.TRUE_FALSE:
        return Decimal(1) if response and response == key else Decimal(0)
    if type == QuestionType.MULTIPLE:
        picked, right = set(response), set(key)
        if picked == right:
            return Decimal(1)
        if partial and picked and picked <= right:
            return (Decimal(len(picked)) / Decimal(len(right))).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        return Decimal(0)
    if type == QuestionType.FILL_BLANK:
        right = sum(
            1
            for given, accepted in zip(response, key, strict=False)
            if normalise_text(given) and normalise_text(given) in {normalise_text(a) for a in accepted}
        )
        if right == len(key):
            return Decimal(1)
        if partial and right:
            return (Decimal(right) / Decimal(len(key))).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        return Decimal(0)
    raise ResponseInvalid("unknown_type", f"Unknown question type {type!r}.")
