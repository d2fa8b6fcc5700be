"""Django's database cache with an atomic ``add`` and ``incr``.

Django's own ``DatabaseCache.incr`` reads the value and then writes it (``BaseCache.incr``), so
two processes counting at once both write the same number and one count is lost; its ``add`` over
an expired entry reads and then updates, so two processes can both "add" it. The rate limits
(``shared_apps.accounts.throttling``) and the password-reset throttle rely on ``add`` and
``incr`` being atomic, as they are on Redis (``SET NX``, ``INCR``) and in the in-memory cache (a
lock). Here ``add`` is one ``INSERT ... ON CONFLICT`` that replaces only an expired entry, and
``incr`` locks the row while it reads and writes it. Entries may still be culled when the table
holds more than ``MAX_ENTRIES``, as with Django's (a culled counter starts again).
"""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, models, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(DjangoDatabaseCache):
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        now = tz_now().replace(microsecond=0)
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        expires = expires.replace(microsecond=0)
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            entries = cursor.fetchone()[0]
            if entries > self._max_entries:
                self._cull(db, cursor, now, entries)
            try:
                with transaction.atomic(using=db):
                    cursor.execute(
                        f"INSERT INTO {table} AS entry (cache_key, value, expires) VALUES (%s, %s, %s) "
                        "ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires "
                        "WHERE entry.expires < %s",
                        [
                            key,
                            encoded,
                            connection.ops.adapt_datetimefield_value(expires),
                            connection.ops.adapt_datetimefield_value(now),
                        ],
                    )
                    return cursor.rowcount == 1
            except DatabaseError:
                return False  # as Django's: a cache that cannot write adds nothing

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(f"SELECT value, expires FROM {table} WHERE cache_key = %s FOR UPDATE", [key])
            row = cursor.fetchone()
            if row is None or self._converted(row[1], connection) < tz_now():
                raise ValueError(f"Key '{key}' not found")
            # the cache's own entry, pickled by this class as by Django's (the table is ours alone)
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [encoded, key])
        return value

    @staticmethod
    def _converted(expires, connection):
        """The ``expires`` column as Django's own reads convert it (aware or naive as configured)."""
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires
