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
    with translation.override(settings.LANGUAGE_CODE):
        for notification in pending:
            address = notification.recipient.email
            if not address:
                continue
            body = notification.body
            if notification.url:
                body += "\n\n" + settings.SITE_URL.rstrip("/") + notification.url if settings.SITE_URL else ""
            send_mail(notification.title, body, None, [address])
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent
