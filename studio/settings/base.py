"""Settings shared by every environment; each value comes from the environment."""

from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from kombu import Exchange, Queue

from .env import (
    env_bool,
    env_broker,
    env_cache,
    env_db,
    env_int,
    env_list,
    env_path,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = env_path("STUDIO_VAR_DIR", BASE_DIR / "var")

# Overridden per environment; production refuses this value.
INSECURE_DEV_SECRET_KEY = "django-insecure-vertical-studio-development-only"
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "studio",
    "labeling",
    "training",
    "workers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "labeling.upload_handlers.LimitedUploadMiddleware",  # before CSRF, which reads the body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "studio.middleware.SecurityHeadersMiddleware",
    "studio.middleware.HtmxLoginMiddleware",
    "studio.middleware.RefusalMiddleware",
    "studio.middleware.UnknownQueryParametersMiddleware",
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

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
                "studio.context_processors.studio",
            ],
        },
    },
]

DATABASES = {"default": env_db("DATABASE_URL", f"sqlite:///{VAR_DIR / 'studio.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids
    # "database is locked" upgrades from read to write inside a transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# A file cache by default so that every process of one machine shares login throttling.
CACHES = {"default": env_cache("CACHE_URL", f"filecache://{VAR_DIR / 'cache'}")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "project-list"
LOGOUT_REDIRECT_URL = "login"
# A set-password link an admin hands a user works once, for this long.
PASSWORD_RESET_TIMEOUT = env_int("STUDIO_PASSWORD_LINK_SECONDS", 3 * 24 * 3600, minimum=300)
# Set-password links are e-mailed when an SMTP host (or another EMAIL_BACKEND) is configured, and always shown once.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Vertical Studio <studio@localhost>")
STUDIO_LOGIN_MAX_FAILURES = env_int("STUDIO_LOGIN_MAX_FAILURES", 5, minimum=1)
STUDIO_LOGIN_LOCKOUT_SECONDS = env_int("STUDIO_LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
# Addresses or networks of the proxies in front of the web process (the TLS proxy): only through them is
# X-Forwarded-For believed, for the client address the login throttle counts.
STUDIO_TRUSTED_PROXIES = env_list("STUDIO_TRUSTED_PROXIES", [])

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
# Sessions are read from the cache and written through to the database: a page or API call made with a
# session reads no session row (the cache is Redis in production).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "studio.views.errors.csrf_failure"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Security headers. The policy allows no inline script: pages load their code from
# static files, and a template that truly needs inline code uses request.csp_nonce.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Where the studio keeps what it produces.
STUDIO_ARTIFACTS_DIR = env_path("STUDIO_ARTIFACTS_DIR", VAR_DIR / "artifacts")
# Empty: artifacts live in the folder above. s3://bucket/prefix: in that S3-compatible store (endpoint and
# credentials from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), the folder being this machine's cache.
STUDIO_ARTIFACTS_URL = env_str("STUDIO_ARTIFACTS_URL", "")
# With the store: what a machine keeps of what it read (least recently used first out).
STUDIO_ARTIFACTS_CACHE_BYTES = env_int("STUDIO_ARTIFACTS_CACHE_BYTES", 50 * 1024**3, minimum=1024**2)
STUDIO_BASE_MODELS_DIR = env_path("STUDIO_BASE_MODELS_DIR", VAR_DIR / "base-models")
# The predict API: classifier versions each process keeps loaded, and a request's limits.
STUDIO_SERVING_CACHE = env_int("STUDIO_SERVING_CACHE", 2, minimum=1)
STUDIO_PREDICT_MAX_TEXTS = env_int("STUDIO_PREDICT_MAX_TEXTS", 100, minimum=1)
STUDIO_PREDICT_MAX_CHARS = env_int("STUDIO_PREDICT_MAX_CHARS", 30_000, minimum=1)
# A request body may hold the largest predict request even as escaped JSON (6 bytes a character), and no more.
DATA_UPLOAD_MAX_MEMORY_SIZE = STUDIO_PREDICT_MAX_TEXTS * STUDIO_PREDICT_MAX_CHARS * 6 + 64 * 1024
# Off: base models come only from the folder above and from earlier model versions.
STUDIO_ALLOW_HUB_DOWNLOADS = env_bool("STUDIO_ALLOW_HUB_DOWNLOADS", False)
# The longest job the studio expects; the broker must not redeliver a job before it.
STUDIO_LONGEST_JOB_SECONDS = env_int("STUDIO_LONGEST_JOB_SECONDS", 48 * 3600, minimum=60)

# Celery: long jobs, at most once per worker slot, JSON only.
# The host part means nothing to the filesystem transport; naming one keeps kombu quiet.
CELERY_BROKER_URL = env_broker("CELERY_BROKER_URL", "filesystem://localhost/")


def filesystem_broker_options(folder):
    """The embedded broker: messages are files under `folder`, shared by the web app and workers."""
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        # Kombu polls the folder; its default of 1 s caps a worker at one task a second.
        "polling_interval": 0.1,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR / "broker")
else:
    # Priorities: each level its own list, emptied lower first (a job kind's `first` flag; see studio.jobs.kinds).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": STUDIO_LONGEST_JOB_SECONDS + 3600,
                                       "queue_order_strategy": "priority", "priority_steps": list(range(10))}
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in ("cpu", "gpu"))
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_DEFAULT_EXCHANGE = "cpu"
CELERY_TASK_DEFAULT_ROUTING_KEY = "cpu"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "studio.api_schema.StudioAutoSchema",
    "EXCEPTION_HANDLER": "studio.api_errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "studio.api_errors.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # `?format=` names an export's file format (jsonl, csv); renderers are chosen by the Accept header.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vertical Studio API",
    "DESCRIPTION": "Label corpora, train domain models and promote them to production.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "studio.api_schema.describe_tags"],
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "studio.models.Job.Status",
        "CorpusStatusEnum": "labeling.models.Corpus.Status",
        "CorpusKindEnum": "labeling.models.Corpus.Kind",
        "CorpusRoleEnum": "labeling.models.Corpus.Role",
        "MemberRoleEnum": "labeling.models.Role",
        "SnapshotStatusEnum": "labeling.models.DatasetSnapshot.Status",
        "LabelKindEnum": "labeling.models.LabelSchema.Kind",
        "CleaningRunStatusEnum": "training.models.CleaningRun.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}

# Jobs: heartbeats, crash recovery and progress reporting.
STUDIO_JOB_HEARTBEAT_SECONDS = env_int("STUDIO_JOB_HEARTBEAT_SECONDS", 5, minimum=1)
STUDIO_JOB_STALE_SECONDS = env_int("STUDIO_JOB_STALE_SECONDS", 60, minimum=2)
STUDIO_JOB_REAPER_SECONDS = env_int("STUDIO_JOB_REAPER_SECONDS", 30, minimum=1)
STUDIO_JOB_MAX_STARTS = env_int("STUDIO_JOB_MAX_STARTS", 3, minimum=1)
# A cleaning job splits its corpus into shards of this many notes, which every free cpu worker takes.
STUDIO_CLEAN_SHARD_DOCUMENTS = env_int("STUDIO_CLEAN_SHARD_DOCUMENTS", 50_000, minimum=1)
# A queued job no worker has taken for this long is sent again: its message may have been lost.
STUDIO_JOB_RESEND_SECONDS = env_int("STUDIO_JOB_RESEND_SECONDS", 600, minimum=10)
STUDIO_JOB_LOG_MAX_BYTES = env_int("STUDIO_JOB_LOG_MAX_BYTES", 64 * 1024, minimum=1024)
STUDIO_REPORTER_INTERVAL_SECONDS = float(env_int("STUDIO_REPORTER_INTERVAL_MS", 1000, minimum=10)) / 1000
CELERY_WORKER_LOST_WAIT = 2.0  # results are ignored; notice a killed pool process sooner

# Corpus imports.
STUDIO_RESERVATION_SWEEP_SECONDS = env_int("STUDIO_RESERVATION_SWEEP_SECONDS", 10, minimum=0)
STUDIO_MAX_UPLOAD_BYTES = env_int("STUDIO_MAX_UPLOAD_BYTES", 2 * 1024**3, minimum=1024)
STUDIO_MAX_DOCUMENT_CHARS = env_int("STUDIO_MAX_DOCUMENT_CHARS", 1_000_000, minimum=100)
# Folders on the server whose files admins may import in place (files too big for a browser).
STUDIO_SERVER_IMPORT_DIRS = [
    Path(folder).expanduser().resolve()
    for folder in env_list("STUDIO_SERVER_IMPORT_DIRS", [str(VAR_DIR / "server-imports")])
]
STUDIO_ZIP_MAX_ENTRIES = env_int("STUDIO_ZIP_MAX_ENTRIES", 200_000, minimum=1)
STUDIO_ZIP_MAX_TOTAL_BYTES = env_int("STUDIO_ZIP_MAX_TOTAL_BYTES", 8 * 1024**3, minimum=1024)
STUDIO_ZIP_MAX_RATIO = env_int("STUDIO_ZIP_MAX_RATIO", 200, minimum=2)
# How deep JSON may nest in an imported file (a row deeper than this is refused, not parsed).
STUDIO_JSON_MAX_DEPTH = env_int("STUDIO_JSON_MAX_DEPTH", 64, minimum=2)
