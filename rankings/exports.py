"""Files made from a snapshot: the xlsx export (carrying its hashes) and PDF certificates."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from quizsite.spreadsheets import ExportWorkbook

from .models import Snapshot, SnapshotRow

# Adobe's CID font for Simplified Chinese: PDF viewers supply the glyphs, so certificates need no
# font file and nothing from the internet.
CERTIFICATE_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CERTIFICATE_FONT))


def snapshot_workbook(snapshot: Snapshot) -> bytes:
    """Every row of the snapshot, under a header naming its version, status and hashes."""
    book = ExportWorkbook()
    sheet = book.sheet(_("Ranking"))
    rule = snapshot.rule
    sheet.append([rule.title])
    sheet.append([_("Version"), snapshot.version, _("Status"), snapshot.get_status_display()])
    sheet.append([_("Input hash"), snapshot.input_hash])
    sheet.append([_("Rows hash"), snapshot.rows_hash])
    sheet.append([_("Computed at"), timezone.localtime(snapshot.computed_at).strftime("%Y-%m-%d %H:%M:%S")])
    sheet.append([])
    sheet.append(
        [
            _("Rank"),
            _("Name"),
            _("Unit"),
            _("Group"),
            _("Rank in group"),
            _("Metric"),
            _("Total"),
            _("Participants"),
            _("Headcount"),
            _("Time used (s)"),
            _("Prize"),
            _("Not ranked because"),
        ]
    )
    rows = SnapshotRow.objects.filter(snapshot=snapshot).order_by("place", "label")
    for row in rows.iterator(chunk_size=5000):
        sheet.append(
            [
                row.rank,
                row.label,
                row.unit_name,
                row.group_name,
                row.rank_in_group,
                float(row.metric) if row.metric is not None else None,
                float(row.total),
                row.participants,
                row.headcount,
                float(row.time_used_s),
                row.prize,
                row.ineligible_reason,
            ]
        )
    book.properties.title = rule.title
    book.properties.keywords = f"snapshot={snapshot.pk};version={snapshot.version};input_hash={snapshot.input_hash}"
    book.properties.description = f"rows_hash={snapshot.rows_hash}"
    return book.to_bytes()


def certificate_pdf(row: SnapshotRow) -> bytes:
    """A landscape A4 certificate for a prize winner, with the snapshot's version and hash."""
    snapshot = row.snapshot
    width, height = landscape(A4)
    out = BytesIO()
    page = canvas.Canvas(out, pagesize=(width, height))
    page.setTitle(f"{snapshot.rule.title} · {row.label} · {row.prize}")
    red, gold = HexColor("#b71c1c"), HexColor("#c9a227")
    page.setStrokeColor(gold)
    page.setLineWidth(6)
    page.rect(24, 24, width - 48, height - 48)
    page.setStrokeColor(red)
    page.setLineWidth(1.5)
    page.rect(36, 36, width - 72, height - 72)
    page.setFillColor(red)
    page.setFont(CERTIFICATE_FONT, 44)
    page.drawCentredString(width / 2, height - 130, _("Certificate of Honour"))
    page.setFillColor(HexColor("#222222"))
    page.setFont(CERTIFICATE_FONT, 24)
    page.drawCentredString(width / 2, height - 215, row.label + (f"（{row.unit_name}）" if row.unit_name else ""))
    page.setFont(CERTIFICATE_FONT, 18)
    page.drawCentredString(
        width / 2,
        height - 265,
        _("in %(ranking)s was awarded") % {"ranking": snapshot.rule.title},
    )
    page.setFillColor(red)
    page.setFont(CERTIFICATE_FONT, 36)
    page.drawCentredString(width / 2, height - 325, row.prize)
    page.setFillColor(HexColor("#222222"))
    page.setFont(CERTIFICATE_FONT, 16)
    page.drawCentredString(width / 2, height - 370, _("Rank %(rank)s") % {"rank": row.rank})
    issued = timezone.localtime(snapshot.published_at or snapshot.computed_at).strftime("%Y-%m-%d")
    page.drawRightString(width - 90, 110, snapshot.rule.unit.name)
    page.drawRightString(width - 90, 85, issued)
    page.setFont(CERTIFICATE_FONT, 8)
    page.setFillColor(HexColor("#777777"))
    page.drawString(
        50,
        48,
        f"{snapshot.rule.slug} v{snapshot.version} · {_('input hash')} {snapshot.input_hash[:16]} · "
        f"{_('rows hash')} {snapshot.rows_hash[:16]}",
    )
    page.showPage()
    page.save()
    return out.getvalue()
