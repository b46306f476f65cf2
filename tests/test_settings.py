"""Settings are read from the environment when the module is imported, so each case runs
the import in a fresh interpreter with exactly the environment under test."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
# Every variable the settings read; each case starts from none of them.
READ_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "KUCUN_SECRET_KEY",
    "KUCUN_ALLOWED_HOSTS",
    "KUCUN_DEBUG",
    "KUCUN_TIME_ZONE",
    "KUCUN_VAR_DIR",
    "KUCUN_IMPORT_MAX_BYTES",
    "KUCUN_EXPORT_RETENTION_DAYS",
    "KUCUN_WEB_WORKERS",
    "KUCUN_WORKERS",
    "KUCUN_SECURE_COOKIES",
    "KUCUN_CSRF_TRUSTED_ORIGINS",
    "KUCUN_LOG_LEVEL",
    "KUCUN_LOGIN_FAILURES_PER_USER",
    "KUCUN_LOGIN_FAILURES_PER_ADDRESS",
    "KUCUN_LOGIN_FAILURE_WINDOW",
    "KUCUN_QUEUE_NAME",
    "KUCUN_CURRENCY",
    "KUCUN_SANDBOX",
    "KUCUN_DB_PREPARED_STATEMENTS",
}

PROBE = """
import json, django
from django.conf import settings
django.setup()
from huey.contrib.djhuey import HUEY
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ENGINE": db["ENGINE"],
    "DB_NAME": str(db["NAME"]),
    "DB_HOST": db.get("HOST", ""),
    "DB_PORT": db.get("PORT", ""),
    "DB_USER": db.get("USER", ""),
    "CONN_HEALTH_CHECKS": db.get("CONN_HEALTH_CHECKS", False),
    "DB_OPTIONS": db.get("OPTIONS", {}),
    "SQLITE_OPTIONS": db.get("OPTIONS", {}) if "sqlite" in db["ENGINE"] else None,
    "HUEY_CLASS": type(HUEY).__name__,
    "HUEY": {k: v for k, v in settings.HUEY.items()},
    "HUEY_IMMEDIATE": HUEY.immediate,
    "VAR_DIR": str(settings.VAR_DIR),
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "TIME_ZONE": settings.TIME_ZONE,
    "IMPORT_MAX_BYTES": settings.IMPORT_MAX_BYTES,
    "EXPORT_RETENTION_DAYS": settings.EXPORT_RETENTION_DAYS,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "LOG_LEVEL": settings.LOGGING["root"]["level"],
    "PASSWORD_HASHERS": settings.PASSWORD_HASHERS,
    "LOGIN_FAILURES_PER_USER": settings.LOGIN_FAILURES_PER_USER,
    "LOGIN_FAILURES_PER_ADDRESS": settings.LOGIN_FAILURES_PER_ADDRESS,
    "LOGIN_FAILURE_WINDOW_SECONDS": settings.LOGIN_FAILURE_WINDOW_SECONDS,
    "STATIC_ROOT": str(settings.STATIC_ROOT),
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
}))
"""


def load_settings(var_dir: Path, cwd: Path | None = None, **env: str) -> dict[str, Any]:
    clean = {key: value for key, value in os.environ.items() if key not in READ_VARIABLES}
    clean.update(DJANGO_SETTINGS_MODULE="kucun.settings", PYTHONPATH=str(SRC))
    if var_dir is not None:
        clean["KUCUN_VAR_DIR"] = str(var_dir)
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=clean,
        cwd=cwd or var_dir.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_safe_local_defaults(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    loaded = load_settings(var_dir)
    assert loaded["DEBUG"] is False
    assert loaded["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["DB_NAME"] == str(var_dir / "kucun.sqlite3")
    assert loaded["SQLITE_OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL;" in loaded["SQLITE_OPTIONS"]["init_command"]
    assert "PRAGMA foreign_keys=ON;" in loaded["SQLITE_OPTIONS"]["init_command"]
    assert loaded["HUEY_CLASS"] == "SqliteHuey"
    assert loaded["HUEY"]["filename"] == str(var_dir / "huey.sqlite3")
    assert loaded["HUEY_IMMEDIATE"] is False
    assert loaded["HUEY"]["consumer"] == {"workers": 2, "worker_type": "thread", "max_delay": 1.0}
    assert loaded["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]
    assert loaded["CSRF_TRUSTED_ORIGINS"] == []
    assert loaded["TIME_ZONE"] == "Australia/Sydney"
    assert loaded["IMPORT_MAX_BYTES"] == 50 * 1024 * 1024
    assert loaded["EXPORT_RETENTION_DAYS"] == 30
    assert loaded["SESSION_COOKIE_SECURE"] is False
    assert loaded["LOG_LEVEL"] == "INFO"
    assert loaded["LOGIN_FAILURES_PER_USER"] == 5
    assert loaded["LOGIN_FAILURES_PER_ADDRESS"] == 20
    assert loaded["LOGIN_FAILURE_WINDOW_SECONDS"] == 900
    assert loaded["STATIC_ROOT"] == str(var_dir / "static")
    assert loaded["MEDIA_ROOT"] == str(var_dir / "media")


def test_var_dir_defaults_to_the_checkouts_var_from_any_directory(tmp_path: Path) -> None:
    clean = {key: value for key, value in os.environ.items() if key not in READ_VARIABLES}
    clean.update(DJANGO_SETTINGS_MODULE="kucun.settings", PYTHONPATH=str(SRC))
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["VAR_DIR"] == str(SRC.parent.resolve() / "var")
    assert (SRC.parent / "var" / "secret_key").exists()
    assert list(tmp_path.iterdir()) == []


def test_argon2_hashes_passwords_first(tmp_path: Path) -> None:
    hashers = load_settings(tmp_path / "var")["PASSWORD_HASHERS"]
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_generated_secret_key_is_private_and_stable(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    first = load_settings(var_dir)["SECRET_KEY"]
    key_file = var_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == first
    assert len(first) >= 50
    assert load_settings(var_dir)["SECRET_KEY"] == first
    # Another var directory gets its own key.
    assert load_settings(tmp_path / "other")["SECRET_KEY"] != first


def test_generated_secret_key_is_private_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        load_settings(tmp_path / "var")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "var" / "secret_key").stat().st_mode) == 0o600


def test_processes_starting_together_agree_on_the_generated_key(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    clean = {key: value for key, value in os.environ.items() if key not in READ_VARIABLES}
    clean.update(
        DJANGO_SETTINGS_MODULE="kucun.settings", PYTHONPATH=str(SRC), KUCUN_VAR_DIR=str(var_dir)
    )
    probe = "from django.conf import settings; print(settings.SECRET_KEY)"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", probe], env=clean, stdout=subprocess.PIPE, text=True
        )
        for _ in range(12)
    ]
    keys = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert keys == {(var_dir / "secret_key").read_text().strip()}
    assert "" not in keys
    assert [path.name for path in var_dir.iterdir()] == ["secret_key"]


def test_secret_key_from_the_environment_writes_no_file(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    loaded = load_settings(var_dir, KUCUN_SECRET_KEY="x" * 60)
    assert loaded["SECRET_KEY"] == "x" * 60
    assert not (var_dir / "secret_key").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("YES", True), ("on", True), ("0", False), ("", False)],
)
def test_debug_only_when_asked(tmp_path: Path, value: str, expected: bool) -> None:
    assert load_settings(tmp_path / "var", KUCUN_DEBUG=value)["DEBUG"] is expected


def test_database_url_selects_postgresql(tmp_path: Path) -> None:
    loaded = load_settings(
        tmp_path / "var", DATABASE_URL="postgres://kucun:secret@db.internal:5433/stock"
    )
    assert loaded["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["DB_NAME"] == "stock"
    assert loaded["DB_HOST"] == "db.internal"
    assert loaded["DB_PORT"] == 5433
    assert loaded["DB_USER"] == "kucun"
    assert loaded["CONN_HEALTH_CHECKS"] is True
    assert loaded["DB_OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_turned_off_for_a_connection_pooler(tmp_path: Path) -> None:
    loaded = load_settings(
        tmp_path / "var",
        DATABASE_URL="postgres://kucun@pgbouncer.internal:6432/stock",
        KUCUN_DB_PREPARED_STATEMENTS="0",
    )
    assert loaded["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["DB_OPTIONS"] == {}


def test_redis_url_selects_the_redis_queue(tmp_path: Path) -> None:
    loaded = load_settings(
        tmp_path / "var", REDIS_URL="redis://cache.internal:6380/3", KUCUN_WORKERS="6"
    )
    assert loaded["HUEY_CLASS"] == "RedisHuey"
    assert loaded["HUEY"]["url"] == "redis://cache.internal:6380/3"
    assert "filename" not in loaded["HUEY"]
    assert loaded["HUEY"]["consumer"] == {"workers": 6, "worker_type": "thread", "max_delay": 1.0}
    assert loaded["HUEY_IMMEDIATE"] is False


def test_every_other_variable_is_read(tmp_path: Path) -> None:
    loaded = load_settings(
        tmp_path / "var",
        KUCUN_ALLOWED_HOSTS="stock.example.com, .example.org",
        KUCUN_CSRF_TRUSTED_ORIGINS="https://stock.example.com",
        KUCUN_TIME_ZONE="Asia/Shanghai",
        KUCUN_IMPORT_MAX_BYTES="1048576",
        KUCUN_EXPORT_RETENTION_DAYS="7",
        KUCUN_SECURE_COOKIES="1",
        KUCUN_LOG_LEVEL="WARNING",
        KUCUN_LOGIN_FAILURES_PER_USER="3",
        KUCUN_LOGIN_FAILURES_PER_ADDRESS="10",
        KUCUN_LOGIN_FAILURE_WINDOW="60",
    )
    assert loaded["ALLOWED_HOSTS"] == ["stock.example.com", ".example.org"]
    assert loaded["CSRF_TRUSTED_ORIGINS"] == ["https://stock.example.com"]
    assert loaded["TIME_ZONE"] == "Asia/Shanghai"
    assert loaded["IMPORT_MAX_BYTES"] == 1048576
    assert loaded["EXPORT_RETENTION_DAYS"] == 7
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["LOG_LEVEL"] == "WARNING"
    assert loaded["LOGIN_FAILURES_PER_USER"] == 3
    assert loaded["LOGIN_FAILURES_PER_ADDRESS"] == 10
    assert loaded["LOGIN_FAILURE_WINDOW_SECONDS"] == 60


def test_test_settings_keep_the_queue_inline_unless_asked(tmp_path: Path) -> None:
    clean = {key: value for key, value in os.environ.items() if key not in READ_VARIABLES}
    clean.update(
        DJANGO_SETTINGS_MODULE="kucun.settings_test",
        PYTHONPATH=str(SRC),
        KUCUN_VAR_DIR=str(tmp_path / "var"),
    )
    probe = "from django.conf import settings; print(settings.HUEY['immediate'])"
    inline = subprocess.run(
        [sys.executable, "-c", probe], env=clean, capture_output=True, text=True, check=True
    )
    real = subprocess.run(
        [sys.executable, "-c", probe],
        env={**clean, "KUCUN_TEST_REAL_QUEUE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert (inline.stdout.strip(), real.stdout.strip()) == ("True", "False")


SQLITE_CONNECTION_PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    pragmas = {}
    for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys"):
        cursor.execute(f"PRAGMA {name}")
        pragmas[name] = cursor.fetchone()[0]
db = settings.DATABASES["default"]
print(json.dumps({
    "NAME": str(db["NAME"]),
    "OPTIONS": db["OPTIONS"],
    "TEST": db["TEST"],
    "CONN_MAX_AGE": db.get("CONN_MAX_AGE", 0),
    "pragmas": pragmas,
    "transaction_mode": connection.transaction_mode,
}))
"""


def probe_sqlite_connection(var_dir: Path, **env: str) -> dict[str, Any]:
    clean = {key: value for key, value in os.environ.items() if key not in READ_VARIABLES}
    clean.update(
        DJANGO_SETTINGS_MODULE="kucun.settings", PYTHONPATH=str(SRC), KUCUN_VAR_DIR=str(var_dir)
    )
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_CONNECTION_PROBE],
        env=clean,
        cwd=var_dir.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_a_sqlite_database_url_behaves_like_the_default_database(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    elsewhere = tmp_path / "elsewhere" / "stock.sqlite3"
    elsewhere.parent.mkdir()
    default = probe_sqlite_connection(var_dir)
    by_url = probe_sqlite_connection(var_dir, DATABASE_URL=f"sqlite:///{elsewhere}")
    assert by_url["NAME"] == str(elsewhere)
    assert elsewhere.exists()
    assert by_url["OPTIONS"] == default["OPTIONS"]
    assert by_url["TEST"]["NAME"].startswith(str(var_dir.resolve() / "test-kucun-"))
    assert by_url["CONN_MAX_AGE"] == default["CONN_MAX_AGE"]
    assert by_url["transaction_mode"] == default["transaction_mode"] == "IMMEDIATE"
    expected_pragmas = {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 5000}
    assert by_url["pragmas"] == default["pragmas"] == {**expected_pragmas, "foreign_keys": 1}
