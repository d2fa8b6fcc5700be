"""Every error leaves the API as RFC 9457 problem+json with a stable code; DomainErrors keep theirs."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from shared_apps.platform import errors
from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE

factory = APIRequestFactory()


class LineSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)


class OrderSerializer(serializers.Serializer):
    email = serializers.EmailField()
    age = serializers.IntegerField()
    lines = LineSerializer(many=True)

    def validate(self, attrs):
        if attrs["age"] > 150:
            raise serializers.ValidationError("Nobody is that old.")
        return attrs


def raising(exc):
    """A bare API view that raises ``exc``, run through the project's exception handler."""

    class View(APIView):
        permission_classes = [AllowAny]

        def get(self, request):
            raise exc

    return View.as_view()


class OrderView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request):
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


def problem(response) -> dict:
    response.render()
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    return json.loads(response.content)


def test_serializer_errors_become_problem_json_with_errors_by_field():
    response = OrderView.as_view()(factory.post("/", {"email": "nope", "lines": []}, format="json"))

    body = problem(response)
    assert response.status_code == 400
    assert body["code"] == "validation_error"
    assert set(body["errors"]) == {"email", "age"}
    assert all(isinstance(message, str) for message in body["errors"]["email"])


def test_problem_json_has_the_rfc_9457_members():
    body = problem(OrderView.as_view()(factory.post("/", {}, format="json")))

    assert {"type", "title", "status", "detail", "code", "errors"} <= set(body)
    assert body["status"] == 400
    assert body["type"].endswith("/validation_error")


def test_nested_serializer_errors_are_keyed_by_dotted_path():
    body = problem(
        OrderView.as_view()(
            factory.post("/", {"email": "a@b.cn", "age": 3, "lines": [{"quantity": 2}, {"quantity": 0}]}, format="json")
        )
    )

    assert set(body["errors"]) == {"lines.1.quantity"}


def test_object_level_errors_are_non_field_errors():
    body = problem(OrderView.as_view()(factory.post("/", {"email": "a@b.cn", "age": 200, "lines": []}, format="json")))

    assert body["errors"] == {"non_field_errors": ["Nobody is that old."]}


@pytest.mark.parametrize(
    ("error_class", "status", "code"),
    [
        (errors.ValidationFailed, 400, "validation_error"),
        (errors.NotFound, 404, "not_found"),
        (errors.PermissionDenied, 403, "permission_denied"),
        (errors.Conflict, 409, "conflict"),
        (errors.InvalidTransition, 409, "invalid_transition"),
        (errors.ApprovalRequired, 409, "approval_required"),
        (errors.TenantReadOnly, 423, "tenant_read_only"),
        (errors.StoreSuspended, 403, "store_suspended"),
    ],
)
def test_domain_error_maps_to_its_status_and_code(error_class, status, code):
    response = raising(error_class("It went wrong."))(factory.get("/"))

    body = problem(response)
    assert (response.status_code, body["status"], body["code"]) == (status, status, code)
    assert body["detail"] == "It went wrong."


def test_domain_error_carries_its_own_code_field_errors_and_extra_members():
    exc = errors.Conflict(
        "Duplicate customer.",
        code="duplicate_customer",
        errors={"mobile": ["Already used."]},
        extra={"existing": {"id": 7, "name": "Li", "owner": None}},
    )

    body = problem(raising(exc)(factory.get("/")))

    assert body["code"] == "duplicate_customer"
    assert body["errors"] == {"mobile": ["Already used."]}
    assert body["existing"] == {"id": 7, "name": "Li", "owner": None}


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (Http404(), 404, "not_found"),
        (DjangoPermissionDenied(), 403, "permission_denied"),
        (exceptions.NotAuthenticated(), 401, "not_authenticated"),
        (exceptions.AuthenticationFailed(), 401, "authentication_failed"),
        (exceptions.MethodNotAllowed("PUT"), 405, "method_not_allowed"),
        (exceptions.ParseError(), 400, "parse_error"),
        (exceptions.UnsupportedMediaType("text/csv"), 415, "unsupported_media_type"),
        (exceptions.NotAcceptable(), 406, "not_acceptable"),
        (exceptions.Throttled(wait=30), 429, "throttled"),
    ],
)
def test_django_and_drf_errors_map_to_stable_codes(exc, status, code):
    response = raising(exc)(factory.get("/"))

    assert response.status_code == status
    assert problem(response)["code"] == code


def test_django_validation_error_keeps_its_fields():
    exc = DjangoValidationError({"due_date": ["Must be in the future."]})

    response = raising(exc)(factory.get("/"))

    assert response.status_code == 400
    assert problem(response)["errors"] == {"due_date": ["Must be in the future."]}


def test_throttled_answer_says_when_to_retry():
    response = raising(exceptions.Throttled(wait=30))(factory.get("/"))

    assert response["Retry-After"] == "30"


def test_401_answer_names_the_bearer_scheme():
    response = raising(exceptions.NotAuthenticated())(factory.get("/"))

    assert response["WWW-Authenticate"].startswith("Bearer")


def test_subclass_of_a_drf_error_keeps_its_own_problem_code():
    exc = exceptions.AuthenticationFailed("Token expired.")
    exc.problem_code = "token_expired"

    assert problem(raising(exc)(factory.get("/")))["code"] == "token_expired"


def test_unexpected_exception_is_not_turned_into_a_client_error():
    with pytest.raises(ZeroDivisionError):
        raising(ZeroDivisionError())(factory.get("/"))
