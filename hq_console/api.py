"""HQ store management API on the public host (``/api/v1/hq/...``): a store's extra domains and
memberships, the company-wide default policies, and HQ announcements to stores.

HQ executives read; HQ admins also write; store users get 403 here (404 on a store host).
"""

from __future__ import annotations

from decimal import Decimal

from django.http import FileResponse
from django.utils import timezone
from django_tenants.utils import schema_context
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from hq_console import backups, lifecycle, selectors, services
from hq_console.models import CompanyPolicy, HqAnnouncement, HqDefaultRule, StoreBackup, StoreClosure, StoreRestore
from hq_reports.selectors import store_get
from shared_apps.accounts.api_members import MemberCreateSerializer, MemberSerializer, MemberUpdateSerializer
from shared_apps.platform.audit import record_hq_access
from shared_apps.platform.permissions import IsHQ
from shared_apps.platform.policies import DISCOUNT_THRESHOLD_PLACES, POLICY_FIELDS, POLICY_INT_LIMITS
from shared_apps.platform.viewsets import HQAPIView, HQViewMixin
from tenant_apps.audit import filters as audit_filters
from tenant_apps.audit import selectors as audit_selectors
from tenant_apps.audit.api import ENTRY_PARAMETERS, SIGN_IN_PARAMETERS
from tenant_apps.audit.serializers import ActionEntrySerializer, SignInSerializer
from tenants.models import Domain
from tenants.storetime import store_zone


class HQGenericAPIView(HQViewMixin, generics.GenericAPIView):
    filter_backends: list = []


# --- domains ----------------------------------------------------------------------------------


class DomainSerializer(serializers.ModelSerializer):
    store = serializers.IntegerField(source="tenant_id", read_only=True)

    class Meta:
        model = Domain
        fields = ["id", "domain", "is_primary", "store"]
        read_only_fields = ["id", "is_primary", "store"]
        extra_kwargs = {"domain": {"validators": []}}


class StoreDomainsView(HQGenericAPIView):
    """A store's domains: its primary ``<subdomain>.<base domain>`` and the extra host names HQ
    admins give it (each host name belongs to one store; serve them with EXTRA_ALLOWED_HOSTS)."""

    serializer_class = DomainSerializer

    @extend_schema(operation_id="hq_stores_domains_list", responses={200: DomainSerializer(many=True)})
    def get(self, request, pk):
        store = store_get(store_id=pk)
        page = self.paginate_queryset(selectors.domain_list(store=store))
        return self.get_paginated_response(DomainSerializer(page, many=True).data)

    @extend_schema(request=DomainSerializer, responses={201: DomainSerializer})
    def post(self, request, pk):
        store = store_get(store_id=pk)
        serializer = DomainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        domain = services.domain_add(store=store, domain=serializer.validated_data["domain"])
        return Response(DomainSerializer(domain).data, status=status.HTTP_201_CREATED)


class StoreDomainDetailView(HQGenericAPIView):
    """One domain of a store; HQ admins remove extra ones (never the primary one: 409)."""

    serializer_class = DomainSerializer
    http_method_names = ["get", "delete", "head", "options"]

    def get(self, request, pk, domain_id):
        store = store_get(store_id=pk)
        return Response(DomainSerializer(selectors.domain_get(store=store, domain_id=domain_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk, domain_id):
        store = store_get(store_id=pk)
        services.domain_remove(domain=selectors.domain_get(store=store, domain_id=domain_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- memberships ------------------------------------------------------------------------------


class StoreMembersView(HQGenericAPIView):
    """Who works in a store, with their roles; HQ admins add people (an existing user by email,
    or a new one with a password)."""

    serializer_class = MemberSerializer

    @extend_schema(operation_id="hq_stores_members_list", responses={200: MemberSerializer(many=True)})
    def get(self, request, pk):
        store = store_get(store_id=pk)
        page = self.paginate_queryset(selectors.store_members(store=store))
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def post(self, request, pk):
        store = store_get(store_id=pk)
        serializer = MemberCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = services.member_add(
            store=store,
            email=data["email"],
            name=data.get("name", ""),
            password=data.get("password") or None,
            role=data["role"],
            supervisor_id=data.get("supervisor"),
        )
        fresh = selectors.store_member_get(store=store, member_id=membership.pk)
        return Response(MemberSerializer(fresh).data, status=status.HTTP_201_CREATED)


class StoreMemberDetailView(HQGenericAPIView):
    """One membership of a store; HQ admins change its role, supervisor or activity (a store
    keeps at least one active admin: 409 ``last_admin``)."""

    serializer_class = MemberSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get(self, request, pk, membership_id):
        store = store_get(store_id=pk)
        return Response(MemberSerializer(selectors.store_member_get(store=store, member_id=membership_id)).data)

    @extend_schema(request=MemberUpdateSerializer, responses={200: MemberSerializer})
    def patch(self, request, pk, membership_id):
        store = store_get(store_id=pk)
        membership = selectors.store_member_get(store=store, member_id=membership_id)
        serializer = MemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.member_change(
            membership=membership,
            role=data.get("role"),
            is_active=data.get("is_active"),
            supervisor_id=data.get("supervisor", ...),
        )
        fresh = selectors.store_member_get(store=store, member_id=membership.pk)
        return Response(MemberSerializer(fresh).data)


# --- company-wide default policies ------------------------------------------------------------


def _int_policy(field: str) -> serializers.IntegerField:
    low, high = POLICY_INT_LIMITS[field]
    return serializers.IntegerField(min_value=low, max_value=high, required=False)


class CompanyPolicySerializer(serializers.ModelSerializer):
    """The defaults every store follows for each policy it does not set itself.
    ``discount_threshold`` is a fraction with 3 places (0.900: below 90 % of list price needs approval)."""

    discount_threshold = serializers.DecimalField(
        max_digits=4,
        decimal_places=DISCOUNT_THRESHOLD_PLACES,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        required=False,
    )
    pool_grace_days = _int_policy("pool_grace_days")
    pool_max_idle_days = _int_policy("pool_max_idle_days")
    pool_return_visit_days = _int_policy("pool_return_visit_days")
    pool_ownership_cap = _int_policy("pool_ownership_cap")
    pool_daily_claim_limit = _int_policy("pool_daily_claim_limit")
    pool_reclaim_cooldown_days = _int_policy("pool_reclaim_cooldown_days")
    pool_release_warning_days = _int_policy("pool_release_warning_days")
    return_visit_window_days = _int_policy("return_visit_window_days")
    # Null until the defaults are first changed (the built-in defaults have no row).
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_by = serializers.IntegerField(source="updated_by_id", read_only=True, allow_null=True)

    class Meta:
        model = CompanyPolicy
        fields = [*POLICY_FIELDS, "updated_at", "updated_by"]
        read_only_fields = ["updated_at", "updated_by"]


class CompanyPolicyView(HQAPIView):
    """Company-wide default policies (discount approval threshold, shared-pool rules). HQ admins
    change them; stores that do not override a field follow the new value at once."""

    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: CompanyPolicySerializer})
    def get(self, request):
        return Response(CompanyPolicySerializer(selectors.company_policy_get()).data)

    @extend_schema(request=CompanyPolicySerializer, responses={200: CompanyPolicySerializer})
    def patch(self, request):
        serializer = CompanyPolicySerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = services.company_policy_update(hq_user=request.user, **serializer.validated_data)
        return Response(CompanyPolicySerializer(policy).data)


# --- HQ announcements -------------------------------------------------------------------------


class HqAnnouncementSerializer(serializers.ModelSerializer):
    stores = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)

    class Meta:
        model = HqAnnouncement
        fields = ["id", "title", "body", "all_stores", "stores", "created_by", "created_by_name", "created_at"]
        read_only_fields = fields


class HqAnnouncementCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=services.TITLE_MAX_LENGTH)
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.BODY_MAX_LENGTH)
    all_stores = serializers.BooleanField(required=False, default=False)
    stores = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        default=list,
        max_length=10_000,
        help_text="Store ids (without `all_stores`).",
    )


class HqAnnouncementsView(HQGenericAPIView):
    """Announcements from HQ to every store or to chosen stores; each store's members see them
    in their announcement list, marked as from HQ."""

    serializer_class = HqAnnouncementSerializer

    @extend_schema(operation_id="hq_announcements_list", responses={200: HqAnnouncementSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(selectors.hq_announcement_list())
        return self.get_paginated_response(HqAnnouncementSerializer(page, many=True).data)

    @extend_schema(request=HqAnnouncementCreateSerializer, responses={201: HqAnnouncementSerializer})
    def post(self, request):
        serializer = HqAnnouncementCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        announcement = services.hq_announcement_create(
            title=data["title"],
            body=data.get("body", ""),
            hq_user=request.user,
            all_stores=data.get("all_stores", False),
            store_ids=data.get("stores", []),
        )
        fresh = selectors.hq_announcement_get(announcement_id=announcement.pk)
        return Response(HqAnnouncementSerializer(fresh).data, status=status.HTTP_201_CREATED)


class HqAnnouncementDetailView(HQGenericAPIView):
    serializer_class = HqAnnouncementSerializer

    def get(self, request, pk):
        return Response(HqAnnouncementSerializer(selectors.hq_announcement_get(announcement_id=pk)).data)


# --- backups and restores ---------------------------------------------------------------------


class BackupSerializer(serializers.ModelSerializer):
    class Meta:
        model = StoreBackup
        fields = ["id", "taken_at", "size", "kind", "status", "step", "finished_at", "error"]
        read_only_fields = fields


class StoreBackupsView(HQGenericAPIView):
    """A store's backups (newest first); POST takes one now on the worker (202)."""

    serializer_class = BackupSerializer

    @extend_schema(operation_id="hq_stores_backups_list", responses={200: BackupSerializer(many=True)})
    def get(self, request, pk):
        store = store_get(store_id=pk)
        page = self.paginate_queryset(selectors.backup_list(store=store))
        return self.get_paginated_response(BackupSerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: BackupSerializer})
    def post(self, request, pk):
        store = store_get(store_id=pk)
        backup = backups.backup_start(store=store)
        return Response(BackupSerializer(backup).data, status=status.HTTP_202_ACCEPTED)


class RestoreRequestSerializer(serializers.Serializer):
    backup = serializers.UUIDField()
    as_subdomain = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")


class RestoreSerializer(serializers.ModelSerializer):
    backup = serializers.UUIDField(source="backup_id", read_only=True)
    store = serializers.IntegerField(source="store_id", read_only=True)
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = StoreRestore
        fields = ["id", "backup", "store", "as_subdomain", "status", "step", "error", "started_at", "finished_at"]
        fields += ["status_url"]
        read_only_fields = fields

    def get_status_url(self, obj) -> str:
        return f"/api/v1/hq/stores/{obj.store_id or 0}/restores/{obj.pk}"


class StoreRestoreView(HQGenericAPIView):
    """Restore one of the store's backups: into its own schema (``as_subdomain`` omitted), after a
    safety backup, or into a new sandbox store. The archive is checked before anything is touched;
    202 with the restore's status url."""

    serializer_class = RestoreRequestSerializer

    @extend_schema(request=RestoreRequestSerializer, responses={202: RestoreSerializer})
    def post(self, request, pk):
        store = store_get(store_id=pk)
        serializer = RestoreRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        restore = backups.restore_start(
            store=store,
            backup_id=serializer.validated_data["backup"],
            as_subdomain=serializer.validated_data["as_subdomain"],
            hq_user=request.user,
        )
        body = RestoreSerializer(restore).data
        body["status_url"] = f"/api/v1/hq/stores/{store.pk}/restores/{restore.pk}"
        return Response(body, status=status.HTTP_202_ACCEPTED)


class StoreRestoreDetailView(HQGenericAPIView):
    serializer_class = RestoreSerializer

    @extend_schema(responses={200: RestoreSerializer})
    def get(self, request, pk, restore_id):
        store = store_get(store_id=pk)
        body = RestoreSerializer(selectors.restore_get(store=store, restore_id=restore_id)).data
        body["status_url"] = f"/api/v1/hq/stores/{store.pk}/restores/{restore_id}"
        return Response(body)


# --- store lifecycle: export, close, reopen ---------------------------------------------------


class ExportSerializer(BackupSerializer):
    status_url = serializers.SerializerMethodField()
    archive_url = serializers.SerializerMethodField()

    class Meta(BackupSerializer.Meta):
        fields = [*BackupSerializer.Meta.fields, "status_url", "archive_url"]
        read_only_fields = fields

    def get_status_url(self, obj) -> str:
        return f"/api/v1/hq/stores/{obj.store_id}/exports/{obj.pk}"

    def get_archive_url(self, obj) -> str | None:
        if obj.status != StoreBackup.Status.READY:
            return None
        return f"/api/v1/hq/stores/{obj.store_id}/exports/{obj.pk}/archive"


class StoreExportView(HQGenericAPIView):
    """Export the whole store (data and files) as one archive: 202, then poll the status url."""

    serializer_class = ExportSerializer

    @extend_schema(request=None, responses={202: ExportSerializer})
    def post(self, request, pk):
        store = store_get(store_id=pk)
        export = lifecycle.export_start(store=store)
        return Response(ExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)


class StoreExportDetailView(HQGenericAPIView):
    serializer_class = ExportSerializer

    @extend_schema(responses={200: ExportSerializer})
    def get(self, request, pk, export_id):
        store = store_get(store_id=pk)
        return Response(ExportSerializer(selectors.export_get(store=store, export_id=export_id)).data)


class StoreExportArchiveView(HQGenericAPIView):
    @extend_schema(responses={(200, "application/x-tar"): bytes})
    def get(self, request, pk, export_id):
        store = store_get(store_id=pk)
        path = lifecycle.export_archive(export=selectors.export_get(store=store, export_id=export_id))
        handle = path.open("rb")
        path.unlink()
        path.parent.rmdir()
        return FileResponse(handle, as_attachment=True, filename=path.name, content_type="application/x-tar")


class ClosureSerializer(serializers.ModelSerializer):
    final_backup = serializers.UUIDField(source="final_backup_id", read_only=True)

    class Meta:
        model = StoreClosure
        fields = ["id", "stage", "closed_at", "drop_after", "finished_at", "final_backup"]
        read_only_fields = fields


class StoreCloseView(HQGenericAPIView):
    """Close the store: read-only at once, a final backup, the schema dropped after the grace period."""

    serializer_class = ClosureSerializer

    @extend_schema(request=None, responses={200: ClosureSerializer})
    def post(self, request, pk):
        closure = lifecycle.close_store(store=store_get(store_id=pk), hq_user=request.user)
        return Response(ClosureSerializer(closure).data)


class StoreReopenView(HQGenericAPIView):
    """Reopen a closed store before its schema is dropped."""

    serializer_class = ClosureSerializer

    @extend_schema(request=None, responses={200: ClosureSerializer})
    def post(self, request, pk):
        closure = lifecycle.reopen_store(store=store_get(store_id=pk))
        return Response(ClosureSerializer(closure).data)


# --- a store's action log ----------------------------------------------------------------------


class IsHQAdmin(IsHQ):
    """HQ admins only, for reading too (a store's action log names its people and their addresses)."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.is_hq_admin


class _StoreLogView(HQGenericAPIView):
    permission_classes = [IsHQAdmin]
    parse = staticmethod(audit_filters.entry_filters)
    query = staticmethod(audit_selectors.entries)

    def get(self, request, pk):
        store = store_get(store_id=pk)
        record_hq_access(user=request.user, store=store, method="GET", path=request.get_full_path(), allowed=True)
        with schema_context(store.schema_name), timezone.override(store_zone(store)):
            page = self.paginate_queryset(self.query(**self.parse(request.query_params)))
            data = self.serializer_class(page, many=True).data
        return self.get_paginated_response(data)


class StoreAuditView(_StoreLogView):
    """A store's action log (HQ admins), with the filters of the store's ``/api/v1/audit``; every
    access is recorded in the HQ access audit."""

    serializer_class = ActionEntrySerializer

    @extend_schema(
        operation_id="hq_stores_audit_list",
        parameters=ENTRY_PARAMETERS,
        responses={200: ActionEntrySerializer(many=True)},
    )
    def get(self, request, pk):
        return super().get(request, pk)


class StoreSignInsView(_StoreLogView):
    """A store's sign-ins and failures (HQ admins), as the store's ``/api/v1/audit/logins``; audited."""

    serializer_class = SignInSerializer
    parse = staticmethod(audit_filters.sign_in_filters)
    query = staticmethod(audit_selectors.sign_ins)

    @extend_schema(operation_id="hq_stores_audit_logins_list", responses={200: SignInSerializer(many=True)})
    def get(self, request, pk):
        return super().get(request, pk)


class HqSignInsView(HQGenericAPIView):
    """Sign-ins to the HQ host (page and token) and failed attempts, with address and user agent
    (HQ admins), with the filters of a store's ``/api/v1/audit/logins``."""

    permission_classes = [IsHQAdmin]
    serializer_class = SignInSerializer

    @extend_schema(
        operation_id="hq_audit_logins_list", parameters=SIGN_IN_PARAMETERS, responses={200: SignInSerializer(many=True)}
    )
    def get(self, request):
        rows = selectors.hq_sign_ins(**audit_filters.sign_in_filters(request.query_params))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(SignInSerializer(page, many=True).data)


# --- default automation rules -----------------------------------------------------------------


class HqDefaultRuleSerializer(serializers.ModelSerializer):
    params = serializers.JSONField()
    actions = serializers.JSONField(help_text="Empty: the ready-made rule's own actions.")

    class Meta:
        model = HqDefaultRule
        fields = ["id", "name", "template", "params", "actions", "active", "updated_at"]
        read_only_fields = fields


class HqDefaultRuleInputSerializer(serializers.Serializer):
    name = serializers.CharField(required=False)
    template = serializers.CharField(
        required=False,
        help_text=(
            "A ready-made rule: dispatch_failure, receivable_overdue, gtv_drop, customer_quiet, quotation_waiting."
        ),
    )
    params = serializers.JSONField(required=False)
    actions = serializers.JSONField(required=False)
    active = serializers.BooleanField(required=False)


class HqDefaultRulesView(HQGenericAPIView):
    """Default automation rules every store inherits (HQ admins write; HQ executives read). A
    store follows each until its admin changes its copy or switches on the same ready-made rule."""

    serializer_class = HqDefaultRuleSerializer

    @extend_schema(responses={200: HqDefaultRuleSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(selectors.default_rules())
        return self.get_paginated_response(HqDefaultRuleSerializer(page, many=True).data)

    @extend_schema(request=HqDefaultRuleInputSerializer, responses={201: HqDefaultRuleSerializer})
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        rule = services.default_rule_create(
            hq_user=request.user,
            name=data.get("name"),
            template=data.get("template"),
            params=data.get("params"),
            actions=data.get("actions"),
            active=data.get("active", True),
        )
        return Response(HqDefaultRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class HqDefaultRuleDetailView(HQGenericAPIView):
    serializer_class = HqDefaultRuleSerializer

    @extend_schema(responses={200: HqDefaultRuleSerializer})
    def get(self, request, pk):
        return Response(HqDefaultRuleSerializer(selectors.default_rule_get(rule_id=pk)).data)

    @extend_schema(request=HqDefaultRuleInputSerializer, responses={200: HqDefaultRuleSerializer})
    def patch(self, request, pk):
        rule = selectors.default_rule_get(rule_id=pk)
        data = request.data if isinstance(request.data, dict) else {}
        return Response(
            HqDefaultRuleSerializer(services.default_rule_update(rule=rule, hq_user=request.user, changes=data)).data
        )

    def delete(self, request, pk):
        services.default_rule_delete(rule=selectors.default_rule_get(rule_id=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
