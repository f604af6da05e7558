"""The order people and units are listed in: Chinese names by pinyin (拼音顺序), Latin names
alphabetically without regard to case, the two interleaved (Alice before 安, Li Wei beside 李伟).

`name_sort_key` turns a name into a key that SQL can ORDER BY: stored as `name_sort` on members
and units, so lists sort and page in the database. The key is built from lowercase ASCII letters
and digits, whose order is the same under SQLite's binary comparison and under any PostgreSQL
collation (which may ignore spaces and punctuation, so none are used).

- A Chinese character is its syllable with the tone as a digit (TONE3, neutral tone 5): 李 li3,
  林 lin2. The tone digit also ends the syllable, so 李四 (li3si4) lists before 林一 (lin2yi1),
  syllable by syllable, as a dictionary does, rather than letter by letter across syllables.
- A person's surname is read as a surname: 曾 zeng, 单 shan, 解 xie, 仇 qiu, 朴 piao, 区 ou,
  查 zha, 盖 ge, 尉迟 yuchi... pypinyin (0.55) has no surname mode, and reads 曾国藩 as ceng2,
  so the polyphonic surnames are listed here, compound ones first.
- Spaces between Chinese characters are ignored (rosters print 王　五 to line up with 张三丰).
- Latin letters are lowercased with accents dropped; a digit run is zero-padded so 第2 lists
  before 第10; a space or any punctuation between words is one "0" (before every letter).
- A character pypinyin has no reading for lists after every syllable, by code point. Letters of
  other scripts (Ω, Я) stay as they are, lowercased: the one part of a key outside ASCII.
"""

import re
import unicodedata

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS

NAME_SORT_MAX_LENGTH = 255

# Surname readings where a character's everyday reading differs (《百家姓》, 《现代汉语词典》).
COMPOUND_SURNAMES: dict[str, tuple[str, ...]] = {
    "尉迟": ("yu4", "chi2"),
    "万俟": ("mo4", "qi2"),
    "单于": ("chan2", "yu2"),
    "澹台": ("tan2", "tai2"),
    "长孙": ("zhang3", "sun1"),
    "令狐": ("ling2", "hu2"),
    "乐正": ("yue4", "zheng4"),
}
SURNAMES: dict[str, str] = {
    "曾": "zeng1",
    "单": "shan4",
    "解": "xie4",
    "仇": "qiu2",
    "朴": "piao2",
    "区": "ou1",
    "查": "zha1",
    "盖": "ge3",
    "乐": "yue4",
    "覃": "qin2",
    "缪": "miao4",
    "秘": "bi4",
    "燕": "yan1",
    "员": "yun4",
    "阚": "kan4",
    "种": "chong2",
    "翟": "zhai2",
    "句": "gou1",
    "宓": "fu2",
    "召": "shao4",
    "隗": "wei3",
    "繁": "po2",
    "莘": "xin1",
    "郇": "xun2",
    "訾": "zi3",
    "任": "ren2",
    "华": "hua4",
    "尉": "wei4",
    "纪": "ji3",
    "过": "guo1",
    "洗": "xian3",
    "薄": "bo2",
    "长": "chang2",
    "都": "du1",
    "能": "nai4",
    "祭": "zhai4",
    "黑": "he4",
}

SYLLABLE = re.compile(r"[a-z]+[1-5]")
DIGITS = re.compile(r"[0-9]+")
DIGITS_WIDTH = 6
WORD = re.compile(r"([^\W_]+)")
# pypinyin's own class of characters with a reading, as runs: "^(?:[...])+$" becomes "([...]+)".
HAN_RUN = re.compile("(" + RE_HANS.pattern.removeprefix("^(?:").removesuffix(")+$") + "+)")
SEPARATOR = "0"
UNKNOWN = "zzzz"  # no syllable starts so: an unread character lists after all of them


def name_sort_key(name: str, *, person: bool = False) -> str:
    """The sort key of `name`; `person` reads its first character(s) as a surname."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    parts: list[str] = []
    if person:
        surname, reading = _surname(name)
        parts.extend(reading)
        name = name[len(surname) :].lstrip()
    runs = HAN_RUN.split(name)  # Latin, Chinese, Latin, ... (the first and last may be empty)
    for index, run in enumerate(runs):
        if index % 2:
            parts.extend(_syllables(run))
        elif run.isspace() and 0 < index < len(runs) - 1:
            continue  # 王　五: a two-character name spaced out to line up with three-character ones
        elif run:
            parts.extend(_latin(run))
    while parts and parts[0] == SEPARATOR:
        parts.pop(0)
    while parts and parts[-1] == SEPARATOR:
        parts.pop()
    return "".join(part for i, part in enumerate(parts) if part != SEPARATOR or parts[i - 1] != SEPARATOR)[
        :NAME_SORT_MAX_LENGTH
    ]


def person_sort_key(name: str) -> str:
    """A person's key: the surname read as a surname (`name_sort_key(name, person=True)`)."""
    return name_sort_key(name, person=True)


def _surname(name: str) -> tuple[str, tuple[str, ...]]:
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2], COMPOUND_SURNAMES[name[:2]]
    if name[:1] in SURNAMES:
        return name[:1], (SURNAMES[name[:1]],)
    return "", ()


def _syllables(run: str) -> list[str]:
    readings = lazy_pinyin(run, style=Style.TONE3, neutral_tone_with_five=True)
    if len(readings) != len(run):  # not one reading per character: read them one at a time
        readings = [lazy_pinyin(c, style=Style.TONE3, neutral_tone_with_five=True)[0] for c in run]
    return [
        reading if SYLLABLE.fullmatch(reading) else f"{UNKNOWN}{ord(character):x}"
        for character, reading in zip(run, readings, strict=True)
    ]


def _latin(run: str) -> list[str]:
    """Words of letters and digits, lowercased and without accents, each other character a
    separator (collapsed and trimmed by the caller)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", run) if not unicodedata.combining(c)).lower()
    parts: list[str] = []
    for word in WORD.split(plain):
        if not word:
            continue
        if WORD.fullmatch(word):
            parts.append(DIGITS.sub(lambda digits: digits.group().zfill(DIGITS_WIDTH), word))
        else:
            parts.append(SEPARATOR)
    return parts
