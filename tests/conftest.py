"""Shared test fixtures.

django-tenants has no pytest plugin, so the session setup is done here: after pytest-django has
created the test database (django-tenants' ``migrate`` migrates the public schema and the template
schema ``tpl_store``), the public tenant row, its domain and two stores are made once through the
real provisioning path (``create_store_now``: a clone of the template). Each test then runs in
pytest-django's transaction, rolled back at the end.

Fixtures: ``store_a`` / ``store_b``, ``users`` (``users.a_sales``...), ``password``, ``api(user,
store)``, ``page_client(user, store)``, ``in_store(store)``, ``committed_db`` (for race tests that
need real commits from several connections).
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, get_hashers

pytest_plugins = ["tests.clock"]

PASSWORD = "Tr1cky-Lantern-Moss"

STORE_A = {"name": "Alpha", "subdomain": "alpha", "channels": ["tmall", "jd"]}
STORE_B = {"name": "Bravo", "subdomain": "bravo", "channels": ["tmall", "jd"]}


@dataclass(frozen=True)
class UserSpec:
    key: str
    store: str | None  # "a", "b" or None
    role: str | None = None
    hq_role: str = ""
    supervisor: str | None = None


USER_SPECS = (
    UserSpec("a_admin", "a", "admin"),
    UserSpec("a_supervisor", "a", "supervisor"),
    UserSpec("a_sales", "a", "salesperson", supervisor="a_supervisor"),
    UserSpec("a_sales2", "a", "salesperson", supervisor="a_supervisor"),
    UserSpec("a_finance", "a", "finance"),
    UserSpec("a_warehouse", "a", "warehouse"),
    UserSpec("b_admin", "b", "admin"),
    UserSpec("b_sales", "b", "salesperson"),
    UserSpec("hq_exec", None, hq_role="hq_executive"),
    UserSpec("hq_admin", None, hq_role="hq_admin"),
    UserSpec("nobody", None),
)


def user_email(key: str) -> str:
    return f"{key.replace('_', '.')}@example.com"


# ---------------------------------------------------------------------------------------------
# Configuration: Celery runs tasks inline; browser tests need Chromium.
# ---------------------------------------------------------------------------------------------

CHROMIUM_MISSING_NOTICE = "Browser tests skipped: Chromium not found (apt-get install -y chromium)"


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 (same algorithm and format) with small costs, so that tests do not spend seconds hashing."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1


_REAL_DATABASE_NAME: str | None = None


def pytest_configure(config):
    from django.conf import settings

    global _REAL_DATABASE_NAME
    _REAL_DATABASE_NAME = settings.DATABASES["default"]["NAME"]

    settings.PASSWORD_HASHERS = ["tests.conftest.FastArgon2PasswordHasher", *settings.PASSWORD_HASHERS]
    get_hashers.cache_clear()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    # Each test process keeps its own in-memory cache (fast, emptied around every test, never seen
    # by another worker); tests/shared_apps/platform/test_shared_cache.py exercises the shared one.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    from django.test.signals import clear_cache_handlers

    clear_cache_handlers(setting="CACHES")
    # Provisioning refills the spare pool after each store; tests ask for spares explicitly.
    settings.TENANT_SPARE_SCHEMAS = 0

    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    config._chromium_skipped = 0
    # WhiteNoise warns on every request when the collected-static folder is missing, and without
    # autorefresh it indexes every static file (node_modules included) for each new test client.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    settings.WHITENOISE_AUTOREFRESH = True


# Files that take minutes each, collected first: the workers start on them while the short files
# fill the rest of the run, instead of one worker finishing a long file alone at the end.
LONG_FILES = (
    "tests/reporting/test_hq_equals_store_long.py",
    "tests/reporting/test_hq_equals_store.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: n for n, path in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: else in order
    if chromium_path() is not None:
        return
    skip = pytest.mark.skip(reason=CHROMIUM_MISSING_NOTICE)
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)
            config._chromium_skipped += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = getattr(config, "_chromium_skipped", 0)
    if skipped:
        terminalreporter.write_line(f"{CHROMIUM_MISSING_NOTICE} [{skipped} test(s)]", yellow=True, bold=True)


# ---------------------------------------------------------------------------------------------
# Session setup: public tenant, two stores, users and memberships, made once.
# ---------------------------------------------------------------------------------------------


def _create_world() -> None:
    from shared_apps.accounts.models import User
    from shared_apps.accounts.services import membership_create
    from tenants.models import Store
    from tenants.provisioning import create_store_now, ensure_public_tenant

    ensure_public_tenant()
    if Store.objects.filter(subdomain=STORE_A["subdomain"]).exists():  # a kept (--reuse-db) database
        return
    users = {
        spec.key: User.objects.create_user(
            email=user_email(spec.key), password=PASSWORD, name=spec.key.replace("_", " ").title(), hq_role=spec.hq_role
        )
        for spec in USER_SPECS
    }
    stores = {
        "a": create_store_now(owner=users["a_admin"], **STORE_A),
        "b": create_store_now(owner=users["b_admin"], **STORE_B),
    }
    # Supervisors first, so that team members can point at them.
    for spec in sorted(USER_SPECS, key=lambda s: s.supervisor is not None):
        if spec.store is None or spec.role == "admin":
            continue
        membership_create(
            user=users[spec.key],
            store=stores[spec.store],
            role=spec.role,
            supervisor=users[spec.supervisor] if spec.supervisor else None,
        )


# The session's stores and users as loaded once after setup. Fixtures hand out deep copies: a
# test may change its copy (and the rows, rolled back with its transaction) without the next test
# seeing it, and no query is spent fetching them again.
_SNAPSHOT: dict[str, dict] = {"stores": {}, "users": {}}


def _load_snapshot() -> None:
    from shared_apps.accounts.models import User
    from tenants.models import Store

    _SNAPSHOT["stores"] = {store.subdomain: store for store in Store.objects.stores()}
    by_email = {u.email: u for u in User.objects.filter(email__in=[user_email(s.key) for s in USER_SPECS])}
    _SNAPSHOT["users"] = {spec.key: by_email[user_email(spec.key)] for spec in USER_SPECS}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, then the tenants and users every test shares."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    own_setup = None
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] == _REAL_DATABASE_NAME:
            # pytest-django makes the test database only when a selected test uses ``db``; a run
            # of ``committed_db`` tests alone must not touch the real database either.
            own_setup = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        _create_world()
        _load_snapshot()
        connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock():
        # A connection some thread forgot (a live server's request thread, say) must not stop
        # the test database from being dropped.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        if own_setup is not None:
            teardown_databases(own_setup, verbosity=0)


# ---------------------------------------------------------------------------------------------
# Per-test fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _public_schema_and_clean_cache():
    """Every test starts and ends on the public schema, with empty caches (throttles, axes)."""
    from django.core.cache import cache
    from django.db import connection

    cache.clear()
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def store_a(db):
    return copy.deepcopy(_SNAPSHOT["stores"][STORE_A["subdomain"]])


@pytest.fixture
def store_b(db):
    return copy.deepcopy(_SNAPSHOT["stores"][STORE_B["subdomain"]])


class Users(dict):
    """The session's users by key, readable as ``users.a_sales`` or ``users["a_sales"]``."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


@pytest.fixture
def users(db) -> Users:
    return Users(copy.deepcopy(_SNAPSHOT["users"]))


def host_for(store) -> str:
    from django.conf import settings

    from tenants.routing import store_host

    if store is None or store.schema_name == settings.PUBLIC_SCHEMA_NAME:
        return settings.BASE_DOMAIN
    return store_host(store.subdomain)


@pytest.fixture
def api(db):
    """``api(user, store)``: an APIClient on the store's host (None → HQ host) with a real bearer token."""
    from rest_framework.test import APIClient

    from shared_apps.accounts.services import token_create

    def make(user=None, store=None) -> APIClient:
        client = APIClient(HTTP_HOST=host_for(store))
        if user is not None:
            _token, value = token_create(user=user, name="test")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        return client

    return make


@pytest.fixture
def page_client(db):
    """``page_client(user, store)``: a django.test.Client on that host, signed in with a session."""
    from django.test import Client

    def make(user=None, store=None) -> Client:
        client = Client(HTTP_HOST=host_for(store))
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def in_store():
    """``with in_store(store):`` runs ORM code in that store's schema."""
    from django_tenants.utils import tenant_context

    @contextlib.contextmanager
    def activate(store):
        with tenant_context(store):
            yield store

    return activate


def in_plain_thread(function):
    """Run ORM code in a plain thread with its own connection (closed afterwards); return its result.

    Playwright's sync API keeps an asyncio loop in the test thread, where Django would refuse ORM
    calls (or hand out connections that are never closed).
    """
    import threading

    from django.db import connections

    result: dict = {}

    def target():
        try:
            result["value"] = function()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc
        finally:
            connections.close_all()

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _store_models():
    from django.apps import apps
    from django.conf import settings

    names = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)
    # Change journals are keyed by what they mark (no serial key to tell a test's rows by); a mark
    # left behind only makes a consumer look at a day or a customer again.
    return [
        m
        for m in apps.get_models()
        if m._meta.app_config.name in names and m._meta.managed and not m._meta.is_composite_pk
    ]


def store_row_marks() -> dict:
    """The highest primary key of every store table, in each of the session's stores."""
    from django.db.models import Max
    from django_tenants.utils import tenant_context

    marks = {}
    for store in _SNAPSHOT["stores"].values():
        with tenant_context(store):
            marks[store.subdomain] = {m: m.objects.aggregate(top=Max("pk"))["top"] or 0 for m in _store_models()}
    return marks


def remove_rows_after(marks: dict) -> None:
    """Delete every store row above ``marks`` (and the files its rows point to), children first."""
    from django.db import IntegrityError, transaction
    from django.db.models import FileField, ProtectedError, RestrictedError
    from django_tenants.utils import tenant_context

    for store in _SNAPSHOT["stores"].values():
        with tenant_context(store):
            left = {m: top for m, top in marks[store.subdomain].items() if m.objects.filter(pk__gt=top).exists()}
            for model, top in left.items():
                for field in model._meta.get_fields():
                    if isinstance(field, FileField):
                        for name in model.objects.filter(pk__gt=top).values_list(field.name, flat=True):
                            if name:
                                field.storage.delete(name)
            for _attempt in range(len(left) + 1):
                for model, top in list(left.items()):
                    try:
                        with transaction.atomic():
                            model.objects.filter(pk__gt=top).delete()
                    except (ProtectedError, RestrictedError, IntegrityError):
                        continue
                    del left[model]
                if not left:
                    break
            if left:
                raise AssertionError(f"rows left behind in {sorted(m._meta.label for m in left)}")


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access WITHOUT a wrapping transaction: writes commit, several connections see them.

    For race tests (two threads, two connections) and browser journeys. Every row the test adds to
    the session's stores (customers, their outbox events, notifications...) is deleted afterwards,
    so that no later test sees it; the session's stores and users stay untouched. Public rows are
    the test's own to remove.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        marks = in_plain_thread(store_row_marks)
        yield
        in_plain_thread(lambda: remove_rows_after(marks))
        connection.set_schema_to_public()
