from celery import shared_task

from tenants import provisioning


@shared_task(name="tenants.provision_store", acks_late=True)
def provision_store_task(provisioning_id: str) -> str:
    return provisioning.provision_store(provisioning_id=provisioning_id).status


@shared_task(name="tenants.refill_spares")
def refill_spares_task() -> int:
    return provisioning.refill_spares()
