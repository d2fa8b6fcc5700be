"""Pages of finance."""

app_name = "finance"
urlpatterns: list = []
