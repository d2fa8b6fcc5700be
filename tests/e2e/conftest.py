"""Browser journeys: Debian's Chromium driven by Playwright against the app served in a thread.

pytest-django's ``live_server`` runs with ``transactional_db``, whose flush after each test would
wipe the session's public rows (stores, domains, users). Instead the WSGI app is served by
Django's ``LiveServerThread`` without any flush, against the session's committed data; each test
uses ``committed_db`` (so the server thread may reach the database) and removes the sessions and
sign-in records it leaves behind. The skip when Chromium is absent comes from tests/conftest.py.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest

from tests.conftest import chromium_path

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_app(django_db_setup):
    """The app on 127.0.0.1:<port>, static files served from the finders (node_modules, static/)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield thread.port
    thread.terminate()
    # Requests still being answered hold a database connection; let them finish before the test
    # database is dropped.
    for worker in threading.enumerate():
        if worker is not threading.current_thread() and "process_request_thread" in worker.name:
            worker.join(timeout=10)


class Site:
    """URLs of the live app: ``site.hq("/login/")``, ``site.store("alpha", "/")``."""

    def __init__(self, port: int):
        from django.conf import settings

        self.port = port
        self.base_domain = settings.BASE_DOMAIN

    def hq(self, path: str = "/") -> str:
        return f"http://{self.base_domain}:{self.port}{path}"

    def store(self, subdomain: str, path: str = "/") -> str:
        return f"http://{subdomain}.{self.base_domain}:{self.port}{path}"

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        host = parts.hostname or ""
        return parts.port == self.port and (host == self.base_domain or host.endswith("." + self.base_domain))


@pytest.fixture(scope="session")
def site(live_app) -> Site:
    return Site(live_app)


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Playwright's sync API keeps an asyncio loop running in this
    thread while it is started, and Django refuses ORM calls there; stopping it after the module
    leaves the tests that run next with a plain thread."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def run_in_thread(function) -> None:
    """Run ORM code in a plain thread with its own connection, closed afterwards.

    Playwright's sync API keeps an asyncio loop in the test thread, where Django would refuse ORM
    calls (or hand out connections that are never closed).
    """
    from django.db import connections

    errors: list[BaseException] = []

    def target():
        try:
            function()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]


@pytest.fixture
def e2e_db(committed_db):
    """Database reachable by the server thread; sessions and sign-in records removed afterwards."""
    yield

    def clean_up():
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
        from django.contrib.sessions.models import Session

        Session.objects.all().delete()
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            model.objects.all().delete()

    run_in_thread(clean_up)


def share_the_clock(context) -> None:
    """With the suite's clock moved (``--clock``), the page's JavaScript clock starts at the same moment."""
    import tests.clock

    if tests.clock.moved():
        from django.utils import timezone

        context.clock.install(time=timezone.now())


@pytest.fixture
def page(browser, site, e2e_db):
    """A fresh browser context (no cookies) with a Chinese browser locale, like the store teams'.

    Every request the page makes is recorded; the test fails if one leaves the app's own hosts
    (no CDN: the app must work on an intranet).
    """
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    context.set_default_timeout(15_000)
    share_the_clock(context)
    outside: list[str] = []
    context.on("request", lambda request: outside.append(request.url) if not site.is_local(request.url) else None)
    page = context.new_page()
    yield page
    page.wait_for_load_state("networkidle")
    context.close()
    assert outside == [], f"requests left the app: {outside}"


@pytest.fixture
def screenshot_path():
    from django.conf import settings

    def path(name: str) -> str:
        settings.RUN_DIR.mkdir(parents=True, exist_ok=True)
        return str(settings.RUN_DIR / f"{name}.png")

    return path


@pytest.fixture
def store_rows(e2e_db):
    """Every row a journey adds to the session's store schemas is removed afterwards."""
    from tests.e2e.test_sales_journey import removing_new_store_rows

    yield from removing_new_store_rows()


@pytest.fixture
def as_user(browser, site, e2e_db):
    """``as_user("a_finance", "/finance/")``: a page signed in on store alpha (``hq=True``: on HQ)."""
    from tests.e2e.test_sales_journey import signed_in_pages

    yield from signed_in_pages(browser, site)
