"""The `kucun` command finds its database, or says where it looked, from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kucun.locations import default_var_dir

SRC = Path(__file__).resolve().parents[1] / "src"
CHECKOUT = SRC.parent
KUCUN = [sys.executable, "-m", "kucun.cli"]


def clean_env(**env: str) -> dict[str, str]:
    values = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "KUCUN_SECRET_KEY", "KUCUN_VAR_DIR"}
    }
    values.update(DJANGO_SETTINGS_MODULE="kucun.settings", PYTHONPATH=str(SRC), **env)
    return values


def kucun(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KUCUN, *args], env=clean_env(**env), cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_a_command_without_its_database_says_where_it_looked_and_creates_nothing(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    var_dir = tmp_path / "var"
    result = kucun("check_stock", cwd=elsewhere, KUCUN_VAR_DIR=str(var_dir))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"no database at {var_dir / 'kucun.sqlite3'}" in result.stderr
    assert "KUCUN_VAR_DIR" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "kucun migrate" in result.stderr
    assert not var_dir.exists()
    assert list(elsewhere.iterdir()) == []


def test_a_missing_sqlite_database_url_is_refused_the_same_way(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "stock.sqlite3"
    result = kucun(
        "check_stock",
        cwd=tmp_path,
        KUCUN_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{missing}",
    )
    assert result.returncode == 2
    assert f"no database at {missing}" in result.stderr
    assert "DATABASE_URL names" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_migrate_creates_the_database_and_then_other_commands_find_it(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    created = kucun("migrate", "--noinput", "-v0", cwd=elsewhere, KUCUN_VAR_DIR=str(var_dir))
    assert created.returncode == 0, created.stderr
    assert (var_dir / "kucun.sqlite3").exists()
    checked = kucun("check_stock", cwd=elsewhere, KUCUN_VAR_DIR=str(var_dir))
    assert checked.returncode == 0, checked.stderr
    assert "Every balance matches the ledger" in checked.stdout
    assert list(elsewhere.iterdir()) == []


def test_commands_that_prepare_a_fresh_checkout_run_without_a_database(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    result = kucun("collectstatic", "--noinput", "-v0", cwd=tmp_path, KUCUN_VAR_DIR=str(var_dir))
    assert result.returncode == 0, result.stderr
    assert (var_dir / "static").is_dir()
    assert not (var_dir / "kucun.sqlite3").exists()


def test_var_dir_defaults_to_the_checkouts_var_from_any_directory() -> None:
    assert default_var_dir(SRC / "kucun") == CHECKOUT / "var"


def test_an_installed_package_keeps_var_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = tmp_path / "lib" / "site-packages" / "kucun"
    unpacked = tmp_path / "unpacked" / "src" / "kucun"  # a src/ folder, but no checkout
    for package in (installed, unpacked):
        package.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert default_var_dir(installed) == tmp_path / "var"
    assert default_var_dir(unpacked) == tmp_path / "var"
