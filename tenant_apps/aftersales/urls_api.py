"""Store-host API of aftersales (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from tenant_apps.aftersales import api

router = SimpleRouter(trailing_slash=False)
router.register("after-sales", api.CaseViewSet, basename="aftersales-case")

urlpatterns = [*router.urls]
