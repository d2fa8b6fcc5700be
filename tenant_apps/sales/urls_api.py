"""Store-host API of sales (mounted under /api/v1/)."""

urlpatterns: list = []
