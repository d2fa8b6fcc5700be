"""Store-host API of enquiries (mounted under /api/v1/)."""

urlpatterns: list = []
