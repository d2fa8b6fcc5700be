"""Billing API: self-service signup and the Stripe webhook on the public host; the store's plan,
Checkout and Billing Portal links on the store host (``billing.manage``)."""

from __future__ import annotations

import hashlib

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.accounts.authentication import BearerTokenAuthentication, SessionAuthentication
from shared_apps.accounts.throttling import AtomicRateThrottle, ClientAddressThrottle
from shared_apps.billing import selectors, services
from shared_apps.billing.models import Account, Plan
from shared_apps.platform.viewsets import StoreAPIView
from tenants.models import Provisioning, Store
from tenants.routing import store_url

# --- public host: signup ----------------------------------------------------------------------


class SignupIPThrottle(ClientAddressThrottle):
    """Signups per client address (``SIGNUP_THROTTLE_IP_RATE``)."""

    scope = "signup_ip"


class SignupEmailThrottle(AtomicRateThrottle):
    """Signups per owner email (``SIGNUP_THROTTLE_EMAIL_RATE``), whatever the address."""

    scope = "signup_email"

    def get_cache_key(self, request, view):
        try:
            email = request.data.get("owner_email")
        except AttributeError:
            return None
        if not isinstance(email, str) or not email.strip():
            return None
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class SignupSerializer(serializers.Serializer):
    """The shape only: every rule (lengths, email, password, subdomain, plan) is checked by the
    signup service, so that one answer names every bad field."""

    company = serializers.CharField(
        max_length=500, allow_blank=True, help_text="The company signing up (kept on the billing account)."
    )
    store_name = serializers.CharField(max_length=500, allow_blank=True, help_text="1-120 characters.")
    subdomain = serializers.CharField(
        max_length=500,
        allow_blank=True,
        help_text="3-40 characters: a-z, 0-9 and inner '-', starting with a letter; not reserved.",
    )
    owner_email = serializers.CharField(
        max_length=254, allow_blank=True, help_text="The store's admin: a new user, or an existing one."
    )
    owner_password = serializers.CharField(
        max_length=256,
        allow_blank=True,
        trim_whitespace=False,
        write_only=True,
        help_text="A new user's password (checked by the password rules); an existing user's own password.",
    )
    plan = serializers.CharField(max_length=40, allow_blank=True, help_text="A plan code: trial, standard or pro.")
    owner_name = serializers.CharField(
        max_length=500, allow_blank=True, required=False, help_text="The owner's own name (optional)."
    )
    channels = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        help_text="Channel codes to enable (tmall, jd, 1688, pdd, douyin, taobao, alibaba, offline, other); "
        "offline when none is given.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A missing field is named by the signup service with every other bad field, in one answer.
        for name in ("company", "store_name", "subdomain", "owner_email", "owner_password", "plan"):
            self.fields[name].required = False
            self.fields[name].default = ""


SignupAccepted = inline_serializer(
    "SignupAccepted",
    {
        "id": serializers.UUIDField(),
        "status": serializers.CharField(help_text="provisioning"),
        "status_url": serializers.URLField(),
    },
)


class SignupStatusSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Provisioning.Status.choices)
    subdomain = serializers.CharField()
    store_url = serializers.URLField(allow_null=True, help_text="Set once the store is ready.")
    error = serializers.CharField(allow_null=True, help_text="Why provisioning failed.")


SIGNUP_EXAMPLE = {
    "company": "Hangzhou Pallet Co.",
    "store_name": "Tmall pallet shop",
    "subdomain": "hz-pallets",
    "owner_email": "owner@hz-pallets.example",
    "owner_password": "Quiet-Harbour-2026",
    "plan": "trial",
}


class SignupView(APIView):
    """Sign up: the owner account, a billing account on the chosen plan and a new store,
    provisioned in the background. Poll ``status_url`` until ``ready``, then obtain a token with
    ``POST /api/v1/auth/token`` (the owner's email and password) and use the store at ``store_url``."""

    # Signed in (optional): an existing user signs up with their own email and becomes the owner.
    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [SignupIPThrottle, SignupEmailThrottle]
    serializer_class = SignupSerializer

    @extend_schema(
        request=SignupSerializer,
        responses={
            202: SignupAccepted,
            400: OpenApiResponse(description="validation_error, subdomain_invalid or subdomain_reserved"),
            409: OpenApiResponse(description="subdomain_taken"),
            429: OpenApiResponse(description="throttled (per client address and per email)"),
        },
        auth=[],
        examples=[
            OpenApiExample("Sign up", value=SIGNUP_EXAMPLE, request_only=True),
            OpenApiExample(
                "Accepted",
                value={
                    "id": "3f2b8a6e-6a1c-4c55-9d0e-2b7f4c1a9e01",
                    "status": "provisioning",
                    "status_url": "http://localhost:8000/api/v1/signup/3f2b8a6e-6a1c-4c55-9d0e-2b7f4c1a9e01",
                },
                response_only=True,
                status_codes=["202"],
            ),
        ],
    )
    def post(self, request):
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        requester = request.user if request.user.is_authenticated else None
        account = services.signup(**serializer.validated_data, requester=requester)
        url = request.build_absolute_uri(reverse("billing_public:signup-detail", kwargs={"pk": account.pk}))
        body = {"id": str(account.pk), "status": Provisioning.Status.PROVISIONING, "status_url": url}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class SignupStatusView(APIView):
    """A signup's progress: ``provisioning``, then ``ready`` (with ``store_url``) or ``failed``
    (with ``error``; nothing of the store was left behind)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = SignupStatusSerializer

    @extend_schema(
        responses={200: SignupStatusSerializer},
        auth=[],
        examples=[
            OpenApiExample(
                "Ready",
                value={
                    "id": "3f2b8a6e-6a1c-4c55-9d0e-2b7f4c1a9e01",
                    "status": "ready",
                    "subdomain": "hz-pallets",
                    "store_url": "http://hz-pallets.localhost:8000/",
                    "error": None,
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, pk):
        account = selectors.signup_get(signup_id=pk)
        return Response(SignupStatusSerializer(selectors.signup_status(account)).data)


# --- public host: Stripe webhook --------------------------------------------------------------


class WebhookView(APIView):
    """Stripe events. The ``Stripe-Signature`` header is verified with ``STRIPE_WEBHOOK_SECRET``
    (400 ``bad_signature`` otherwise, nothing changes); each event is applied once (a replay answers
    200 ``duplicate``), in the order Stripe created them."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: inline_serializer("WebhookOutcome", {"outcome": serializers.CharField()})},
        auth=[],
    )
    def post(self, request):
        payload = request.body
        outcome = services.webhook_process(payload=payload, signature=request.headers.get("Stripe-Signature", ""))
        return Response({"outcome": outcome})


# --- store host: plan, Checkout, Portal -------------------------------------------------------


class PlanSerializer(serializers.ModelSerializer):
    purchasable = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = ["code", "name", "max_seats", "max_customers", "trial_days", "purchasable"]
        read_only_fields = fields

    def get_purchasable(self, plan: Plan) -> bool:
        return bool(plan.stripe_price)


class BillingSerializer(serializers.Serializer):
    billing_enabled = serializers.BooleanField(help_text="False: no Stripe key, every store on the default plan.")
    company = serializers.CharField()
    plan = PlanSerializer(allow_null=True)
    state = serializers.ChoiceField(choices=Account.State.choices)
    trial_ends_at = serializers.DateTimeField(allow_null=True)
    past_due_since = serializers.DateTimeField(allow_null=True)
    store_status = serializers.ChoiceField(choices=Store.Status.choices)
    has_subscription = serializers.BooleanField()
    seats_used = serializers.IntegerField()
    plans = PlanSerializer(many=True)


class CheckoutSerializer(serializers.Serializer):
    plan = serializers.CharField(max_length=40, help_text="The plan to subscribe to (standard or pro).")


RedirectSerializer = inline_serializer("BillingRedirect", {"url": serializers.URLField()})


def billing_page_url(store) -> str:
    return store_url(store.subdomain) + "billing/"


class BillingView(StoreAPIView):
    """The store's plan, billing state, seats used and the plans on offer."""

    required_permissions = {"GET": "billing.manage"}
    serializer_class = BillingSerializer

    @extend_schema(responses={200: BillingSerializer})
    def get(self, request):
        return Response(BillingSerializer(selectors.billing_summary(request.tenant)).data)


class CheckoutView(StoreAPIView):
    """A Stripe Checkout URL to subscribe the store to a plan (409 ``billing_disabled`` without Stripe)."""

    required_permissions = {"POST": "billing.manage"}
    serializer_class = CheckoutSerializer

    @extend_schema(request=CheckoutSerializer, responses={200: RedirectSerializer})
    def post(self, request):
        serializer = CheckoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        page = billing_page_url(request.tenant)
        url = services.checkout_start(
            store=request.tenant,
            user=request.user,
            plan_code=serializer.validated_data["plan"],
            success_url=page + "?checkout=success",
            cancel_url=page + "?checkout=cancelled",
        )
        return Response({"url": url})


class PortalView(StoreAPIView):
    """A Stripe Billing Portal URL: payment method, invoices, plan changes, cancellation."""

    required_permissions = {"POST": "billing.manage"}

    @extend_schema(request=None, responses={200: RedirectSerializer})
    def post(self, request):
        page = billing_page_url(request.tenant)
        url = services.portal_start(store=request.tenant, user=request.user, return_url=page)
        return Response({"url": url})
