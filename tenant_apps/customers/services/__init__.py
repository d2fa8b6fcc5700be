"""Writes on customers: create and edit with dual verification, follow-ups, tags, merge, reminders.

Every write validates its whole input first and raises ``ValidationFailed`` with per-field errors
before touching the database, so a refused request writes nothing.

Dual verification: within a store a normalised mobile number (E.164, region CN by default) and
each chat id (WeChat, platform chat) identify at most one live customer. The services look the
identifiers up before writing; the partial unique constraints of ``Customer`` are the backstop
when two requests race, and their violation is answered the same way: 409 ``duplicate_customer``
naming the existing customer and its owner (null while it is in the pool).

``access`` is the caller's ``StoreAccess`` (API and pages pass ``request.store_access``). Who may
do what:

* create: ``customers.create``. A salesperson owns what they create; a supervisor owns it unless
  they name a team member (or null: the pool); an admin names any salesperson or supervisor of the
  store, and without one the customer goes to the pool.
* edit / follow-up: ``customers.edit`` / ``followups.create``, on a customer the caller "works on":
  a salesperson their own customers only (not the pool's), a supervisor their team's and the pool's
  (store-wide without teams), an admin every customer.
* merge: ``customers.merge`` (supervisor, admin), both records visible to the caller.
* tags: ``tags.manage``.

One module per part: ``common`` (the caller's rights, mobile numbers, times), ``validation`` (the
profile's checks), ``duplicates`` (dual verification), ``profiles`` (create, edit),
``imports`` (a batch of new customers), ``follow_ups`` (and their reminders), ``tags``,
``merge`` and ``handover``. This package exports what other modules call.
"""

from tenant_apps.customers.services.common import clean_mobile, normalize_mobile, works_on
from tenant_apps.customers.services.duplicates import find_duplicate
from tenant_apps.customers.services.follow_ups import follow_up_add, follow_up_reminders_send
from tenant_apps.customers.services.handover import customers_give_to
from tenant_apps.customers.services.imports import CREATED, customer_create_many
from tenant_apps.customers.services.merge import customer_merge
from tenant_apps.customers.services.profiles import customer_create, customer_update, tags_set
from tenant_apps.customers.services.tags import tag_create, tag_delete, tag_update

__all__ = [
    "CREATED",
    "clean_mobile",
    "customer_create",
    "customer_create_many",
    "customer_merge",
    "customer_update",
    "customers_give_to",
    "find_duplicate",
    "follow_up_add",
    "follow_up_reminders_send",
    "normalize_mobile",
    "tag_create",
    "tag_delete",
    "tag_update",
    "tags_set",
    "works_on",
]
