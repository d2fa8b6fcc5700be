"""Idempotency-Key on POST: replay, reuse with another body, scope per store and caller,
retention, and concurrent requests over real connections."""

from __future__ import annotations

import http.client
import json
import threading
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.accounts import idempotency
from shared_apps.accounts.models import ApiToken, IdempotencyRecord, User
from tenant_apps.leads.models import Lead
from tests.conftest import STORE_A, user_email
from tests.e2e.conftest import live_app  # noqa: F401  (the app served in a thread)

URL = "/api/v1/leads"


def _lead(**fields) -> dict:
    return {"channel": "tmall", "name": "Ms Wang", "source": "ad", **fields}


def _post(client, body, key):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_answer_and_runs_nothing(api, users, store_a, in_store):
    client = api(users.a_admin, store_a)

    first = _post(client, _lead(wechat_id="wx-idem-1"), "k-1")
    again = _post(client, _lead(wechat_id="wx-idem-1"), "k-1")

    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    with in_store(store_a):
        assert Lead.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422_and_runs_nothing(api, users, store_a, in_store):
    client = api(users.a_admin, store_a)
    _post(client, _lead(wechat_id="wx-idem-2"), "k-2")

    response = _post(client, _lead(wechat_id="wx-idem-3"), "k-2")

    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "idempotency_key_reused"
    with in_store(store_a):
        assert list(Lead.objects.values_list("wechat_id", flat=True)) == ["wx-idem-2"]


@pytest.mark.django_db
def test_a_refused_request_is_replayed_as_refused(api, users, store_a, in_store):
    client = api(users.a_admin, store_a)

    first = _post(client, _lead(), "k-bad")
    again = _post(client, _lead(), "k-bad")

    assert first.status_code == 400
    assert again.status_code == 400 and again.json() == first.json()


@pytest.mark.django_db
def test_keys_are_per_caller_and_per_store(api, users, store_a, store_b, in_store):
    _post(api(users.a_admin, store_a), _lead(wechat_id="wx-idem-4"), "shared")

    other_caller = _post(api(users.a_supervisor, store_a), _lead(wechat_id="wx-idem-5"), "shared")
    other_store = _post(api(users.b_admin, store_b), _lead(wechat_id="wx-idem-6"), "shared")

    assert other_caller.status_code == 201 and "Idempotent-Replayed" not in other_caller
    assert other_store.status_code == 201 and "Idempotent-Replayed" not in other_store
    with in_store(store_a):
        assert Lead.objects.count() == 2
    with in_store(store_b):
        assert Lead.objects.count() == 1


@pytest.mark.django_db
def test_without_the_header_nothing_is_kept(api, users, store_a):
    api(users.a_admin, store_a).post(URL, _lead(wechat_id="wx-idem-7"), format="json")

    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256])
def test_a_bad_key_is_refused(api, users, store_a, in_store, key):
    response = _post(api(users.a_admin, store_a), _lead(wechat_id="wx-idem-8"), key)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    with in_store(store_a):
        assert not Lead.objects.exists()


@pytest.mark.django_db
def test_after_24_hours_the_key_runs_again_and_the_purge_removes_old_answers(api, users, store_a, in_store):
    start = timezone.now() + timedelta(days=1)
    client = api(users.a_admin, store_a)
    with time_machine.travel(start, tick=False):
        _post(client, _lead(wechat_id="wx-idem-9"), "k-old")
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        assert _post(client, _lead(wechat_id="wx-idem-10"), "k-old").status_code == 422
    with time_machine.travel(start + timedelta(hours=25), tick=False):
        assert _post(client, _lead(wechat_id="wx-idem-10"), "k-old").status_code == 201
    with time_machine.travel(start + timedelta(hours=26), tick=False):
        _post(client, _lead(wechat_id="wx-idem-11"), "k-other")

    assert idempotency.purge(at=start + timedelta(hours=49, minutes=30)) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-other"]
    with in_store(store_a):
        assert Lead.objects.count() == 3


def test_concurrent_requests_with_one_key_run_once(committed_db, live_app):  # noqa: F811
    from django.conf import settings

    from shared_apps.accounts.services import token_create
    from tenants.models import Store

    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    admin = User.objects.get(email=user_email("a_admin"))
    token, value = token_create(user=admin, name="race")
    body = json.dumps(_lead(wechat_id="wx-race-1"))
    host = f"{STORE_A['subdomain']}.{settings.BASE_DOMAIN}:{live_app}"
    count = 6
    barrier = threading.Barrier(count)
    answers: list = [None] * count

    def send(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", live_app, timeout=30)
        connection.connect()
        barrier.wait(timeout=10)
        connection.request(
            "POST",
            URL,
            body=body,
            headers={
                "Host": host,
                "Authorization": f"Bearer {value}",
                "Content-Type": "application/json",
                "Idempotency-Key": "race-key",
            },
        )
        response = connection.getresponse()
        answers[index] = (response.status, response.getheader("Idempotent-Replayed"), json.loads(response.read()))
        connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        statuses = [answer[0] for answer in answers]
        assert set(statuses) <= {201, 409}, answers
        ran = [answer for answer in answers if answer[0] == 201 and answer[1] is None]
        assert len(ran) == 1, answers
        for status, _replayed, payload in answers:
            if status == 409:
                assert payload["code"] == "idempotency_in_progress"
            else:
                assert payload["id"] == ran[0][2]["id"]
        with tenant_context(store):
            assert Lead.objects.filter(wechat_id="wx-race-1").count() == 1
    finally:
        IdempotencyRecord.objects.filter(key="race-key").delete()
        ApiToken.objects.filter(pk=token.pk).delete()
