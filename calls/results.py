"""What a call's published results make: certificates (drawn by rankings' certificate code), the
winning micro-classes published into the library, and the winning essays gathered into one
collection (文集) as a page and a PDF with its CJK font embedded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import Unit, User
from rankings import exports

from . import selectors
from .models import Call, Entry
from .services import CallRejected, audit

VIDEO_KINDS = (Call.Kind.MICRO_CLASS, Call.Kind.SPEECH)
# Between the library dates of two winners' lessons (`winners_publish_to_library`).
LIBRARY_STEP = timedelta(milliseconds=1)


def winners(call: Call) -> list[selectors.EntryResult]:
    """The entries with a prize, best first."""
    return [row for row in selectors.results(call) if row.prize]


def official_unit_name(unit: Unit, call: Call) -> str:
    """The unit named as rankings' certificates name it (`exports.unit_on_paper`), in the page's
    language: the names from below the call's unit down to it (广州特派办第一党支部: "第一党支部"
    alone names a branch in every organ)."""
    chain = [part for part in [*Unit.objects.get_ancestors(unit), unit] if len(part.path) > len(call.unit.path)]
    return exports.unit_on_paper([part.display_name for part in chain]) or unit.display_name


def authors(entry: Entry) -> list:
    """The entry's author, then its co-authors, in the order certificates name them."""
    return [entry.author, *entry.coauthors.order_by("pk")]


def credit(entry: Entry) -> str:
    """The author and co-authors, as named on a certificate or under a published micro-class."""
    return "、".join(person.display_name for person in authors(entry))


# ---------------------------------------------------------------- certificates


def check_published(call: Call) -> None:
    if not call.results_published_at:
        raise CallRejected("not_published", _("Certificates are issued once the results are published."))


def certificates_pdf(call: Call, rows: list[selectors.EntryResult]) -> bytes:
    """One certificate page per winning entry, drawn by `rankings.exports`. Raises
    `exports.CertificateFontMissing` when the CJK font is not installed."""
    check_published(call)
    issued = timezone.localtime(call.results_published_at).strftime("%Y-%m-%d")
    pages = [
        exports.Certificate(
            name=exports.with_unit(credit(row.entry), official_unit_name(row.entry.unit, call)),
            work=f"《{row.entry.title}》",
            awarded_in=call.display_title,
            prize=row.display_prize,
            rank=row.rank,
            issuer=call.unit.display_name,
            issued_on=issued,
            footer=f"{call.display_title} · {_('receipt')} {row.entry.receipt}",
        )
        for row in rows
    ]
    return exports.certificates_document(pages, title=f"{call.display_title} · {_('Certificates')}")


# ---------------------------------------------------------------- the library


@transaction.atomic
def winners_publish_to_library(*, call: Call, by: User, audience: list[Unit]) -> list[Entry]:
    """Make each winning video entry a micro-class of the call's unit, for `audience` (empty: the
    unit's subtree): its title, the authors credited as speakers, the call and prize in the
    description, the entry's transcoded video processed by the library's pipeline. An entry already
    published is left as it is, so the action may be repeated as videos finish processing."""
    from lessons.services import videos

    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.kind not in VIDEO_KINDS:
        raise CallRejected("not_video", _("Only micro-class and speech calls publish to the library."))
    check_published(call)
    from lessons.models import Lesson

    ranked = winners(call)
    # The library lists lessons newest first: each winner's lesson is dated a millisecond before
    # the one above it, from one moment for the call (kept by the lessons already published), so
    # first prize reads first even when a lower prize's video finishes later.
    anchor = next(
        (row.entry.lesson.created_at + index * LIBRARY_STEP for index, row in enumerate(ranked) if row.entry.lesson_id),
        timezone.now(),
    )
    published = []
    for index, row in enumerate(ranked):
        entry = row.entry
        source = Path(settings.MEDIA_ROOT) / f"calls/{call.pk}/{entry.pk}/video.mp4"
        if entry.lesson_id or entry.video_status != "ready" or not source.is_file():
            continue
        lesson = videos.lesson_create(
            title=entry.title,
            unit=call.unit,
            by=by,
            speaker=credit(entry)[:60],
            description=f"{call.title} · {row.prize}\n{entry.summary}".strip(),
            description_en=(
                f"{call.title_en or call.title} · {row.prize_en or row.prize}\n{entry.summary}".strip()
                if call.title_en or row.prize_en
                else ""
            ),
            audience=audience,
            # Publishing the winners to the library is the organiser's decision already taken.
            published=True,
        )
        Lesson.objects.filter(pk=lesson.pk).update(created_at=anchor - index * LIBRARY_STEP)
        videos.lesson_attach_file(lesson=lesson, path=source)
        videos.lesson_processing_queue(lesson_id=lesson.pk)
        Entry.objects.filter(pk=entry.pk).update(lesson=lesson)
        entry.lesson = lesson
        audit(call=call, entry=entry, by=by, action="library", detail=lesson.title)
        published.append(entry)
    return published


# ---------------------------------------------------------------- the collection of essays


@dataclass
class Block:
    style: str  # "heading" or "body"
    text: str


class _Blocks(HTMLParser):
    """The essay's HTML (mammoth's, already allow-listed) as headings and paragraphs of text."""

    HEADINGS = {"h1", "h2", "h3", "h4"}
    BLOCKS = HEADINGS | {"p", "li", "tr"}

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._style = "body"

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self._flush()
            self._style = "heading" if tag in self.HEADINGS else "body"
        elif tag in ("td", "th") and self._text:
            self._text.append("  ")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        self._text.append(data)

    def _flush(self) -> None:
        text = "".join(self._text).strip()
        if text:
            self.blocks.append(Block(self._style, text))
        self._text = []

    def close(self):
        super().close()
        self._flush()


def essay_blocks(essay_html: str) -> list[Block]:
    parser = _Blocks()
    parser.feed(essay_html)
    parser.close()
    return parser.blocks


@dataclass
class CollectedEssay:
    row: selectors.EntryResult
    blocks: list[Block]
    pages: list[str]  # a PDF essay's rendered pages, under MEDIA_ROOT


def collection(call: Call) -> list[CollectedEssay]:
    """The winning essays, best first: a .docx one as text blocks, a PDF one as its page images."""
    gathered = []
    for row in winners(call):
        stored = row.entry.files.first()
        pages = stored.previews if stored is not None and stored.extension == "pdf" else []
        gathered.append(CollectedEssay(row=row, blocks=essay_blocks(row.entry.essay_html), pages=pages))
    return gathered


def collection_pdf(call: Call) -> bytes:
    """The collection (文集) as one A4 PDF: a title page, a contents page, then each essay with its
    prize, authors and unit. Text is set in the certificate's fonts, embedded: Latin runs in the
    Latin one, as certificates set them (`exports.CertificateFonts`). A PDF essay's pages come in
    as the pictures its preview rendered. Raises `exports.CertificateFontMissing`."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer

    check_published(call)
    if call.kind != Call.Kind.ESSAY:
        raise CallRejected("not_essay", _("Only essay calls gather a collection."))
    fonts = exports.certificate_fonts()
    red = HexColor("#b71c1c")

    def style(name: str, size: float, **extra) -> ParagraphStyle:
        return ParagraphStyle(
            name,
            fontName=fonts.cjk,
            bulletFontName=fonts.cjk,
            fontSize=size,
            leading=size * 1.6,
            wordWrap="CJK",
            **extra,
        )

    def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
        # The CJK font's Latin letters and punctuation read as full-width gaps in English text.
        return Paragraph(fonts.markup(text), style)

    cover = style("cover", 28, alignment=1, textColor=red)
    centred = style("centred", 14, alignment=1)
    heading = style("heading", 18, spaceBefore=6, spaceAfter=6, textColor=red)
    byline = style("byline", 11, textColor=HexColor("#555555"), spaceAfter=10)
    subheading = style("subheading", 13, spaceBefore=6, spaceAfter=4)
    body = style("body", 11.5, firstLineIndent=23, spaceAfter=4)
    contents_line = style("contents", 12, spaceAfter=4)

    essays = collection(call)
    story: list = [Spacer(1, 70 * mm), paragraph(call.display_title, cover), Spacer(1, 10 * mm)]
    story += [paragraph(_("Collection of winning essays"), centred), Spacer(1, 60 * mm)]
    issued = timezone.localtime(call.results_published_at).strftime("%Y-%m-%d")
    story += [paragraph(f"{call.unit.display_name} · {issued}", centred), PageBreak()]
    story.append(paragraph(_("Contents"), heading))
    for number, essay in enumerate(essays, start=1):
        line = f"{number}. 《{essay.row.entry.title}》 {credit(essay.row.entry)} · {essay.row.display_prize}"
        story.append(paragraph(line, contents_line))
    width = A4[0] - 40 * mm
    for number, essay in enumerate(essays, start=1):
        entry = essay.row.entry
        story += [PageBreak(), paragraph(f"{number}. {entry.title}", heading)]
        author_line = f"{essay.row.display_prize} · {credit(entry)} · {official_unit_name(entry.unit, call)}"
        story.append(paragraph(author_line, byline))
        for block in essay.blocks:
            story.append(paragraph(block.text, subheading if block.style == "heading" else body))
        for page in essay.pages:
            picture = Image(str(Path(settings.MEDIA_ROOT) / page))
            scale = min(width / picture.imageWidth, (A4[1] - 60 * mm) / picture.imageHeight)
            picture.drawWidth, picture.drawHeight = picture.imageWidth * scale, picture.imageHeight * scale
            story.append(picture)
    out = BytesIO()
    # The canvas starts in the embedded font: its default Helvetica would be referenced, not embedded.
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        initialFontName=fonts.cjk,
    )
    document.title = f"{call.display_title} · {_('Collection of winning essays')}"

    def page_number(canvas, doc) -> None:
        canvas.setFont(fonts.latin, 9)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, str(doc.page))

    document.build(story, onFirstPage=lambda canvas, doc: None, onLaterPages=page_number)
    return out.getvalue()
