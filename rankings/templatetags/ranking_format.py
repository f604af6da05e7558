"""How a ranking's numbers read on its pages."""

from django import template
from django.template.defaultfilters import floatformat

from rankings.params import RATE_METRICS

register = template.Library()


@register.filter
def metric_value(value, metric: str) -> str:
    """A subject's score under `metric`: a participation rate as a percentage (95%, 95.2%),
    any other metric with up to two decimals; '–' when it has none."""
    if value is None or value == "":
        return "–"
    if metric in RATE_METRICS:
        return f"{floatformat(value * 100, '-1')}%"
    return floatformat(value, "-2")


@register.filter
def prize_name(prize: str, rule) -> str:
    """A snapshot row's prize in the page's language (`RankingRule.display_prize`)."""
    return rule.display_prize(prize) if prize else ""


@register.filter
def stated_below(row, snapshot) -> int | None:
    """The headcount stated for `row`'s unit when more took part (`Snapshot.stated_headcount_below_participants`)."""
    return snapshot.stated_headcount_below_participants(row)


@register.filter
def counted_below(row, snapshot) -> int | None:
    """The headcount counted for `row`'s unit when more took part (`Snapshot.counted_headcount_below_participants`)."""
    return snapshot.counted_headcount_below_participants(row)
