"""The HQ console's demo seeder: one HQ announcement to every store, made once."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from hq_console.demo import seed_hq_announcement
from hq_console.models import HqAnnouncement
from tenant_apps.workspace.demo import DemoContext

pytestmark = pytest.mark.django_db


def _ctx(store, members):
    return DemoContext(
        store=store, members=members, rng=random.Random(1), customers=0, orders=0, seed=1, now=timezone.now()
    )


def test_the_hq_announcement_goes_to_every_store_and_is_made_once(store_a, store_b, users, in_store):
    made = []
    for store, admin in ((store_a, users.a_admin), (store_b, users.b_admin)):
        with in_store(store):
            made.append(seed_hq_announcement(_ctx(store, {"admin": (admin,)})))
    assert made[0] and made[1] is None
    assert HqAnnouncement.objects.filter(all_stores=True).count() == 1
