"""Member import from .xlsx: validate every row first, then import all of them or none.

An existing employee number updates that member (a new unit is recorded as a move); a new one
creates a member whose username defaults to the employee number. An initial password is set only
on the accounts the import creates: a sheet is no way to reset passwords, so an existing member's
password cell is left alone and the report says which rows had one.

The preview names, for each existing member, what the sheet changes (old → new). A new name on an
existing employee number is more often a wrong number than a renamed person, so such an import
waits for the organiser to confirm the renames (`renames_confirmed`).

A blank optional cell (手机, 党员, 角色, 用户名) on an existing member's row keeps what is stored:
a sheet exported for other reasons, with columns left empty, must not wipe phones or turn
群众 into 党员. A phone is removed on the member's own page. A new member's blank 党员 cell is
the documented default, 是 (as on the Add member form), and the preview lists those rows.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from quizsite import import_files
from quizsite.spreadsheets import (
    ExportWorkbook,
    RowError,
    SpreadsheetError,
    cell_text,
    column_label,
    read_sheet_values,
    read_table,
)

from . import access, services
from .models import Role, RoleGrant, Unit, User, phone_validator
from .paths import PathMatch, UnitPathFinder, path_parts, unit_path_finder
from .selectors import unit_paths

COLUMNS = {
    "real_name": ("姓名", "real name", "name"),
    "employee_no": ("工号", "employee number", "employee no", "员工编号"),
    "unit": ("单位", "unit", "所在单位", "unit path"),
    "role": ("角色", "role"),
    "phone": ("手机", "phone", "手机号", "电话"),
    "party": ("党员", "party member", "是否党员"),
    "username": ("用户名", "username"),
    "password": ("初始密码", "initial password", "password"),
}
REQUIRED = ("real_name", "employee_no", "unit")
# What a problem's "Column" says: the column's name in the page's language, and on pages in another
# language than the template's headers also the header to look for in the sheet.
COLUMN_NAMES = {
    "real_name": pgettext_lazy("member import column", "Name"),
    "employee_no": pgettext_lazy("member import column", "Employee number"),
    "unit": pgettext_lazy("member import column", "Unit"),
    "role": pgettext_lazy("member import column", "Role"),
    "phone": pgettext_lazy("member import column", "Phone"),
    "party": pgettext_lazy("member import column", "Party member"),
    "username": pgettext_lazy("member import column", "Username"),
    "password": pgettext_lazy("member import column", "Initial password"),
}

# 成员 is the role's name on the pages (Role.MEMBER). 党员, which the template taught before, is
# still read as it where it cannot be mistaken for party membership: not beside 党员 = 否.
OLD_MEMBER_ROLE_WORD = "党员"
ROLE_WORDS = {
    "": Role.MEMBER,
    "成员": Role.MEMBER,
    OLD_MEMBER_ROLE_WORD: Role.MEMBER,
    "member": Role.MEMBER,
    "组织者": Role.ORGANISER,
    "组织员": Role.ORGANISER,
    "organiser": Role.ORGANISER,
    "organizer": Role.ORGANISER,
    "管理员": Role.ADMINISTRATOR,
    "administrator": Role.ADMINISTRATOR,
    "admin": Role.ADMINISTRATOR,
}
YES_WORDS = {"是", "y", "yes", "true", "1", "√", "党员"}
NO_WORDS = {"否", "n", "no", "false", "0", "×", "群众"}


@dataclass
class Change:
    """One field an import changes on an existing member, as the preview shows it."""

    field: str
    old: str
    new: str
    key: str


@dataclass
class PlannedMember:
    row: int
    real_name: str
    employee_no: str
    unit_path: str
    role: str
    # None: the cell was blank, so an existing member keeps the stored value.
    phone: str | None
    is_party_member: bool | None
    username: str
    password: str
    # A new member's blank 党员 cell, read as the default 是.
    party_by_default: bool = False
    existing: User | None = None
    unit: object = None
    changes: list[Change] = field(default_factory=list)

    @property
    def renamed(self) -> bool:
        """An existing member's name changes: likely a wrong employee number, to be confirmed."""
        return any(change.key == "real_name" for change in self.changes)


@dataclass
class ImportReport:
    planned: list[PlannedMember] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # A confirmed import that was not applied because its renames were not confirmed.
    renames_unconfirmed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    @property
    def renamed(self) -> list[PlannedMember]:
        return [p for p in self.planned if p.renamed]

    @property
    def without_password(self) -> int:
        return sum(1 for p in self.planned if not p.existing and not p.password)

    @property
    def new_count(self) -> int:
        return sum(1 for p in self.planned if p.existing is None)

    @property
    def update_count(self) -> int:
        return sum(1 for p in self.planned if p.existing is not None and p.changes)

    @property
    def unchanged_count(self) -> int:
        return sum(1 for p in self.planned if p.existing is not None and not p.changes)

    def rows_to_show(self, limit: int) -> list[PlannedMember]:
        """The rows a preview lists: every renamed member (each must be checked), then the other
        new and changed rows in sheet order up to `limit` in all; unchanged rows are only counted."""
        renamed = [p for p in self.planned if p.renamed]
        others = [p for p in self.planned if not p.renamed and (p.existing is None or p.changes)]
        shown = renamed + others[: max(limit - len(renamed), 0)]
        return sorted(shown, key=lambda p: p.row)

    @property
    def party_by_default(self) -> list[int]:
        """Rows of new members whose blank 党员 cell makes them party members by default."""
        return [p.row for p in self.planned if p.party_by_default]

    @property
    def passwords_ignored(self) -> list[int]:
        """Rows of existing members whose initial password cell was not used."""
        return [p.row for p in self.planned if p.existing and p.password]


def passwords_ignored_message(report: ImportReport) -> str:
    return _(
        "Initial passwords are set only for new members: the password on rows %(rows)s (existing members) was not used."
    ) % {"rows": ", ".join(str(row) for row in report.passwords_ignored)}


def _label(key: str) -> str:
    """ "Unit (单位)" on an English page, "单位" on a Chinese one."""
    return column_label(COLUMN_NAMES[key], COLUMNS[key][0])


def _unit_match(text: str, *, finder: UnitPathFinder, in_scope: UnitPathFinder) -> PathMatch:
    """The unit a sheet's cell names: by its path from the top, or, for a name without a slash
    that is no top unit, by that name among the importer's units (`in_scope`): the one so named,
    or the several it could be (`candidates`)."""
    match = finder.find(text)
    if match.unit_id is not None or len([part for part in path_parts(text) if part]) != 1:
        return match
    by_name = in_scope.find_by_name(text.strip())
    return by_name if by_name.unit_id is not None or by_name.candidates else match


# The units a name could be, listed in its error: enough to choose, not the whole tree.
SAME_NAME_PATHS_SHOWN = 5


def _same_name_message(name: str, candidates: tuple[int, ...]) -> str:
    units = list(Unit.objects.filter(pk__in=candidates).order_by("path"))
    paths = unit_paths(units)
    shown = [paths[unit.pk] for unit in units[:SAME_NAME_PATHS_SHOWN]]
    listed = pgettext("between unit paths", "; ").join(shown) + ("…" if len(units) > SAME_NAME_PATHS_SHOWN else "")
    return _("Several units you manage are called “%(name)s”: %(paths)s. Write the whole path of the one you mean.") % {
        "name": name,
        "paths": listed,
    }


def _plan_rows(rows, *, by: User, report: ImportReport) -> None:
    seen_numbers: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}
    # Paths in either language (orgs.paths), over the whole tree: a unit outside the organiser's
    # units is found and refused as such, not reported unknown.
    finder = unit_path_finder()
    # A unit's name alone, as a ranking's headcount sheet takes it, where no other unit the
    # organiser manages has that name.
    in_scope = unit_path_finder(listed=set(access.managed_units(by).values_list("pk", flat=True)))
    units_by_path: dict[str, PathMatch] = {}
    units: dict[int, Unit] = {}
    numbers = [cell_text(r.values.get("employee_no"), fold=True) for r in rows]
    existing = {u.employee_no: u for u in User.objects.filter(employee_no__in=numbers).select_related("unit")}
    manageable = set(
        access.manageable_members(by).filter(pk__in=[u.pk for u in existing.values()]).values_list("pk", flat=True)
    )
    candidates = numbers + [cell_text(r.values.get("username"), fold=True) for r in rows]
    taken_usernames = dict(User.objects.filter(username__in=candidates).values_list("username", "pk"))

    def fail(row: int, key: str, message: str) -> None:
        report.errors.append(RowError(row, _label(key), message))

    for sheet_row in rows:
        # The unit path as typed: the path finder folds full-width forms on both sides
        # (orgs.paths.unit_name_key), and an error quotes what the organiser wrote.
        v = {key: cell_text(sheet_row.values.get(key), fold=key != "unit") for key in COLUMNS}
        n = sheet_row.number
        errors_before = len(report.errors)
        if not v["real_name"]:
            fail(n, "real_name", _("The name is blank."))
        for key in ("real_name", "employee_no", "username", "phone"):
            limit = User._meta.get_field(key).max_length
            if len(v[key]) > limit:
                fail(n, key, _("Longer than %(limit)d characters.") % {"limit": limit})
        number = v["employee_no"]
        if not number:
            fail(n, "employee_no", _("The employee number is blank."))
        elif problem := services.employee_no_problem(number):
            fail(n, "employee_no", problem)
        elif number in seen_numbers:
            fail(
                n,
                "employee_no",
                _("Employee number %(no)s appears again (first on row %(row)d).")
                % {"no": number, "row": seen_numbers[number]},
            )
        else:
            seen_numbers[number] = n
        current = existing.get(number)
        if current is not None and current.pk not in manageable:
            if current.unit is None or not access.can_manage_unit(by, current.unit):
                message = _("Employee number %(no)s belongs to a member outside the units you manage.")
            else:
                message = _(
                    "Employee number %(no)s belongs to an account with a role or rights beyond yours;"
                    " you may not change it."
                )
            fail(n, "employee_no", message % {"no": number})

        path = v["unit"]
        if path not in units_by_path:
            units_by_path[path] = _unit_match(path, finder=finder, in_scope=in_scope)
        match = units_by_path[path]
        if match.unit_id and match.unit_id not in units:
            units[match.unit_id] = Unit.objects.get(pk=match.unit_id)
        unit = units.get(match.unit_id)
        if not path:
            fail(n, "unit", _("The unit is blank."))
        elif match.candidates:
            fail(n, "unit", _same_name_message(path, match.candidates))
        elif unit is None:
            fail(
                n,
                "unit",
                _(
                    "Unknown unit path “%(path)s”. %(problem)s Write it from the top, in Chinese or in English,"
                    " like National Audit Office/Guangzhou Resident Office/First Party Branch."
                )
                % {"path": path, "problem": match.explained()},
            )
        elif not access.can_manage_unit(by, unit):
            fail(n, "unit", _("The unit “%(path)s” is outside the units you manage.") % {"path": path})
        elif (current is None or current.unit_id != unit.pk) and (problem := services.unit_closed_problem(unit)):
            # A member already in a closed unit (who stayed when it closed) keeps it: not a placement.
            fail(n, "unit", problem)

        role = ROLE_WORDS.get(v["role"].lower())
        if role is None:
            fail(n, "role", _("Unknown role “%(role)s”: use 成员, 组织者 or 管理员.") % {"role": v["role"]})
        elif unit is not None and role != Role.MEMBER:
            try:
                access.check_can_grant(by, role=role, unit=unit)
            except PermissionDenied as error:
                fail(n, "role", str(error))

        if v["phone"]:
            try:
                phone_validator(v["phone"])
            except ValidationError:
                fail(
                    n,
                    "phone",
                    _(
                        "“%(phone)s” is not a phone number: write a mobile like 13800000001, a landline with"
                        " its area code like 010-12345678, or + and the country code like +852 2123 4567."
                    )
                    % {"phone": v["phone"]},
                )

        party = v["party"].lower()
        if party and party not in YES_WORDS | NO_WORDS:
            fail(n, "party", _("Write 是 or 否 for party membership, not “%(v)s”.") % {"v": v["party"]})
        elif party in NO_WORDS and v["role"] == OLD_MEMBER_ROLE_WORD:
            fail(
                n,
                "party",
                _(
                    "The role says 党员, the old word for the role 成员 (member), and this column says"
                    " “%(v)s”: for a member who is not a party member, write 成员 as the role."
                )
                % {"v": v["party"]},
            )

        username = v["username"] or (current.username if current else number)
        # A username derived from a duplicate employee number is the same problem: report it once.
        if v["username"]:
            try:
                User.username_validator(v["username"])
            except ValidationError:
                fail(n, "username", _("A username may contain only letters, digits and @ . + - _"))
        if username and (v["username"] or seen_numbers.get(number) == n):
            holder = taken_usernames.get(username)
            if username in seen_usernames:
                # Taken by an earlier row of this sheet, not by an account: name that row.
                fail(
                    n,
                    "username",
                    _("The username “%(u)s” appears again (first on row %(row)d).")
                    % {"u": username, "row": seen_usernames[username]},
                )
            elif holder is not None and holder != (current.pk if current else None):
                fail(n, "username", _("The username “%(u)s” is taken.") % {"u": username})
            else:
                seen_usernames[username] = n

        if v["password"] and current is None and len(report.errors) == errors_before:
            try:
                services.check_password_for(v["password"], User(username=username, real_name=v["real_name"]))
            except services.OrgError as error:
                fail(n, "password", error.message)

        report.planned.append(
            PlannedMember(
                row=n,
                real_name=v["real_name"],
                employee_no=number,
                # A unit named alone is shown by its path: the preview says which unit it found.
                unit_path=unit.display_path if unit and unit.depth > 1 and len(path_parts(path)) == 1 else path,
                role=role or Role.MEMBER,
                phone=v["phone"] or None,
                # A new member's blank cell takes the default (the preview names those rows).
                is_party_member=(party in YES_WORDS) if party else (None if current else True),
                party_by_default=not party and current is None,
                username=username,
                password=v["password"],
                existing=current,
                unit=unit,
            )
        )


def _describe_changes(planned: list[PlannedMember]) -> None:
    """Fill each existing member's `changes`: name, unit, phone, party membership, a role added."""
    updates = [p for p in planned if p.existing is not None and p.unit is not None]
    if not updates:
        return
    members = [p.existing for p in updates]
    grants = list(RoleGrant.objects.filter(user__in=members).select_related("unit"))
    held: dict[int, list[tuple[str, int]]] = {}
    for grant in grants:
        held.setdefault(grant.user_id, []).append((grant.role, grant.unit_id))
    units = [m.unit for m in members if m.unit is not None] + [p.unit for p in updates] + [g.unit for g in grants]
    paths = unit_paths(list({unit.pk: unit for unit in units}.values()))

    def roles_text(grants: list[tuple[str, int]]) -> str:
        if not grants:
            return str(Role.MEMBER.label)
        return "; ".join(f"{Role(role).label} · {paths[unit_id]}" for role, unit_id in grants)

    def yes_no(value: bool) -> str:
        return _("yes") if value else _("no")

    for plan in updates:
        member = plan.existing
        changes = plan.changes
        if member.real_name != plan.real_name:
            changes.append(Change(str(COLUMN_NAMES["real_name"]), member.real_name, plan.real_name, "real_name"))
        if member.unit_id != plan.unit.pk:
            old_path = paths.get(member.unit_id, "—")
            changes.append(Change(str(COLUMN_NAMES["unit"]), old_path, plan.unit_path, "unit"))
        if plan.role != Role.MEMBER and (plan.role, plan.unit.pk) not in held.get(member.pk, []):
            grants = held.get(member.pk, [])
            changes.append(
                Change(
                    str(COLUMN_NAMES["role"]),
                    roles_text(grants),
                    roles_text([*grants, (plan.role, plan.unit.pk)]),
                    "role",
                )
            )
        if plan.is_party_member is not None and member.is_party_member != plan.is_party_member:
            changes.append(
                Change(
                    str(COLUMN_NAMES["party"]),
                    yes_no(member.is_party_member),
                    yes_no(plan.is_party_member),
                    "party",
                )
            )
        if plan.phone is not None and member.phone != plan.phone:
            changes.append(Change(str(COLUMN_NAMES["phone"]), member.phone or "—", plan.phone, "phone"))


def _changed(plan: PlannedMember) -> bool:
    member = plan.existing
    return (
        member.real_name != plan.real_name
        or member.unit_id != plan.unit.pk
        or (plan.phone is not None and member.phone != plan.phone)
        or (plan.is_party_member is not None and member.is_party_member != plan.is_party_member)
    )


@transaction.atomic
def _apply(report: ImportReport, *, by: User) -> None:
    new_members = []
    for plan in report.planned:
        if plan.existing is None:
            member = User(
                username=plan.username,
                real_name=plan.real_name,
                employee_no=plan.employee_no,
                unit=plan.unit,
                phone=plan.phone or "",
                is_party_member=plan.is_party_member,
            )
            if plan.password:
                member.set_password(plan.password)
            new_members.append(member)
        elif _changed(plan):
            services.member_update(
                member=plan.existing,
                by=by,
                real_name=plan.real_name,
                phone=plan.phone,
                is_party_member=plan.is_party_member,
                unit=plan.unit,
                reason=_("member import"),
            )
            report.updated += 1
        else:
            report.unchanged += 1
    created = {m.username: m for m in services.member_bulk_create(members=new_members, by=by)}
    report.created = len(created)
    for plan in report.planned:
        if plan.role != Role.MEMBER:
            member = plan.existing or created[plan.username]
            services.role_grant(user=member, role=plan.role, unit=plan.unit, by=by)


def members_import(
    *, file: IO[bytes], by: User, dry_run: bool = False, renames_confirmed: bool = False
) -> ImportReport:
    """Check every row of the workbook; unless `dry_run` or any row is bad, import them all.

    An import that gives existing members new names imports nothing (`renames_unconfirmed`)
    unless the organiser confirmed the renames the preview listed."""
    report = ImportReport()
    try:
        sheet = read_sheet_values(file, max_bytes=settings.MEMBER_IMPORT_MAX_BYTES)
        rows = read_table(sheet.rows, columns=COLUMNS, required=REQUIRED)
    except SpreadsheetError as error:
        report.file_error = str(error)
        return report
    if not rows:
        report.file_error = _("The sheet has a header row but no members under it.")
        return report
    _plan_rows(rows, by=by, report=report)
    if report.ok:
        _describe_changes(report.planned)
    if report.ok and not dry_run and report.renamed and not renames_confirmed:
        report.renames_unconfirmed = True
    elif report.ok and not dry_run:
        try:
            _apply(report, by=by)
        except (services.OrgError, IntegrityError) as error:
            # Checked above; a concurrent change can still collide. The transaction rolled back.
            report.created = report.updated = report.unchanged = 0
            report.file_error = getattr(error, "message", None) or _(
                "Another change to the same members happened at the same time. Nothing was imported; try again."
            )
    return report


PREVIEW_PREFIX = "members-"


def member_import_preview_store(*, data: bytes, replacing: str = "") -> str:
    """Keep a previewed sheet until its confirmation and return its name; `replacing`, the same
    session's earlier preview (which can no longer be confirmed), is deleted."""
    if replacing.startswith(import_files.DIRECTORY + PREVIEW_PREFIX):
        default_storage.delete(replacing)
    return default_storage.save(f"{import_files.DIRECTORY}{PREVIEW_PREFIX}{uuid.uuid4().hex}.xlsx", ContentFile(data))


def member_import_preview_read(name: str) -> bytes | None:
    """The kept sheet `name`, or None once it is gone or its preview window has passed."""
    if not name.startswith(import_files.DIRECTORY + PREVIEW_PREFIX) or not import_files.within_window(name):
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:  # swept at the window's end between the check and the read
        return None


def member_import_previews_sweep(*, at: datetime | None = None) -> int:
    """Delete the previewed sheets never confirmed whose preview window has passed (a confirmed
    sheet is deleted when its import succeeds). Returns how many went."""
    return import_files.stored_files_sweep(prefix=PREVIEW_PREFIX, at=at)


def member_template(*, for_user: User) -> bytes:
    """A workbook with the expected columns and no rows, its examples on a sheet of their own
    (the import reads the first sheet only) with example numbers no real person can hold, and the
    units the user manages, by their paths in the page's language (the import reads either).
    Example rows on the first sheet, uploaded unchanged, overwrote the real members who held their
    numbers."""
    units = list(access.managed_units(for_user).order_by("path")[:2000])
    paths = unit_paths(units)
    example = paths[units[-1].pk] if units else "审计署/广州特派办/第一党支部"
    header = ["姓名", "工号", "单位", "角色", "手机", "党员", "用户名", "初始密码"]
    widths = (12, 12, 44, 10, 16, 8, 14, 14)
    workbook = ExportWorkbook()
    sheet = workbook.sheet("成员 Members", widths=widths)
    sheet.append(
        ["成员导入模板 Member import template：表头下每行一名成员 one member per row below the header"],
        style="title",
    )
    sheet.append(["填写示例见「示例 Example」工作表；只导入本工作表 Only this sheet is imported"], style="title")
    sheet.append(
        [
            "已有成员的空白单元格保留现有值（删除手机号请在成员页面操作）；新成员党员一栏空白即为「是」"
            " Blank cells keep an existing member's current value (remove a phone on the member's page);"
            " a new member's blank 党员 cell means 是 (yes)"
        ],
        style="title",
    )
    sheet.append(header, style="header")
    examples = workbook.sheet("示例 Example", widths=widths)
    examples.append(["示例（不会导入）Examples, never imported: 请在「成员 Members」工作表填写真实成员"], style="title")
    examples.append(header, style="header")
    examples.append(["张伟", "示例001", example, "成员", "13800000001", "是", "", ""])
    examples.append(["李娜", "示例002", example, "组织者", "", "是", "lina", ""])
    listing = workbook.sheet("单位 Units", widths=(60,))
    listing.append(["可用的单位路径 Unit paths you manage"])
    for unit in units:
        listing.append([paths[unit.pk]])
    return workbook.to_bytes()
