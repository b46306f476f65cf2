from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kucun.accounts.auth import token_digest
from kucun.accounts.models import ApiToken, User

pytestmark = pytest.mark.django_db


def run(*args: str, **options: Any) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


# ---------------------------------------------------------------- createuser


def test_createuser_with_a_password_option() -> None:
    out, _err = run(
        "createuser", "nina", "--role", "owner", "--email", "n@example.com", "--password", "p" * 12
    )
    assert out == "Created user nina with the owner role.\n"
    nina = User.objects.get(username="nina")
    assert (nina.role, nina.email, nina.is_active) == ("owner", "n@example.com", True)
    assert nina.check_password("p" * 12)


def test_createuser_reads_the_password_from_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("KUCUN_PASSWORD", "from-the-environment")
    run("createuser", "nina", "--role", "viewer")
    assert User.objects.get(username="nina").check_password("from-the-environment")


def test_createuser_prompts_twice_in_a_terminal(monkeypatch: Any) -> None:
    monkeypatch.delenv("KUCUN_PASSWORD", raising=False)
    answers = iter(["typed-passphrase", "typed-passphrase"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    run("createuser", "nina", "--role", "staff")
    assert User.objects.get(username="nina").check_password("typed-passphrase")


def test_createuser_refuses_two_different_typed_passwords(monkeypatch: Any) -> None:
    monkeypatch.delenv("KUCUN_PASSWORD", raising=False)
    answers = iter(["typed-passphrase", "other-passphrase"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(
        CommandError, match=re.escape("The two passwords differ; nothing was created.")
    ):
        run("createuser", "nina", "--role", "staff")
    assert not User.objects.exists()


def test_createuser_without_any_password_source_fails(monkeypatch: Any) -> None:
    monkeypatch.delenv("KUCUN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError, match=re.escape("No password given")):
        run("createuser", "nina", "--role", "staff")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "boss"], "Unknown role 'boss': choose one of viewer, staff, owner."),
        (["--role", "staff", "--password", "short"], "password: This password is too short."),
        (["--role", "staff", "--password", "p" * 12, "--email", "x"], "email: Enter a valid"),
    ],
)
def test_createuser_errors_are_clear(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as caught:
        run("createuser", "nina", *args)
    assert str(caught.value).startswith(message)
    assert not User.objects.exists()


def test_createuser_refuses_an_existing_user(staff: User) -> None:
    with pytest.raises(CommandError, match=re.escape("username: A user named SAM already exists.")):
        run("createuser", "SAM", "--role", "owner", "--password", "p" * 12)
    staff.refresh_from_db()
    assert staff.role == "staff"


# ---------------------------------------------------------------- token


def test_token_prints_only_a_working_token(staff: User) -> None:
    out, err = run("token", "sam", "--name", "scanner")
    plain = out.strip()
    assert out == plain + "\n"
    assert err == ""
    token = ApiToken.objects.get(user=staff)
    assert (token.name, token.token_hash) == ("scanner", token_digest(plain))
    assert Client(headers={"Authorization": f"Bearer {plain}"}).get("/api/v1/me").status_code == 200


def test_token_for_an_unknown_user_fails() -> None:
    with pytest.raises(CommandError, match=re.escape("No user named ghost.")):
        run("token", "ghost")
    assert not ApiToken.objects.exists()


def test_token_for_an_inactive_user_fails(staff: User) -> None:
    staff.is_active = False
    staff.save()
    with pytest.raises(CommandError, match=re.escape("User sam is inactive")):
        run("token", "sam")
    assert not ApiToken.objects.exists()


def test_the_kucun_command_exits_non_zero_with_the_message(tmp_path: Path) -> None:
    """Through the real `kucun` entry point, on a scratch database."""
    env = {
        **os.environ,
        "KUCUN_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "kucun.settings",
    }
    env.pop("DATABASE_URL", None)
    kucun = str(Path(sys.executable).with_name("kucun"))
    subprocess.run([kucun, "migrate", "-v0"], env=env, check=True, timeout=120)
    created = subprocess.run(
        [kucun, "createuser", "nina", "--role", "staff"],
        env={**env, "KUCUN_PASSWORD": "a-long-passphrase"},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert created.returncode == 0, created.stderr
    token = subprocess.run(
        [kucun, "token", "nina"], env=env, capture_output=True, text=True, timeout=60
    )
    assert token.returncode == 0
    assert token.stdout.startswith("kc_")
    assert len(token.stdout.strip().splitlines()) == 1
    missing = subprocess.run(
        [kucun, "token", "ghost"], env=env, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert "No user named ghost." in missing.stderr
    duplicate = subprocess.run(
        [kucun, "createuser", "nina", "--role", "owner", "--password", "a-long-passphrase"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert duplicate.returncode == 1
    assert "A user named nina already exists." in duplicate.stderr
