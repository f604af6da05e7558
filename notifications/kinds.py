"""The kinds of notification: each says how it reads (title, body) and how it looks (icon).

A new kind is one class here registered with `@register`; services create notifications by its
slug with the params its `title` and `body` need.
"""

from django.utils.translation import gettext as _

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

    @classmethod
    def title(cls, params: dict) -> str:
        return _("Notification")

    @classmethod
    def body(cls, params: dict) -> str:
        return ""


@register
class Reminder(Kind):
    """An organiser asks members to finish a required lesson or an exam. Params: subject, sender,
    deadline (a formatted local time or empty)."""

    slug = "reminder"
    icon = "bi-alarm"

    @classmethod
    def title(cls, params: dict) -> str:
        return _("Reminder: please finish “%(subject)s”") % params

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

    @classmethod
    def title(cls, params: dict) -> str:
        return _("You are invited to the contest “%(contest)s”") % params

    @classmethod
    def body(cls, params: dict) -> str:
        return _("Open the contest on your phone when the host starts it.")


@register
class ResultsPublished(Kind):
    """Params: board."""

    slug = "results_published"
    icon = "bi-bar-chart-steps"

    @classmethod
    def title(cls, params: dict) -> str:
        return _("Results published: %(board)s") % params

    @classmethod
    def body(cls, params: dict) -> str:
        return _("The board is published; see your place on it.")


@register
class CertificateReady(Kind):
    """Params: board."""

    slug = "certificate_ready"
    icon = "bi-award"

    @classmethod
    def title(cls, params: dict) -> str:
        return _("Your certificate for “%(board)s” is ready") % params

    @classmethod
    def body(cls, params: dict) -> str:
        return _("Download it from the board.")


@register
class OnlineContestReminder(Kind):
    """An organiser asks the members who have not started an online contest to take part.
    Params: subject, sender, deadline (a formatted local time), reminder (the request's id)."""

    slug = "online_reminder"
    icon = "bi-alarm"

    @classmethod
    def title(cls, params: dict) -> str:
        return _("Reminder: take part in “%(subject)s”") % params

    @classmethod
    def body(cls, params: dict) -> str:
        return (
            _("%(sender)s reminds you to take part in the online contest “%(subject)s”; it closes at %(deadline)s.")
            % params
        )


@register
class RelayBaton(Kind):
    """The baton of a team relay reached the recipient. Params: contest, team, leg, start_by."""

    slug = "relay_baton"
    icon = "bi-flag"

    @classmethod
    def title(cls, params: dict) -> str:
        return _("The baton is yours: %(team)s, leg %(leg)s") % params

    @classmethod
    def body(cls, params: dict) -> str:
        return _("Run your leg of “%(contest)s” before %(start_by)s.") % params


@register
class RelayStalled(Kind):
    """A holder did not start their leg in time. Params: contest, team, holder, hours."""

    slug = "relay_stalled"
    icon = "bi-hourglass-split"

    @classmethod
    def title(cls, params: dict) -> str:
        return _("%(team)s's baton is stalled") % params

    @classmethod
    def body(cls, params: dict) -> str:
        return _("%(holder)s has not started within %(hours)s hours; skip or replace them with a reason.") % params
