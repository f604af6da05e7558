"""Answer matching and grading, pure functions (no database).

Matching suits Chinese input: full-width and half-width forms, whitespace anywhere, Chinese and
Western punctuation variants and letter case all compare equal.
"""

import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

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
# The most characters a fill-in blank's answer may have, wherever it is typed: the attempt page's
# and the notebook's boxes hold this many, and the question editor's accepted answers as many.
BLANK_MAX_CHARS = 200


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


# Signs people put between answer letters that Unicode does not class as punctuation ("A+B", "A|B").
LETTER_JOINERS = frozenset("+|")


def separates_letters(character: str) -> bool:
    """Whether `character` may stand between an answer's letters ("A,B", "A、B", "A B", "A+B"):
    space, punctuation, + or |, or an invisible format character (a zero-width space or byte-order
    mark pasted from a web page). A digit or any other sign is no letter: "1" is refused, not read
    as blank."""
    category = unicodedata.category(character)
    return character.isspace() or category.startswith("P") or category == "Cf" or character in LETTER_JOINERS


def _letters_text(raw: object) -> str:
    if isinstance(raw, list | tuple):
        raw = "".join(str(part) for part in raw)
    return unicodedata.normalize("NFKC", str(raw or "")).upper()


def normalise_letters(raw: object) -> list[str]:
    """ "A,B,D", "A、B、D", "ａｂｄ", ["b", "a"] -> ["A", "B", "D"] (sorted, unique)."""
    return sorted({ch for ch in _letters_text(raw) if ch.isalpha()})


def has_stray_signs(raw: object) -> bool:
    """Whether a choice answer holds a sign that is neither a letter nor a separator ("A1", "AB2",
    "1", "①"): `normalise_letters` would drop it and read another answer than the one sent."""
    return any(not ch.isalpha() and not separates_letters(ch) for ch in _letters_text(raw))


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
        # Width, case, spaces and separators are forms of the same letters ("ａ、c" is A and C);
        # a digit or another sign is not, and is refused rather than dropped ("A1" is not A).
        letters = normalise_letters(response)
        allowed = set(OPTION_LETTERS[: len(options)])
        if has_stray_signs(response) or any(letter not in allowed for letter in letters):
            raise _no_such_option(options)
        if type == QuestionType.SINGLE and len(letters) > 1:
            raise ResponseInvalid("one_option_only", _("A single-choice question takes one option."))
        return letters
    if type == QuestionType.TRUE_FALSE:
        value = response[0] if isinstance(response, list) and len(response) == 1 else response
        parsed = parse_true_false(value)
        if parsed is None and value not in (None, ""):
            raise ResponseInvalid("not_true_false", _("Answer true or false."))
        return [] if parsed is None else [parsed]
    if type == QuestionType.FILL_BLANK:
        if isinstance(response, str):
            response = [response]
        if not isinstance(response, list) or len(response) > blanks:
            raise _wrong_blank_count(blanks)
        # A NUL character cannot be typed, shows as nothing, and PostgreSQL refuses it in JSON:
        # dropped, as invisible characters are from names, so the answer is kept, not an error.
        texts = [str(part).replace("\x00", "") if part is not None else "" for part in response]
        for number, text in enumerate(texts, start=1):
            if len(text.strip()) > BLANK_MAX_CHARS:
                raise _blank_too_long(number, len(text.strip()))
        return texts + [""] * (blanks - len(texts))
    raise ResponseInvalid("unknown_type", format_lazy(_("Unknown question type {type!r}."), type=type))


def empty_blanks(*, type: str, response: list) -> list[int]:
    """The numbers (from 1) of a cleaned fill-in response's empty blanks, when at least one other
    blank is filled: an answer the member may have sent before finishing it. Else an empty list
    (a response with nothing in it is refused as `empty` wherever it would be marked)."""
    if type != QuestionType.FILL_BLANK:
        return []
    empty = [number for number, text in enumerate(response, start=1) if not str(text).strip()]
    return empty if len(empty) < len(response) else []


def check_blanks_filled(*, type: str, response: list) -> None:
    """Refuse (`blanks_empty`) a cleaned fill-in response with a blank left empty beside a filled
    one: marked, the empty blank would count as wrong for what may only be a blank skipped for now.
    Call where one answer is marked at once, unless the member has confirmed it as it stands."""
    empty = empty_blanks(type=type, response=response)
    if empty:
        # Read in the language of whoever reads it, as the other refusals here.
        raise ResponseInvalid("blanks_empty", lazy(_blanks_empty_message, str)(empty))


def _blanks_empty_message(empty: list[int]) -> str:
    return ngettext(
        "Blank %(numbers)s is empty: fill it in, or confirm to have the answer marked as it stands.",
        "Blanks %(numbers)s are empty: fill them in, or confirm to have the answer marked as it stands.",
        len(empty),
    ) % {"numbers": pgettext("between list items", ", ").join(map(str, empty))}


def check_exact_form(*, type: str, options: list[str], blanks: int, response: object) -> None:
    """Refuse a response that is not in one of the forms the live contest's protocol documents
    for machine clients: choice questions take option letters (`"B"`, `"AC"` or `["A", "C"]`, at
    least one, each an option of the question), true/false `true`, `false`, `"对"` or `"错"`,
    fill-in one string per blank (or a string for the first). `clean_response` then puts it in
    canonical form; alone, it reads what people type on a page more kindly ("×", "a、c")."""
    if type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        parts = response if isinstance(response, list) else [response]
        allowed = set(OPTION_LETTERS[: len(options)])
        if not all(isinstance(part, str) for part in parts):
            raise _no_such_option(options)
        letters = "".join(parts).upper()
        if not letters or any(letter not in allowed for letter in letters):
            raise _no_such_option(options)
    elif type == QuestionType.TRUE_FALSE:
        if not (isinstance(response, bool) or response in ("对", "错")):
            raise ResponseInvalid("not_true_false", _("Answer true or false."))
    elif type == QuestionType.FILL_BLANK:
        parts = response if isinstance(response, list) else [response]
        if not all(isinstance(part, str) for part in parts):
            raise _wrong_blank_count(blanks)


def _no_such_option(options: list[str]) -> ResponseInvalid:
    letters = ", ".join(OPTION_LETTERS[: len(options)])
    return ResponseInvalid("no_such_option", format_lazy(_("Choose from {letters}."), letters=letters))


def _wrong_blank_count(blanks: int) -> ResponseInvalid:
    message = format_lazy(_("This question has {blanks} blank(s): send one text for each."), blanks=blanks)
    return ResponseInvalid("wrong_blank_count", message)


def _blank_too_long(number: int, length: int) -> ResponseInvalid:
    message = format_lazy(
        _("Blank {number} has {length} characters; an answer may have at most {limit}."),
        number=number,
        length=length,
        limit=BLANK_MAX_CHARS,
    )
    return ResponseInvalid("blank_too_long", message)


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
    raise ResponseInvalid("unknown_type", format_lazy(_("Unknown question type {type!r}."), type=type))
