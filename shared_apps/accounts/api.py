"""Token and identity endpoints (every host)."""

from __future__ import annotations

import logging

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.accounts.selectors import token_list_for
from shared_apps.accounts.services import token_create, token_revoke, tokens_revoke_for
from shared_apps.accounts.signals import token_issued
from shared_apps.accounts.throttling import ClientAddressThrottle
from shared_apps.platform.errors import DomainError, ErrorCode, NotFound
from shared_apps.platform.permissions import on_store_host

logger = logging.getLogger("shared_apps.accounts.auth")


class LockedOut(DomainError):
    status = 429
    code = ErrorCode.THROTTLED
    default_title = gettext_lazy("Too many failed sign-in attempts. Try again later.")


class BadCredentials(DomainError):
    status = 401
    code = ErrorCode.AUTHENTICATION_FAILED
    default_title = gettext_lazy("Wrong email or password.")


class TokenThrottle(ClientAddressThrottle):
    scope = "token"


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=256)
    name = serializers.CharField(required=False, allow_blank=True, max_length=80)


class TokenCreateView(APIView):
    """Exchange email and password for a bearer token (valid on every store of the user)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]
    idempotency_exempt = True  # the answer is a secret: never kept

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"].lower()
        try:
            user = authenticate(request._request, email=email, password=serializer.validated_data["password"])
        except AxesBackendPermissionDenied as exc:
            logger.warning("token request locked out for %s", email)
            raise LockedOut() from exc
        if getattr(request._request, "axes_locked_out", False):
            raise LockedOut()
        if user is None or not user.is_active:
            logger.info("failed token request for %s", email)
            raise BadCredentials()
        _token, value = token_create(user=user, name=serializer.validated_data.get("name", ""))
        token_issued.send(sender=TokenCreateView, request=request._request, user=user)
        return Response({"token": value})


class MeView(APIView):
    """The signed-in user, their role on this host and what they may do."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "Me",
                {
                    "id": serializers.IntegerField(),
                    "email": serializers.EmailField(),
                    "name": serializers.CharField(),
                    "hq_role": serializers.CharField(allow_null=True),
                    "store": serializers.DictField(allow_null=True),
                    "role": serializers.CharField(allow_null=True),
                    "read_only": serializers.BooleanField(),
                    "permissions": serializers.ListField(child=serializers.CharField()),
                },
            )
        }
    )
    def get(self, request):
        user = request.user
        body = {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "hq_role": user.hq_role or None,
            "store": None,
            "role": None,
            "read_only": False,
            "permissions": [],
        }
        if on_store_host(request):
            access = request._request.store_access
            store = request.tenant
            body.update(
                store={"id": store.pk, "name": store.name, "subdomain": store.subdomain, "status": store.status},
                role=access.role,
                read_only=access.read_only or store.status != store.Status.ACTIVE,
                permissions=sorted(access.permissions),
            )
        return Response(body)


class TokenRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The token's public prefix (crm_<prefix>_…), to recognise it.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField(help_text="The token this request was made with.")


def _token_rows(request) -> list[dict]:
    current = getattr(request._request, "api_token", None)
    return [
        {
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "expires_at": token.expires_at,
            "last_used_at": token.last_used_at,
            "revoked_at": token.revoked_at,
            "current": current is not None and current.pk == token.pk,
        }
        for token in token_list_for(user=request.user)
    ]


class TokenListView(APIView):
    """Your own API tokens: list them (never their secrets), or revoke them all."""

    @extend_schema(operation_id="auth_tokens_list", responses={200: TokenRowSerializer(many=True)})
    def get(self, request):
        return Response(TokenRowSerializer(_token_rows(request), many=True).data)

    @extend_schema(operation_id="auth_tokens_revoke_all", responses={204: None})
    def delete(self, request):
        tokens_revoke_for(user_id=request.user.pk)
        return Response(status=204)


class TokenDetailView(APIView):
    """Revoke one of your own API tokens (another user's token is 404)."""

    @extend_schema(operation_id="auth_tokens_revoke", responses={204: None})
    def delete(self, request, token_id: int):
        token = token_list_for(user=request.user).filter(pk=token_id).first()
        if token is None:
            raise NotFound(_("No such token."))
        token_revoke(token=token)
        return Response(status=204)
