"""The kinds of notification: each says how it reads (title, body) and how it looks (icon).

A new kind is one class registered with `@register` (here, or in the app that sends it): its
`title_text` and `body_text` are formatted with the params services store with the
notification; a kind whose words depend on the params overrides `title` or `body`.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_KINDS: dict[str, type["Kind"]] = {}


def register(cls: type["Kind"]) -> type["Kind"]:
    _KINDS[cls.slug] = cls
    return cls


def kind(slug: str) -> type["Kind"]:
    return _KINDS.get(slug, Kind)


def slugs() -> list[str]:
    return list(_KINDS)


class Kind:
    slug = ""
    icon = "bi-bell"
    title_text = gettext_lazy("Notification")
    body_text = ""

    @classmethod
    def title(cls, params: dict) -> str:
        return str(cls.title_text) % params

    @classmethod
    def body(cls, params: dict) -> str:
        return str(cls.body_text) % params if cls.body_text else ""


@register
class Reminder(Kind):
    """An organiser asks members to finish a required lesson or an exam. Params: subject, sender,
    deadline_at (shown as `deadline`, a local time in the reader's format, or empty; older
    notifications keep `deadline` already written out)."""

    slug = "reminder"
    icon = "bi-alarm"
    title_text = gettext_lazy("Reminder: please finish “%(subject)s”")

    @classmethod
    def body(cls, params: dict) -> str:
        text = _("%(sender)s reminds you to finish “%(subject)s”.") % params
        if params.get("deadline"):
            text += " " + _("It closes at %(deadline)s.") % params
        return text


@register
class ContestInvitation(Kind):
    """Params: contest."""

    slug = "contest_invitation"
    icon = "bi-trophy"
    title_text = gettext_lazy("You are invited to the contest “%(contest)s”")
    body_text = gettext_lazy("Open the contest on your phone when the host starts it.")


@register
class ResultsPublished(Kind):
    """Params: board; for a unit or team ranking also `ranked` ("unit", "team") and for a unit
    ranking `unit`, the ranked unit the recipient belongs to (its members take no place there),
    and `unit_en`, its English name (empty: `unit` in English too); for a correction of a board
    published before, `correction`, the reason given."""

    slug = "results_published"
    icon = "bi-bar-chart-steps"
    title_text = gettext_lazy("Results published: %(board)s")
    body_text = gettext_lazy("The board is published; see your place on it.")

    @classmethod
    def title(cls, params: dict) -> str:
        if "correction" in params:
            return _("Results corrected: %(board)s") % params
        return super().title(params)

    @classmethod
    def body(cls, params: dict) -> str:
        if "correction" in params:
            # A correction publishes a new version over one people have seen: say so, and why.
            return _("The board was corrected (reason: %(correction)s); see your place on it now.") % params
        if params.get("ranked") == "unit" and params.get("unit"):
            return _("The board is published; see where %(unit)s stands on it.") % params
        if params.get("ranked") == "team":
            return _("The board is published; see where your team stands on it.")
        return super().body(params)


@register
class CertificateReady(Kind):
    """Params: board."""

    slug = "certificate_ready"
    icon = "bi-award"
    title_text = gettext_lazy("Your certificate for “%(board)s” is ready")
    body_text = gettext_lazy("Download it from the board.")


@register
class OnlineContestReminder(Kind):
    """An organiser asks the members who have not started an online contest to take part.
    Params: subject, subject_en, sender, deadline_at (shown as `deadline`, a local time in the
    reader's format; older notifications keep `deadline` already written out), reminder (the
    request's id)."""

    slug = "online_reminder"
    icon = "bi-alarm"
    title_text = gettext_lazy("Reminder: take part in “%(subject)s”")
    body_text = gettext_lazy(
        "%(sender)s reminds you to take part in the online contest “%(subject)s”; it closes at %(deadline)s."
    )


@register
class RelayBaton(Kind):
    """The baton of a team relay reached the recipient. Params: contest, team (team_en: its English
    name, `contests.models.english_team_name`), leg, start_by_at
    (shown as `start_by`; older notifications keep `start_by` already written out)."""

    slug = "relay_baton"
    icon = "bi-flag"
    title_text = gettext_lazy("The baton is yours: %(team)s, leg %(leg)s")
    body_text = gettext_lazy("Run your leg of “%(contest)s” before %(start_by)s.")


@register
class RelayStalled(Kind):
    """A holder did not start their leg in time. Params: contest, team (and team_en), holder, hours."""

    slug = "relay_stalled"
    icon = "bi-hourglass-split"
    title_text = gettext_lazy("%(team)s's baton is stalled")
    body_text = gettext_lazy("%(holder)s has not started within %(hours)s hours; skip or replace them with a reason.")
