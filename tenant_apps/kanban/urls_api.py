"""Store-host API of kanban (mounted under /api/v1/)."""

urlpatterns: list = []
