"""The leads demo seeder: two weeks of leads in every status, distributed by the store's rules, the
lost ones with a reason, the converted ones with their customer, nothing left for the jobs to do."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tenant_apps.leads import services
from tenant_apps.leads.demo import LEADS, seed_leads
from tenant_apps.leads.models import DistributionRule, Lead
from tenant_apps.workspace.demo import DemoContext, registered_seeders

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 4, 8, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_leads_seeder_runs_after_customers():
    names = [name for name, _func in registered_seeders()]
    assert names.index("customers") < names.index("leads")


def test_demo_leads_come_in_every_status(store_a, users, in_store, time_machine):
    time_machine.move_to(NOW, tick=False)
    members = {
        "salesperson": (users.a_sales, users.a_sales2),
        "supervisor": (users.a_supervisor,),
        "admin": (users.a_admin,),
    }
    ctx = DemoContext(store=store_a, members=members, rng=random.Random(11), customers=0, orders=0, seed=11, now=NOW)
    with in_store(store_a):
        assert seed_leads(ctx)

        leads = list(Lead.objects.all())
        assert len(leads) == LEADS
        assert {lead.status for lead in leads} == set(Lead.Status.values)
        assert all(lead.lost_reason for lead in leads if lead.status == "lost")
        assert all(lead.customer_id for lead in leads if lead.status == "converted")
        assert all(lead.owner_id for lead in leads)
        assert min(lead.received_at for lead in leads) < NOW - timedelta(days=10)
        assert DistributionRule.objects.filter(members=[users.a_supervisor.pk]).exists()
        # A fresh demo gives the jobs nothing to do a quarter of an hour later.
        assert services.reassign_unanswered(at=NOW + timedelta(minutes=15))["reassigned"] == 0
        assert services.distribute_queue(at=NOW + timedelta(minutes=15))["assigned"] == 0
