"""Store-host API of the list component and the global search (mounted under /api/v1/).

* ``GET|POST /api/v1/saved-views`` (``?list=customers``), ``GET|PATCH|DELETE /api/v1/saved-views/{id}``:
  saved views (场景) — the caller's own and those shared within the store; only the owner changes one.
* ``GET|PUT /api/v1/list-preferences/{list}``: the caller's density and columns of one list.
* ``GET /api/v1/search?q=``: customers, orders and quotations by number, name or mobile, as the
  caller may see them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from shared_apps.platform.errors import NotFound, ValidationFailed
from shared_apps.platform.listing import COMFORTABLE, DENSITIES, list_spec, list_specs
from shared_apps.platform.viewsets import StoreAPIView, StoreViewSet
from tenant_apps.lists import search, selectors, services
from tenant_apps.lists.models import SavedView


class SavedViewSerializer(serializers.ModelSerializer):
    list = serializers.CharField(source="list_key", read_only=True)
    owner = serializers.IntegerField(source="owner_id", read_only=True)
    filters = serializers.DictField(child=serializers.CharField(), read_only=True)
    columns = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = SavedView
        fields = ["id", "list", "name", "owner", "shared", "filters", "columns", "ordering", "created_at", "updated_at"]
        read_only_fields = fields


class SavedViewWriteSerializer(serializers.Serializer):
    list = serializers.CharField(help_text="The list's key: " + ", ".join(sorted(list_specs())) + ".")
    name = serializers.CharField(max_length=services.NAME_MAX)
    shared = serializers.BooleanField(required=False, help_text="Shown to every member of the store.")
    filters = serializers.DictField(child=serializers.CharField(), required=False)
    columns = serializers.ListField(child=serializers.CharField(), required=False)
    ordering = serializers.CharField(required=False, allow_blank=True)


class SavedViewPatchSerializer(SavedViewWriteSerializer):
    list = None
    name = serializers.CharField(max_length=services.NAME_MAX, required=False)


class SavedViewViewSet(mixins.ListModelMixin, StoreViewSet):
    serializer_class = SavedViewSerializer
    queryset = SavedView.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    required_permissions = {"GET": "store.view", "POST": "store.view", "PATCH": "store.view", "DELETE": "store.view"}

    def get_queryset(self):
        return SavedView.objects.none()

    @extend_schema(
        parameters=[OpenApiParameter("list", OpenApiTypes.STR, description="Only the views of this list.")],
        responses={200: SavedViewSerializer(many=True)},
    )
    def list(self, request, *args, **kwargs):
        items = selectors.saved_view_list(access=self.access, list_key=request.query_params.get("list", ""))
        page = self.paginate_queryset(items)
        return self.get_paginated_response(SavedViewSerializer(page, many=True).data)

    @extend_schema(responses={200: SavedViewSerializer})
    def retrieve(self, request, pk=None):
        view = selectors.saved_view_get_for_user(access=self.access, view_id=pk)
        return Response(SavedViewSerializer(view).data)

    @extend_schema(request=SavedViewWriteSerializer, responses={201: SavedViewSerializer})
    def create(self, request):
        view = services.saved_view_create(access=self.access, data=request.data)
        return Response(SavedViewSerializer(view).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SavedViewPatchSerializer, responses={200: SavedViewSerializer})
    def partial_update(self, request, pk=None):
        view = selectors.saved_view_get_for_user(access=self.access, view_id=pk)
        view = services.saved_view_update(access=self.access, view=view, data=request.data)
        return Response(SavedViewSerializer(view).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        view = selectors.saved_view_get_for_user(access=self.access, view_id=pk)
        services.saved_view_delete(access=self.access, view=view)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListPreferenceSerializer(serializers.Serializer):
    list = serializers.CharField(read_only=True)
    density = serializers.ChoiceField(choices=DENSITIES)
    columns = serializers.ListField(child=serializers.CharField(), help_text="The columns shown, in the list's order.")


class ListPreferenceView(StoreAPIView):
    required_permissions = {"GET": "store.view", "PUT": "store.view"}

    def _body(self, list_key: str) -> dict:
        spec = list_spec(list_key)
        if spec is None:
            raise NotFound()
        preference = selectors.preference_get(access=self.access, list_key=list_key)
        columns = spec.clean_columns(preference.columns) if preference and preference.columns else spec.default_columns
        return {
            "list": list_key,
            "density": preference.density if preference else COMFORTABLE,
            "columns": list(columns),
        }

    @extend_schema(responses={200: ListPreferenceSerializer})
    def get(self, request, list_key: str):
        return Response(self._body(list_key))

    @extend_schema(request=ListPreferenceSerializer, responses={200: ListPreferenceSerializer})
    def put(self, request, list_key: str):
        if list_spec(list_key) is None:
            raise NotFound()
        services.preference_set(access=self.access, list_key=list_key, data=request.data)
        return Response(self._body(list_key))


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="The customer's name, or the order's or quotation's number.")
    subtitle = serializers.CharField(help_text="Company and mobile, or the customer's name.")
    url = serializers.CharField(help_text="The record's page.")


class SearchResultSerializer(serializers.Serializer):
    q = serializers.CharField()
    customers = SearchHitSerializer(many=True, required=False)
    orders = SearchHitSerializer(many=True, required=False)
    quotations = SearchHitSerializer(many=True, required=False)


class SearchView(StoreAPIView):
    """Customers, orders and quotations by number, name or mobile (at most 8 of each), scoped like
    the list APIs; a section the caller may not open is absent."""

    required_permissions = {"GET": "store.view"}

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True, description="Number, name or mobile.")],
        responses={200: SearchResultSerializer},
    )
    def get(self, request):
        q = (request.query_params.get("q") or "").strip()
        if not q:
            raise ValidationFailed(_("Invalid input."), errors={"q": [_("This field is required.")]})
        results = search.global_search(access=self.access, q=q)
        body = {"q": q[: search.Q_MAX]}
        for section, hits in results.items():
            body[section] = [{"id": h.id, "title": h.title, "subtitle": h.subtitle, "url": h.url} for h in hits]
        return Response(body)
