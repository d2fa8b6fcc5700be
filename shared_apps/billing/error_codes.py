from enum import StrEnum


class BillingErrorCode(StrEnum):
    EMAIL_TAKEN = "email_taken"
    UNKNOWN_PLAN = "unknown_plan"
    BILLING_DISABLED = "billing_disabled"
    BILLING_UNAVAILABLE = "billing_unavailable"
    BAD_SIGNATURE = "bad_signature"
    PLAN_LIMIT_REACHED = "plan_limit_reached"
