"""Two signups for one subdomain at the same moment, on separate connections: exactly one wins."""

from __future__ import annotations

from rest_framework.test import APIClient

from shared_apps.accounts.models import User
from shared_apps.billing.models import Account
from tenants.models import Provisioning
from tests.races import at_once


def test_concurrent_signups_for_one_subdomain_exactly_one_wins(committed_db, monkeypatch):
    from tenants.tasks import provision_store_task

    # The race is about the signup itself; the winner's store is not built here.
    monkeypatch.setattr(provision_store_task, "delay", lambda *args, **kwargs: None)
    emails = [f"racer{index}@race.example" for index in range(2)]

    def attempt(index: int, email: str):
        client = APIClient(HTTP_HOST="localhost", REMOTE_ADDR=f"10.0.0.{index + 10}")

        def post() -> tuple[int, str | None]:
            response = client.post(
                "/api/v1/signup",
                {
                    "company": "Race Co",
                    "store_name": "Race",
                    "subdomain": "race-store",
                    "owner_email": email,
                    "owner_password": "Quiet-Harbour-2026",
                    "plan": "trial",
                },
                format="json",
            )
            return response.status_code, response.json().get("code")

        return post

    try:
        results = at_once(None, *(attempt(index, email) for index, email in enumerate(emails)))
        assert sorted(status for status, _code in results) == [202, 409]
        assert [code for status, code in results if status == 409] == ["subdomain_taken"]
        assert Provisioning.objects.filter(subdomain="race-store").count() == 1
        assert Account.objects.filter(provisioning__subdomain="race-store").count() == 1
        assert User.objects.filter(email__in=emails).count() == 1
    finally:
        Account.objects.filter(provisioning__subdomain="race-store").delete()
        Provisioning.objects.filter(subdomain="race-store").delete()
        User.objects.filter(email__in=emails).delete()
