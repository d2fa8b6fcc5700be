"""Store-host API of aftersales (mounted under /api/v1/)."""

urlpatterns: list = []
