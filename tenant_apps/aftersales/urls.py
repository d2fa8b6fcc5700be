"""Pages of aftersales."""

app_name = "aftersales"
urlpatterns: list = []
