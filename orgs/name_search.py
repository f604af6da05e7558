"""Finding a name by what a Chinese office worker types: its pinyin in full (zhangsan, "zhang san")
or its initials (zs), as well as its characters.

Both spellings are read off the stored sort key (`name_sort`, orgs.sorting), so a surname is
spelled as a surname (曾国藩: zengguofan, zgf) and no column is added:

- `full_spelling`: the key without its tone digits (zhang1san1 -> zhangsan).
- `initials`: the first letter of each syllable or word (zhang1san1 -> zs; li0wei -> lw).

The pickers filter their own options by these spellings (static/js/unit_picker.js and
judge_picker.js read them from each option), and the server's member searches match the same
spellings in SQL with `spelling_q`, whose regular expressions are equivalent to "the token is a
substring of the spelling" (tests/orgs/test_name_search.py checks them against each other), so a
member the server finds is never dropped by the picker's own filter. Like the picker, a search is
split into words, each of which must match.
"""

import re
import unicodedata

from django.db.models import F, Lookup, Q, Value

LETTERS = re.compile(r"[a-z]+")
TONE = re.compile(r"(?<=[a-z])[1-5]")  # a tone digit ends a syllable (orgs.sorting)
WORD_START = re.compile(r"(?<![a-z])[a-z]")
# Words longer than this are no name's spelling; they are still matched as text.
SPELLING_MAX_LENGTH = 64


def full_spelling(key: str) -> str:
    """The sort key `key` without its tone digits: zeng1guo2fan1 -> zengguofan."""
    return TONE.sub("", key)


def initials(key: str) -> str:
    """The first letter of each syllable or Latin word of the sort key `key`: zeng1guo2fan1 -> zgf."""
    return "".join(WORD_START.findall(key))


def spelling_fields(key: str) -> dict[str, str]:
    """A picker option's "pinyin" and "initials" (static/js/judge_picker.js searches both)."""
    return {"pinyin": full_spelling(key), "initials": initials(key)}


def search_words(text: str) -> list[str]:
    """The words of a search, as the pickers split it: at white space."""
    return text.split()


def spelling_word(word: str) -> str | None:
    """`word` as a spelling to look for: lowercased, accents dropped (zhāng -> zhang); None unless
    it is then letters a to z only (a number, a character or a dash is no spelling)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).lower()
    return plain if LETTERS.fullmatch(plain) and len(plain) <= SPELLING_MAX_LENGTH else None


def full_spelling_pattern(word: str) -> str:
    """A regular expression over a sort key that matches when `word` (letters a to z) is part of
    the key's `full_spelling`: a tone digit may stand between any two of its letters."""
    return "[1-5]?".join(word)


def initials_pattern(word: str) -> str:
    """A regular expression over a sort key that matches when `word` (letters a to z) is part of
    the key's `initials`: each letter starts a syllable or word, and the next starts the next."""
    return "(?:^|[^a-z])" + "[a-z]*[^a-z]+".join(word)


class Like(Lookup):
    """`field LIKE pattern`, the pattern as given (no escaping: only letters and % here)."""

    lookup_name = "like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


def spelling_q(word: str, *, field: str = "name_sort") -> Q:
    """Rows whose sort key `field` is spelled, in full or by initials, with `word` in it (a word
    that is no spelling, `spelling_word`, matches nothing here). Either way the word's letters
    stand in the key in their order: a LIKE on that ("%z%s%") leaves the regular expressions,
    which cost more, only the few keys that may match."""
    spelling = spelling_word(word)
    if spelling is None:
        return Q(pk__in=[])
    in_order = Like(F(field), Value("%" + "%".join(spelling) + "%"))
    return Q(in_order) & (
        Q(**{f"{field}__regex": full_spelling_pattern(spelling)}) | Q(**{f"{field}__regex": initials_pattern(spelling)})
    )
