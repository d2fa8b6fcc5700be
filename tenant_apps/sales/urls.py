"""Pages of sales."""

app_name = "sales"
urlpatterns: list = []
