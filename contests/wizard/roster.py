"""Teams from an .xlsx roster: one row per member (team, employee number or username, captain,
relay order). Every row is checked first; nothing is created if any row is wrong, and each
problem is named by row and column."""

import unicodedata
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext as _

from orgs import access as orgs_access
from orgs.models import User
from quizsite.naming import visible_text
from quizsite.spreadsheets import ExportWorkbook, RowError, SpreadsheetError, cell_text, read_sheet_values, read_table

from ..models import Contest, Team, team_name_too_long
from ..services.common import ContestRejected, audit
from .services import check_preparing, team_create

COLUMNS = {
    "team": ("队名", "team", "队伍", "参赛队"),
    "member": (
        "工号",
        "employee number",
        "用户名",
        "username",
        "工号或用户名",
        "employee number or username",
        "成员",
        "member",
    ),
    "name": ("姓名", "name", "real name"),
    "captain": ("队长", "captain"),
    "leg": ("接力顺序", "relay order", "顺序", "order", "leg"),
}
# Each column's name in the page's language: the template's header, and how a problem names a
# column the sheet does not head in its own words.
COLUMN_NAMES = {
    "team": pgettext_lazy("roster import column", "Team"),
    "member": pgettext_lazy("roster import column", "Employee number"),
    "name": pgettext_lazy("roster import column", "Name"),
    "captain": pgettext_lazy("roster import column", "Captain"),
    "leg": pgettext_lazy("roster import column", "Relay order"),
}
REQUIRED = ("team", "member")
# The captain column takes what the template teaches, in either language: 是 / yes for the captain,
# empty (or 否 / no) for the others. Anything else is refused, not read as "no": a "1" there is
# most likely a relay order typed one column off, and a mark read wrongly would leave the team
# without its captain, or with the wrong one, and nobody told.
YES = {"是", "yes", "队长", "captain"}
NO = {"", "否", "no"}


@dataclass
class PlannedTeam:
    name: str
    first_row: int
    members: list[tuple[int, int, User]] = field(default_factory=list)  # (leg or row order, row, member)
    captain: User | None = None
    named_any: bool = False  # some row named a member (a wrong one is reported on its own row)


@dataclass
class RosterReport:
    teams: list[PlannedTeam] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: list[Team] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _plan(rows, *, contest: Contest, by: User, report: RosterReport) -> None:
    teams: dict[str, PlannedTeam] = {}
    seen: dict[int, tuple[int, str]] = {}  # member id -> (row, team)
    managed = orgs_access.managed_members(by).filter(is_active=True).select_related("unit")
    existing = set(contest.teams.values_list("name", flat=True))
    placed = dict(contest.roster.values_list("member_id", "team__name"))

    headers = rows[0].headers if rows else {}

    def fail(row: int, key: str, message: str) -> None:
        # The column as the sheet heads it, whichever language it was written in.
        report.errors.append(RowError(row, headers.get(key) or str(COLUMN_NAMES[key]), message))

    for row in rows:
        team_name = visible_text(cell_text(row.values.get("team")))
        key = cell_text(row.values.get("member"), fold=True)
        if not team_name:
            fail(row.number, "team", _("Name the team."))
            continue
        if too_long := team_name_too_long(team_name):
            fail(row.number, "team", too_long)
            continue
        if team_name in existing:
            fail(
                row.number,
                "team",
                _(
                    "Team “%(name)s” already exists in this contest: a roster only adds new teams. Give this "
                    "team another name, or remove the existing one on this page first."
                )
                % {"name": team_name},
            )
            continue
        team = teams.setdefault(team_name, PlannedTeam(team_name, row.number))
        if not key:
            continue  # a team row without a member: an empty team, reported below if it stays so
        team.named_any = True
        member = managed.filter(employee_no=key).first() or managed.filter(username=key).first()
        if member is None:
            fail(
                row.number,
                "member",
                _("No member with employee number or username “%(key)s” in your units.") % {"key": key},
            )
            continue
        if member.unit is None or not member.unit.path.startswith(contest.unit.path):
            # The organiser manages them, so naming them tells nothing new (`check_members_inside_contest`).
            fail(
                row.number,
                "member",
                _("%(name)s is outside %(unit)s, the unit this contest belongs to.")
                % {"name": member.display_name, "unit": contest.unit.display_name},
            )
            continue
        if member.pk in seen:
            first_row, first_team = seen[member.pk]
            fail(
                row.number,
                "member",
                _("%(name)s is already in team “%(team)s” (row %(row)d): a member plays for one team.")
                % {"name": member.display_name, "team": first_team, "row": first_row},
            )
            continue
        if member.pk in placed:
            fail(
                row.number,
                "member",
                _(
                    "%(name)s is already on team “%(team)s”: take them off that team on this page first, "
                    "or leave this row out."
                )
                % {"name": member.display_name, "team": placed[member.pk]},
            )
            continue
        typed_name = cell_text(row.values.get("name"))
        if typed_name and not same_name(typed_name, member):
            fail(
                row.number,
                "name",
                _(
                    "The name “%(typed)s” is not the name of the member with employee number or username "
                    "“%(key)s”, who is %(actual)s: check the employee number (or correct the name)."
                )
                % {"typed": typed_name, "key": key, "actual": member.display_name},
            )
            continue
        seen[member.pk] = (row.number, team_name)
        leg_text = cell_text(row.values.get("leg"), fold=True)
        if leg_text and not leg_text.isdecimal():
            fail(row.number, "leg", _("The relay order is a whole number: 1, 2, 3…"))
            continue
        team.members.append((int(leg_text) if leg_text else 1000 + row.number, row.number, member))
        captain_text = cell_text(row.values.get("captain"), fold=True).lower()
        if captain_text not in YES | NO:
            fail(
                row.number,
                "captain",
                _("Write “yes” (or 是) for the team’s captain and leave it empty for the others, not “%(value)s”.")
                % {"value": cell_text(row.values.get("captain"))},
            )
            continue
        if captain_text in YES:
            if team.captain is not None:
                fail(row.number, "captain", _("Team “%(name)s” already has a captain.") % {"name": team_name})
                continue
            team.captain = member
    for team in teams.values():
        if not team.named_any:
            fail(team.first_row, "team", _("Team “%(name)s” has no members.") % {"name": team.name})
        legs = [leg for leg, _row, _m in team.members if leg < 1000]
        if len(legs) != len(set(legs)):
            fail(
                team.first_row,
                "leg",
                _("Team “%(name)s” gives two members the same relay order.") % {"name": team.name},
            )
        team.members.sort(key=lambda planned: planned[0])
    report.teams = list(teams.values())


def _name_key(name: str) -> str:
    """A name as the roster compares it: full-width folded, without spaces, in one case (张 三,
    张三 and ＺＨＡＮＧ　San all read alike)."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def same_name(typed: str, member: User) -> bool:
    """Whether a row's typed name is the member's (their real name, or their username)."""
    return _name_key(typed) in {_name_key(name) for name in (member.real_name, member.username) if name}


def roster_import(*, contest: Contest, file: IO[bytes], by: User, dry_run: bool = False) -> RosterReport:
    """Check every row of a roster workbook and, unless `dry_run` or a row is wrong, create its
    teams (relay order by the order column, else by row; each team's unit is the one containing
    all its members)."""
    check_preparing(contest)
    report = RosterReport()
    try:
        sheet = read_sheet_values(file, max_bytes=settings.MEMBER_IMPORT_MAX_BYTES)
        rows = read_table(sheet.rows, columns=COLUMNS, required=REQUIRED, names=COLUMN_NAMES)
    except SpreadsheetError as error:
        report.errors.append(RowError(0, "", str(error)))
        return report
    _plan(rows, contest=contest, by=by, report=report)
    if not report.teams and report.ok:
        report.errors.append(RowError(0, "", _("The roster has no rows under its header.")))
    if report.ok and not dry_run:
        try:
            with transaction.atomic():
                for team in report.teams:
                    report.created.append(
                        team_create(
                            contest=contest,
                            name=team.name,
                            members=[m for _leg, _row, m in team.members],
                            captain=team.captain,
                            by=by,
                        )
                    )
                audit(contest, by, "roster_import", teams=len(report.created))
        except ContestRejected as error:
            report.created = []
            report.errors.append(RowError(0, "", str(error.message)))
    return report


EXAMPLE_ROWS = {
    "zh": [
        ["第一党支部队", "10001", "张三", "是", 1],
        ["第一党支部队", "10002", "李四", "", 2],
        ["第二党支部队", "10003", "王五", "是", 1],
    ],
    "en": [
        ["First branch team", "10001", "Zhang San", "yes", 1],
        ["First branch team", "10002", "Li Si", "", 2],
        ["Second branch team", "10003", "Wang Wu", "yes", 1],
    ],
}


def roster_template() -> bytes:
    """The roster workbook headed and filled in the page's language; the import reads either."""
    book = ExportWorkbook()
    sheet = book.sheet(_("Roster"), widths=(20, 16, 12, 8, 12), frozen_rows=1)
    sheet.append([str(COLUMN_NAMES[k]) for k in ("team", "member", "name", "captain", "leg")], style="header")
    for row in EXAMPLE_ROWS["en" if (get_language() or "").startswith("en") else "zh"]:
        sheet.append(row)
    return book.to_bytes()
