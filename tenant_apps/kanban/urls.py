"""Pages of kanban."""

app_name = "kanban"
urlpatterns: list = []
