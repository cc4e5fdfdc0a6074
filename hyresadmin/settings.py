"""Settings for hyresadmin: one module, configured from the environment.

Every variable has a default that runs on one machine with nothing installed (SQLite, Celery eager).
Production sets at least ``DEBUG=false``, ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL`` and
``CELERY_BROKER_URL``. The README lists every variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core -----------------------------------------------------------------------------------------

#: Off unless asked for: a deployment that forgets it is safe.
DEBUG = env.bool("DEBUG", default=False)

#: The fallback key is only for development and tests. ``check --deploy`` flags it
#: (security.W009) and ``wsgi``/``asgi`` refuse to start with it when DEBUG is off.
INSECURE_DEV_SECRET_KEY = "django-insecure-dev-only-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_SECRET_KEY)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

#: The development login in the citizen view (pick a demo person). Never on in production:
#: the ``hyresadmin.W001`` deploy check fails when it is on with DEBUG off.
DEV_LOGIN_ENABLED = env.bool("DEV_LOGIN_ENABLED", default=DEBUG)

INSTALLED_APPS = [
    "hyresadmin.apps.HyresadminAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mozilla_django_oidc",
    "rules.apps.AutodiscoverRulesConfig",
    "hyresadmin.apps.HyresadminConfig",
    "contracts.apps.ContractsConfig",
    "invoicing.apps.InvoicingConfig",
    "debt_collection.apps.DebtCollectionConfig",
    "rent_adjustment.apps.RentAdjustmentConfig",
    "fees.apps.FeesConfig",
    "support.apps.SupportConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hyresadmin.middleware.RequestIdMiddleware",
]

ROOT_URLCONF = "hyresadmin.urls"
WSGI_APPLICATION = "hyresadmin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    # An empty DATABASE_URL (a blank line in .env) means the default, not Django's dummy backend.
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "hyresadmin.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"

# --- Language and time ------------------------------------------------------------------------------

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Stockholm"
USE_TZ = True

# --- Files --------------------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
#: The folder the daily job reads BgMax files from (``invoicing.tasks.import_bgmax_drop_folder``).
BGMAX_DROP_DIR = env.str("BGMAX_DROP_DIR", default=str(MEDIA_ROOT("bgmax", "inbox")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
#: Uploads larger than this are refused by the upload validators (bytes).
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=12 * 1024 * 1024)

# --- E-mail ---------------------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hyresadministrationen@example.invalid")

# --- Security (production values come from the environment; see check --deploy) ----------------------

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool(
    "BEHIND_TLS_PROXY", default=not DEBUG
) else None
X_FRAME_OPTIONS = "DENY"

# --- API ----------------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first: a request without valid credentials gets 401 with ``WWW-Authenticate: Token``
    # (with session first, DRF answers 403), which is what an integration expects.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "hyresadmin API",
    "DESCRIPTION": "Rent and fee administration of the City of Stockholm's service administration.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The second hook keeps the schema the same on SQLite and PostgreSQL (see its docstring).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hyresadmin.api.drop_storage_integer_bounds",
    ],
    # Several models have a ``kind``: give each its own enum name (else the generator warns).
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "hyresadmin.models.Organisation.Kind",
        "SubmissionKindEnum": "contracts.models.Submission.Kind",
        "ContractKindEnum": "contracts.models.RentalContract.Kind",
        "RentLineKindEnum": "contracts.models.RentLineKind",
        "ContractDocumentKindEnum": "contracts.models.ContractDocument.Kind",
        "RunKindEnum": "invoicing.models.RunKind",
        "InvoiceLineKindEnum": "invoicing.models.InvoiceLine.Kind",
        "InvoiceStateEnum": "invoicing.models.Invoice.State",
        "SupportCaseStateEnum": "support.models.SupportCase.State",
        "EnforcementApplicationKindEnum": "debt_collection.collection_models.EnforcementApplication.Kind",
        "CollectionCaseStateEnum": "debt_collection.collection_models.CollectionCase.State",
        "ReminderBatchStateEnum": "debt_collection.reminder_models.ReminderBatch.State",
    },
}

# --- Citizen login: OpenID Connect (the city's e-identification broker) ---------------------------

OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid profile")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
#: The claim that carries the 12-digit personal identity number (Sweden Connect / oidc.se).
OIDC_PERSONAL_NUMBER_CLAIM = env.str(
    "OIDC_PERSONAL_NUMBER_CLAIM", default="https://id.oidc.se/claim/personalIdentityNumber"
)
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID and OIDC_OP_AUTHORIZATION_ENDPOINT)
LOGIN_REDIRECT_URL = "/mina-sidor/"
LOGOUT_REDIRECT_URL = "/"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("hyresadmin.oidc.PersonOIDCBackend")

# --- Celery ------------------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"

#: The static beat schedule. Every job fires daily (outside 02:00-03:00, daylight saving); the job
#: itself asks ``hyresadmin.calendar`` whether today is its day and records a ``JobRun`` per period,
#: so that a second run in the same period does nothing.
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "hyresadmin.tasks.clear_expired_sessions",
        "schedule": crontab(hour=4, minute=15),
    },
    "invoicing-rent-run": {
        "task": "invoicing.tasks.daily_rent_run",
        "schedule": crontab(hour=6, minute=0),
    },
    "invoicing-internal-run": {
        "task": "invoicing.tasks.daily_internal_run",
        "schedule": crontab(hour=6, minute=20),
    },
    "invoicing-catch-up-first-invoices": {
        "task": "invoicing.tasks.catch_up_first_invoices",
        "schedule": crontab(hour=5, minute=40),
    },
    "invoicing-catch-up-final-settlements": {
        "task": "invoicing.tasks.catch_up_final_settlements",
        "schedule": crontab(hour=5, minute=50),
    },
    "invoicing-quarterly-report": {
        "task": "invoicing.tasks.quarterly_invoicing_report",
        "schedule": crontab(hour=6, minute=40),
    },
    "invoicing-daily-ledger": {
        "task": "invoicing.tasks.daily_ledger_file",
        "schedule": crontab(hour=6, minute=50),
    },
    "invoicing-bgmax-drop-folder": {
        "task": "invoicing.tasks.import_bgmax_drop_folder",
        "schedule": crontab(hour=7, minute=10),
    },
    "debt-collection-unpaid-report": {
        "task": "debt_collection.tasks.daily_unpaid_report",
        "schedule": crontab(hour=7, minute=30),
    },
    "contracts-end-terminated-contracts": {
        "task": "contracts.tasks.end_terminated_contracts",
        "schedule": crontab(hour=0, minute=20),
    },
    "debt-collection-interest-proposals": {
        "task": "debt_collection.tasks_collection.monthly_interest_proposals",
        "schedule": crontab(hour=7, minute=30),
    },
    "debt-collection-collection-proposals": {
        "task": "debt_collection.tasks_collection.daily_collection_proposals",
        "schedule": crontab(hour=7, minute=40),
    },
    "debt-collection-close-settled-cases": {
        "task": "debt_collection.tasks_collection.daily_close_settled_cases",
        "schedule": crontab(hour=7, minute=50),
    },
    "debt-collection-overdue-and-reminders": {
        "task": "debt_collection.tasks.daily_overdue_and_reminders",
        "schedule": crontab(hour=7, minute=40),
    },
    "debt-collection-deferrals-and-plans": {
        "task": "debt_collection.tasks_plans.daily_deferrals_and_plans",
        "schedule": crontab(hour=5, minute=50),
    },
    "debt-collection-plan-report": {
        "task": "debt_collection.tasks_plans.monthly_plan_report",
        "schedule": crontab(hour=7, minute=30),
    },
    "contracts-delete-expired-submissions": {
        "task": "contracts.tasks.delete_expired_submissions",
        "schedule": crontab(hour=1, minute=30),
    },
}

# --- Logging: no personal data; the request id ties lines together -----------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "hyresadmin.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Domain settings ----------------------------------------------------------------------------------

#: The city's bankgiro number, printed on invoices and required of incoming BgMax files.
BANKGIRO_NUMBER = env.str("BANKGIRO_NUMBER", default="5050-1055")
#: Whether a BgMax file marked as a test file (TK01 position 45 ``T``, FACTS.md §3.2) may be imported.
#: Off in production: there a test file is refused, so that made-up payments never reach the ledger.
BGMAX_ACCEPT_TEST_FILES = env.bool("BGMAX_ACCEPT_TEST_FILES", default=DEBUG)
#: Invoices over this amount (kronor) are flagged for a check by hand before a run is approved.
INVOICE_REVIEW_LIMIT = env.int("INVOICE_REVIEW_LIMIT", default=10000)
#: A contract's invoice that differs from its previous one by more than this share is flagged.
INVOICE_CHANGE_FLAG_SHARE = env.float("INVOICE_CHANGE_FLAG_SHARE", default=0.10)
#: An invoice issued on or after its rent due date (a first invoice for a month already begun) is
#: due this many days after it was issued.
MIN_PAYMENT_DAYS = env.int("MIN_PAYMENT_DAYS", default=10)
#: A reminder gives the customer this many days (to the next working day) to pay before it goes further.
REMINDER_PAYMENT_DAYS = env.int("REMINDER_PAYMENT_DAYS", default=10)
# Reminders rendered per delivery task: a sent batch is shared out over the workers in chunks of this.
REMINDER_DELIVERY_CHUNK = env.int("REMINDER_DELIVERY_CHUNK", default=200)
#: The first invoice number; OCR references are built from the number (FACTS.md §4).
INVOICE_NUMBER_START = env.int("INVOICE_NUMBER_START", default=1000001)
#: Ledger accounts per kind of invoice line, for the ERP (Agresso) export.
LEDGER_ACCOUNTS = {
    "base_rent": env.str("LEDGER_ACCOUNT_RENT", default="3611"),
    "supplement": env.str("LEDGER_ACCOUNT_SUPPLEMENT", default="3612"),
    "deduction": env.str("LEDGER_ACCOUNT_DEDUCTION", default="3613"),
    "one_off": env.str("LEDGER_ACCOUNT_ONE_OFF", default="3619"),
    # Placeholder accounts (the city's chart of accounts is not in the sources): set in production.
    "interest": env.str("LEDGER_ACCOUNT_INTEREST", default="8313"),
    "fee": env.str("LEDGER_ACCOUNT_FEE", default="3618"),
    # Refunds paid out of customers' credit balances (the daily ledger file).
    "refund": env.str("LEDGER_ACCOUNT_REFUND", default="2429"),
}
#: Late-payment interest below this (kronor, per customer and interest invoice) is not proposed.
INTEREST_INVOICE_MINIMUM = env.str("INTEREST_INVOICE_MINIMUM", default="100")
#: Working days staff have to review a claim proposed for the collection agency (its queue's due date).
COLLECTION_REVIEW_WORKING_DAYS = env.int("COLLECTION_REVIEW_WORKING_DAYS", default=2)
#: The city's name and organisation number, printed on invoices and in the payment QR code.
INVOICE_ISSUER_NAME = env.str("INVOICE_ISSUER_NAME", default="Stockholms stad")
#: PROVISIONAL: 212000-0142 is not confirmed from a source (FACTS.md open item 4); set it in production.
INVOICE_ISSUER_ORG_NUMBER = env.str("INVOICE_ISSUER_ORG_NUMBER", default="212000-0142")
#: A payment plan is "not kept" (broken) when an instalment is unpaid this many days after its due date.
PAYMENT_PLAN_BROKEN_AFTER_DAYS = env.int("PAYMENT_PLAN_BROKEN_AFTER_DAYS", default=10)
#: The address of this system, for links in e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
#: Password of the demo users made by ``seed_demo`` (refused when DEBUG is off).
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo")
