"""Store-host API of the accounts app (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from shared_apps.accounts.api_members import ApiKeyViewSet, InvitationAcceptView, InvitationListView, MemberViewSet

router = SimpleRouter(trailing_slash=False)
router.register("members", MemberViewSet, basename="member")
router.register("api-keys", ApiKeyViewSet, basename="api-key")

urlpatterns = [
    *router.urls,
    path("invitations", InvitationListView.as_view(), name="invitation-list"),
    path("invitations/<int:invitation_id>/accept", InvitationAcceptView.as_view(), name="invitation-accept"),
]
