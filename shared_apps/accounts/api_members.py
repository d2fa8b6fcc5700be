"""``/api/v1/members`` on a store host: who works in this store, and (store admins) adding and
changing memberships. The store is always the request's tenant."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.accounts import selectors, services
from shared_apps.accounts.models import Membership
from shared_apps.accounts.permissions import on_store_host
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.viewsets import StoreViewSet


class MemberSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)
    supervisor = serializers.IntegerField(source="supervisor_id", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "email", "name", "role", "supervisor", "is_active", "created_at"]
        read_only_fields = fields


class MemberCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=256,
        write_only=True,
        help_text="Required for a new user; ignored when the email belongs to an existing user.",
    )
    role = serializers.ChoiceField(choices=StoreRole.choices)
    supervisor = serializers.IntegerField(
        required=False, allow_null=True, help_text="User id of a supervisor of this store."
    )


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    role = serializers.ChoiceField(choices=StoreRole.choices)
    supervisor = serializers.IntegerField(source="supervisor_id", allow_null=True)
    status = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()

    def get_status(self, invitation) -> str:
        return "accepted" if invitation.accepted_at else "pending"


class MemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=StoreRole.choices, required=False)
    is_active = serializers.BooleanField(required=False)
    supervisor = serializers.IntegerField(
        required=False, allow_null=True, help_text="User id of a supervisor of this store; null removes it."
    )


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """Members of this store. Every member may list them; store admins add and change them."""

    serializer_class = MemberSerializer
    queryset = Membership.objects.none()
    required_permissions = {"GET": "members.view", "POST": "members.manage", "PATCH": "members.manage"}
    http_method_names = ["get", "post", "patch", "head", "options"]
    search_fields = ["user__email", "user__name"]
    ordering_fields = ["created_at", "role"]
    filterset_fields = ["role", "is_active"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.member_list(store=self.request.tenant)

    def get_object(self):
        return selectors.member_get(store=self.request.tenant, member_id=self.kwargs["pk"])

    @extend_schema(
        request=MemberCreateSerializer,
        responses={202: InvitationSerializer},
        description=(
            "Invites a user, new or existing, into this store: the membership is made when they accept "
            "(POST /api/v1/invitations/{id}/accept, signed in on this host). A new address gets its "
            "account now with `password`; an existing one keeps its own (`password` is still required "
            "and checked, so the answer never tells whether the address had an account)."
        ),
    )
    def create(self, request):
        serializer = MemberCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invitation = services.member_invite(
            store=request.tenant,
            email=data["email"],
            name=data.get("name", ""),
            password=data.get("password") or None,
            role=data["role"],
            supervisor_id=data.get("supervisor"),
            invited_by=request.user,
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=MemberUpdateSerializer, responses={200: MemberSerializer})
    def partial_update(self, request, pk=None):
        membership = self.get_object()
        serializer = MemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = services.member_change(
            membership=membership,
            role=data.get("role"),
            is_active=data.get("is_active"),
            supervisor_id=data.get("supervisor", ...),
        )
        return Response(MemberSerializer(selectors.member_get(store=request.tenant, member_id=membership.pk)).data)


class InvitedUser(permissions.BasePermission):
    """Signed in, on a store host; membership is not needed (the invitation is what is checked)."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if not on_store_host(request):
            raise exceptions.NotFound()
        return True


class InvitationListView(APIView):
    """Your open invitations into this store (you need not be a member yet)."""

    permission_classes = [InvitedUser]

    @extend_schema(responses={200: InvitationSerializer(many=True)})
    def get(self, request):
        invitations = services.invitations_open_for(user=request.user, store=request.tenant).order_by("-created_at")
        return Response(InvitationSerializer(invitations, many=True).data)


class InvitationAcceptView(APIView):
    """Accept your invitation into this store: you become a member with the role it names."""

    permission_classes = [InvitedUser]

    @extend_schema(request=None, responses={200: MemberSerializer})
    def post(self, request, invitation_id: int):
        membership = services.invitation_accept(invitation_id=invitation_id, user=request.user, store=request.tenant)
        return Response(MemberSerializer(selectors.member_get(store=request.tenant, member_id=membership.pk)).data)
