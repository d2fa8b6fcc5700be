from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "shared_apps.platform"
    label = "platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from shared_apps.platform.observability import connect_celery_signals

        connect_celery_signals()

        from django.core import checks
        from django.db.backends.signals import connection_created

        from shared_apps.platform.pooling import check_pool_mode, check_pool_probe, on_connection_created

        checks.register(check_pool_mode)
        checks.register(check_pool_probe, checks.Tags.database)
        connection_created.connect(on_connection_created, dispatch_uid="platform.refuse_transaction_pooling")
