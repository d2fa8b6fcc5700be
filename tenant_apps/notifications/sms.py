"""SMS backends, chosen by ``settings.SMS_BACKEND``.

- ``ConsoleSmsBackend`` (the default) prints each message and keeps it in ``outbox`` (a list, for
  development and tests), like Django's console and locmem email backends together.
- ``AliyunSmsBackend`` sends through Alibaba Cloud SMS with its SDK
  (``alibabacloud-dysmsapi20170525``): the store's signature as ``SignName``, the template's
  provider code as ``TemplateCode`` and the parameters as ``TemplateParam`` (JSON).

A backend answers the provider's message id, or raises ``SmsError`` with the provider's reason.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider refused or could not take the message; ``str(exc)`` is its reason."""


@dataclass(frozen=True)
class Sms:
    mobile: str
    signature: str
    template_code: str
    params: dict[str, Any]
    text: str  # the message as the store's template renders it (what the console shows)


class SmsBackend:
    def send(self, message: Sms) -> str:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    outbox: list[Sms] = []

    def send(self, message: Sms) -> str:
        ConsoleSmsBackend.outbox.append(message)
        sys.stdout.write(f"SMS to {message.mobile}: 【{message.signature}】{message.text}\n")
        return f"console-{len(ConsoleSmsBackend.outbox)}"


class AliyunSmsBackend(SmsBackend):
    """Alibaba Cloud SMS (Dysmsapi 2017-05-25)."""

    def __init__(self, client: Any = None) -> None:
        self._client = client

    def client(self):
        if self._client is None:
            from alibabacloud_dysmsapi20170525.client import Client
            from alibabacloud_tea_openapi import models as open_api_models

            if not settings.ALIYUN_SMS_ACCESS_KEY_ID or not settings.ALIYUN_SMS_ACCESS_KEY_SECRET:
                raise SmsError("ALIYUN_SMS_ACCESS_KEY_ID and ALIYUN_SMS_ACCESS_KEY_SECRET are not set")
            config = open_api_models.Config(
                access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID,
                access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
                endpoint=settings.ALIYUN_SMS_ENDPOINT,
            )
            self._client = Client(config)
        return self._client

    def send(self, message: Sms) -> str:
        from alibabacloud_dysmsapi20170525 import models as sms_models

        if not message.template_code:
            raise SmsError("the template has no provider template code")
        request = sms_models.SendSmsRequest(
            phone_numbers=message.mobile,
            sign_name=message.signature,
            template_code=message.template_code,
            template_param=json.dumps(message.params, ensure_ascii=False),
        )
        try:
            response = self.client().send_sms(request)
        except SmsError:
            raise
        except Exception as exc:  # the SDK raises its own TeaException and network errors
            raise SmsError(str(getattr(exc, "message", None) or exc)) from exc
        body = response.body
        if body is None or body.code != "OK":
            raise SmsError(f"{getattr(body, 'code', '')}: {getattr(body, 'message', '')}".strip(": "))
        return body.biz_id or body.request_id or ""


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
