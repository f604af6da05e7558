"""The activity page's sentences: one readable line per `Activity` record, in the page's language.

Each kind's wording is in one place (`SENTENCES`); names are the units' and members' as they are
now when they still exist (in the page's language), as they were then when they are gone."""

import datetime

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from .models import Activity, Role, Unit

Kind = Activity.Kind

SENTENCES = {
    Kind.ROLE_GRANTED: _("%(actor)s granted %(member)s the %(role)s role in %(unit)s on %(when)s"),
    Kind.ROLE_REVOKED: _("%(actor)s took the %(role)s role in %(unit)s from %(member)s on %(when)s"),
    Kind.MEMBER_DEACTIVATED: _("%(actor)s deactivated %(member)s (%(unit)s) on %(when)s"),
    Kind.MEMBER_REACTIVATED: _("%(actor)s reactivated %(member)s (%(unit)s) on %(when)s"),
    Kind.MEMBER_MOVED: _("%(actor)s moved %(member)s from %(from_unit)s to %(unit)s on %(when)s"),
    Kind.MEMBER_ADDED: _("%(actor)s added %(member)s to %(unit)s on %(when)s"),
    Kind.MEMBER_IMPORTED: _("%(actor)s imported %(member)s into %(unit)s on %(when)s"),
    Kind.UNIT_CREATED: _("%(actor)s created %(unit)s under %(to_unit)s on %(when)s"),
    Kind.UNIT_RENAMED: _("%(actor)s renamed %(old_name)s to %(unit)s on %(when)s"),
    Kind.UNIT_KIND_CHANGED: _("%(actor)s changed the type of %(unit)s from %(old_value)s to %(new_value)s on %(when)s"),
    Kind.UNIT_END_DATE_CHANGED: _(
        "%(actor)s changed the end date of %(unit)s from %(old_value)s to %(new_value)s on %(when)s"
    ),
    Kind.UNIT_MOVED: _("%(actor)s moved %(unit)s from under %(from_unit)s to under %(to_unit)s on %(when)s"),
    Kind.UNIT_CLOSED: _("%(actor)s closed %(unit)s on %(when)s"),
    Kind.UNIT_DELETED: _("%(actor)s deleted %(unit)s from under %(from_unit)s on %(when)s"),
}
# The kinds whose sentence says a value before and after (`old_value`, `new_value`).
VALUED = (Kind.UNIT_KIND_CHANGED, Kind.UNIT_END_DATE_CHANGED)
ROLE_WORDS = {
    Role.ORGANISER: pgettext_lazy("role in a sentence", "organiser"),
    Role.ADMINISTRATOR: pgettext_lazy("role in a sentence", "administrator"),
}


def _unit_name(unit: Unit | None, kept: str = "") -> str:
    if unit is not None:
        return unit.display_name
    return kept or pgettext("no parent unit", "the top level")


def _value_words(record: Activity, value: str) -> str:
    """A changed kind's or end date's stored value as words: "Party branch", "2026年12月31日", "none"."""
    if record.kind == Kind.UNIT_KIND_CHANGED:
        return str(Unit.Kind(value).label) if value in Unit.Kind.values else value
    if not value:
        return pgettext("no end date", "none")
    return date_format(datetime.date.fromisoformat(value), pgettext("activity end date", "j M Y"))


def activity_when(at) -> str:
    """ "6 Dec 14:05" (or "12月6日 14:05"), with the year when it is not this one, in TIME_ZONE."""
    local = timezone.localtime(at)
    if local.year == timezone.localdate().year:
        return date_format(local, pgettext("activity time, this year", "j M H:i"))
    return date_format(local, pgettext("activity time, another year", "j M Y H:i"))


def activity_sentence(record: Activity) -> str:
    """The record as a sentence in the page's language. Select `actor`, `member`, `unit`,
    `from_unit` and `to_unit` with it."""
    return str(SENTENCES[record.kind]) % {
        "actor": record.actor.display_name if record.actor else pgettext("who did it", "The system"),
        "member": record.member.display_name if record.member else record.member_name,
        "role": ROLE_WORDS.get(record.role, ""),
        "unit": _unit_name(record.unit, record.name),
        "from_unit": _unit_name(record.from_unit),
        "to_unit": _unit_name(record.to_unit),
        "old_name": record.old_name,
        "old_value": _value_words(record, record.old_value) if record.kind in VALUED else "",
        "new_value": _value_words(record, record.new_value) if record.kind in VALUED else "",
        "when": activity_when(record.at),
    }
