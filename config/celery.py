"""The Celery app. Tasks sent while a store's schema is active run in that schema
(tenant-schemas-celery); periodic jobs are dispatched per store by shared_apps.platform.jobs."""

import os

from celery.signals import task_postrun, task_prerun
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


@task_prerun.connect
@task_postrun.connect
def _recycle_connections(sender=None, **kwargs) -> None:
    """Around each task, close the database connections that are broken or older than
    ``DB_CONN_MAX_AGE`` (what Django does around each request; Celery's own fixup closes them all
    unless ``CELERY_DB_REUSE_MAX`` is set, see config/settings.py)."""
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()
