"""Mixed workload over the load test's stores (``bench/load/setup.py`` makes them).

    .venv/bin/locust -f bench/load/locustfile.py --host http://127.0.0.1:8000 --headless \\
        -u 200 -r 20 -t 10m --csv bench/results/load

Each simulated user is one of the world's store users (two per store: the admin and a
salesperson; 200 users over 100 stores), sending ``Host: <store>.<BASE_DOMAIN>`` to one server
address: browse customers and orders, search, open a customer, create customers, orders and
payment records, the Kanban; a few HQ users (``--hq-users``, default 2) watch the HQ dashboard.
Think time 1-3 s. Every non-2xx answer is a failure in locust's figures.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
from decimal import Decimal
from pathlib import Path

from locust import HttpUser, between, events, task

WORLD_FILE = Path(__file__).resolve().parent.parent / "results" / "load_world.json"
_world: dict = {}
_lock = threading.Lock()
_next_user = itertools.count()


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--world", default=str(WORLD_FILE), help="the file bench.load.setup wrote")


@events.init.add_listener
def _load_world(environment, **_kwargs):
    path = Path(getattr(environment.parsed_options, "world", None) or WORLD_FILE)
    _world.update(json.loads(path.read_text()))
    _world["people"] = [(store, user) for store in _world["stores"] for user in store["users"]]


SEARCHES = ("王", "李", "张", "托盘", "138", "有限公司", "刘", "广州")
RANGES = ("today", "7d", "30d")


class StoreUser(HttpUser):
    """A store member working through the API of their own store."""

    weight = 100
    wait_time = between(1, 3)

    def on_start(self):
        with _lock:
            store, member = _world["people"][next(_next_user) % len(_world["people"])]
        self.host_header = store["host"]
        self.role = member["role"]
        self.headers = {"Host": store["host"], "Authorization": f"Bearer {member['token']}"}
        self.customers = list(member["customers"])
        self.orders: list[int] = []
        self.rng = random.Random()
        products = self._get("/api/v1/products?page_size=20", name="/api/v1/products")
        self.products = [
            (p["id"], Decimal(p["list_price"])) for p in (products or {}).get("results", []) if p.get("active", True)
        ]

    def _get(self, path: str, name: str | None = None):
        with self.client.get(path, headers=self.headers, name=name or path, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            return response.json()

    def _post(self, path: str, body: dict, name: str):
        with self.client.post(path, json=body, headers=self.headers, name=name, catch_response=True) as response:
            if response.status_code not in (200, 201, 202):
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            return response.json()

    @task(6)
    def browse_customers(self):
        # One of the first three pages the store has (a small store has fewer than three).
        page = self.rng.randint(1, getattr(self, "customer_pages", 1))
        found = self._get(f"/api/v1/customers?page={page}&page_size=20", name="/api/v1/customers")
        if found is not None:
            self.customer_pages = max(1, min(3, -(-int(found.get("count", 0)) // 20)))

    @task(4)
    def search_customers(self):
        self._get(f"/api/v1/customers?q={self.rng.choice(SEARCHES)}", name="/api/v1/customers?q=")

    @task(3)
    def open_customer(self):
        if self.customers:
            self._get(f"/api/v1/customers/{self.rng.choice(self.customers)}", name="/api/v1/customers/{id}")

    @task(3)
    def browse_orders(self):
        self._get("/api/v1/orders?page_size=20", name="/api/v1/orders")

    @task(2)
    def create_customer(self):
        mobile = f"13{self.rng.randint(0, 999_999_999):09d}"
        created = self._post(
            "/api/v1/customers",
            {"name": f"压测客户 {mobile[-4:]}", "mobile": mobile, "province": "广东", "city": "广州"},
            name="POST /api/v1/customers",
        )
        if created:
            self.customers.append(created["id"])

    @task(2)
    def create_order_and_payment(self):
        if not self.customers or not self.products:
            return
        product, price = self.rng.choice(self.products)
        order = self._post(
            "/api/v1/orders",
            {
                "customer": self.rng.choice(self.customers),
                "lines": [{"product": product, "quantity": self.rng.randint(1, 20), "unit_price": str(price)}],
                "payment_mode": "prepaid",
                "device": "pc",
            },
            name="POST /api/v1/orders",
        )
        if not order:
            return
        self.orders.append(order["id"])
        amount = (Decimal(order["amount"]) / 2).quantize(Decimal("0.01"))
        self._post(
            f"/api/v1/orders/{order['id']}/payments",
            {"kind": "collection", "amount": str(amount), "method": "bank_transfer"},
            name="POST /api/v1/orders/{id}/payments",
        )

    @task(2)
    def kanban(self):
        self._get(f"/api/v1/kanban?range={self.rng.choice(RANGES)}", name="/api/v1/kanban")

    @task(1)
    def notifications(self):
        self._get("/api/v1/notifications", name="/api/v1/notifications")


class HQUser(HttpUser):
    """HQ watching the company dashboard and the store list."""

    fixed_count = 2
    wait_time = between(2, 5)

    def on_start(self):
        hq = _world["hq"]
        self.headers = {"Host": hq["host"], "Authorization": f"Bearer {hq['token']}"}
        self.rng = random.Random()

    @task(3)
    def dashboard(self):
        with self.client.get(
            f"/api/v1/hq/dashboard?range={self.rng.choice(RANGES)}",
            headers=self.headers,
            name="/api/v1/hq/dashboard",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(1)
    def stores(self):
        with self.client.get(
            "/api/v1/hq/stores", headers=self.headers, name="/api/v1/hq/stores", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
