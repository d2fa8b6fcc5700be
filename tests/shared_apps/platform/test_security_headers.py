"""Security headers: a Content-Security-Policy whose scripts run only from our origin or with the
request's nonce, no inline event handlers anywhere, HSTS in production, and a clean
``check --deploy`` with production settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import host_for

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize(
    ("path", "store"),
    [("/", "a"), ("/kanban/", "a"), ("/finance/", "a"), ("/dashboard/", None), ("/api/v1/docs/", "a")],
)
def test_pages_carry_a_nonce_policy_and_every_script_has_the_nonce(path, store, page_client, users, store_a):
    user = users.a_admin if store else users.hq_admin
    response = page_client(user, store_a if store else None).get(path)

    assert response.status_code == 200
    policy = _policy(response)
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == "object-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    html = response.content.decode()
    scripts = SCRIPT_TAG.findall(html)
    assert scripts
    inline = [tag for tag in scripts if "src=" not in tag and "application/json" not in tag]
    assert all(f'nonce="{nonce}"' in tag for tag in inline), inline
    if "htmx.min.js" in html:  # htmx puts the nonce on scripts it runs from swapped content
        assert f'"inlineScriptNonce": "{nonce}"' in html


def test_each_response_gets_its_own_nonce(page_client, users, store_a):
    client = page_client(users.a_admin, store_a)

    first, second = (_policy(client.get("/"))["script-src"] for _ in range(2))

    assert first != second


def test_no_template_has_an_inline_event_handler_or_inline_script():
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/*/templates")]
    roots += list(Path(settings.BASE_DIR).glob("*/templates"))
    offenders = []
    for root in roots:
        for template in root.rglob("*.html"):
            text = template.read_text()
            if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
                offenders.append(f"{template}: inline event handler")
            for tag in SCRIPT_TAG.findall(text):
                if "src=" not in tag and "application/json" not in tag:
                    offenders.append(f"{template}: inline script")
    assert not offenders, offenders


def test_hsts_is_sent_on_secure_requests_in_production(client, settings, store_a):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = client.get("/login/", HTTP_HOST=host_for(store_a), secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-production-secret-for-the-deploy-check-" + "y" * 20,
        "BASE_DOMAIN": "crm.example.com",
        "CRM_RUN_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
