"""Two signups for one subdomain at the same moment, on separate connections: exactly one wins."""

from __future__ import annotations

import threading

from django.db import connection
from rest_framework.test import APIClient

from shared_apps.accounts.models import User
from shared_apps.billing.models import Account
from tenants.models import Provisioning


def test_concurrent_signups_for_one_subdomain_exactly_one_wins(committed_db, monkeypatch):
    from tenants.tasks import provision_store_task

    # The race is about the signup itself; the winner's store is not built here.
    monkeypatch.setattr(provision_store_task, "delay", lambda *args, **kwargs: None)
    emails = [f"racer{index}@race.example" for index in range(2)]
    barrier = threading.Barrier(len(emails))
    results: dict[str, tuple[int, str | None]] = {}

    def attempt(index: int, email: str) -> None:
        try:
            client = APIClient(HTTP_HOST="localhost", REMOTE_ADDR=f"10.0.0.{index + 10}")
            barrier.wait(timeout=10)
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
            results[email] = (response.status_code, response.json().get("code"))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(index, email)) for index, email in enumerate(emails)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(status for status, _code in results.values()) == [202, 409]
        assert [code for status, code in results.values() if status == 409] == ["subdomain_taken"]
        assert Provisioning.objects.filter(subdomain="race-store").count() == 1
        assert Account.objects.filter(provisioning__subdomain="race-store").count() == 1
        assert User.objects.filter(email__in=emails).count() == 1
    finally:
        Account.objects.filter(provisioning__subdomain="race-store").delete()
        Provisioning.objects.filter(subdomain="race-store").delete()
        User.objects.filter(email__in=emails).delete()
