from django.dispatch import Signal

# Sent inside the provisioning transaction, with the new store's schema active.
# Receivers set up the store's own rows (channels, settings) and its first admin (accounts).
# Arguments: store, channels, owner (the user who becomes the store's admin, or None).
store_provisioned = Signal()
