"""The Celery app. Tasks sent while a store's schema is active run in that schema
(tenant-schemas-celery); periodic jobs are dispatched per store by shared_apps.platform.jobs."""

import os

from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = TenantAwareCeleryApp("storecrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
