"""The scores of a call as an xlsx workbook (through `quizsite.spreadsheets.ExportWorkbook`, so
text stays inert): each judge's score per entry per criterion with their total and latest comment,
the totals dropped from the final marked, then the final, rank and prize per entry. Where the call
is blind the entries are labelled by number only; the author and unit columns appear only when it
is not."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from quizsite.spreadsheets import ExportWorkbook

from . import statistics
from .models import Assignment, Call, Entry, ScoreEvent
from .selectors import dropped_marker, judge_total, latest_comments, results


def entry_labels(call: Call) -> dict[int, str]:
    """Entry id -> the neutral label of each entry in judging (`Entry.blind_label`: 作品 001 ...,
    numbered by the order the entries reached judging, as the judges' pages show them)."""
    entries = call.entries.filter(status=Entry.Status.FINALIST).order_by("judging_number", "pk")
    return {entry.pk: entry.blind_label for entry in entries.only("pk", "judging_number")}


def scores_xlsx(call: Call) -> bytes:
    criteria = list(call.criteria.all())
    labels = entry_labels(call)
    named = not call.blind
    latest: dict[int, dict[int, Decimal]] = {}
    for event in ScoreEvent.objects.filter(assignment__entry__call=call).order_by("id"):
        latest.setdefault(event.assignment_id, {})[event.criterion_id] = event.value
    assignments = [
        assignment
        for assignment in Assignment.objects.filter(entry__call=call)
        .select_related("entry__author", "entry__unit", "judge", "panel")
        .order_by("entry_id", "judge_id")
        if assignment.entry_id in labels
    ]
    totals = {
        (a.judge_id, a.entry_id): total
        for a in assignments
        if (total := judge_total(criteria, latest.get(a.pk, {}))) is not None
    }
    counted = statistics.normalised(totals) if call.normalise_per_judge else totals
    outcome = {row.entry.pk: row for row in results(call)}
    comments = latest_comments(call)
    dropped = {pk: dropped_marker(row.dropped) for pk, row in outcome.items()}

    book = ExportWorkbook()
    book.properties.title = call.display_title
    who = [_("Author"), _("Unit")] if named else []
    names = [c.display_name for c in criteria]
    scores_header = [_("Entry"), _("Title"), *who, _("Panel"), _("Judge"), *names, _("Total")]
    if call.normalise_per_judge:
        scores_header.append(_("Normalised total"))
    scores_header += [_("Dropped"), _("Comment")]
    widths = [10, 28, *([12, 18] if named else []), 12, 12, *[8] * len(criteria), 8]
    widths += [10] * (1 + call.normalise_per_judge) + [40]
    sheet = book.sheet(_("Scores"), widths=widths, frozen_rows=3)
    sheet.append([call.display_title], style="title")
    sheet.append([_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    sheet.append(scores_header, style="header")
    for assignment in assignments:
        entry, key = assignment.entry, (assignment.judge_id, assignment.entry_id)
        mine = latest.get(assignment.pk, {})
        total = totals.get(key)
        row = [labels[entry.pk], entry.title]
        if named:
            row += [entry.author.display_name, entry.unit.display_name]
        row += [assignment.panel.display_name, assignment.judge.display_name]
        row += [float(mine[c.pk]) if c.pk in mine else None for c in criteria]
        row.append(float(total) if total is not None else None)
        if call.normalise_per_judge:
            row.append(float(counted[key]) if key in counted else None)
        # A dropped value is marked once, on the first judge whose counted total it is.
        is_dropped = key in counted and entry.pk in dropped and dropped[entry.pk](counted[key])
        row.append(_("dropped") if is_dropped else "")
        row.append(comments.get(assignment.pk, ""))
        sheet.append(row)

    final = book.sheet(_("Results"), widths=[10, 28, *([12, 18] if named else []), 10, 8, 12], frozen_rows=1)
    final.append([_("Entry"), _("Title"), *who, _("Final"), _("Rank"), _("Prize")], style="header")
    for pk, row in outcome.items():
        entry = row.entry
        line = [labels.get(pk, ""), entry.title]
        if named:
            line += [entry.author.display_name, entry.unit.display_name]
        line += [float(row.final) if row.final is not None else None, row.rank, row.display_prize]
        final.append(line)
    return book.to_bytes()
