"""Billing writes: self-service signup, plan limits, Stripe Checkout and Portal, webhook events,
the grace period.

The writes live in one module per part: ``common`` (what the parts share), ``plans`` (the plan
whose limits apply, the limit provider), ``signups``, ``subscriptions`` (the Stripe customer,
Checkout and Portal), ``webhooks`` (Stripe events, applied in the order Stripe created them) and
``state`` (billing state → store status, the grace period; the rule is in its module doc). This
package exports what other modules call.
"""

from shared_apps.billing.services.plans import plan_limit, plan_of_store
from shared_apps.billing.services.signups import account_link_store, signup
from shared_apps.billing.services.state import enforce_grace
from shared_apps.billing.services.subscriptions import checkout_start, portal_start
from shared_apps.billing.services.webhooks import webhook_process

__all__ = [
    "account_link_store",
    "checkout_start",
    "enforce_grace",
    "plan_limit",
    "plan_of_store",
    "portal_start",
    "signup",
    "webhook_process",
]
