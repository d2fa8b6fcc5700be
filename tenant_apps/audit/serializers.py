from __future__ import annotations

from rest_framework import serializers


class ActionEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(help_text="The user's email, or job:<name>; empty when nobody told the database.")
    actor_id = serializers.IntegerField(allow_null=True)
    source = serializers.CharField(help_text="request, hq, job, import, task or database")
    action = serializers.CharField(help_text="create, update or delete")
    object_type = serializers.CharField(help_text="app.model, e.g. customers.customer")
    object_id = serializers.CharField()
    changes = serializers.DictField(help_text="{field: [old, new]}")
    ip = serializers.IPAddressField(allow_null=True)
    request_id = serializers.CharField()


class SignInSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    email = serializers.CharField()
    user_id = serializers.IntegerField(allow_null=True)
    succeeded = serializers.BooleanField()
    ip = serializers.IPAddressField(allow_null=True)
    user_agent = serializers.CharField()
    method = serializers.CharField(help_text="page or token")
