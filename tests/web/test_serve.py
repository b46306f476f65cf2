"""`kucun serve` for real: gunicorn and the huey consumer under one parent, on a free port."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kucun.web.management.commands.serve import consumer_command, web_server_command

KUCUN = [sys.executable, "-m", "kucun.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "KUCUN_SECRET_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="kucun.settings",
        KUCUN_VAR_DIR=str(var_dir),
        KUCUN_WEB_WORKERS="1",
        KUCUN_WORKERS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="module")
def ready_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var directory with a migrated SQLite database and collected static files."""
    var_dir = tmp_path_factory.mktemp("serve-var")
    env = serve_env(var_dir)
    subprocess.run([*KUCUN, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([*KUCUN, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    return var_dir


class Server:
    def __init__(
        self,
        var_dir: Path,
        *args: str,
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.log_path = var_dir / f"serve-{self.port}.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [*KUCUN, "serve", "--host", "127.0.0.1", "--port", str(self.port), *args],
            env=env or serve_env(var_dir),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text()

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def wait_healthy(self, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"serve exited early:\n{self.output()}"
            try:
                if self.get("/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"/health never answered:\n{self.output()}")

    def wait_for_output(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared:\n{self.output()}")

    def child_pids(self) -> dict[str, int]:
        found = re.findall(r"kucun serve: started (.+) \(pid (\d+)\)", self.output())
        return {name: int(pid) for name, pid in found}

    def gunicorn_worker_pids(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", self.output())]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def start_server(ready_var_dir: Path) -> Iterator[object]:
    servers: list[Server] = []

    def start(*args: str, port: int | None = None) -> Server:
        server = Server(ready_var_dir, *args, port=port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by a parent that is gone) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pids: list[int], timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [pid for pid in pids if alive(pid)]
        if not left:
            return []
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


def port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_serves_pages_and_stops_everything_on_sigterm(start_server: object) -> None:
    server: Server = start_server()  # type: ignore[operator]
    server.wait_healthy()
    server.wait_for_output("Huey consumer started")
    status, body = server.get("/health")
    assert (status, body) == (200, b'{"status": "ok", "database": true}')
    status, body = server.get("/accounts/login/")
    assert status == 200
    assert b'name="username"' in body
    # Static files are served by the production server itself, with hashed names.
    css = re.search(rb'href="(/static/bootstrap/css/bootstrap\.min\.[0-9a-f]+\.css)"', body)
    assert css, body[:2000]
    assert server.get(css.group(1).decode())[0] == 200
    # Anything else sends the visitor to the login page.
    assert b'name="username"' in server.get("/")[1]
    cmdline = Path(f"/proc/{server.child_pids()['queue consumer']}/cmdline").read_bytes()
    assert b"--no-periodic" not in cmdline
    assert "Periodic tasks are enabled." in server.output()

    pids = server.child_pids()
    assert set(pids) == {"web server", "queue consumer"}
    workers = server.gunicorn_worker_pids()
    assert len(workers) == 1
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    output = server.output()
    assert "kucun serve: received SIGTERM, stopping" in output
    assert "kucun serve: stopped web server (exited with code 0)" in output
    assert "kucun serve: stopped queue consumer (exited with code 0)" in output
    assert "Shutting down gracefully" in output  # huey got its graceful signal
    assert wait_gone([*pids.values(), *workers]) == []
    assert port_closed(server.port)


def test_two_requests_are_answered_over_one_kept_alive_connection(start_server: object) -> None:
    """Threaded workers keep an HTTP/1.1 connection open: an API client pays for one connect,
    not one per request (sync workers answer every request with `Connection: close`)."""
    import http.client

    server: Server = start_server("--no-worker")  # type: ignore[operator]
    server.wait_healthy()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        answers = []
        for path in ("/health", "/api/v1/items"):
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            assert connection.sock is not None, f"{path}: the server closed the connection"
            answers.append(
                (response.status, response.getheader("Connection"), connection.sock.getsockname())
            )
            if path == "/health":
                assert body == b'{"status": "ok", "database": true}'
        (first_status, first_header, first_end), (second_status, second_header, second_end) = (
            answers
        )
        assert (first_status, second_status) == (200, 401)
        assert first_header != "close"
        assert second_header != "close"
        assert first_end == second_end  # the same client socket answered both
    finally:
        connection.close()
    assert "--worker-class gthread" in " ".join(
        Path(f"/proc/{server.child_pids()['web server']}/cmdline").read_bytes().decode().split("\0")
    )


def test_ctrl_c_stops_everything_with_exit_zero(start_server: object) -> None:
    server: Server = start_server()  # type: ignore[operator]
    server.wait_healthy()
    server.wait_for_output("Huey consumer started")
    pids = [*server.child_pids().values(), *server.gunicorn_worker_pids()]
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=30) == 0
    assert "kucun serve: received SIGINT, stopping" in server.output()
    assert wait_gone(pids) == []


def test_a_dead_consumer_is_reported_and_the_web_server_stopped(start_server: object) -> None:
    server: Server = start_server()  # type: ignore[operator]
    server.wait_healthy()
    server.wait_for_output("Huey consumer started")
    pids = server.child_pids()
    workers = server.gunicorn_worker_pids()
    os.kill(pids["queue consumer"], signal.SIGKILL)
    code = server.process.wait(timeout=30)
    assert code != 0
    output = server.output()
    assert (
        f"kucun serve: queue consumer (pid {pids['queue consumer']}) was killed by SIGKILL "
        "unexpectedly; stopping the others"
    ) in output
    assert "kucun serve: stopped web server (exited with code 0)" in output
    assert wait_gone([pids["web server"], *workers]) == []
    assert port_closed(server.port)


def test_a_dead_web_server_is_reported_and_the_consumer_stopped(start_server: object) -> None:
    server: Server = start_server()  # type: ignore[operator]
    server.wait_healthy()
    server.wait_for_output("Huey consumer started")
    pids = server.child_pids()
    os.kill(pids["web server"], signal.SIGKILL)
    assert server.process.wait(timeout=30) != 0
    output = server.output()
    assert f"kucun serve: web server (pid {pids['web server']}) was killed by SIGKILL" in output
    assert "kucun serve: stopped queue consumer (exited with code 0)" in output
    assert wait_gone([pids["queue consumer"]]) == []


def test_extra_consumer_with_no_periodic_leaves_the_schedule_alone(start_server: object) -> None:
    server: Server = start_server("--no-periodic")  # type: ignore[operator]
    server.wait_healthy()
    server.wait_for_output("Periodic tasks are disabled.")
    assert "Periodic tasks are enabled." not in server.output()
    cmdline = Path(f"/proc/{server.child_pids()['queue consumer']}/cmdline").read_bytes()
    assert cmdline.split(b"\0")[-3:] == [b"run_huey", b"--no-periodic", b""]
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0


def test_web_only_runs_no_consumer(start_server: object) -> None:
    server: Server = start_server("--no-worker")  # type: ignore[operator]
    server.wait_healthy()
    assert set(server.child_pids()) == {"web server"}
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    assert "Huey consumer started" not in server.output()


def test_port_in_use_is_reported_and_nothing_is_left_running(
    start_server: object,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server: Server = start_server(port=port)  # type: ignore[operator]
        code = server.process.wait(timeout=60)
    output = server.output()
    assert code != 0
    assert "kucun serve: web server (pid" in output
    assert "unexpectedly; stopping the others" in output
    assert wait_gone(list(server.child_pids().values())) == []


def test_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    (tmp_path / "kucun.sqlite3").touch()  # an empty database: there, but never migrated
    result = subprocess.run(
        [*KUCUN, "serve", "--port", str(free_port())],
        env=serve_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "unapplied migration(s): run `kucun migrate` first." in result.stderr
    assert "started" not in result.stderr


def test_refuses_to_start_without_collected_static_files(tmp_path: Path) -> None:
    env = serve_env(tmp_path)
    subprocess.run([*KUCUN, "migrate", "--noinput", "-v0"], env=env, check=True)
    result = subprocess.run(
        [*KUCUN, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Static files are not collected" in result.stderr
    assert "run `kucun collectstatic --noinput` first." in result.stderr


def test_commands_for_the_children() -> None:
    assert consumer_command(periodic=True)[-2:] == ["kucun.cli", "run_huey"]
    assert consumer_command(periodic=False)[-3:] == ["kucun.cli", "run_huey", "--no-periodic"]
    web = web_server_command(host="0.0.0.0", port=8001, workers=3)  # noqa: S104
    assert web[web.index("--bind") + 1] == "0.0.0.0:8001"
    assert web[web.index("--workers") + 1] == "3"
    assert web[web.index("--worker-class") + 1] == "gthread"
    assert web[web.index("--threads") + 1] == "1"
    threaded = web_server_command(host="127.0.0.1", port=8001, workers=2, threads=6)
    assert threaded[threaded.index("--threads") + 1] == "6"
    assert web_server_command(host="::1", port=80, workers=1)[5] == "[::1]:80"


# Several `kucun serve` on one PostgreSQL database and one Redis queue, as the operations guide
# describes: one consumer runs the periodic schedule, the other does not; work handed to one web
# server is done by whichever consumer takes it, and every server sees the result.


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    import uuid

    import psycopg
    from psycopg import sql

    from tests.core.test_queue import redis_url_for_tests

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("runs in the PostgreSQL pass (DATABASE_URL=postgres://...)")
    redis_url = redis_url_for_tests()
    name = f"kucun_cluster_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    var_dir = tmp_path_factory.mktemp("cluster-var")
    env = {
        **serve_env(var_dir),
        "DATABASE_URL": url.rsplit("/", 1)[0] + "/" + name,
        "REDIS_URL": redis_url,
        "KUCUN_QUEUE_NAME": f"kucun-cluster-{uuid.uuid4().hex[:12]}",
        "KUCUN_SECRET_KEY": uuid.uuid4().hex * 2,
    }
    try:
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["collectstatic", "--noinput", "-v0"],
            ["createuser", "olivia", "--role", "owner", "--password", "correct-horse-battery"],
        ):
            subprocess.run([*KUCUN, *command], env=env, check=True, capture_output=True)
        token = subprocess.run(
            [*KUCUN, "token", "olivia"], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        yield env, token
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def test_two_servers_share_postgresql_and_redis(
    cluster: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    import httpx

    env, token = cluster
    first = Server(tmp_path, env=env)
    second = Server(tmp_path, "--no-periodic", env=env)
    try:
        first.wait_healthy()
        second.wait_healthy()
        first.wait_for_output("Periodic tasks are enabled.")
        second.wait_for_output("Periodic tasks are disabled.")
        assert "Periodic tasks are enabled." not in second.output()

        headers = {"Authorization": f"Bearer {token}"}
        rows = (
            "sku,name,weight_g\n"
            "SAU-ORIG-500,Original sausage pack,520\n"
            "BEER-LAG-12,Beer dozen,4400\n"
        )
        response = httpx.post(
            f"{second.url}/api/v1/imports",
            headers=headers,
            data={"kind": "items"},
            files={"file": ("items.csv", rows.encode(), "text/csv")},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        run_id = response.json()["id"]
        deadline = time.monotonic() + 60
        while True:
            run = httpx.get(f"{first.url}/api/v1/imports/{run_id}", headers=headers, timeout=30)
            assert run.status_code == 200, run.text
            if run.json()["status"] in {"succeeded", "failed"} or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert (run.json()["status"], run.json()["created"]) == ("succeeded", 2), run.text
        item = httpx.get(
            f"{first.url}/api/v1/items/by-sku/BEER-LAG-12", headers=headers, timeout=30
        )
        assert (item.status_code, item.json()["name"]) == (200, "Beer dozen")
        # The task ran in one of the two consumers.
        ran = [
            s for s in (first, second) if "Executing kucun.core.tasks.import_run_task" in s.output()
        ]
        assert len(ran) == 1

        for server in (first, second):
            server.process.send_signal(signal.SIGTERM)
        assert [first.process.wait(timeout=60), second.process.wait(timeout=60)] == [0, 0]
    finally:
        first.stop()
        second.stop()


def test_refuses_an_unreachable_database(tmp_path: Path) -> None:
    env = {**serve_env(tmp_path), "DATABASE_URL": f"postgres://kucun@127.0.0.1:{free_port()}/x"}
    result = subprocess.run(
        [*KUCUN, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "The database cannot be reached:" in result.stderr
    assert "started" not in result.stderr
