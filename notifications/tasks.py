"""Email for notifications, sent by the worker when SMTP is configured."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from .models import Notification


@shared_task
def notifications_email(notification_ids: list[int]) -> int:
    """Email each notification not emailed yet; returns how many were sent. Running it twice sends
    nothing more: a notification is marked emailed before the next is sent."""
    sent = 0
    pending = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related("recipient")
    for notification in pending:
        address = notification.recipient.email
        if not address:
            continue
        # In the language the recipient last chose on the site, as the bell shows it to them; the
        # site's default for someone who never chose.
        with translation.override(notification.recipient.language or settings.LANGUAGE_CODE):
            title, body = notification.title, notification.body
        if notification.url:
            body += "\n\n" + settings.SITE_URL.rstrip("/") + notification.url if settings.SITE_URL else ""
        send_mail(title, body, None, [address])
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
