"""Errors get the product's own pages in the visitor's language (Django's debug pages only with
DEBUG=1), and the API problem+json."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import clear_url_caches

from config import urls_public, urls_tenant


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.shared_apps.platform.error_page_urls"
    settings.PUBLIC_SCHEMA_URLCONF = "tests.shared_apps.platform.error_page_urls"
    clear_url_caches()
    yield
    clear_url_caches()


def _client() -> Client:
    client = Client(HTTP_HOST="localhost")
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("path", "status", "english", "chinese"),
    [
        ("/explode/", 500, "Something went wrong", "出错了"),
        ("/forbidden/", 403, "You do not have permission", "无权"),
        ("/suspicious/", 400, "The request could not be processed", "无法处理"),
        ("/no-such-page/", 404, "Page not found", "页面未找到"),
    ],
)
def test_error_pages_are_friendly_in_both_languages(failing_urls, db, path, status, english, chinese):
    for language, text in (("en", english), ("zh-hans", chinese)):
        response = _client().get(path, HTTP_ACCEPT_LANGUAGE=language)

        assert response.status_code == status
        html = response.content.decode()
        assert "<html" in html and text in html, (language, html[:400])
        assert "Traceback" not in html and "kaboom" not in html


def test_the_real_urlconfs_name_every_friendly_handler():
    for module in (urls_tenant, urls_public):
        assert module.handler400 == "shared_apps.platform.views.bad_request"
        assert module.handler403 == "shared_apps.platform.views.permission_denied"
        assert module.handler500 == "shared_apps.platform.views.server_error"


def test_debug_pages_only_when_debug_is_asked_for(monkeypatch):
    import importlib

    import config.settings as config_settings

    for value, debug in (("", False), ("0", False), ("1", True)):
        monkeypatch.setenv("DEBUG", value)
        monkeypatch.setenv("SECRET_KEY", "a-secret-for-this-test-" + "z" * 40)
        assert importlib.reload(config_settings).DEBUG is debug
    monkeypatch.delenv("DEBUG")
    importlib.reload(config_settings)


@pytest.mark.parametrize("path", ["/missing/", "/no-such-page/", "/forbidden/"])
def test_with_debug_on_a_missing_record_or_address_still_gets_the_friendly_page(failing_urls, db, settings, path):
    settings.DEBUG = True

    response = _client().get(path, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code in (403, 404)
    assert "URLconf" not in html and "error_page_urls" not in html and "No such record" not in html
    assert "Page not found" in html or "You do not have permission" in html


def test_with_debug_on_the_api_keeps_problem_json_for_a_missing_record(db, settings, api, users, store_a):
    settings.DEBUG = True

    response = api(users.a_sales, store_a).get("/api/v1/customers/999999")

    assert response.status_code == 404 and response["Content-Type"].startswith("application/problem+json")
