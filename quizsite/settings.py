"""Settings for the quiz platform: one module, every value from the environment.

With nothing set this runs on embedded defaults (SQLite file, in-memory channel layer, eager
Celery, DEBUG on). Production differs only by environment variables; see `.env.example` and the
README's configuration table.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from redis.connection import parse_url as redis_url_parts

BASE_DIR = Path(__file__).resolve().parent.parent

# Only ever used with DEBUG on; refusing it in production is what makes it safe to ship.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = env_str(name)
    if not raw:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_hours_rule(name: str, default: str) -> list[tuple[int, float]]:
    """'900:0.25,1800:0.5' -> [(900, 0.25), (1800, 0.5)]: lessons up to N seconds earn H hours."""
    raw = env_str(name, default)
    try:
        rule = sorted((int(limit), float(hours)) for limit, hours in (part.split(":") for part in raw.split(",")))
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not like 900:0.25,1800:0.5 (seconds:hours, ...).") from None
    return rule


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_str(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Parse DATABASE_URL, naming the problem without echoing a password."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            "DATABASE_URL is malformed or uses an unsupported database: expected "
            "postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:///PATH "
            f"(got scheme {scheme or 'none'!r})."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {error}") from None
    if config["ENGINE"].endswith("postgresql") and not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database: add /NAME at the end.")
    if config["ENGINE"].endswith("postgresql") and env_bool("DB_POOL", False):
        # Django's own ASGI handler ran every request's sync code on a thread of its own, so a
        # persistent connection (kept per thread) was opened for each request and left for the
        # garbage collector: PostgreSQL ran out of connections under load. A pool per process
        # hands each request a connection and takes it back at the end (bin/web turns it on); the
        # threads are now a fixed pool (WEB_THREADS, quizsite/asgi_http.py) no larger than it.
        config["CONN_MAX_AGE"] = 0
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN_SIZE", 2),
            "max_size": env_int("DB_POOL_MAX_SIZE", 8),
            "timeout": env_int("DB_POOL_TIMEOUT_S", 10),
        }
    return config


def sqlite_tuned(databases: dict) -> dict:
    """Give every SQLite database the options concurrent requests and sockets need.

    Waiting on a lock beats failing a request while another writes; taking the write lock at
    BEGIN means two threads that read and then write cannot deadlock (SQLite would refuse one at
    once, "database is locked", instead of waiting). Whether the file is the built-in default or
    named by DATABASE_URL makes no difference to that."""
    for config in databases.values():
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE", **config.get("OPTIONS", {})}
    return databases


def redis_url_checked(url: str) -> str:
    if urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"REDIS_URL must look like redis://HOST:PORT/DB (got {url.split('://')[0]!r}).")
    return url


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the platform refuses to start without a "
            'secret key: generate one with `python -c "import secrets; '
            'print(secrets.token_urlsafe(50))"` and set SECRET_KEY in the environment.'
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is the development key; set a real one.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",  # runserver serves HTTP and WebSockets through ASGI
    "quizsite.apps.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "treebeard",
    "axes",
    "csp",
    "quizsite",
    "orgs",
    "lessons",
    "contests",
    "rankings",
    "notifications",
    "calls",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Drops NUL characters from query strings, which PostgreSQL cannot take.
    "quizsite.middleware.QueryNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, but it puts back the language that was active before the request.
    "quizsite.middleware.RequestLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A form sent while signed out, or a POST-only address opened, comes back to its page.
    "quizsite.middleware.FormPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # An account with a temporary password is sent to change it (orgs.passwords).
    "orgs.passwords.PasswordChangeRequiredMiddleware",
    # Judge-only accounts reach their assignments and nothing else (calls.judges).
    "calls.judges.JudgeOnlyMiddleware",
    # Last, as django-axes requires: it turns a sign-in it flagged as locked out into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Serves collected static files when no nginx sits in front (nginx serves them in compose).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "quizsite.urls"

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
                "orgs.context_processors.navigation",
                "notifications.context_processors.unread",
            ],
        },
    },
]

WSGI_APPLICATION = "quizsite.wsgi.application"
ASGI_APPLICATION = "quizsite.asgi.application"
# Requests one ASGI process runs at once, each on a thread of its own (quizsite/asgi_http.py).
# Sync views share one core (the GIL) and need a database connection each: no more than the
# pool's DB_POOL_MAX_SIZE, or requests would wait for a connection inside a thread.
WEB_THREADS = env_int("WEB_THREADS", 8)

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            # Tests use a file too: an in-memory database is shared between threads in SQLite's
            # shared-cache mode, where a reader meeting a writer fails at once instead of waiting,
            # and sockets read from several threads.
            "TEST": {"NAME": BASE_DIR / "test-db.sqlite3"},
        }
    }
DATABASES = sqlite_tuned(DATABASES)

REDIS_URL = redis_url_checked(env_str("REDIS_URL")) if env_str("REDIS_URL") else ""

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Pub/sub channels are per Redis server, not per database: the database number in
            # the prefix keeps two sites (or two test workers) on one server from receiving each
            # other's group messages, as in contests/fanout.py.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"asgi:{redis_url_parts(REDIS_URL).get('db', 0)}:"},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    # Sessions are read from Redis (written to both, so a restart of Redis loses none): every
    # signed-in request reads its session, and a Redis GET costs less than a PostgreSQL query
    # (docs/benchmarks.md, online contests, fifth pass). The user is still read from the
    # database on each request, so a password change or a deactivation takes effect at once.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # The embedded default keeps sessions in the database only: a process's local memory is no
    # place for them (runserver's reloader, a second process).
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English times written "9:05 AM" (quizsite/formats/en/formats.py); the rest of each format is Django's.
FORMAT_MODULE_PATH = ["quizsite.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names let nginx cache static files forever; they need collectstatic, so only
    # production uses them.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: spreadsheets are small; videos go through their own chunked endpoint.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MEMBER_IMPORT_MAX_BYTES = env_int("MEMBER_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
# A call's essay or photo file arrives in one request, so no call may allow more than the proxy lets
# through (deploy/nginx.conf: client_max_body_size 64m); video entries take the resumable upload,
# bounded by LESSON_UPLOAD_MAX_BYTES.
CALL_FILE_POST_MAX_BYTES = env_int("CALL_FILE_POST_MAX_BYTES", 64 * 1024 * 1024)
# An import's preview may be confirmed (and its list of problems downloaded) for this long after the
# upload; the daily sweep then deletes the kept file (quizsite.import_files). A day leaves a preview
# open over lunch or overnight; member sheets hold phone numbers and initial passwords, so not longer.
IMPORT_PREVIEW_HOURS = env_int("IMPORT_PREVIEW_HOURS", 24)

# Security. Behind nginx the original scheme arrives in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Health checks come from inside the network over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

# Sign-in throttling (django-axes): after SIGNIN_FAILURE_LIMIT wrong passwords for one username,
# or SIGNIN_ADDRESS_FAILURE_LIMIT from one address across usernames (higher: an office behind one
# NAT address shares it), signing in there is refused for SIGNIN_LOCKOUT_MINUTES,
# on the login page and the API's token endpoint alike. Failures are rows in the database, so
# every web process sees them; an organiser of the member's unit can unlock early. The address is
# REMOTE_ADDR, which uvicorn (--proxy-headers) sets from nginx's X-Forwarded-For.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "orgs.signin.SigninThrottle"
AXES_FAILURE_LIMIT = env_int("SIGNIN_FAILURE_LIMIT", 5)
SIGNIN_ADDRESS_FAILURE_LIMIT = env_int("SIGNIN_ADDRESS_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGNIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Every failure, and whether it locked the account, is kept as an audit record.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "orgs.views.signin_locked_out"

# Content-Security-Policy (django-csp): every script, style, font and image is served from
# static/ (nothing from a CDN), so 'self' suffices. Templates carry no inline scripts, handlers
# or style attributes; the few third-party pages with an inline script or style (the API docs)
# get a per-response nonce. 'self' covers the same-origin ws:/wss: sockets in connect-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        # hls.js transmuxes video in a worker it starts from a blob: URL.
        "worker-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials is a 401 with `WWW-Authenticate: Token`.
        "orgs.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # Judge-only accounts reach their assignments and nothing else (calls.judges).
        "calls.judges.JudgeOnlyPermission",
        # An account with a temporary password gets `password_change_required` (orgs.passwords).
        "orgs.passwords.PasswordChangedPermission",
    ],
    # JSON read as every client's is (quizsite.client_json): one nested too deep is a 400, not a 500.
    "DEFAULT_PARSER_CLASSES": [
        "quizsite.client_json.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "quizsite.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "quizsite.api_errors.exception_handler",
}

# API tokens (orgs.tokens): one per device, valid for API_TOKEN_DAYS from sign-in.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
# A WebSocket ticket (POST /api/v1/contests/<code>/ticket/) signs one socket in, within this time.
API_SOCKET_TICKET_S = env_int("API_SOCKET_TICKET_S", 60)
# A lesson's signed stream URL (GET /api/v1/lessons/<id>/stream/) serves its media this long.
API_STREAM_URL_S = env_int("API_STREAM_URL_S", 900)

SPECTACULAR_SETTINGS = {
    "TITLE": "Knowledge contest and micro-class platform API",
    "DESCRIPTION": "Units, members, self-study, contests and rankings.",
    "VERSION": "1.0.0",
    # operationIds and tags without the common prefix: `lessons_list`, not `v1_lessons_list`.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated", "orgs.passwords.PasswordChangedPermission"],
    # Swagger UI and ReDoc come from drf-spectacular-sidecar: no CDN on an intranet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `status`: name the enums that would collide.
    "ENUM_NAME_OVERRIDES": {
        "CallEntryStatusEnum": "calls.models.Entry.Status",
        "ContestStatusEnum": "contests.models.Contest.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "quizsite.api_errors.document_errors",
    ],
}

_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
# No broker means tasks run inline: the embedded default needs no worker. Celery still takes a
# producer for an inline task; the in-process transport keeps it from pointing that producer at an
# AMQP server on localhost (kombu's "No hostname was supplied" warning on every such task).
CELERY_BROKER_URL = _BROKER_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not _BROKER_URL
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or REDIS_URL or None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A job still queued after this long (a worker takes one within a second or two) tells the person
# waiting on it that the background worker does not seem to be running (quizsite.background).
BACKGROUND_QUEUE_PATIENCE_S = env_int("BACKGROUND_QUEUE_PATIENCE_S", 30)
CELERY_BEAT_SCHEDULE = {
    "expire-overdue-attempts": {"task": "lessons.tasks.expire_overdue_attempts", "schedule": 30.0},
    # Question pictures uploaded for a preview whose question was never saved.
    "sweep-question-images": {"task": "lessons.tasks.question_images_sweep", "schedule": 86400.0},
    # Resumable uploads (lesson videos, calls' video entries) no chunk has reached for days.
    "sweep-uploads": {"task": "lessons.tasks.uploads_sweep", "schedule": 86400.0},
    # Import sheets never confirmed and lists of problems older than IMPORT_PREVIEW_HOURS.
    "sweep-import-files": {"task": "quizsite.tasks.import_files_sweep", "schedule": 86400.0},
    "sweep-relays": {"task": "contests.relay.tasks.relays_sweep", "schedule": 30.0},
    "recompute-dirty-rankings": {
        "task": "rankings.tasks.recompute_dirty_rules",
        "schedule": float(env_int("RANKINGS_SWEEP_S", 60)),
    },
    # Essay calls past their deadline are checked for near-duplicates (calls.similarity).
    "check-essay-similarity": {"task": "calls.tasks.similarity_sweep", "schedule": 300.0},
}

# Rankings: a queued run no worker starts within the lease is abandoned (its task was lost); a
# running run whose heartbeat (renewed at every stage) is older than the grace is taken over.
RANKINGS_RUN_LEASE_S = env_int("RANKINGS_RUN_LEASE_S", 900)
RANKINGS_RUN_GRACE_S = env_int("RANKINGS_RUN_GRACE_S", 60)
# PostgreSQL memory for one ranking computation's sorts and hashes (per connection, while it runs).
RANKINGS_WORK_MEM = env_str("RANKINGS_WORK_MEM", "64MB")
# A TrueType CJK font embedded (as a subset) in certificates, so they print on any viewer. Debian's
# fonts-wqy-microhei; a .ttc is read at index 0. CFF-based OpenType (Noto CJK) cannot be embedded.
RANKINGS_CERTIFICATE_FONT = env_str("RANKINGS_CERTIFICATE_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# Letters, digits and Western punctuation on certificates (Debian's fonts-dejavu-core): the CJK
# font draws “quotes” full-width, which English text must not have.
RANKINGS_CERTIFICATE_LATIN_FONT = env_str(
    "RANKINGS_CERTIFICATE_LATIN_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
)

# Notifications: email goes out through SMTP only when EMAIL_HOST is set; otherwise in-app only.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")
# The site's address for links in emails, e.g. https://quiz.example.gov.cn (none: no link).
SITE_URL = env_str("SITE_URL")
# An organiser may remind one unit about one lesson or exam once in this many hours.
NOTIFICATION_REMINDER_INTERVAL_H = env_int("NOTIFICATION_REMINDER_INTERVAL_H", 24)
# An organiser may remind an online contest's members who have not started once in this many minutes.
ONLINE_REMINDER_INTERVAL_MIN = env_int("ONLINE_REMINDER_INTERVAL_MIN", 60)

# Micro-classes
LESSON_UPLOAD_MAX_BYTES = env_int("LESSON_UPLOAD_MAX_BYTES", 2 * 1024**3)
LESSON_HEARTBEAT_S = env_int("LESSON_HEARTBEAT_S", 10)
# A lesson is complete when unique watched seconds reach this share of its duration.
LESSON_COMPLETE_SHARE = env_int("LESSON_COMPLETE_PERCENT", 90) / 100
# Another tab may take over once the playing one has sent nothing for this long.
LESSON_TAB_TIMEOUT_S = env_int("LESSON_TAB_TIMEOUT_S", 30)
LESSON_STUDY_HOURS = env_hours_rule("LESSON_STUDY_HOURS", "900:0.25,1800:0.5,2700:0.75,3600:1")
# Lessons shorter than this earn no study hours (completion and points still count); organisers
# see this rule on the completion report.
LESSON_STUDY_MIN_S = env_int("LESSON_STUDY_MIN_S", 0)
# The fastest playback that earns credit: video credited never exceeds wall clock x this rate.
LESSON_MAX_RATE = env_int("LESSON_MAX_RATE", 2)
# Production: nginx serves media after Django's check (X-Accel-Redirect to an internal location).
MEDIA_ACCEL_REDIRECT = env_bool("MEDIA_ACCEL_REDIRECT", not DEBUG)
MEDIA_ACCEL_PREFIX = env_str("MEDIA_ACCEL_PREFIX", "/protected-media/")

# Self-study
NOTEBOOK_MASTERED_AFTER = env_int("NOTEBOOK_MASTERED_AFTER", 3)
QUESTION_IMPORT_MAX_BYTES = env_int("QUESTION_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
QUESTION_IMAGE_MAX_BYTES = env_int("QUESTION_IMAGE_MAX_BYTES", 2 * 1024 * 1024)
# Imports above this many rows run as a Celery task with a progress bar.
QUESTION_IMPORT_ASYNC_ROWS = env_int("QUESTION_IMPORT_ASYNC_ROWS", 500)
# A running import silent for this long was stopped with its worker; its organiser may run it again.
QUESTION_IMPORT_STALLED_S = env_int("QUESTION_IMPORT_STALLED_S", 600)

# Routes /bench/floor/, the minimal signed-in view bench/online.py compares its hot paths with.
BENCH_FLOOR = env_bool("BENCH_FLOOR", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Demo accounts are printed by `make run`; their passwords are only for the embedded default.
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "demo-pass-2026")
