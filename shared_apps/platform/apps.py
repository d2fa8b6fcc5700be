from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "shared_apps.platform"
    label = "platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from shared_apps.platform.observability import connect_celery_signals

        connect_celery_signals()
