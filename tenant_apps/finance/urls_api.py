"""Store-host API of finance (mounted under /api/v1/)."""

urlpatterns: list = []
