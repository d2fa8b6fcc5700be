"""The project's settings with persistent database connections, for ``bench routing --conn-max-age``.

config/database.py opens a new PostgreSQL connection for every request (CONN_MAX_AGE=0); this
measures what keeping them (and checking them before reuse) changes.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("BENCH_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
