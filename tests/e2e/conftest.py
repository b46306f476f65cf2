"""Browser tests: the console driven in Debian's Chromium through Playwright.

One Chromium runs for the whole session; each test gets a fresh page (its own cookies).
Screenshots go to test-artifacts/e2e/<test name>/ (git-ignored) for people to look at.
Without /usr/bin/chromium the tests fail under CI=true and are skipped, loudly, elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from kucun.accounts.choices import Role
from kucun.accounts.models import User
from tests.factories import UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
PASSWORD = "correct-horse-battery"
TIMEOUT_MS = 15_000


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _chromium_present() -> None:
    if CHROMIUM.exists():
        return
    message = (
        f"Chromium is not installed at {CHROMIUM}: the browser tests cannot run. Install it "
        "with `apt-get install -y --no-install-recommends chromium fonts-noto-cjk` "
        "(`make test` does this)."
    )
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(f"!!! {message}")


@pytest.fixture(scope="session", autouse=True)
def _translations_compiled() -> None:
    call_command("compile_translations", verbosity=0)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": {"width": 1400, "height": 1000},
        "locale": "en-AU",
        "timezone_id": "Australia/Sydney",
    }


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Any) -> None:
    # The manifest storage's hashed names do not exist under live_server.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return page


@pytest.fixture
def shot(request: pytest.FixtureRequest, page: Page) -> Iterator[Callable[[str], Path]]:
    """shot("login") saves test-artifacts/e2e/<test>/01-login.png; a failure adds failure.png."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []

    def take(name: str) -> Path:
        path = folder / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        return path

    yield take
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        page.screenshot(path=str(folder / "failure.png"), full_page=True)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def console_user(transactional_db: None) -> User:
    return UserFactory(username="olivia", role=Role.OWNER, password=PASSWORD)


@pytest.fixture
def login(page: Page, live_server: Any, console_user: User) -> Callable[[], None]:
    def log_in() -> None:
        page.goto(f"{live_server.url}/")
        expect(page).to_have_url(re.compile(r"/accounts/login/"))
        page.fill("#id_username", console_user.username)
        page.fill("#id_password", PASSWORD)
        page.click("#login-submit")
        expect(page.locator("#user-menu")).to_contain_text(console_user.username)

    return log_in
