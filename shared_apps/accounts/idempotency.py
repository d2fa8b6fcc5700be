"""``Idempotency-Key`` on every POST (api.md, Idempotency).

The first POST with a key runs and its answer (status, body) is kept for 24 hours under
(host's store, caller, key). The same key again:
* with the same method, path and body → that answer again, and nothing runs;
* with another body or path → 422 ``idempotency_key_reused``;
* while the first is still running → 409 ``idempotency_in_progress`` with ``Retry-After``.
A 5xx answer (or an exception) is not kept: the key may be retried. Anonymous requests and views
whose answer carries a secret (``idempotency_exempt = True``) ignore the header.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.models import IdempotencyRecord
from shared_apps.platform.problems import problem_response

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)
IN_PROGRESS_RETRY_AFTER = 1


def _request_hash(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.path.encode())
    digest.update(b"\0")
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        # the body was (or will be) streamed to upload handlers: hash the fields and files
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"{name}={value}\0".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}\0".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(content_type.encode())
        digest.update(b"\0")
        digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body),
        status=record.response_status,
        content_type=record.response_content_type or None,
    )
    response["Idempotent-Replayed"] = "true"
    return response


def purge(*, at: datetime) -> int:
    deleted, _detail = IdempotencyRecord.objects.filter(created_at__lt=at - RETENTION).delete()
    return deleted


class IdempotencyMiddleware:
    """After authentication; applies to every POST that carries the header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or HEADER not in request.headers:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
        if getattr(view_class, "idempotency_exempt", False):
            return None
        key = request.headers[HEADER].strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            return problem_response(
                status=400,
                code="validation_error",
                title=_("Invalid input."),
                errors={HEADER: [_("Send 1 to 255 characters.")]},
            )
        tenant = getattr(request, "tenant", None)
        scope = getattr(tenant, "schema_name", "") or ""
        caller = f"user:{user.pk}"
        request_hash = _request_hash(request)
        now = timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope, caller=caller, key=key, request_hash=request_hash, created_at=now
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(scope=scope, caller=caller, key=key).first()
            if record is not None and record.created_at < now - RETENTION:
                # an expired record the purge has not reached yet: this request starts afresh
                claimed = IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).update(
                    request_hash=request_hash, response_status=None, response_body=b"", created_at=now
                )
                record = IdempotencyRecord.objects.get(pk=record.pk) if claimed else None
                if claimed:
                    return self._run(request, record, view_func, view_args, view_kwargs)
            return self._answer_repeat(record, request_hash)
        return self._run(request, record, view_func, view_args, view_kwargs)

    def _answer_repeat(self, record, request_hash):
        if record is None or record.response_status is None:
            response = problem_response(
                status=409,
                code="idempotency_in_progress",
                title=_("A request with this Idempotency-Key is still being processed. Retry shortly."),
            )
            response["Retry-After"] = str(IN_PROGRESS_RETRY_AFTER)
            return response
        if record.request_hash != request_hash:
            return problem_response(
                status=422,
                code="idempotency_key_reused",
                title=_("This Idempotency-Key was already used with another request."),
            )
        return _replay(record)

    def _run(self, request, record, view_func, view_args, view_kwargs):
        try:
            response = view_func(request, *view_args, **view_kwargs)
            if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                response = response.render()
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500 or response.streaming:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            response_status=response.status_code,
            response_body=response.content,
            response_content_type=response.get("Content-Type", ""),
        )
        return response
