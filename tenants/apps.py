from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Stores")

    def ready(self) -> None:
        # django-tenants' ``migrate`` (migrate_schemas) must detect model changes with the same
        # autodetector as ``makemigrations``, which django-pgtrigger extends with the models'
        # triggers (Django's check commands.E001).
        import pgtrigger.apps
        from django.core.management.commands import makemigrations
        from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

        pgtrigger.apps.patch_migrations()
        MigrateSchemasCommand.autodetector = makemigrations.Command.autodetector
