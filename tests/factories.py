"""Builders for test data, all through the real services."""

import itertools
from io import BytesIO

from openpyxl import Workbook

from orgs import services
from orgs.models import Role, Unit, User
from orgs.selectors import unit_by_path

_numbers = itertools.count(1)
PASSWORD = "correct-horse-battery-7"


def unit_at(path: str, kind: str = "branch") -> Unit:
    """The unit at `path`, creating it and any missing ancestors (ancestors as offices)."""
    existing = unit_by_path(path)
    if existing is not None:
        return existing
    parent_path, _, name = path.rpartition("/")
    parent = unit_at(parent_path, kind="office" if "/" in parent_path else "organ") if parent_path else None
    return services.unit_create(name=name, kind=kind if parent else "organ", parent=parent)


def member(unit: Unit | str, *, real_name: str = "", username: str = "", password: str = PASSWORD, **extra) -> User:
    if isinstance(unit, str):
        unit = unit_at(unit)
    n = next(_numbers)
    return services.member_create(
        username=username or f"user{n}",
        real_name=real_name or f"成员{n}",
        employee_no=extra.pop("employee_no", f"T{n:06d}"),
        unit=unit,
        password=password,
        **extra,
    )


def organiser(unit: Unit | str, **kwargs) -> User:
    user = member(unit, **kwargs)
    services.role_grant(user=user, role=Role.ORGANISER, unit=user.unit)
    return user


def administrator(unit: Unit | str, **kwargs) -> User:
    user = member(unit, **kwargs)
    services.role_grant(user=user, role=Role.ADMINISTRATOR, unit=user.unit)
    return user


def workbook(rows: list[list], *, title_rows: list[list] | None = None) -> BytesIO:
    """An in-memory .xlsx with optional title rows above `rows` (whose first row is the header)."""
    book = Workbook()
    sheet = book.active
    for row in (title_rows or []) + rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "members.xlsx"
    return out
