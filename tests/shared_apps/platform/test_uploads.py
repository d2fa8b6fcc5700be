"""The one upload model that vouchers, screenshots and follow-up attachments are made of."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage

from shared_apps.platform import uploads
from shared_apps.platform.uploads import CheckedFile, StoredUpload
from tenant_apps.customers.models import FollowUpAttachment
from tenant_apps.enquiries.models import Screenshot
from tenant_apps.finance.models import PaymentVoucher

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n" + b"\x00" * 32


def test_each_upload_model_says_what_it_accepts_and_where_its_files_go(settings):
    settings.VOUCHER_MAX_BYTES, settings.SCREENSHOT_MAX_BYTES = 1000, 500
    assert all(issubclass(m, StoredUpload) for m in (PaymentVoucher, Screenshot, FollowUpAttachment))
    assert (PaymentVoucher.upload_folder, Screenshot.upload_folder, FollowUpAttachment.upload_folder) == (
        "vouchers",
        "screenshots",
        "follow-ups",
    )
    assert (PaymentVoucher.max_bytes(), Screenshot.max_bytes(), FollowUpAttachment.max_bytes()) == (1000, 500, 1000)
    assert PaymentVoucher.kind_of(io.BytesIO(PDF)) == ("application/pdf", "pdf")
    assert Screenshot.kind_of(io.BytesIO(PDF)) is None
    assert Screenshot.kind_of(io.BytesIO(PNG)) == ("image/png", "png")
    assert "uploaded_by" not in {f.name for f in FollowUpAttachment._meta.get_fields()}
    assert PaymentVoucher._meta.db_table == "finance_paymentvoucher"
    assert Screenshot._meta.db_table == "enquiries_screenshot"


@pytest.mark.django_db
def test_an_upload_is_stored_under_the_stores_prefix_in_its_models_folder(store_a, in_store, users):
    from tenant_apps.enquiries.models import ContactRecord

    with in_store(store_a):
        record = ContactRecord.objects.create(date="2025-03-01", user=users.a_sales, wechat_added=1, phone_contacts=0)
        checked = CheckedFile(
            file=io.BytesIO(PNG), original_name="chat.png", content_type="image/png", extension="png", size=len(PNG)
        )
        shot = Screenshot.upload(checked, record=record, uploaded_by=users.a_sales)
        try:
            stored = Screenshot.objects.get(pk=shot.pk)
            assert stored.file.name.startswith(f"{store_a.schema_name}/screenshots/")
            assert stored.file.name.endswith(".png") and uploads.belongs_to_current_store(stored.file.name)
            assert (stored.original_name, stored.content_type, stored.size) == ("chat.png", "image/png", len(PNG))
            assert (stored.uploaded_by_id, str(stored)) == (users.a_sales.pk, "chat.png")
            assert default_storage.open(stored.file.name).read() == PNG
        finally:
            default_storage.delete(shot.file.name)
