"""Notifications: the one service every module calls to tell people something.

``notify`` writes rows in the current store's schema inside the caller's transaction and, when
asked, queues the email only after that transaction commits (side effects after commit).

Titles and bodies may be lazy translations (``gettext_lazy`` / ``format_lazy``): they are kept as
message ids and parameters (``messages.encode``) and shown in the reader's language; the ``title``
and ``body`` columns hold the recipient's copy (``User.language``, else the active language).

The writes live in one module per part: ``common`` (the store's schema, recipients, the digest
window), ``notifying``, ``emails``, ``preferences``, ``sms_templates`` and ``sms_sending``. This
package exports what other modules call.
"""

from tenant_apps.notifications.services.emails import email_notifications, purge_read, send_digests
from tenant_apps.notifications.services.notifying import mark_read, notify
from tenant_apps.notifications.services.preferences import preferences_get, preferences_update
from tenant_apps.notifications.services.sms_sending import sms_deliver, sms_send
from tenant_apps.notifications.services.sms_templates import (
    DEFAULT_SMS_TEMPLATES,
    SMS_PLACEHOLDERS,
    SMS_TEMPLATE_FIELDS,
    sms_placeholders,
    sms_settings_get,
    sms_settings_update,
    sms_template_create,
    sms_template_delete,
    sms_template_set,
    sms_template_update,
)

__all__ = [
    "DEFAULT_SMS_TEMPLATES",
    "SMS_PLACEHOLDERS",
    "SMS_TEMPLATE_FIELDS",
    "email_notifications",
    "mark_read",
    "notify",
    "preferences_get",
    "preferences_update",
    "purge_read",
    "send_digests",
    "sms_deliver",
    "sms_placeholders",
    "sms_send",
    "sms_settings_get",
    "sms_settings_update",
    "sms_template_create",
    "sms_template_delete",
    "sms_template_set",
    "sms_template_update",
]
