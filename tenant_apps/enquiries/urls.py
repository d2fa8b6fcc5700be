"""Pages of enquiries."""

app_name = "enquiries"
urlpatterns: list = []
