"""Writes of the shared pool: releases, claims and their decisions, and the automatic jobs.

Lock order, the same everywhere so that two writers never wait on each other in a cycle:
the applicant's advisory lock (claims filed or approved for one salesperson, so that the cap and
the daily limit cannot be passed by two requests at once), then the customer row, then claim rows.
The jobs lock each customer with ``SKIP LOCKED`` and check it again before acting, so two runs at
once (or a run and a person) never release a customer twice.

Every function takes ``at`` (None means now): the moment the action happens, used for the
records and for the rules ("today", cooldowns, deadlines).

One module per part: ``common`` (locks, approvers, the cap, the release itself),
``releases``, ``claims``, ``policies``, ``automatic`` (deadlines, automatic releases and
warnings) and ``handover``. This package exports what other modules call.
"""

from tenant_apps.pool.services.automatic import release_due_customers, return_unvisited_customers, send_release_warnings
from tenant_apps.pool.services.claims import (
    claim_approve,
    claim_cancel,
    claim_create,
    claim_reject,
    pool_reassign_customer,
)
from tenant_apps.pool.services.common import customer_url
from tenant_apps.pool.services.handover import release_many
from tenant_apps.pool.services.policies import grade_policies_update
from tenant_apps.pool.services.releases import release_customer

__all__ = [
    "claim_approve",
    "claim_cancel",
    "claim_create",
    "claim_reject",
    "customer_url",
    "grade_policies_update",
    "pool_reassign_customer",
    "release_customer",
    "release_due_customers",
    "release_many",
    "return_unvisited_customers",
    "send_release_warnings",
]
