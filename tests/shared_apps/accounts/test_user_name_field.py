"""A user a record names is shown by name in the API, by email when they have none, "" for none."""

from types import SimpleNamespace

from rest_framework import serializers

from shared_apps.accounts.serializers import UserNameField, user_label


class RecordSerializer(serializers.Serializer):
    applicant_name = UserNameField(source="applicant")
    decided_by_name = UserNameField(source="decided_by")


def test_a_user_is_shown_by_name_then_by_email():
    named = SimpleNamespace(name="Ann", email="ann@example.com")
    unnamed = SimpleNamespace(name="", email="bob@example.com")

    data = RecordSerializer(SimpleNamespace(applicant=named, decided_by=unnamed)).data

    assert data == {"applicant_name": "Ann", "decided_by_name": "bob@example.com"}


def test_no_user_is_empty_text_not_null():
    data = RecordSerializer(SimpleNamespace(applicant=None, decided_by=None)).data

    assert data == {"applicant_name": "", "decided_by_name": ""}
    assert user_label(None) == ""


def test_the_field_is_read_only():
    assert RecordSerializer().fields["applicant_name"].read_only
