"""Every write to notifications: send, mark read, remind a unit, announce published results."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lessons.models import Lesson, Paper
from orgs import access
from orgs.models import Unit, User

from .kinds import kind as kind_class
from .models import Notification, ReminderSent


class NotificationRejected(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def email_enabled() -> bool:
    """Email goes out only when an SMTP host is configured; otherwise notifications stay in-app."""
    return bool(settings.EMAIL_HOST)


def notify(
    *, recipients: Iterable[User], kind: str, params: dict, url: str = "", urls: dict[int, str] | None = None
) -> list[Notification]:
    """Create one notification per recipient (each once), pointing at `url` or at the recipient's
    own in `urls` (by user id), and email those with an address after the transaction commits,
    when SMTP is configured."""
    if kind_class(kind).slug != kind:
        raise ValueError(f"unknown notification kind {kind!r}")
    seen = set()
    rows = []
    for recipient in recipients:
        if recipient.pk not in seen:
            seen.add(recipient.pk)
            own_url = (urls or {}).get(recipient.pk, url)
            rows.append(Notification(recipient=recipient, kind=kind, params=params, url=own_url))
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    if email_enabled():
        ids = [n.pk for n in created if n.pk and n.recipient.email]
        if ids:
            from .tasks import notifications_email

            transaction.on_commit(lambda: notifications_email.delay(ids))
    return created


def unread_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read, or all of them when no id is given."""
    unread = unread_for(user)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


def _subject_key(subject: Lesson | Paper) -> str:
    return f"lesson:{subject.pk}" if isinstance(subject, Lesson) else f"paper:{subject.pk}"


def reminder_next_allowed_at(*, unit: Unit, subject: Lesson | Paper):
    """When a reminder for this unit and subject may next be sent (None: now)."""
    return reminders_next_allowed([(unit, subject)])[0]


def reminders_next_allowed(pairs: Iterable[tuple[Unit, Lesson | Paper]]) -> list[datetime | None]:
    """`reminder_next_allowed_at` for each (unit, subject) of `pairs`, in their order, in one
    query: a completion report or a home lists many units and subjects at once."""
    pairs = [(unit.pk, _subject_key(subject)) for unit, subject in pairs]
    units_by_subject: dict[str, set[int]] = {}
    for unit_id, key in pairs:
        units_by_subject.setdefault(key, set()).add(unit_id)
    sent = Q(pk__in=[])
    for key, unit_ids in units_by_subject.items():
        sent |= Q(subject_key=key, unit_id__in=unit_ids)
    interval = timedelta(hours=settings.NOTIFICATION_REMINDER_INTERVAL_H)
    now = timezone.now()
    last = {
        (row["unit_id"], row["subject_key"]): row["last"]
        for row in ReminderSent.objects.filter(sent)
        .values("unit_id", "subject_key")
        .annotate(last=Max("sent_at"))
        .order_by()
    }
    allowed = [last[pair] + interval if pair in last else None for pair in pairs]
    return [at if at is not None and at > now else None for at in allowed]


@transaction.atomic
def reminder_send(*, by: User, unit: Unit, subject: Lesson | Paper) -> int:
    """Remind the members of `unit` who have not finished a required lesson or an exam; returns
    how many were reminded. Once per unit and subject every `NOTIFICATION_REMINDER_INTERVAL_H`
    hours: holds the unit's row lock while checking, so two clicks at once send one reminder."""
    from quizsite.selectors import members_not_finished, subject_reaches

    if not access.can_manage_unit(by, unit):
        raise NotificationRejected("forbidden", _("You do not look after this unit."))
    if not subject_reaches(subject, unit):
        # Any id may be posted: name nothing of another unit's lesson or exam.
        raise NotificationRejected("not_for_unit", _("This lesson or exam is not for this unit's members."))
    if isinstance(subject, Paper) and subject.mode != Paper.Mode.EXAM:
        raise NotificationRejected("not_an_exam", _("Reminders are for required lessons and exams."))
    if isinstance(subject, Lesson) and not subject.required:
        raise NotificationRejected("not_required", _("Reminders are for required lessons and exams."))
    if isinstance(subject, Lesson) and not subject.is_published:
        # Its link would lead members to a lesson they cannot open.
        raise NotificationRejected(
            "not_published", _("This micro-class is a draft: publish it before reminding anyone.")
        )
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    next_at = reminder_next_allowed_at(unit=unit, subject=subject)
    if next_at is not None:
        raise NotificationRejected(
            "too_soon",
            _("%(unit)s was reminded about “%(subject)s” recently; you can remind them again after %(at)s.")
            % {
                "unit": unit.display_name,
                "subject": subject.display_title,
                "at": formats.date_format(timezone.localtime(next_at), "SHORT_DATETIME_FORMAT"),
            },
        )
    members = members_not_finished(unit=unit, subject=subject)
    if not members:
        raise NotificationRejected(
            "nobody",
            _("Everyone in %(unit)s has finished “%(subject)s”.")
            % {"unit": unit.display_name, "subject": subject.display_title},
        )
    closes = subject.publish_until if isinstance(subject, Lesson) else subject.closes_at
    url = reverse("lessons:player", args=[subject.pk]) if isinstance(subject, Lesson) else reverse("lessons:study_home")
    notify(
        recipients=members,
        kind="reminder",
        params={
            "subject": subject.title,
            "subject_en": subject.title_en,
            "sender": by.display_name,
            "deadline_at": closes.isoformat() if closes else None,  # written in the reader's language when shown
        },
        url=url,
    )
    ReminderSent.objects.create(
        unit=unit, subject_key=_subject_key(subject), sent_by=by, sent_at=timezone.now(), recipients=len(members)
    )
    return len(members)


def results_published(*, snapshot, replaced=None) -> int:
    """Tell the people a newly published board is about: its ranked members, the players of its
    ranked teams (a relay's: who ran its legs, `rankings.selectors.team_people`), or the active
    members of its ranked units' subtrees. `replaced`: the version it corrects (just superseded,
    with its reason), so the notice says it is a correction and why."""
    from rankings.models import RankingRule
    from rankings.selectors import team_people

    rule = snapshot.rule
    subject_ids = list(snapshot.rows.values_list("subject_id", flat=True))
    url = reverse("rankings:board", args=[rule.slug])
    params = {"board": rule.title, "board_en": rule.title_en}
    if replaced is not None:
        params["correction"] = replaced.supersede_reason or "-"
    if rule.subject == RankingRule.Subject.UNIT:
        # Members take no place in a unit ranking: each is told of their own unit's, by name
        # (ranked units are of one level, so no one is in two of them).
        created = []
        units = Unit.objects.filter(pk__in=subject_ids).values_list("path", "name", "name_en")
        for path, name, name_en in units:
            recipients = User.objects.filter(unit__path__startswith=path, is_active=True)
            unit_params = {**params, "ranked": "unit", "unit": name, "unit_en": name_en}
            created += notify(recipients=recipients, kind="results_published", params=unit_params, url=url)
        return len(created)
    urls = None
    if rule.subject == RankingRule.Subject.MEMBER:
        recipients = User.objects.filter(pk__in=subject_ids, is_active=True)
        # Each member's own row, on the board's page holding it, highlighted (as the home's My place links).
        urls = {pk: f"{url}?mine=1&highlight={pk}#board-row-{pk}" for pk in subject_ids}
    else:
        member_ids = {member_id for member_id, _team in team_people(snapshot, subject_ids)}
        recipients = User.objects.filter(pk__in=member_ids, is_active=True)
        params["ranked"] = "team"
    created = notify(recipients=recipients.distinct(), kind="results_published", params=params, url=url, urls=urls)
    _certificates_ready(snapshot, replaced=replaced)
    return len(created)


def _certificates_ready(snapshot, *, replaced=None) -> None:
    """Members who won a prize (or whose team did, as `results_published` finds a team's people)
    may download their certificate now. After a correction (`replaced`), only those whose prize
    it changed or newly gave: the others' certificates read as before."""
    from rankings.models import RankingRule
    from rankings.selectors import team_people

    rule = snapshot.rule
    prizes = snapshot.rows.exclude(prize="").values_list("subject_id", "prize")
    before = dict(replaced.rows.values_list("subject_id", "prize")) if replaced is not None else {}
    winners = [subject_id for subject_id, prize in prizes if before.get(subject_id, "") != prize]
    if rule.subject == RankingRule.Subject.MEMBER:
        places = [(member_id, member_id) for member_id in winners]
    elif rule.subject == RankingRule.Subject.TEAM:
        places = team_people(snapshot, winners)
    else:
        return
    people = User.objects.filter(is_active=True).in_bulk([member_id for member_id, _subject in places])
    for member_id, subject_id in places:
        if member_id in people:
            notify(
                recipients=[people[member_id]],
                kind="certificate_ready",
                params={"board": rule.title, "board_en": rule.title_en},
                url=reverse("rankings:certificate", args=[rule.slug, subject_id]),
            )


def contest_invited(*, contest, members: Iterable[User]) -> int:
    """Tell the members put on a contest's team that they will play, with the way in."""
    url = reverse("contests:play", args=[contest.join_code])
    return len(
        notify(
            recipients=members,
            kind="contest_invitation",
            params={"contest": contest.title, "contest_en": contest.title_en},
            url=url,
        )
    )
