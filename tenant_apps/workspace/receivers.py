from django.dispatch import receiver

from tenants.signals import store_provisioned


@receiver(store_provisioned)
def set_up_store(sender, store, channels, **kwargs):
    from tenant_apps.workspace.services import store_setup

    store_setup(channels=channels)
