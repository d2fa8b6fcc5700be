"""Store-host API of the accounts app (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from shared_apps.accounts.api_members import MemberViewSet

router = SimpleRouter(trailing_slash=False)
router.register("members", MemberViewSet, basename="member")

urlpatterns = router.urls
