from django.dispatch import Signal

# Sent inside the provisioning transaction, with the new store's schema active.
# Receivers set up the store's own rows (channels, settings). Arguments: store, channels.
store_provisioned = Signal()
