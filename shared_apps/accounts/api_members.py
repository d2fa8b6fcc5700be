"""``/api/v1/members`` on a store host: who works in this store, and (store admins) adding and
changing memberships; ``/api/v1/api-keys``, the store's API keys. The store is always the request's tenant."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.accounts import api_keys, selectors, services
from shared_apps.accounts.models import ApiKey, Membership
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.permissions import on_store_host
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


class ApiKeySerializer(serializers.ModelSerializer):
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "role", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    role = serializers.ChoiceField(choices=StoreRole.choices)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The key itself (crmk_…), shown this once.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """This store's API keys (store admins). A key is sent as ``Authorization: Bearer <key>`` and
    works on this store's host only, with the key's role; DELETE revokes it (it then answers 401)."""

    serializer_class = ApiKeySerializer
    queryset = ApiKey.objects.none()
    idempotency_exempt = True  # the answer to POST is the key itself: never kept
    required_permissions = {"GET": "api_keys.manage", "POST": "api_keys.manage", "DELETE": "api_keys.manage"}
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["created_at", "name"]
    filterset_fields = ["role"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiKey.objects.none()
        return api_keys.api_key_list(store=self.request.tenant)

    def get_object(self):
        return api_keys.api_key_get(store=self.request.tenant, key_id=self.kwargs["pk"])

    @extend_schema(request=ApiKeyCreateSerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request):
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, value = api_keys.api_key_create(
            store=request.tenant,
            name=serializer.validated_data["name"],
            role=serializer.validated_data["role"],
            created_by=request.user,
        )
        key.key = value
        return Response(ApiKeyCreatedSerializer(key).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        api_keys.api_key_revoke(key=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
