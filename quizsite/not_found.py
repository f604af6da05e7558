"""What the product says for a thing that is not there (or not there for you), by the model a view
looked for: Django's `get_object_or_404` words it from the model's class name, untranslated
("No Attempt matches the given query."). Kept apart from the API's error shape so that
`orgs.access` can use it without importing DRF."""

import re

from django.utils.translation import gettext_lazy as _

# `orgs.access.not_found` answers with these for what lies outside a user's view, as the API
# does for a missing id.
NOT_FOUND = {
    "Attempt": _("No such attempt, or it is not yours to see."),
    "Paper": _("No such paper, or it is not open to you."),
    "NotebookEntry": _("No such question in your wrong-answer notebook."),
    "Lesson": _("No such micro-class, or it is not open to you."),
    "Series": _("No such lecture series, or it is not open to you."),
    "Call": _("No such call for entries, or it is not open to you."),
    "Entry": _("No such entry, or it is not yours to see."),
    "Contest": _("No such contest, or it is not yours to see."),
    "OnlineContest": _("No such online contest, or it is not open to you."),
    "OnlineAttempt": _("No such contest attempt, or it is not yours to see."),
    "RelayTeam": _("No such relay team, or it is not yours to see."),
    "RelayLeg": _("No such relay leg, or it is not yours to see."),
    "Snapshot": _("No such ranking, or it is not published to you."),
    "RankingRun": _("No such ranking computation, or it is not yours to see."),
    "User": _("No such member, or they are not in the units you manage."),
    "Unit": _("No such unit, or it is not in your view."),
    "ApiToken": _("No such access token, or it is not yours."),
}
NOT_FOUND_ANYTHING = _("Nothing was found here, or it is not yours to see.")
DJANGO_NOT_FOUND = re.compile(r"^No (\w+) matches the given query\.$")


def not_found_message(model_name: str | None = None) -> str:
    """A plain 404 message in the request's language for the model's name (any other: a general one)."""
    return str(NOT_FOUND.get(model_name or "", NOT_FOUND_ANYTHING))
