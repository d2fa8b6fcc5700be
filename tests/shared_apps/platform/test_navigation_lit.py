"""One sidebar entry is lit: the one whose address is the longest prefix of the page's path."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_page_under_another_entrys_address_lights_only_its_own_entry(page_client, users, store_a):
    html = page_client(users.a_admin, store_a).get("/finance/invoices/").content.decode()
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]

    assert nav.count('aria-current="page"') <= 1
    assert nav.count(" active") == 1
