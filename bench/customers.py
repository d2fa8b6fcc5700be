"""p50/p95 of the customer list and the 360° view on a store with 100,000 customers and 1,000,000 follow-ups.

The store is provisioned through the real path and filled by ``bench.data`` (COPY), once; it is
kept between runs unless ``--drop``. Requests go through the whole Django stack in this process
(``django.test.Client`` with the store's ``Host``, DEBUG off, ``CONN_MAX_AGE`` as configured):

* list API   ``GET /api/v1/customers?q=<term>&grade=B&province=<p>`` with a bearer token, as a
  salesperson (own customers + the pool), a supervisor (team + pool) and the store admin
  (store-wide); terms are what people type: a surname, a given name, a company word, the first
  4 or 7 digits of a mobile number or all 11, the start of a WeChat id -- taken from customers
  the user can see, with the province of that customer most of the time;
* 360° API   ``GET /api/v1/customers/{id}`` for random customers the user can see;
* pages      ``/customers/?q=...&grade=B&province=...`` and the 360° page ``/customers/{id}/``
  (session login).

Every request must answer 200. For each series: wall-clock p50/p95, the share of it spent in
SQL (``connection.execute_wrapper``: time from sending each statement to having its rows),
queries per request, and the slowest statement seen. Targets: p95 < 150 ms for the list API and
the 360° API.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from urllib.parse import urlencode

from bench import common

STORE = "bench-customers"
TARGET_MS = 150


class SqlTimer:
    """Counts the statements of a request and the time they take (execute + fetch of the rows)."""

    def __init__(self):
        self.count = 0
        self.search_path_sets = 0
        self.seconds = 0.0
        self.slowest: tuple[float, str] = (0.0, "")

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.count += 1
            self.seconds += took
            if sql.startswith("SET search_path"):
                self.search_path_sets += 1
            if took > self.slowest[0]:
                self.slowest = (took, sql if params is None else _render(sql, params))


def _render(sql: str, params) -> str:
    try:
        return sql % tuple(repr(p) for p in params) if not isinstance(params, dict) else sql
    except (TypeError, ValueError):
        return sql


def _abbreviate(sql: str) -> str:
    """The statement's start and its WHERE clause onwards (the select list is long)."""
    where = sql.find(" WHERE ")
    if where < 0 or where < 120:
        return sql[:700]
    return (sql[:60] + " … " + sql[where:])[:900]


def ensure_store(customers: int, follow_ups: int):
    from django_tenants.utils import schema_context

    from bench import data
    from tenants.models import Store

    store = Store.objects.filter(subdomain=STORE).first()
    if store is not None:
        with schema_context(store.schema_name):
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT (SELECT count(*) FROM customers_customer), (SELECT count(*) FROM customers_followup)"
                )
                have = cursor.fetchone()
        if have == (customers, follow_ups):
            print(f"reusing store {STORE}: {have[0]} customers, {have[1]} follow-ups", flush=True)
            return store, data.make_team(store), None
        print(f"store {STORE} holds {have}, not ({customers}, {follow_ups}): recreating it", flush=True)
        common.drop_store(store)
    store = data.bench_store(STORE)
    print(f"filling {STORE} with {customers} customers and {follow_ups} follow-ups...", flush=True)
    team = data.make_team(store)
    filled = data.fill_store(store, customers=customers, follow_ups=follow_ups, team=team)
    common.after_bulk_change()
    return store, team, filled


def _sample_customers(access, *, limit: int, seed: int) -> list:
    """Random customers ``access`` may see (id, name, company, mobile, wechat, province)."""
    from django.db import connection

    from tenant_apps.customers.selectors import visible_customers

    qs = visible_customers(access=access).order_by("?")
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [((seed % 1000) / 1000.0)])
    return list(qs.values_list("id", "name", "company", "mobile_normalized", "wechat_id", "province")[:limit])


def search_terms(rows: list, rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(kind, term, province) triples: what a user types to find one of ``rows``."""
    from bench.data import COMPANY_WORDS, REGIONS

    provinces = [p for p, _c in REGIONS]
    kinds = (
        ("surname", 20),
        ("given_name", 20),
        ("company_word", 10),
        ("mobile_7", 20),
        ("mobile_4", 10),
        ("mobile_11", 10),
        ("wechat_prefix", 10),
    )
    names, weights = zip(*kinds, strict=True)
    out = []
    while len(out) < count:
        _id, name, company, mobile, wechat, province = rng.choice(rows)
        kind = rng.choices(names, weights=weights)[0]
        digits = mobile[3:]
        if kind == "surname":
            term = name[:1]
        elif kind == "given_name":
            term = name[1:3]
        elif kind == "company_word":
            term = next((w for w in COMPANY_WORDS if w in company), rng.choice(COMPANY_WORDS))
        elif kind.startswith("mobile"):
            if not digits:
                continue
            term = digits[: int(kind.split("_")[1])]
        else:
            if not wechat:
                continue
            term = wechat[:4]
        out.append((kind, term, province if rng.random() < 0.7 else rng.choice(provinces)))
    return out


def _time_requests(client, paths: list[str], *, warmup: int = 10) -> dict:
    from django.db import connection

    for path in paths[:warmup]:
        client.get(path)
    walls, sqls, queries, sets = [], [], [], []
    slowest: tuple[float, str] = (0.0, "")
    for path in paths:
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = client.get(path)
            wall = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}: {response.content[:300]!r}")
        walls.append(wall)
        sqls.append(timer.seconds)
        queries.append(timer.count)
        sets.append(timer.search_path_sets)
        if timer.slowest[0] > slowest[0]:
            slowest = timer.slowest
    ms = [w * 1000 for w in walls]
    return {
        "n": len(walls),
        "p50_ms": round(common.percentile(ms, 50), 1),
        "p95_ms": round(common.percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
        "sql_share": round(sum(sqls) / sum(walls), 3),
        "sql_p50_ms": round(common.percentile([s * 1000 for s in sqls], 50), 1),
        "sql_p95_ms": round(common.percentile([s * 1000 for s in sqls], 95), 1),
        "queries_median": statistics.median(queries),
        "queries_max": max(queries),
        "search_path_sets_median": statistics.median(sets),
        "slowest_sql_ms": round(slowest[0] * 1000, 1),
        "slowest_sql": _abbreviate(slowest[1]),
    }


def _api_client(user, host: str):
    from django.test import Client

    from shared_apps.accounts.services import token_create

    _token, value = token_create(user=user, name="customers bench", ttl_days=1)
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {value}", HTTP_ACCEPT="application/json")


def _page_client(user, host: str):
    from django.test import Client

    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def run(*, customers: int, follow_ups: int, requests: int, seed: int, pages: bool) -> dict:
    from django_tenants.utils import schema_context

    from shared_apps.accounts.access import resolve_store_access
    from tenants.routing import store_host

    common.prepare(reset=False)
    store, team, filled = ensure_store(customers, follow_ups)
    host = store_host(store.subdomain)
    rng = random.Random(seed)
    with schema_context(store.schema_name):
        from tenant_apps.customers.models import Customer

        owned = {u.pk: Customer.objects.filter(owner_id=u.pk).count() for u in team.salespeople}
        salesperson = sorted(team.salespeople, key=lambda u: owned[u.pk])[len(team.salespeople) // 2]
        people = {"salesperson": salesperson, "supervisor": team.supervisors[0], "admin": team.admin}
        samples = {
            role: _sample_customers(resolve_store_access(user=user, store=store), limit=2000, seed=seed)
            for role, user in people.items()
        }
    print(f"salesperson {salesperson.email} owns {owned[salesperson.pk]} customers", flush=True)

    series: list[dict] = []

    def measure(label: str, role: str, client, paths: list[str]) -> None:
        load_before = os.getloadavg()[0]
        result = _time_requests(client, paths)
        result.update(
            label=label, role=role, load_1m_before=round(load_before, 2), load_1m_after=round(os.getloadavg()[0], 2)
        )
        series.append(result)
        print(
            f"  {label:<14} {role:<11} p50 {result['p50_ms']:7.1f} ms  p95 {result['p95_ms']:7.1f} ms  "
            f"sql {result['sql_share'] * 100:4.0f} %  queries {result['queries_median']:g}  "
            f"(load {load_before:.1f})",
            flush=True,
        )

    terms_by_role = {role: search_terms(samples[role], rng, requests) for role in people}
    for role, user in people.items():
        client = _api_client(user, host)
        list_paths = [
            "/api/v1/customers?" + urlencode({"q": term, "grade": "B", "province": province})
            for _kind, term, province in terms_by_role[role]
        ]
        measure("list API", role, client, list_paths)
        if role != "supervisor":
            ids = [row[0] for row in rng.choices(samples[role], k=requests)]
            measure("360 API", role, client, [f"/api/v1/customers/{pk}" for pk in ids])
            measure("list API bare", role, client, ["/api/v1/customers"] * max(50, requests // 4))
    if pages:
        for role in ("salesperson", "admin"):
            client = _page_client(people[role], host)
            list_paths = [
                "/customers/?" + urlencode({"q": term, "grade": "B", "province": province})
                for _kind, term, province in terms_by_role[role]
            ]
            measure("list page", role, client, list_paths)
            ids = [row[0] for row in rng.choices(samples[role], k=requests)]
            measure("360 page", role, client, [f"/customers/{pk}/" for pk in ids])

    # Which search terms are slow (list API, admin): the p95 per kind of term.
    by_kind = _by_kind(people["admin"], host, terms_by_role["admin"])
    return {
        "store": store.subdomain,
        "customers": customers,
        "follow_ups": follow_ups,
        "fill": filled,
        "requests_per_series": requests,
        "salesperson_owns": owned[salesperson.pk],
        "series": series,
        "list_api_admin_by_term_kind": by_kind,
    }


def _by_kind(user, host: str, terms: list[tuple[str, str, str]]) -> dict:
    client = _api_client(user, host)
    kinds: dict[str, list[str]] = {}
    for kind, term, province in terms:
        kinds.setdefault(kind, []).append(
            "/api/v1/customers?" + urlencode({"q": term, "grade": "B", "province": province})
        )
    out = {}
    for kind, paths in sorted(kinds.items()):
        result = _time_requests(client, paths, warmup=0)
        out[kind] = {k: result[k] for k in ("n", "p50_ms", "p95_ms", "sql_share", "slowest_sql_ms")}
    return out


def report(results: dict) -> None:
    print(
        f"\nStore with {results['customers']:,} customers and {results['follow_ups']:,} follow-ups; "
        f"{results['requests_per_series']} requests per series, in process (django.test.Client), DEBUG off\n"
    )
    rows = []
    for s in results["series"]:
        target = ""
        if s["label"] in ("list API", "360 API"):
            target = "ok" if s["p95_ms"] < TARGET_MS else "MISSED"
        rows.append(
            [
                s["label"],
                s["role"],
                s["n"],
                s["p50_ms"],
                s["p95_ms"],
                f"{s['sql_share'] * 100:.0f} %",
                f"{s['queries_median']:g}/{s['queries_max']} ({s['search_path_sets_median']:g} SET)",
                s["slowest_sql_ms"],
                target,
            ]
        )
    common.print_table(
        ["series", "as", "n", "p50 ms", "p95 ms", "SQL share", "statements med/max", "slowest SQL ms", "< 150 ms"],
        rows,
    )
    print("\nlist API as admin, by kind of search term:")
    common.print_table(
        ["term", "n", "p50 ms", "p95 ms", "SQL share"],
        [
            [k, v["n"], v["p50_ms"], v["p95_ms"], f"{v['sql_share'] * 100:.0f} %"]
            for k, v in results["list_api_admin_by_term_kind"].items()
        ],
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench customers", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--follow-ups", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per series (default 200)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--no-pages", action="store_true", help="skip the HTML pages")
    parser.add_argument("--drop", action="store_true", help="drop the bench store at the end")
    args = parser.parse_args(argv)
    os.environ["DEBUG"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # plain-HTTP requests in process: no redirect to HTTPS
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
    common.setup_django()
    results = run(
        customers=args.customers,
        follow_ups=args.follow_ups,
        requests=args.requests,
        seed=args.seed,
        pages=not args.no_pages,
    )
    report(results)
    if args.drop:
        from tenants.models import Store

        common.drop_store(Store.objects.get(subdomain=STORE))
        common.after_bulk_change()
    common.write_results("customers", results)
    return 0
