from rest_framework.routers import SimpleRouter

from tenant_apps.automation.api import AutomationViewSet

router = SimpleRouter(trailing_slash=False)
router.register("automations", AutomationViewSet, basename="automations")

urlpatterns = router.urls
