"""The project's settings with django-tenants' own migration executors, for comparison only.

``GET_EXECUTOR_FUNCTION`` unset makes ``migrate_schemas`` pick the executor named by ``--executor``
(standard, multiprocessing); the template and spare schemas are then not migrated.
"""

from config.settings import *  # noqa: F403

GET_EXECUTOR_FUNCTION = None
