"""PostgreSQL's client programs (pg_dump for store copies, backups) reach the database Django uses,
whichever way DATABASE_URL names its host."""

from __future__ import annotations

import pytest
from django.db import connection

from shared_apps.platform.pgtools import connection_env


@pytest.mark.parametrize(
    ("settings", "host", "port"),
    [
        ({"HOST": "db.internal", "PORT": "6432", "OPTIONS": {}}, "db.internal", "6432"),
        # postgresql://postgres@/postgres?host=/run/pg (the embedded server's URL): HOST is empty
        ({"HOST": "", "PORT": "", "OPTIONS": {"host": "/run/pg", "port": "5433"}}, "/run/pg", "5433"),
        ({"HOST": "/var/run/postgresql", "PORT": "", "OPTIONS": {"host": "ignored"}}, "/var/run/postgresql", None),
    ],
)
def test_the_host_and_port_reach_the_client_programs(monkeypatch, settings, host, port):
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.delenv("PGPORT", raising=False)
    for key, value in settings.items():
        monkeypatch.setitem(connection.settings_dict, key, value)

    env = connection_env()

    assert env["PGHOST"] == host
    assert env.get("PGPORT") == port
