"""Store-host API of saved views, list preferences and the global search (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenant_apps.lists import api

router = SimpleRouter(trailing_slash=False)
router.register("saved-views", api.SavedViewViewSet, basename="saved-view")

urlpatterns: list = [
    *router.urls,
    path("list-preferences/<slug:list_key>", api.ListPreferenceView.as_view(), name="list-preference"),
    path("search", api.SearchView.as_view(), name="search"),
]
