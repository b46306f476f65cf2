"""Django settings for Kucun.

Configuration comes only from environment variables, with safe local defaults.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import xstatic.pkg.bootstrap

from kucun import locations

PACKAGE_DIR = locations.PACKAGE_DIR
VAR_DIR = locations.var_dir()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def local_secret_key() -> str:
    """A secret key generated once and kept under var/ for local runs."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        # Written in full under a private name, then linked into place: processes starting
        # together agree on one key and never read a half-written file.
        draft = VAR_DIR / f".secret_key.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass  # another process was first; its key is the one
        finally:
            draft.unlink()
    return key_file.read_text().strip()


SECRET_KEY = os.environ.get("KUCUN_SECRET_KEY") or local_secret_key()
# Earlier keys, still accepted to read secrets encrypted before a rotation (kucun rotate_secrets).
SECRET_KEY_FALLBACKS = env_list("KUCUN_SECRET_KEY_FALLBACKS", "")
DEBUG = env_flag("KUCUN_DEBUG")
ALLOWED_HOSTS = env_list("KUCUN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("KUCUN_CSRF_TRUSTED_ORIGINS", "")
SANDBOX_ENABLED = env_flag("KUCUN_SANDBOX", default=True)
# Where this server answers, as the sandbox stores reach their emulators (`kucun serve` sets it
# from its --host and --port when the variable is unset).
SANDBOX_SERVER_URL = os.environ.get("KUCUN_SANDBOX_URL", "http://127.0.0.1:8000").rstrip("/")


def env_number(name: str, kind: type[int] | type[float]) -> int | float | None:
    value = os.environ.get(name, "").strip()
    return kind(value) if value else None


# The channel adapters' HTTP limits; unset, each adapter keeps its own defaults (30 s reads,
# 4 attempts). Short values make fault drills and slow test hosts fail fast.
CHANNEL_CONNECT_TIMEOUT = env_number("KUCUN_CHANNEL_CONNECT_TIMEOUT", float)
CHANNEL_READ_TIMEOUT = env_number("KUCUN_CHANNEL_READ_TIMEOUT", float)
CHANNEL_MAX_ATTEMPTS = env_number("KUCUN_CHANNEL_MAX_ATTEMPTS", int)
CHANNEL_BACKOFF_CAP_SECONDS = env_number("KUCUN_CHANNEL_BACKOFF_CAP_SECONDS", float)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "huey.contrib.djhuey",
    "kucun.core",
    "kucun.accounts",
    "kucun.warehouses",
    "kucun.catalog",
    "kucun.inventory",
    "kucun.channels",
    "kucun.shipping",
    "kucun.orders",
    "kucun.sandbox",
    "kucun.web",
    "kucun.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "kucun.core.middleware.RefuseNulMiddleware",
    "kucun.sandbox.middleware.SandboxGateMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kucun.accounts.middleware.ConsoleLoginRequiredMiddleware",
    "kucun.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kucun.urls"
WSGI_APPLICATION = "kucun.wsgi.application"
ASGI_APPLICATION = "kucun.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kucun.web.context_processors.navigation",
            ],
        },
    },
]

SQLITE_PATH = VAR_DIR / locations.SQLITE_FILE_NAME
SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
        "PRAGMA busy_timeout=5000;PRAGMA foreign_keys=ON;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def sqlite_settings(path: Path | str) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": SQLITE_OPTIONS,
        # A file, not memory: WAL, IMMEDIATE transactions and threads behave as in production.
        "TEST": {"NAME": str(VAR_DIR / f"test-kucun-{os.getpid()}.sqlite3")},
    }


def database_settings() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL")
    if url:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
        if config["ENGINE"] == "django.db.backends.sqlite3":
            # A SQLite file named by URL is the same database as the default one, only
            # elsewhere: WAL, IMMEDIATE transactions and the busy timeout, and no options
            # meant for PostgreSQL.
            return sqlite_settings(str(config["NAME"]))
        config["CONN_HEALTH_CHECKS"] = True
        if env_flag("KUCUN_DB_PREPARED_STATEMENTS", True):
            # Parameters bound on the server, and a statement run a few times on a connection
            # is prepared there: postings repeat the same few statements, whose planning
            # would otherwise be a third of their server time. Turn off behind a connection
            # pooler that cannot keep prepared statements (pgbouncer < 1.21 in transaction mode).
            config["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
        # Test databases are named per process so that several test runs can share a server.
        config["TEST"] = {"NAME": f"test_kucun_{os.getpid()}"}
        return config
    return sqlite_settings(SQLITE_PATH)


DATABASES = {"default": database_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Failed console logins: this many within the window blocks further tries.
LOGIN_FAILURES_PER_USER = int(os.environ.get("KUCUN_LOGIN_FAILURES_PER_USER", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("KUCUN_LOGIN_FAILURES_PER_ADDRESS", "20"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("KUCUN_LOGIN_FAILURE_WINDOW", "900"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_flag("KUCUN_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LANGUAGE_COOKIE_NAME = "kucun_language"
# Numbers group in threes with commas in both languages (see kucun/formats).
FORMAT_MODULE_PATH = ["kucun.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("KUCUN_TIME_ZONE", "Australia/Sydney")
DEFAULT_CURRENCY = os.environ.get("KUCUN_CURRENCY", "AUD")

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [("bootstrap", xstatic.pkg.bootstrap.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = int(os.environ.get("KUCUN_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
EXPORT_RETENTION_DAYS = int(os.environ.get("KUCUN_EXPORT_RETENTION_DAYS", "30"))
# A running job that has not reported for this long is taken for dead (its worker stopped).
JOB_LEASE_SECONDS = int(os.environ.get("KUCUN_JOB_LEASE_SECONDS", "600"))

REDIS_URL = os.environ.get("REDIS_URL", "")


def huey_settings() -> dict[str, object]:
    common: dict[str, object] = {
        "name": os.environ.get("KUCUN_QUEUE_NAME", "kucun"),
        "immediate": False,
        "consumer": {
            "workers": int(os.environ.get("KUCUN_WORKERS", "2")),
            "worker_type": "thread",
            # An idle consumer polls at most a second apart (huey's default backs off to 10 s),
            # so an upload's import starts while its page is still open.
            "max_delay": 1.0,
        },
    }
    if REDIS_URL:
        return {**common, "huey_class": "huey.RedisHuey", "url": REDIS_URL}
    return {**common, "huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")}


HUEY = huey_settings()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KUCUN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Its own handler here stops the consumer from adding a second one (lines twice).
        "huey": {"handlers": ["console"], "propagate": False},
    },
}
