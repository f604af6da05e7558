"""Titles people type in Chinese, with an optional English one for those who use the site in English.

Banks, papers, series, lessons, contests and ranking rules carry `title_en` (a bank: `name_en`)
beside the title as typed; pages show `display_title` (`display_name`), which picks the English
one when the page is in English and one was given, and the title as typed otherwise. Nothing is
translated by machine, and a title with no English name reads the same in both languages.
Papers' and lessons' descriptions carry `description_en` (`display_description`), and a ranking's
prize tiers an optional `name_en` (`RankingRule.display_prize`), chosen the same way.
"""

import re
import unicodedata

from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Full-width punctuation carries its own space; Chinese sets no space after it.
SPACE_AFTER_FULL_WIDTH = re.compile(r"(?<=[。！？：；，、）])\s+")


def visible_text(text: str | None) -> str:
    """`text` trimmed, without invisible format characters (Unicode category Cf: zero-width
    space, joiners, word joiner, byte-order mark, direction marks...): a name of only those is
    blank, and is refused as one, rather than saved as an empty-looking row."""
    return "".join(char for char in (text or "") if unicodedata.category(char) != "Cf").strip()


def joined_sentences(sentences) -> str:
    """Translated sentences as one text: a space between them in English, none after a Chinese
    sentence's full-width stop ("这个密码太常见了。密码只包含数字。")."""
    return SPACE_AFTER_FULL_WIDTH.sub("", " ".join(str(sentence) for sentence in sentences))


def listed(items) -> str:
    """Items as a list in the page's language: "docx、pdf" in Chinese (the enumeration comma),
    "docx, pdf" in English."""
    return (", " if (get_language() or "").startswith("en") else "、").join(str(item) for item in items)


def in_language(as_typed: str, english: str) -> str:
    """The English name on an English page when there is one; the name as typed otherwise."""
    return english if english and (get_language() or "").startswith("en") else as_typed


def local_moment(moment) -> str:
    """A moment as every page writes it: local time (TIME_ZONE), the page's language's way
    (quizsite/formats: "2026-12-20 08:49", "20 Dec 2026 08:49")."""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def in_language_params(params: dict) -> dict:
    """Params kept with a message (a notification's): a `<name>_en` beside `<name>` is its English
    name, used instead of it on an English page; a `<name>_at` (an ISO timestamp, or None) gives
    `<name>` as a local date and time written the page's way ("" for None)."""
    shown = params | {key: in_language(value, params.get(f"{key}_en", "")) for key, value in params.items()}
    for key, value in params.items():
        if key.endswith("_at") and len(key) > 3:
            moment = parse_datetime(value) if isinstance(value, str) else None
            shown[key[:-3]] = local_moment(moment) if moment else ""
    return shown


def english_name_field(max_length: int, *, label=None) -> models.CharField:
    return models.CharField(
        label or _("English title"),
        max_length=max_length,
        blank=True,
        help_text=_("Shown to people who use the site in English. Leave it empty to show the title as typed."),
    )


def english_text_field(*, label) -> models.TextField:
    return models.TextField(
        label,
        blank=True,
        help_text=_("Shown to people who use the site in English. Leave it empty to show the text as typed."),
    )


class EnglishTitle:
    """For a model with `title` and `title_en`."""

    @property
    def display_title(self) -> str:
        return in_language(self.title, self.title_en)


class EnglishDescription:
    """For a model with `description` and `description_en`."""

    @property
    def display_description(self) -> str:
        return in_language(self.description, self.description_en)
