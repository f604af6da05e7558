"""What every organiser form shares: number fields that state their range when refused, and the
local calendar days a date field takes."""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The local calendar days a date field takes: the local midnight beginning a day, and the one
# ending it, must be instants (0001-01-01 in Beijing is before year 1 in UTC, and 9999-12-31 has
# no next day: both were server errors where they were computed).
FIRST_LOCAL_DAY = date(1900, 1, 1)
LAST_LOCAL_DAY = date(9998, 12, 31)
LOCAL_DAY_ATTRS = {"type": "date", "min": FIRST_LOCAL_DAY.isoformat(), "max": LAST_LOCAL_DAY.isoformat()}


def local_day_problem(day: date | None) -> str | None:
    """Why a day cannot be taken as a local calendar day (`FIRST_LOCAL_DAY` to `LAST_LOCAL_DAY`), or None."""
    if day is None or FIRST_LOCAL_DAY <= day <= LAST_LOCAL_DAY:
        return None
    return _("Enter a date from %(first)s through %(last)s.") % {
        "first": FIRST_LOCAL_DAY.isoformat(),
        "last": LAST_LOCAL_DAY.isoformat(),
    }


def check_local_day(day: date | None) -> None:
    """A date field's validator: `local_day_problem` as a refusal."""
    problem = local_day_problem(day)
    if problem:
        raise forms.ValidationError(problem, code="out_of_range")


RANGE_CODES = ("invalid", "min_value", "max_value", "max_digits", "max_whole_digits")


def _plain(value) -> str:
    """99.5, 100, 9999.99: a bound as people type it (no exponent, no trailing zeros)."""
    if isinstance(value, Decimal | float):
        text = f"{Decimal(str(value)).normalize():f}"
        return text
    return str(value)


def _bound(validators, kind) -> Decimal | int | None:
    limits = [v.limit_value for v in validators if isinstance(v, kind) and not callable(v.limit_value)]
    if not limits:
        return None
    return max(limits) if kind is MinValueValidator else min(limits)


def number_range(field: forms.IntegerField, validators=()) -> tuple[Decimal | int | None, Decimal | int | None]:
    """The lowest and highest number `field` takes: from its own bounds and `validators` (a model
    field's), else, for a decimal, the largest its digits hold."""
    every = [*field.validators, *validators]
    low, high = _bound(every, MinValueValidator), _bound(every, MaxValueValidator)
    digits, places = getattr(field, "max_digits", None), getattr(field, "decimal_places", None)
    if digits is not None:
        largest = Decimal(10) ** (digits - (places or 0)) - Decimal(10) ** -(places or 0)
        high = largest if high is None else min(high, largest)
        low = -largest if low is None else low
    return low, high


# (how the range is bounded, whole numbers only): the message stating it.
RANGE_MESSAGES = {
    ("between", True): gettext_lazy("Type a whole number from %(low)s to %(high)s."),
    ("between", False): gettext_lazy("Type a number from %(low)s to %(high)s."),
    ("at_least", True): gettext_lazy("Type a whole number of %(low)s or more."),
    ("at_least", False): gettext_lazy("Type a number of %(low)s or more."),
    ("at_most", True): gettext_lazy("Type a whole number of at most %(high)s."),
    ("at_most", False): gettext_lazy("Type a number of at most %(high)s."),
}


def _column_limits() -> tuple[set, set]:
    """The lowest and highest numbers of the database's integer columns: bounds no one chose, which
    differ between databases (smallint on PostgreSQL, 64 bits on SQLite); not worth stating."""
    ranges = connection.ops.integer_field_ranges.values()
    return {low for low, _high in ranges if low < 0}, {high for _low, high in ranges}


def _django_defaults(field: forms.Field) -> dict:
    defaults = {}
    for klass in reversed(type(field).__mro__):
        defaults.update(getattr(klass, "default_error_messages", {}))
    return defaults


def say_number_ranges(form: forms.BaseForm) -> None:
    """Give every number field of `form` one message stating the numbers it takes, for whatever
    way a typed number misses them (too big, too small, too many digits, not a number), in place
    of Django's ("Ensure that there are no more than 4 digits in total."). A message the form set
    itself stays. Call under the reader's language, once the form has all its fields."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    for name, field in form.fields.items():
        if not isinstance(field, forms.IntegerField):  # decimals and floats are integer fields too
            continue
        model_validators = ()
        if model is not None:
            try:
                model_validators = model._meta.get_field(name).validators
            except FieldDoesNotExist:
                pass
        low, high = number_range(field, model_validators)
        column_lows, column_highs = _column_limits()
        low = None if low in column_lows else low
        high = None if high in column_highs else high
        if low is None and high is None:
            continue
        whole = not isinstance(field, forms.DecimalField | forms.FloatField)
        shape = ("between" if high is not None else "at_least") if low is not None else "at_most"
        message = str(RANGE_MESSAGES[shape, whole]) % {"low": _plain(low), "high": _plain(high)}
        codes = ["invalid", "max_digits", "max_whole_digits"]
        codes += ["min_value"] if low is not None else []
        codes += ["max_value"] if high is not None else []
        messages = dict.fromkeys(codes, message)
        places = getattr(field, "decimal_places", None)
        if places is not None:
            messages["max_decimal_places"] = _("%(range)s At most %(places)d decimal places.") % {
                "range": message,
                "places": places,
            }
        defaults = _django_defaults(field)
        chosen = {v.code for v in field.validators if getattr(v, "message", None) != getattr(type(v), "message", None)}
        for code, text in messages.items():
            if code in chosen:
                continue  # a validator's own message ("can be at most 1,000,000") says it better
            if code not in field.error_messages or field.error_messages[code] == defaults.get(code):
                field.error_messages[code] = text


class NumberRangeMessages:
    """A form mixin: its number fields say their range when refused (`say_number_ranges`), also
    those its `__init__` adds."""

    def full_clean(self):
        say_number_ranges(self)
        super().full_clean()
