"""Files made from a snapshot: the xlsx export (carrying its hashes) and PDF certificates."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from orgs.models import User
from quizsite.naming import in_language, joined_sentences
from quizsite.spreadsheets import PERCENT, SHARED_PLACE, TWO_DECIMALS, ExportWorkbook, Formatted

from . import selectors
from .models import RankingRule, Snapshot, SnapshotRow, ranked_description
from .params import RATE_METRICS, records_time
from .templatetags.ranking_format import metric_value
from .ties import TieMark, chain_sentences, marked_in_order, tie_mark


class CertificateFontMissing(Exception):
    """The configured certificate font file is not there: no certificate rather than a blank one."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            _(
                "Certificates cannot be made: the Chinese font %(path)s is missing. Install the "
                "fonts-wqy-microhei package or set RANKINGS_CERTIFICATE_FONT to a TrueType CJK font."
            )
            % {"path": path}
        )


@cache
def _registered_font(path: str) -> str:
    name = f"Certificate-{Path(path).stem}"
    # Embedded as a subset of the glyphs used: a font the viewer lacks (a CID font such as
    # STSong-Light is only referenced) prints as blanks on many domestic desktops.
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    return name


def certificate_font() -> str:
    """The registered name of the certificate font; raises `CertificateFontMissing` if absent."""
    path = settings.RANKINGS_CERTIFICATE_FONT
    if not Path(path).is_file():
        raise CertificateFontMissing(path)
    return _registered_font(path)


@dataclass(frozen=True)
class CertificateFonts:
    """The CJK font, and the Latin one for letters, digits and Western punctuation. A CJK font
    draws “quotes” full-width, as Chinese sets them, which in English reads as gaps."""

    cjk: str
    latin: str

    def runs(self, text: str) -> list[tuple[str, str]]:
        """`text` cut into (piece, font) runs: wide characters (Han, kana, full-width forms) in the
        CJK font, the rest in the Latin one; characters of either width (quotes, dashes, the
        middle dot) in the Latin font on an English page and in the CJK font on a Chinese one."""
        english = (get_language() or "").startswith("en")
        runs: list[tuple[str, str]] = []
        for char in text:
            width = unicodedata.east_asian_width(char)
            font = self.cjk if width in ("W", "F") or (width == "A" and not english) else self.latin
            if runs and runs[-1][1] == font:
                runs[-1] = (runs[-1][0] + char, font)
            else:
                runs.append((char, font))
        return runs

    def width(self, text: str, size: float) -> float:
        return sum(pdfmetrics.stringWidth(piece, font, size) for piece, font in self.runs(text))

    def markup(self, text: str) -> str:
        """`text` as markup for a ReportLab Paragraph: escaped, each run in its font (`runs`)."""
        return "".join(
            f'<font face="{font}">{html.escape(piece, quote=False)}</font>' for piece, font in self.runs(text)
        )


def certificate_fonts() -> CertificateFonts:
    """The certificate's fonts, both embedded (subsets); raises `CertificateFontMissing` without
    the CJK font. Without the Latin font (RANKINGS_CERTIFICATE_LATIN_FONT) the CJK font draws
    everything, as before there was one; the system check warns of it."""
    cjk = certificate_font()
    latin = settings.RANKINGS_CERTIFICATE_LATIN_FONT
    return CertificateFonts(cjk=cjk, latin=_registered_font(latin) if Path(latin).is_file() else cjk)


def unit_on_paper(names: list[str]) -> str:
    """A unit as a certificate names it from the names below the issuing unit down to it: Chinese
    names run together, the official way (京津冀特派办机关党支部); English ones go from the unit
    up, comma-separated (Office Party Branch, Beijing-Tianjin-Hebei Resident Office)."""
    if names and all(name.isascii() for name in names):
        return ", ".join(reversed(names))
    return "".join(names)


def with_unit(name: str, unit: str) -> str:
    """A person or team with their unit after it, in brackets of the unit name's script."""
    if not unit:
        return name
    return f"{name} ({unit})" if unit.isascii() else f"{name}（{unit}）"


def _headcount_source(snapshot: Snapshot, row: SnapshotRow) -> str:
    """Where a unit's headcount came from, as the board says it."""
    stated = snapshot.stated_headcount_below_participants(row)
    if stated is not None:
        return _("Stated %(stated)d, fewer than took part: counted as the participants") % {"stated": stated}
    counted = snapshot.counted_headcount_below_participants(row)
    if counted is not None:
        return _("Counted %(counted)d, fewer than took part: counted as the participants") % {"counted": counted}
    return _("Expected headcount (stated)") if row.headcount_expected else _("Counted")


def _moment(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _who_when(person, moment) -> str:
    """ "张三, 2026-12-07 07:32:10" (local time), or "" when no one has yet."""
    if moment is None:
        return ""
    return f"{person.display_name}, {_moment(moment)}" if person is not None else _moment(moment)


# Rows above the column headers: the title, the version, status and hashes they carry, and how ties go.
HEADER_ROW = 7


def snapshot_workbook(snapshot: Snapshot) -> bytes:
    """Every row of the snapshot, under a header naming its version, status and hashes; ranked
    subjects by place, then the unranked with the reason, in the reader's language."""
    rule = snapshot.rule
    units = rule.subject == RankingRule.Subject.UNIT
    subject_header = {RankingRule.Subject.UNIT: _("Unit"), RankingRule.Subject.TEAM: _("Team")}.get(
        rule.subject, _("Name")
    )
    # (header, width, value): a unit's own unit is its label, so unit rankings have no unit column.
    names = selectors.unit_names(rule)
    paths = {unit_id: "/".join(path) for unit_id, path in names.items()}

    def unit_path(row: SnapshotRow) -> str:
        return paths.get(row.unit_id) or row.unit_name

    def group_name(row: SnapshotRow) -> str:
        return in_language(row.group_name, names[row.group_id][-1]) if row.group_id in names else row.group_name

    # A participation rate reads as a percentage, as on the board (95.0%), and stays a number;
    # any other metric with two decimals as on the board (93.09, not 93.0911), a whole one as is.
    rate = snapshot.parameters.get("metric") in RATE_METRICS

    def metric(row: SnapshotRow) -> float | Formatted | None:
        value = float(row.metric) if row.metric is not None else None
        if value is None:
            return None
        if rate:
            return Formatted(value, PERCENT)
        return value if value.is_integer() else Formatted(value, TWO_DECIMALS)

    # A shared place reads as the board writes it, 3= (a number still, to sort by): overall, among
    # the ranked; within a group, among the group's own rows (`selectors.with_group_ties`).
    in_group_ties = selectors.group_ties(snapshot) if snapshot.parameters.get("group_level") else {}

    def place(rank: int | None, shared: bool) -> int | Formatted | None:
        return Formatted(rank, SHARED_PLACE) if rank is not None and shared else rank

    def rank(row: SnapshotRow) -> int | Formatted | None:
        return place(row.rank, row.eligible and row.tied_count > 1)

    def rank_in_group(row: SnapshotRow) -> int | Formatted | None:
        return place(row.rank_in_group, (row.group_id, row.place) in in_group_ties)

    # Two members may share a name: their employee numbers (exports are for organisers) tell them apart.
    employee_numbers = (
        [(_("Employee number"), 12, lambda row: row.employee_no)] if rule.subject == RankingRule.Subject.MEMBER else []
    )
    # A board ranked within parent units too (the rule's group level) says in which and the place
    # there: third of all offices, first within its own 广州特派办. Without a group level there is
    # no such place, and the two columns would be empty on every row.
    group_columns = (
        [(_("Group"), 20, group_name), (_("Rank in group"), 9, rank_in_group)]
        if snapshot.parameters.get("group_level")
        else []
    )
    columns = [
        (_("Rank"), 7, rank),
        (subject_header, 32 if units else 14, unit_path if units else lambda row: row.label),
        *employee_numbers,
        *([] if units else [(_("Unit"), 32, unit_path)]),
        *group_columns,
        # Ranked by the total, the metric is the total: the same number twice would read as two measures.
        *([] if snapshot.parameters.get("metric", "total") == "total" else [(_("Metric"), 11, metric)]),
        # Why a row is above the next, level with it on the score: "reached first" (`rankings.ties`).
        (_("Tie broken by"), 14, lambda row: row.tie_mark.label if row.tie_mark else ""),
        (_("Total"), 11, lambda row: float(row.total)),
        # A member is their own only participant, of a headcount of one: 1 / 1 on every row says nothing.
        *(
            []
            if rule.subject == RankingRule.Subject.MEMBER
            else [
                (_("Participants"), 9, lambda row: row.participants),
                (_("Headcount"), 9, lambda row: row.headcount),
            ]
        ),
        # As the board marks it: a unit's headcount an organiser stated (应参与人数) or the counted one.
        *(
            [
                (
                    _("Headcount source"),
                    18,
                    lambda row: _headcount_source(snapshot, row),
                )
            ]
            if units
            else []
        ),
        # Only sources with answers (contests, exams, online contests and relays) record time:
        # points and study hours would read 0 for everyone, as if no one took any.
        *([(_("Time used (s)"), 11, lambda row: float(row.time_used_s))] if records_time(snapshot.parameters) else []),
        (_("Prize"), 10, lambda row: rule.display_prize(row.prize)),
        (_("Not ranked because"), 16, lambda row: row.reason_display),
    ]
    book = ExportWorkbook()
    sheet = book.sheet(_("Ranking"), widths=[width for _header, width, _value in columns], frozen_rows=HEADER_ROW)
    sheet.append([rule.display_title], style="title")
    ranked = ranked_description(
        snapshot.parameters.get("subject", rule.subject),
        unit_level=snapshot.parameters.get("unit_level"),
        unit_kinds=snapshot.parameters.get("unit_kinds") or (),
    )
    sheet.append(
        [
            _("Version"),
            snapshot.version,
            _("Status"),
            snapshot.get_status_display(),
            _("Ranked"),
            ranked,
            _("Period"),
            snapshot.period_days,
        ]
    )
    sheet.append([_("Input hash"), snapshot.input_hash])
    sheet.append([_("Rows hash"), snapshot.rows_hash])
    # Who vouched for these figures and when, beside when they were computed.
    sheet.append(
        [
            _("Computed at"),
            _moment(snapshot.computed_at),
            _("Approved by"),
            _who_when(snapshot.approved_by, snapshot.approved_at),
            _("Published by"),
            _who_when(snapshot.published_by, snapshot.published_at),
        ]
    )
    sheet.append([_("Ties"), joined_sentences(chain_sentences(snapshot.parameters))])
    sheet.append([header for header, _width, _value in columns], style="header")
    # NULLS LAST spelled out: SQLite sorts a missing place first, PostgreSQL last.
    rows = selectors.in_place_order(SnapshotRow.objects.filter(snapshot=snapshot), snapshot)
    if employee_numbers:
        member = User.objects.filter(pk=OuterRef("subject_id"))
        rows = rows.annotate(employee_no=Subquery(member.values("employee_no")[:1]))
    tie_breaks = snapshot.parameters.get("tie_breaks") or ()
    metric_kind = snapshot.parameters.get("metric", "")

    # Scores repeat across thousands of rows: each is written out once (Django's floatformat
    # was a tenth of a 9,600-row export's time).
    @cache
    def shown(value) -> str:
        return metric_value(value, metric_kind)

    def mark(row: SnapshotRow, below: SnapshotRow | None) -> TieMark | None:
        return tie_mark(row, below, tie_breaks, shown)

    for row, row_mark in marked_in_order(rows.iterator(chunk_size=5000), mark):
        row.tie_mark = row_mark
        sheet.append([value(row) for _header, _width, value in columns])
    book.properties.title = rule.display_title
    book.properties.keywords = f"snapshot={snapshot.pk};version={snapshot.version};input_hash={snapshot.input_hash}"
    book.properties.description = f"rows_hash={snapshot.rows_hash}"
    return book.to_bytes()


@dataclass(frozen=True)
class Certificate:
    """What one certificate page says, whatever awarded it: a ranking's snapshot row or a call's
    winning entry. Every certificate of the platform is drawn by `certificates_document`."""

    name: str
    awarded_in: str
    prize: str
    rank: object
    issuer: str
    issued_on: str
    footer: str
    work: str = ""
    # Others hold the same place (a board's 3=): the certificate says "joint 3rd".
    shared: bool = False
    # The days a ranking counted ("Period: 24 Nov 2026 – 7 Dec 2026"), under the citation.
    period: str = ""


def certificate_pdf(row: SnapshotRow) -> bytes:
    """A landscape A4 certificate for a prize winner, with the snapshot's version and hash."""
    rule = row.snapshot.rule
    return certificates_pdf(rule, [row], title=f"{rule.display_title} · {row.label} · {rule.display_prize(row.prize)}")


def certificates_pdf(rule: RankingRule, rows: Iterable[SnapshotRow], *, title: str) -> bytes:
    """Every given winner's certificate, one page each, as a single PDF for printing."""
    # On paper a unit is named the official way, its names run together: 京津冀特派办机关党支部.
    units = {unit_id: unit_on_paper(names) for unit_id, names in selectors.unit_names(rule).items()}
    footers: dict[int, str] = {}  # one per snapshot: whether it corrected another is one query

    def pages() -> Iterable[Certificate]:
        for row in rows:
            if row.snapshot_id not in footers:
                footers[row.snapshot_id] = _footer(row.snapshot)
            yield _snapshot_certificate(
                row, unit=units.get(row.unit_id) or row.unit_name, footer=footers[row.snapshot_id]
            )

    return certificates_document(pages(), title=title)


def _footer(snapshot: Snapshot) -> str:
    """The verification code, and on a correction the version it replaced: a certificate printed
    from that version no longer holds."""
    replaced = selectors.replaced_version(snapshot)
    if replaced is None:
        return verification_code(snapshot)
    replacing = _("corrected, replacing version %(version)s") % {"version": replaced.version}
    return f"{verification_code(snapshot)} · {replacing}"


def _snapshot_certificate(row: SnapshotRow, *, unit: str, footer: str) -> Certificate:
    snapshot = row.snapshot
    # A unit is named by its own path; members and teams are told apart by their unit's.
    name = unit if snapshot.rule.subject == RankingRule.Subject.UNIT else with_unit(row.label, unit)
    return Certificate(
        name=name,
        awarded_in=snapshot.rule.display_title,
        prize=snapshot.rule.display_prize(row.prize),
        rank=row.rank,
        issuer=snapshot.rule.unit.display_name,
        issued_on=timezone.localtime(snapshot.published_at or snapshot.computed_at).strftime("%Y-%m-%d"),
        footer=footer,
        shared=row.eligible and row.tied_count > 1,
        # A ranking without dates counts every fact up to its computation: no period to print.
        period=snapshot.period_display if snapshot.period_starts_on or snapshot.period_ends_on else "",
    )


def certificates_document(certificates: Iterable[Certificate], *, title: str) -> bytes:
    """One landscape A4 page per certificate, its fonts embedded (subsets), as one PDF.
    Raises `CertificateFontMissing` when the CJK font is not installed."""
    fonts = certificate_fonts()
    out = BytesIO()
    page = canvas.Canvas(out, pagesize=landscape(A4), initialFontName=fonts.cjk)  # no unembedded Helvetica
    page.setTitle(title)
    for certificate in certificates:
        _draw_certificate(page, certificate, fonts)
    page.save()
    return out.getvalue()


def _fitted(text: str, fonts: CertificateFonts, size: float, room: float) -> float:
    """The font size at most `size` at which `text` fits in `room` points."""
    return min(size, size * room / max(fonts.width(text, size), 1))


def _draw(page: canvas.Canvas, text: str, fonts: CertificateFonts, size: float, x: float, y: float, *, align: str):
    """`text` at `size`, each run in its font (`CertificateFonts.runs`), `align`ed on `x`:
    "left", "centre" or "right"."""
    start = {"left": x, "centre": x - fonts.width(text, size) / 2, "right": x - fonts.width(text, size)}[align]
    line = page.beginText(start, y)
    for piece, font in fonts.runs(text):
        line.setFont(font, size)
        line.textOut(piece)
    page.drawText(line)


def _draw_certificate(page: canvas.Canvas, certificate: Certificate, fonts: CertificateFonts) -> None:
    width, height = landscape(A4)
    red, gold = HexColor("#b71c1c"), HexColor("#c9a227")
    page.setStrokeColor(gold)
    page.setLineWidth(6)
    page.rect(24, 24, width - 48, height - 48)
    page.setStrokeColor(red)
    page.setLineWidth(1.5)
    page.rect(36, 36, width - 72, height - 72)
    page.setFillColor(red)
    middle = width / 2
    _draw(page, _("Certificate of Honour"), fonts, 44, middle, height - 130, align="centre")
    # One sentence over five lines, the name and the prize set large: "This certifies that / 张三 /
    # placed 1st in “…” and was awarded / First prize / in recognition of this achievement."
    lead, awarded, closing = certificate_sentence(certificate)
    page.setFillColor(HexColor("#222222"))
    _draw(page, lead, fonts, 16, middle, height - 185, align="centre")
    # A long unit path shrinks to fit inside the border rather than running past it.
    room = width - 160
    _draw(
        page, certificate.name, fonts, _fitted(certificate.name, fonts, 24, room), middle, height - 225, align="centre"
    )
    _draw(page, awarded, fonts, _fitted(awarded, fonts, 18, room), middle, height - 270, align="centre")
    page.setFillColor(red)
    prize_size = _fitted(certificate.prize, fonts, 36, room)
    _draw(page, certificate.prize, fonts, prize_size, middle, height - 330, align="centre")
    page.setFillColor(HexColor("#222222"))
    _draw(page, closing, fonts, 16, middle, height - 372, align="centre")
    if certificate.period:
        page.setFillColor(HexColor("#555555"))
        _draw(page, certificate.period, fonts, 13, middle, height - 402, align="centre")
        page.setFillColor(HexColor("#222222"))
    _draw(page, certificate.issuer, fonts, 16, width - 90, 110, align="right")
    _draw(page, certificate.issued_on, fonts, 16, width - 90, 85, align="right")
    page.setFillColor(HexColor("#999999"))
    _draw(page, certificate.footer, fonts, 7, 50, 48, align="left")
    page.showPage()


def ordinal(place: int) -> str:
    """A place as a certificate writes it: 1st, 2nd, 3rd, 11th, 21st; 第 1 in Chinese."""
    if place % 100 in (11, 12, 13) or place % 10 not in (1, 2, 3):
        return pgettext("ordinal 4-20, 24-30 …", "%(n)sth") % {"n": place}
    if place % 10 == 1:
        return pgettext("ordinal 1, 21, 31 …", "%(n)sst") % {"n": place}
    if place % 10 == 2:
        return pgettext("ordinal 2, 22, 32 …", "%(n)snd") % {"n": place}
    return pgettext("ordinal 3, 23, 33 …", "%(n)srd") % {"n": place}


OPENING_QUOTES = "“‘「『\"'"


def quoted(title: str) -> str:
    """The title in quote marks, unless it already opens with one (“讲好身边审计故事”微党课比赛):
    a second pair around it would read as doubled quotes."""
    return title if title.startswith(tuple(OPENING_QUOTES)) else f"“{title}”"


def certificate_sentence(certificate: Certificate) -> tuple[str, str, str]:
    """What a certificate says around its name and prize, in the language active: the line before
    the name, the line between name and prize, and the closing line."""
    values = {"ranking": quoted(certificate.awarded_in), "work": certificate.work}
    if certificate.rank:
        values["place"] = ordinal(int(certificate.rank))
        if certificate.shared:
            values["place"] = pgettext("a place others share", "joint %(place)s") % {"place": values["place"]}
        if certificate.work:
            awarded = _("placed %(place)s with the entry %(work)s in %(ranking)s and was awarded") % values
        else:
            awarded = _("placed %(place)s in %(ranking)s and was awarded") % values
    elif certificate.work:
        awarded = _("was awarded, for the entry %(work)s in %(ranking)s,") % values
    else:
        awarded = _("was awarded, in %(ranking)s,") % values
    return _("This certifies that"), awarded, _("in recognition of this achievement.")


def snapshot_code(snapshot: Snapshot) -> str:
    """The code a certificate prints to check it against its ranking: the version, then the first
    12 characters of its input and results hashes (the ranking's Verify page shows both in full)."""
    return f"{snapshot.rule.slug} v{snapshot.version} · {snapshot.input_hash[:12]}-{snapshot.rows_hash[:12]}"


def verification_code(snapshot: Snapshot) -> str:
    """`snapshot_code` as a certificate labels it."""
    return _("Verification code: %(code)s") % {"code": snapshot_code(snapshot)}
