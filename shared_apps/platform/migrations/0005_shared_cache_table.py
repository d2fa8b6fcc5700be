"""The table of the cache every process shares when no CACHE_URL is set (``CACHES`` in
config/settings.py): Django's database cache table (as ``createcachetable`` makes it), in the
public schema only; store schemas never hold one."""

from django.db import migrations

CREATE = """
CREATE TABLE IF NOT EXISTS "crm_cache" (
    "cache_key" varchar(255) NOT NULL PRIMARY KEY,
    "value" text NOT NULL,
    "expires" timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS "crm_cache_expires" ON "crm_cache" ("expires");
"""

DROP = 'DROP TABLE IF EXISTS "crm_cache";'


class Migration(migrations.Migration):
    dependencies = [
        ("platform", "0004_admin_approval"),
    ]

    # A shared app's migration: django-tenants' router runs it in the public schema alone.
    operations = [migrations.RunSQL(CREATE, DROP, elidable=False)]
