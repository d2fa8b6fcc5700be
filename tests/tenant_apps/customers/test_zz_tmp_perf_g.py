import io, time
from django.core.files.uploadedfile import SimpleUploadedFile
from tenant_apps.imports import services

def test_perf(users, store_a, in_store, settings, tmp_path, monkeypatch):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    n = 5000
    text = "姓名,手机,微信,渠道,省份,等级\n" + "".join(f"客户{i},139{i:08d},wx{i},天猫,浙江,B\n" for i in range(n))
    f = io.BytesIO(text.encode()); f.name = "x.csv"
    monkeypatch.setattr(services, "SYNC_MAX_ROWS", 10**9)
    with in_store(store_a):
        t = time.perf_counter()
        job = services.import_start(kind="customers", file=f, options={}, by=users.a_sales)
        el = time.perf_counter() - t
    print("\nrows", n, "seconds", round(el, 2), "per row ms", round(el / n * 1000, 3), job.outcome_counts)
