"""Reminding an online contest's members who have not started: one organiser action, sent by the
worker, at most once per contest in `ONLINE_REMINDER_INTERVAL_MIN` minutes."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lessons.models import Attempt, Paper
from notifications.models import Notification, ReminderSent
from notifications.services import NotificationRejected, notify
from orgs import access
from orgs.models import User

from .models import OnlineContest
from .services import _audit

KIND = "online_reminder"


def subject_key(contest: OnlineContest) -> str:
    return f"online:{contest.pk}"


def members_not_started(contest: OnlineContest) -> QuerySet[User]:
    """Active members of the audience (party members only if the contest is) with no attempt yet."""
    paths = Q(pk__in=[])
    for path in contest.audience.values_list("path", flat=True):
        paths |= Q(unit__path__startswith=path)
    members = User.objects.filter(paths, is_active=True)
    if contest.party_members_only:
        members = members.filter(is_party_member=True)
    started = Attempt.objects.filter(paper_id=contest.paper_id).values("member_id")
    return members.exclude(pk__in=started)


def reminder_last(contest: OnlineContest) -> ReminderSent | None:
    return ReminderSent.objects.filter(subject_key=subject_key(contest)).order_by("-sent_at").first()


def reminder_next_allowed_at(contest: OnlineContest, *, at: datetime | None = None) -> datetime | None:
    """When the next reminder for this contest may be sent (None: now)."""
    last = reminder_last(contest)
    if last is None:
        return None
    allowed = last.sent_at + timedelta(minutes=settings.ONLINE_REMINDER_INTERVAL_MIN)
    return allowed if allowed > (at or timezone.now()) else None


@transaction.atomic
def online_reminder_request(*, contest: OnlineContest, by: User, at: datetime | None = None) -> ReminderSent:
    """Record a reminder to everyone in the audience who has not started, and have the worker
    send it once this commits. Holds the paper's row lock while checking, so two clicks at once
    make one reminder; refused within the interval, after the window and when nobody is left."""
    at = at or timezone.now()
    paper = Paper.objects.select_for_update().get(pk=contest.paper_id)
    if not access.can_manage_unit(by, paper.unit):
        raise NotificationRejected("forbidden", _("You do not look after this unit."))
    if paper.closes_at <= at:
        raise NotificationRejected("closed", _("The contest has closed: there is nobody left to remind."))
    next_at = reminder_next_allowed_at(contest, at=at)
    if next_at is not None:
        raise NotificationRejected(
            "too_soon",
            _("A reminder went out recently; you can send the next one after %(at)s.")
            % {"at": formats.date_format(timezone.localtime(next_at), "SHORT_DATETIME_FORMAT")},
        )
    count = members_not_started(contest).count()
    if not count:
        raise NotificationRejected("nobody", _("Everyone in the audience has started."))
    reminder = ReminderSent.objects.create(
        unit=paper.unit, subject_key=subject_key(contest), sent_by=by, sent_at=at, recipients=count
    )
    _audit(contest, by, "reminder_sent", recipients=count)
    from contests.tasks import online_reminder_deliver

    transaction.on_commit(lambda: online_reminder_deliver.delay(reminder.pk))
    return reminder


def online_reminder_deliver(*, reminder_id: int) -> int:
    """Notify (in-app, and by email where configured) the members who have not started, except
    those this reminder already reached: running it twice notifies nobody twice. Returns how many
    were notified now; nothing when the reminder or its contest is gone."""
    reminder = ReminderSent.objects.filter(pk=reminder_id).select_related("sent_by").first()
    if reminder is None or not reminder.subject_key.startswith("online:"):
        return 0
    contest = OnlineContest.objects.select_related("paper").filter(pk=int(reminder.subject_key[7:])).first()
    if contest is None:
        return 0
    reached = Notification.objects.filter(kind=KIND, params__reminder=reminder.pk).values("recipient_id")
    recipients = list(members_not_started(contest).exclude(pk__in=reached))
    created = notify(
        recipients=recipients,
        kind=KIND,
        params={
            "subject": contest.title,
            "subject_en": contest.paper.title_en,
            "sender": reminder.sent_by.display_name if reminder.sent_by else "",
            # Written out in each reader's language when shown (quizsite.naming.in_language_params).
            "deadline_at": contest.paper.closes_at.isoformat(),
            "reminder": reminder.pk,
        },
        url=reverse("contests:online_home", args=[contest.pk]),
    )
    return len(created)
