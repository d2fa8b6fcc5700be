"""Demo data: the stores, people and records ``manage.py seed_demo`` creates so that ``make run``
shows a living product.

What is made:

* the public tenant (HQ host), two subsidiaries, an HQ admin and an HQ executive;
* N demo stores (``tmall-pallets``, ``jd-pallets``, ``ali1688-pallets``, ...) with their channel;
* in each store one account per role: ``admin``, ``supervisor``, ``sales1`` and ``sales2`` (the
  supervisor's team), ``finance``, ``warehouse`` -- emails ``<role>@<subdomain>.demo``;
* whatever the registered *demo seeders* add in each store (customers, orders, notifications...).

Every demo account has the password ``DEMO_PASSWORD``. A seed makes it reproducible: the same seed
gives the same stores, accounts, names and records.

Apps add their records by registering a seeder in a ``demo`` module of their own (found by
``autodiscover_modules("demo")``)::

    # tenant_apps/customers/demo.py
    from tenant_apps.workspace.demo import DemoContext, register_seeder

    @register_seeder("customers", order=10)
    def seed_customers(ctx: DemoContext) -> str:
        for _ in range(ctx.customers):
            ...  # call the app's services, with ctx.rng for every random choice
        return f"{ctx.customers} customers"

A seeder runs once per demo store, with that store's schema active, inside the seeding
transaction; it returns a short summary (or None). Seeders run by ``order``, then name.

Seeders may bulk-insert rows without publishing outbox events, so once the stores are seeded
``feed_hq`` runs the HQ feed jobs (by name, from the job registry) for each of them at once: the
reconciliation rebuilds the store's HQ facts from its tables, then the drain takes the events the
seeders did publish. HQ shows each demo store's own figures from the first page on.
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from shared_apps.accounts.models import Membership, User
from shared_apps.accounts.roles import HQRole, StoreRole
from shared_apps.platform import jobs
from tenant_apps.notifications.services import notify
from tenants.models import Store, Subsidiary
from tenants.provisioning import create_store_now, ensure_public_tenant, ensure_template_schema
from tenants.routing import hq_url, store_url

DEMO_PASSWORD = "demo-pass-2026"
DEMO_EMAIL_TLD = "demo"
HQ_EMAIL_DOMAIN = f"hq.{DEMO_EMAIL_TLD}"
DEFAULT_SEED = 2026
DEFAULT_STORES = 3
DEFAULT_CUSTOMERS = 300
DEFAULT_ORDERS = 60

SUBSIDIARIES: tuple[tuple[str, str], ...] = (
    ("east-china", "华东实业"),
    ("south-china", "华南贸易"),
)

# subdomain, store name, channel platform, subsidiary code
STORE_CATALOGUE: tuple[tuple[str, str, str, str], ...] = (
    ("tmall-pallets", "天猫托盘旗舰店", "tmall", "east-china"),
    ("jd-pallets", "京东托盘专营店", "jd", "east-china"),
    ("ali1688-pallets", "1688 托盘批发店", "1688", "south-china"),
    ("pdd-pallets", "拼多多托盘店", "pdd", "south-china"),
    ("douyin-pallets", "抖音托盘小店", "douyin", "east-china"),
    ("taobao-pallets", "淘宝托盘店", "taobao", "south-china"),
    ("alibaba-pallets", "Alibaba.com 托盘外贸店", "alibaba", "east-china"),
    ("offline-pallets", "托盘线下门店", "offline", "south-china"),
)

# Account key (the email's local part) and store role, in the order they are shown.
STORE_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("admin", StoreRole.ADMIN),
    ("supervisor", StoreRole.SUPERVISOR),
    ("sales1", StoreRole.SALESPERSON),
    ("sales2", StoreRole.SALESPERSON),
    ("finance", StoreRole.FINANCE),
    ("warehouse", StoreRole.WAREHOUSE),
)
TEAM_KEYS = ("sales1", "sales2")  # in the supervisor's team

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "晓东",
    "海燕",
    "志强",
    "丽华",
    "文博",
    "子涵",
    "雨欣",
)


# --- the plan: what seeding will create, decided by the seed alone --------------------------------


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str  # a StoreRole, or an HQRole for HQ accounts
    supervisor_email: str | None = None


@dataclass(frozen=True)
class DemoStore:
    subdomain: str
    name: str
    subsidiary_code: str
    channels: tuple[str, ...]
    accounts: tuple[DemoAccount, ...]


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    subsidiaries: tuple[tuple[str, str], ...]
    hq_accounts: tuple[DemoAccount, ...]
    stores: tuple[DemoStore, ...]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def _store_spec(index: int) -> tuple[str, str, str, str]:
    if index < len(STORE_CATALOGUE):
        return STORE_CATALOGUE[index]
    platform = STORE_CATALOGUE[index % len(STORE_CATALOGUE)][2]
    number = index + 1
    return f"pallets-{number:03d}", f"托盘店 {number:03d}", platform, SUBSIDIARIES[index % len(SUBSIDIARIES)][0]


def demo_plan(*, stores: int = DEFAULT_STORES, seed: int = DEFAULT_SEED) -> DemoPlan:
    """What ``seed_demo`` creates; the same arguments always give the same plan."""
    if stores < 0:
        raise ValueError("stores must be >= 0")
    rng = random.Random(f"demo-plan:{seed}")
    hq_accounts = (
        DemoAccount(email=f"hq-admin@{HQ_EMAIL_DOMAIN}", name=_person(rng), role=HQRole.ADMIN),
        DemoAccount(email=f"hq-exec@{HQ_EMAIL_DOMAIN}", name=_person(rng), role=HQRole.EXECUTIVE),
    )
    planned = []
    for index in range(stores):
        subdomain, name, platform, subsidiary_code = _store_spec(index)
        domain = f"{subdomain}.{DEMO_EMAIL_TLD}"
        supervisor_email = f"supervisor@{domain}"
        accounts = tuple(
            DemoAccount(
                email=f"{key}@{domain}",
                name=_person(rng),
                role=role,
                supervisor_email=supervisor_email if key in TEAM_KEYS else None,
            )
            for key, role in STORE_ACCOUNTS
        )
        planned.append(
            DemoStore(
                subdomain=subdomain,
                name=name,
                subsidiary_code=subsidiary_code,
                channels=(platform,),
                accounts=accounts,
            )
        )
    return DemoPlan(seed=seed, subsidiaries=SUBSIDIARIES, hq_accounts=hq_accounts, stores=tuple(planned))


# --- seeders registered by the apps ---------------------------------------------------------------


@dataclass(frozen=True)
class DemoContext:
    """What a seeder gets for one store. ``rng`` is the seeder's own, so adding a seeder never
    changes what the others make."""

    store: Store
    members: Mapping[str, tuple[User, ...]]  # store role -> users, in plan order
    rng: random.Random
    customers: int
    orders: int
    seed: int
    now: datetime

    def users(self, role: str) -> tuple[User, ...]:
        return self.members.get(role, ())

    def user(self, role: str) -> User:
        return self.members[role][0]


Seeder = Callable[[DemoContext], str | None]


@dataclass(frozen=True)
class _Registered:
    name: str
    order: int
    func: Seeder


_SEEDERS: dict[str, _Registered] = {}


def register_seeder(name: str, *, order: int = 100) -> Callable[[Seeder], Seeder]:
    """Decorator: run ``func(ctx)`` for every demo store (see the module docstring)."""

    def decorate(func: Seeder) -> Seeder:
        _SEEDERS[name] = _Registered(name=name, order=order, func=func)
        return func

    return decorate


def unregister_seeder(name: str) -> None:
    _SEEDERS.pop(name, None)


def registered_seeders() -> list[tuple[str, Seeder]]:
    """Every app's seeders (their ``demo`` modules imported), in running order."""
    autodiscover_modules("demo")
    return [(s.name, s.func) for s in sorted(_SEEDERS.values(), key=lambda s: (s.order, s.name))]


@register_seeder("welcome", order=900)
def seed_welcome(ctx: DemoContext) -> str:
    """A welcome notification for everyone, and a tip for the admin, so the bell is not empty."""
    everyone = [user for users in ctx.members.values() for user in users]
    welcome = notify(
        recipients=everyone,
        kind="demo.welcome",
        title=format_lazy(_("Welcome to {store}"), store=ctx.store.name),
        body=_("This is a demo store: every account here uses the demo password."),
        url="/",
    )
    tips = notify(
        recipients=ctx.users(StoreRole.ADMIN),
        kind="demo.tip",
        title=_("Add your team"),
        body=_("Invite your colleagues, set their roles and teams on the Team page."),
        url="/team/",
    )
    count = len(welcome) + len(tips)
    return f"{count} notifications"


# --- running the plan -----------------------------------------------------------------------------


@dataclass
class DemoSummary:
    seed: int
    subsidiaries: list[str] = field(default_factory=list)
    hq_accounts: list[str] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)
    store_accounts: int = 0
    seeded: dict[str, list[str]] = field(default_factory=dict)  # store subdomain -> seeder summaries
    seconds: float = 0.0


def demo_data_exists(plan: DemoPlan | None = None) -> bool:
    """True when an earlier ``seed_demo`` left its marks (the demo HQ admin or a demo store)."""
    plan = plan or demo_plan()
    subdomains = [spec[0] for spec in STORE_CATALOGUE] + [s.subdomain for s in plan.stores]
    return (
        User.objects.filter(email__in=[a.email for a in plan.hq_accounts]).exists()
        or Store.objects.filter(subdomain__in=subdomains).exists()
    )


def _user(account: DemoAccount, password_hash: str, hq_role: str = "") -> User:
    user = User.objects.filter(email__iexact=account.email).first()
    if user is None:
        # One hash for every demo account: hashing the same password twenty times is slow.
        user = User.objects.create(email=account.email, name=account.name, password=password_hash, hq_role=hq_role)
    elif hq_role and user.hq_role != hq_role:
        user.hq_role = hq_role
        user.save(update_fields=["hq_role"])
    return user


def seed_demo(
    *,
    stores: int = DEFAULT_STORES,
    customers: int = DEFAULT_CUSTOMERS,
    orders: int = DEFAULT_ORDERS,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
) -> DemoSummary:
    """Create the demo plan's stores, accounts and every seeder's records, all in one transaction."""
    started = time.perf_counter()
    plan = demo_plan(stores=stores, seed=seed)
    now = now or timezone.now()
    summary = DemoSummary(seed=seed)
    seeders = registered_seeders()
    ensure_template_schema()
    password_hash = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        ensure_public_tenant()
        subsidiaries: dict[str, Subsidiary] = {}
        for code, name in plan.subsidiaries:
            subsidiaries[code], _created = Subsidiary.objects.get_or_create(code=code, defaults={"name": name})
            summary.subsidiaries.append(f"{subsidiaries[code].name} ({code})")
        for account in plan.hq_accounts:
            _user(account, password_hash, hq_role=account.role)
            summary.hq_accounts.append(account.email)
        for spec in plan.stores:
            store = create_store_now(
                name=spec.name,
                subdomain=spec.subdomain,
                subsidiary=subsidiaries[spec.subsidiary_code],
                channels=spec.channels,
            )
            members = _add_members(store=store, accounts=spec.accounts, password_hash=password_hash)
            summary.stores.append(spec.subdomain)
            summary.store_accounts += len(spec.accounts)
            summary.seeded[spec.subdomain] = _run_seeders(
                seeders,
                store=store,
                members=members,
                customers=customers,
                orders=orders,
                seed=seed,
                now=now,
            )
    summary.seconds = time.perf_counter() - started
    return summary


# The HQ feed jobs a fresh demo store runs at once, in this order: the reconciliation rebuilds its
# facts from its tables (bulk-inserted demo rows have no outbox events), the drain marks the events
# the seeders published as held, so the store's feed is neither missing rows nor behind; then the
# stores publish their customer insights and HQ computes its benchmarks and cross-store buyers.
HQ_FEED_JOBS = ("hq.reconcile", "hq.rollup", "hq.insights_publish", "hq.insights")


def feed_hq(*, subdomains: Iterable[str]) -> list[jobs.JobRun]:
    """Bring HQ's report facts of these stores up to date now, in this process (``HQ_FEED_JOBS``).

    Returns every run; a failed run carries its error (the others still run). A job that is not
    registered raises ``jobs.UnknownJob``.
    """
    feed_jobs = [jobs.get_job(name) for name in HQ_FEED_JOBS]
    stores = list(Store.objects.filter(subdomain__in=list(subdomains)).order_by("subdomain"))
    runs: list[jobs.JobRun] = []
    if not stores:
        return runs
    for job_ in feed_jobs:
        runs.extend(jobs.run_now(job_, at=timezone.now(), stores=stores))
    return runs


def _add_members(*, store: Store, accounts: Iterable[DemoAccount], password_hash: str) -> dict[str, tuple[User, ...]]:
    users = {account.email: _user(account, password_hash) for account in accounts}
    members: dict[str, list[User]] = {}
    for account in accounts:
        supervisor = users[account.supervisor_email] if account.supervisor_email else None
        Membership.objects.update_or_create(
            user=users[account.email],
            store=store,
            defaults={"role": account.role, "supervisor": supervisor, "is_active": True},
        )
        members.setdefault(account.role, []).append(users[account.email])
    return {role: tuple(found) for role, found in members.items()}


def _run_seeders(
    seeders: list[tuple[str, Seeder]],
    *,
    store: Store,
    members: Mapping[str, tuple[User, ...]],
    customers: int,
    orders: int,
    seed: int,
    now: datetime,
) -> list[str]:
    done = []
    with schema_context(store.schema_name):
        for name, func in seeders:
            ctx = DemoContext(
                store=store,
                members=members,
                rng=random.Random(f"demo:{seed}:{store.subdomain}:{name}"),
                customers=customers,
                orders=orders,
                seed=seed,
                now=now,
            )
            result = func(ctx)
            if result:
                done.append(f"{name}: {result}")
    return done


# --- the banner printed by ``make run`` -----------------------------------------------------------


@dataclass(frozen=True)
class BannerSite:
    title: str
    url: str
    logins: tuple[tuple[str, str], ...]  # (role, email)


def _role_label(role: str) -> str:
    for choices in (StoreRole, HQRole):
        if role in choices.values:
            return str(choices(role).label)
    return role or "-"


def banner_sites(*, max_stores: int = 20) -> tuple[list[BannerSite], int]:
    """The HQ site and the stores (at most ``max_stores``) with their demo logins, and how many
    stores were left out."""
    hq_logins = tuple(
        (_role_label(role), email)
        for email, role in User.objects.filter(email__iendswith=f"@{HQ_EMAIL_DOMAIN}", is_active=True)
        .order_by("hq_role", "email")
        .values_list("email", "hq_role")
    )
    sites = [BannerSite(title=str(_("HQ console")), url=hq_url(), logins=hq_logins)]
    stores = list(Store.objects.stores().order_by("created_at", "pk")[: max_stores + 1])
    extra = 0
    if len(stores) > max_stores:
        extra = Store.objects.stores().count() - max_stores
        stores = stores[:max_stores]
    order = {key: index for index, (key, _role) in enumerate(STORE_ACCOUNTS)}
    for store in stores:
        suffix = f"@{store.subdomain}.{DEMO_EMAIL_TLD}"
        rows = (
            Membership.objects.filter(store=store, is_active=True, user__email__iendswith=suffix)
            .values_list("role", "user__email")
            .order_by("user__email")
        )
        logins = [
            (_role_label(role), email)
            for role, email in sorted(rows, key=lambda row: (order.get(row[1].split("@")[0], 99), row[1]))
        ]
        sites.append(BannerSite(title=store.name, url=store_url(store.subdomain), logins=tuple(logins)))
    return sites, extra


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))
