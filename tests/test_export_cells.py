"""Every cell of the xlsx exports as written before they were made faster: values, types, number
formats, the title and header rows' fonts and fill, column widths and the frozen header. The
expected cells are worked out by hand from small data; the writer now hands openpyxl most values
bare instead of a cell object each (docs/benchmarks.md, "xlsx exports"), which must change none of
them."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lessons.models import Lesson, WatchProgress
from quizsite.spreadsheets import PERCENT, SHARED_PLACE, TWO_DECIMALS, ExportWorkbook, Formatted
from rankings.models import Snapshot
from tests import factories
from tests.lessons.test_series_progress import hall  # noqa: F401 - fixture
from tests.rankings.test_services import compute, member_rule, points, study  # noqa: F401 - fixture

PLAIN, TITLE, HEADER = "plain", "title", "header"


def cell_style(cell) -> str:
    """Which of the writer's three row styles the cell carries, refusing any other."""
    if cell.fill.fgColor.rgb == "00B71C1C" and cell.font.b and cell.font.color.rgb == "00FFFFFF":
        return HEADER
    if cell.font.b and cell.font.sz == 13 and cell.fill.fill_type is None:
        return TITLE
    assert not cell.font.b and cell.fill.fill_type is None and cell.font.sz == 11, cell.coordinate
    return PLAIN


def cells(sheet) -> list[list[tuple]]:
    """Each row's written cells as (value, data type, number format, style), blanks left out."""
    return [
        [(c.value, c.data_type, c.number_format, cell_style(c)) for c in row if c.value is not None]
        for row in sheet.iter_rows()
    ]


def text(*values, style=PLAIN) -> list[tuple]:
    return [(value, "s", "General", style) for value in values]


def number(value, number_format="General", style=PLAIN) -> tuple:
    return (value, "n", number_format, style)


def test_every_kind_of_value_and_row_style_reads_back_as_written():
    book = ExportWorkbook()
    sheet = book.sheet("数据", widths=[12, 30], frozen_rows=2)
    sheet.append(["标题", 2026], style="title")
    sheet.append(["姓名", "=SUM(A1)", Formatted(0.5, PERCENT)], style="header")
    sheet.append(["=1+1", "#N/A", "#REF!", "=", "题\x0b干", "", None, "#not an error"])
    day, moment = dt.date(2026, 7, 1), dt.datetime(2026, 7, 1, 9, 30)
    sheet.append([1, 2.5, Decimal("3.25"), True, day, moment, dt.time(8, 15)])
    sheet.append([Formatted(0.755, PERCENT), Formatted(26.666, TWO_DECIMALS), Formatted(3, SHARED_PLACE), 3])
    sheet.append([Formatted(None, PERCENT), "after a styled blank"])
    book.sheet("第二张").append(["另一张"])

    read = load_workbook(BytesIO(book.to_bytes()))

    first, second = read.worksheets
    assert read.sheetnames == ["数据", "第二张"]
    assert cells(first) == [
        [*text("标题", style=TITLE), number(2026, style=TITLE)],
        [*text("姓名", "=SUM(A1)", style=HEADER), number(0.5, "0.0%", HEADER)],
        # Text that openpyxl would make a formula or an error is text; "" is a written blank.
        [*text("=1+1", "#N/A", "#REF!", "=", "题干"), *text("#not an error")],
        [
            number(1),
            number(2.5),
            number(3.25),
            (True, "b", "General", PLAIN),
            (dt.datetime(2026, 7, 1), "d", "yyyy-mm-dd", PLAIN),
            (moment, "d", "yyyy-mm-dd h:mm:ss", PLAIN),
            (dt.time(8, 15), "d", "h:mm:ss", PLAIN),
        ],
        [number(0.755, "0.0%"), number(26.666, "0.00"), number(3, '0"="'), number(3)],
        text("after a styled blank"),
    ]
    assert [cell.value for cell in first[3]][:8] == ["=1+1", "#N/A", "#REF!", "=", "题干", None, None, "#not an error"]
    # The blank under a number format keeps its format; the cells around it are plain.
    assert (first["A6"].value, first["A6"].number_format) == (None, "0.0%")
    assert first.freeze_panes == "A3"
    assert (first.column_dimensions["A"].width, first.column_dimensions["B"].width) == (12, 30)
    assert cells(second) == [text("另一张")]
    assert second.freeze_panes is None


def test_a_series_progress_export_holds_every_cell_as_worked_out(hall, gz_organiser, tree):  # noqa: F811
    """`hall`: 甲 completed both lessons, 乙 the optional one, 丙 none, 戊 the required one (then
    moved to 第二党支部), 丁 left; the organiser, placed in 广州特派办 itself, none."""
    export = factories.client_in("en", gz_organiser).get(
        reverse("lessons:series_progress_xlsx", args=[hall["series"].pk])
    )
    book = load_workbook(BytesIO(export.content))

    def at(name, lesson) -> str:
        row = WatchProgress.objects.get(member=hall[name], lesson=hall[lesson])
        return row.completed_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")

    units, people = book.worksheets
    assert book.sheetnames == ["Units", "Members"]
    assert cells(units) == [
        text("廉政讲堂"),
        text("Unit", "Headcount", "Completed all required lessons", "Completed some", "Completed none"),
        [*text("广州特派办"), number(5), number(2), number(1), number(2)],
        [*text("第一党支部"), number(2), number(1), number(1), number(0)],
        [*text("第二党支部"), number(2), number(1), number(0), number(1)],
    ]
    assert units.freeze_panes == "A3"
    # Those who have not finished first (none, then some), then by unit and name.
    assert cells(people) == [
        text("Name", "Unit", "Progress", "Required lessons completed", "必修课 (Required)", "选学课"),
        text("广州组织者", "广州特派办", "Completed none", "0 / 1"),
        text("丙", "第二党支部", "Completed none", "0 / 1"),
        text("乙", "第一党支部", "Completed some", "0 / 1", at("乙", "optional")),
        text("甲", "第一党支部", "Completed all required lessons", "1 / 1", at("甲", "required"), at("甲", "optional")),
        text("戊", "第二党支部", "Completed all required lessons", "1 / 1", at("戊", "required")),
    ]
    assert people.freeze_panes == "A2"


def test_a_lesson_reports_export_holds_every_cell_as_worked_out(tree):
    lesson = Lesson.objects.create(title="必修课", unit=tree["gz"], status=Lesson.Status.READY, duration_s=Decimal(60))
    started = timezone.make_aware(dt.datetime(2026, 11, 20, 9, 0))
    first = factories.member(tree["gz1"], real_name="甲")
    second = factories.member(tree["gz2"], real_name="乙")
    WatchProgress.objects.create(
        member=first,
        lesson=lesson,
        unit_at_start=tree["gz1"],
        watched_s=Decimal("58.5"),
        furthest_s=60,
        spent_s=300,
        started_at=started,
        completed_at=started + dt.timedelta(minutes=5),
    )
    WatchProgress.objects.create(
        member=second, lesson=lesson, unit_at_start=tree["gz2"], watched_s=20, furthest_s=20, started_at=started
    )
    client = factories.client_in("en", factories.organiser(tree["gz"], real_name="组织者"))

    book = load_workbook(BytesIO(client.get(reverse("lessons:lesson_report_xlsx", args=[lesson.pk])).content))

    units, people = book.worksheets
    assert cells(units) == [
        text("必修课"),
        text("Unit", "Headcount", "Started", "Completed", "Completion rate (%)"),
        # The organiser sits in 广州特派办 itself: three members, two started, one completed.
        [*text("广州特派办"), number(3), number(2), number(1), number(33.3)],
        [*text("第一党支部"), number(1), number(1), number(1), number(100)],
        [*text("第二党支部"), number(1), number(1), number(0), number(0)],
    ]
    header = text(
        "Name",
        "Unit",
        "Deactivated",
        "Unit when starting",
        "Started at",
        "Watched (s)",
        "Furthest (s)",
        "Time spent (s)",
        "Heartbeats",
        "Refused heartbeats",
        "Completed at",
        "Completed faster than possible",
        "Study hours",
        "Hours by",
    )
    assert cells(people) == [
        header,
        [
            *text("甲", "第一党支部", "第一党支部", "2026-11-20 09:00:00"),
            number(58.5),
            number(60),
            number(300),
            number(0),
            number(0),
            *text("2026-11-20 09:05:00"),
        ],
        [*text("乙", "第二党支部", "第二党支部", "2026-11-20 09:00:00"), number(20), number(20), number(0)]
        + [number(0), number(0)],
    ]
    assert units.freeze_panes is None and people.freeze_panes is None


def test_a_member_rankings_export_holds_every_cell_as_worked_out(study):  # noqa: F811
    """Points: A 30, B 20, C 10 (第一党支部), D 40, E 35 (第二党支部), F 50 (京津冀's 机关党支部);
    B and a new G share 20 for 5th place. Ranked overall and within each office."""
    tree, people = study["tree"], study["people"]
    people["g"] = factories.member(tree["gz2"], username="g", real_name="G")
    points(people["g"], 20, "g-1")
    snapshot = compute(member_rule(study, title="积分排名")).snapshot
    client = factories.client_in("en", factories.administrator(tree["audit"]))

    book = load_workbook(BytesIO(client.get(reverse("rankings:export", args=[snapshot.rule.slug])).content))

    sheet = book.active
    assert book.sheetnames == ["Ranking"]
    top = cells(sheet)[:7]
    assert top[0] == text("积分排名", style=TITLE)
    assert top[1] == [
        *text("Version"),
        number(1),
        *text("Status", "Provisional", "Ranked", "Members", "Period", "20 Nov 2026"),
    ]
    assert top[2] == text("Input hash", snapshot.input_hash)
    assert top[3] == text("Rows hash", snapshot.rows_hash)
    # Nobody has approved or published a draft: those two cells are written blank.
    computed_at = timezone.localtime(snapshot.computed_at).strftime("%Y-%m-%d %H:%M:%S")
    assert top[4] == text("Computed at", computed_at, "Approved by", "Published by")
    assert top[5][0] == text("Ties")[0]
    assert top[6] == text(
        "Rank",
        "Name",
        "Employee number",
        "Unit",
        "Group",
        "Rank in group",
        "Tie broken by",
        "Total",
        "Prize",
        "Not ranked because",
        style=HEADER,
    )

    def row(rank, name, unit, group, in_group, total, *, shared=False, shared_in_group=False):
        return [
            number(rank, SHARED_PLACE if shared else "General"),
            *text(name, people[name.lower()].employee_no, unit, group),
            number(in_group, SHARED_PLACE if shared_in_group else "General"),
            number(total),
        ]

    assert cells(sheet)[7:] == [
        row(1, "F", "京津冀特派办/机关党支部", "京津冀特派办", 1, 50),
        row(2, "D", "广州特派办/第二党支部", "广州特派办", 1, 40),
        row(3, "E", "广州特派办/第二党支部", "广州特派办", 2, 35),
        row(4, "A", "广州特派办/第一党支部", "广州特派办", 3, 30),
        row(5, "B", "广州特派办/第一党支部", "广州特派办", 4, 20, shared=True, shared_in_group=True),
        row(5, "G", "广州特派办/第二党支部", "广州特派办", 4, 20, shared=True, shared_in_group=True),
        row(7, "C", "广州特派办/第一党支部", "广州特派办", 6, 10),
    ]
    assert sheet.freeze_panes == "A8"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJ"}
    assert widths == {"A": 7, "B": 14, "C": 12, "D": 32, "E": 20, "F": 9, "G": 14, "H": 11, "I": 10, "J": 16}
    assert snapshot.status == Snapshot.Status.DRAFT


def test_an_empty_series_and_a_lesson_nobody_watched_export_their_headers(tree, gz_organiser):
    """A series with no published lesson is for nobody yet; a lesson nobody watched has its
    units with no one started. Both download, with their headers and nothing lost."""
    from lessons.models import Series

    series = Series.objects.create(slug="empty", title="空系列", unit=tree["gz"])
    lesson = Lesson.objects.create(title="无人看", unit=tree["gz"], status=Lesson.Status.READY, duration_s=60)
    client = factories.client_in("en", gz_organiser)

    progress = client.get(reverse("lessons:series_progress_xlsx", args=[series.pk]))
    report = client.get(reverse("lessons:lesson_report_xlsx", args=[lesson.pk]))

    assert progress.status_code == 200 and report.status_code == 200
    units, people = load_workbook(BytesIO(progress.content)).worksheets
    assert cells(units) == [
        text("空系列"),
        text("Unit", "Headcount", "Completed all required lessons", "Completed some", "Completed none"),
    ]
    assert cells(people) == [text("Name", "Unit", "Progress", "Required lessons completed")]
    units, people = load_workbook(BytesIO(report.content)).worksheets
    # The organiser, placed in 广州特派办 itself, is its one member; the branches have none.
    assert cells(units) == [
        text("无人看"),
        text("Unit", "Headcount", "Started", "Completed", "Completion rate (%)"),
        [*text("广州特派办"), number(1), number(0), number(0), number(0)],
        [*text("第一党支部"), number(0), number(0), number(0)],
        [*text("第二党支部"), number(0), number(0), number(0)],
    ]
    assert len(cells(people)) == 1
