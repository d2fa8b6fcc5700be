"""The Celery app. Tasks sent while a store's schema is active run in that schema
(tenant-schemas-celery); periodic jobs are dispatched per store by shared_apps.platform.jobs."""

import os

from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = TenantAwareCeleryApp("storecrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_jobs(sender, **kwargs) -> None:
    """Beat's schedule is the job registry: every scheduled job → ``platform.dispatch_job``."""
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from shared_apps.platform.jobs import beat_schedule

    sender.conf.beat_schedule = {**beat_schedule(), **(sender.conf.beat_schedule or {})}
