"""Crash drill: the queue consumer is killed with SIGKILL while it sends stock pushes; started
again, it converges: every listing on every emulator holds Kucun's quantity.

Everything runs as it does in production, in processes of its own on one file database:
``kucun serve --no-worker`` (the web server and its emulators), ``kucun run_huey`` (the
consumer, killed and started again) and short Kucun processes that set up, change stock and
read the state (``crash_child``). The emulators' stock writes are slowed down so that the kill
lands while pushes are in flight; the SENDING rows in the database say when they are.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from kucun.channels.adapters.base import ChannelConfig
from kucun.locations import SQLITE_FILE_NAME
from kucun.web.management.commands.serve import consumer_command
from tests.channels.drills.faults import WRITE_OPERATIONS
from tests.channels.drills.world import DRILL_PLATFORMS
from tests.sandbox.conftest import Sandbox
from tests.web.test_serve import Server, free_port

pytestmark = pytest.mark.drill

KUCUN = [sys.executable, "-m", "kucun.cli"]
CHILD = [sys.executable, "-m", "tests.channels.drills.crash_child"]
REPOSITORY = Path(__file__).resolve().parents[3]
POSTINGS = int(os.environ.get("KUCUN_DRILL_POSTINGS", "30"))
WRITE_DELAY_MS = 150
KILL_WAIT_SECONDS = 60
CONVERGE_SECONDS = 90


class Database:
    """The drill's own database: a SQLite file in its var directory, or, when the run is on
    PostgreSQL (``DATABASE_URL``), a database of its own on that server, dropped afterwards."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.url = ""
        server = os.environ.get("DATABASE_URL", "")
        if server.startswith(("postgres://", "postgresql://")):
            import psycopg

            parts = urlsplit(server)
            self.name = f"kucun_crash_drill_{os.getpid()}"
            self.admin = urlunsplit(parts._replace(path="/postgres"))
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
            with psycopg.connect(self.admin, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{self.name}"')

    def sending_count(self) -> int:
        query = "SELECT count(*) FROM channels_stocksyncrecord WHERE status = 'sending'"
        if self.url:
            import psycopg

            with psycopg.connect(self.url) as db:
                row = db.execute(query).fetchone()
        else:
            with sqlite3.connect(self.var_dir / SQLITE_FILE_NAME, timeout=5) as db:
                row = db.execute(query).fetchone()
        assert row is not None
        return int(row[0])

    def drop(self) -> None:
        if self.url:
            import psycopg

            with psycopg.connect(self.admin, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def drill_env(var_dir: Path, port: int, database: Database) -> dict[str, str]:
    """The drill's processes: their own var directory and database; the queue on Redis when
    the run names one (its own queue name), else huey's SQLite file there."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "KUCUN_SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="kucun.settings",
        KUCUN_VAR_DIR=str(var_dir),
        KUCUN_SANDBOX_URL=f"http://127.0.0.1:{port}",
        KUCUN_QUEUE_NAME=f"kucun-drill-{uuid.uuid4().hex[:8]}",
        KUCUN_WEB_WORKERS="1",
        KUCUN_WORKERS="2",
        KUCUN_CHANNEL_READ_TIMEOUT="5",
        KUCUN_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join([str(REPOSITORY), str(REPOSITORY / "src")]),
        PYTHONUNBUFFERED="1",
    )
    if database.url:
        env["DATABASE_URL"] = database.url
    return env


def child(env: dict[str, str], *args: str) -> Any:
    done = subprocess.run(
        [*CHILD, *args], env=env, cwd=REPOSITORY, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"crash_child {args} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


class Consumer:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log = log_path.open("a")
        self.process = subprocess.Popen(
            consumer_command(periodic=True),
            env=env,
            cwd=REPOSITORY,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def drill_dir(tmp_path: Path) -> Iterator[tuple[Database, dict[str, str], Server]]:
    port = free_port()
    database = Database(tmp_path)
    env = drill_env(tmp_path, port, database)
    try:
        for command in ("migrate", "collectstatic"):
            subprocess.run(
                [*KUCUN, command, "--noinput", "-v0"], env=env, check=True, cwd=REPOSITORY
            )
        server = Server(tmp_path, "--no-worker", port=port, env=env)
        try:
            server.wait_healthy()
            yield database, env, server
        finally:
            server.stop()
    finally:
        database.drop()


def emulator_quantities(sandbox: Sandbox, configs: dict[str, Any]) -> dict[str, dict[str, int]]:
    held = {}
    for code, fields in configs.items():
        setup = importlib.import_module(f"tests.channels.contract.setups.{code}")
        config = ChannelConfig(**{key: value for key, value in fields.items() if key != "store_id"})
        held[code] = setup.platform_quantities(sandbox, config)
    return held


def slow_writes(sandbox: Sandbox, code: str) -> None:
    """Every stock write waits before it is applied: pushes stay in flight long enough."""
    sandbox.emu(
        code,
        "faults",
        {"match": {"op": WRITE_OPERATIONS[code]}, "delay_ms": WRITE_DELAY_MS, "times": 0},
    )


def test_a_consumer_killed_while_sending_converges_after_restart(
    drill_dir: tuple[Database, dict[str, str], Server],
) -> None:
    database, env, server = drill_dir
    var_dir = database.var_dir
    prepared = child(env, "setup")
    configs = prepared["configs"]
    assert sorted(configs) == sorted(DRILL_PLATFORMS)
    with httpx.Client(
        headers={"Authorization": f"Bearer {prepared['token']}"}, timeout=30
    ) as control:
        sandbox = Sandbox(base_url=server.url, control=control)
        for code in configs:
            slow_writes(sandbox, code)
        consumer = Consumer(env, var_dir / "consumer.log")
        changing = subprocess.Popen(
            [*CHILD, "changes", str(POSTINGS)],
            env=env,
            cwd=REPOSITORY,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + KILL_WAIT_SECONDS
            while database.sending_count() == 0:
                assert consumer.process.poll() is None, (var_dir / "consumer.log").read_text()
                assert time.monotonic() < deadline, "no push was ever in flight to kill"
                time.sleep(0.02)
            consumer.kill()
            output, _ = changing.communicate(timeout=120)
            assert changing.returncode == 0, output
        finally:
            consumer.kill()
            if changing.poll() is None:
                changing.kill()
        left_sending = database.sending_count()
        for code in configs:
            sandbox.control.delete(sandbox.url(code, "__emu/faults")).raise_for_status()

        restarted = Consumer(env, var_dir / "consumer.log")
        try:
            ended = child(env, "expire-leases")
            assert ended["leases_ended"] == left_sending
            deadline = time.monotonic() + CONVERGE_SECONDS
            while True:
                state = child(env, "status")
                held = emulator_quantities(sandbox, configs)
                wanted = state["quantities"]
                if state["open"] == 0 and state["changes_waiting"] == 0 and held == wanted:
                    break
                assert restarted.process.poll() is None, (var_dir / "consumer.log").read_text()
                assert time.monotonic() < deadline, (
                    f"not converged after {CONVERGE_SECONDS} s: {state['open']} pushes open, "
                    f"{state['changes_waiting']} changes waiting; differing: "
                    + str(
                        {
                            code: {
                                sku: (held[code].get(sku), quantity)
                                for sku, quantity in wanted[code].items()
                                if held[code].get(sku) != quantity
                            }
                            for code in wanted
                        }
                    )
                )
                time.sleep(0.5)
        finally:
            restarted.kill()
    assert left_sending > 0
    assert state["failed"] == 0
    assert state["unlogged_attempts"] == []
