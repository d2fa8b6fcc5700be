"""Celery tasks of notifications. They run in the store schema they were sent from
(tenant-schemas-celery) and take ids only."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from tenant_apps.notifications import services


@shared_task(
    name="notifications.send_emails",
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email the given notifications; those already emailed are skipped, so retries are safe."""
    return services.email_notifications(notification_ids=notification_ids)


@shared_task(name="notifications.send_sms", acks_late=True)
def send_sms(message_ids: list[int]) -> list[str]:
    """Send queued SMS; a sent or failed one is left as it is, so a redelivery sends nothing twice."""
    return [services.sms_deliver(message_id=pk) for pk in message_ids]
