"""API throughput over real HTTP: a real `kucun serve` (gunicorn, threaded workers, keep-alive)
on a free loopback port, its own var directory and database, and clients holding one kept-alive
connection each (``httpx.Client``) with a bearer token.

Operations: ``GET /health`` (the floor: no database work beyond the health check), item
create, receipt created and posted in one call, transfer created and posted in one call, the
stock list and the items list (first page of 50). Each with 1 client and with 8 clients, every
client its own process (so the client's Python is not one GIL shared by all), on SQLite and on
PostgreSQL (a database created on ``KUCUN_BENCH_DATABASE_URL`` and dropped afterwards; skipped
with a note when the server cannot be reached).

Besides the rates, for the receipts: the client processes' and the web workers' CPU time per
request, so it shows whether the clients were the limit.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path.cwd() / "var" / "bench" / "api"
POSTGRES_URL = os.environ.get(
    "KUCUN_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
SECONDS_PER_RATE = float(os.environ.get("KUCUN_BENCH_API_SECONDS", "2.5"))
CLIENTS = (1, 8)
WAREHOUSE = "BEN"
RECEIPT_ITEMS = 200
TRANSFER_ITEMS = 50
KUCUN = [sys.executable, "-m", "kucun.cli"]
Figure = tuple[str, float, str]


# --- the database's contents (a child process with Django set up) -------------------------------


def setup_child() -> None:
    """Migrate, then create the bench user, a warehouse with bins, items and stock to transfer;
    print the user's API token."""
    import django

    django.setup()
    from django.core.management import call_command

    from kucun.accounts.models import User
    from kucun.accounts.services import api_token_create
    from kucun.catalog.models import Item
    from kucun.inventory.services import DocumentLineInput, receipt_create
    from kucun.warehouses.choices import LocationKind, ZoneKind
    from kucun.warehouses.models import Location, Warehouse, Zone

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    user = User.objects.create_user(username="bench", password="bench-password-1", role="owner")
    _token, plain = api_token_create(user=None, owner=user, name="bench")
    warehouse = Warehouse.objects.create(code=WAREHOUSE, name="Bench")
    storage = Zone.objects.create(warehouse=warehouse, code="S", name="S", kind=ZoneKind.STORAGE)
    picking = Zone.objects.create(warehouse=warehouse, code="P", name="P", kind=ZoneKind.PICKING)
    Location.objects.create(
        kind=LocationKind.INTERNAL,
        warehouse=warehouse,
        zone=storage,
        code="RECEIVING",
        is_default_receiving=True,
    )
    for code, zone in (("S-01", storage), ("P-01", picking)):
        Location.objects.create(
            kind=LocationKind.INTERNAL, warehouse=warehouse, zone=zone, code=code
        )
    Item.objects.bulk_create(
        [Item(sku=f"RC-{n:04d}", name=f"Received {n}") for n in range(RECEIPT_ITEMS)]
        + [Item(sku=f"TR-{n:04d}", name=f"Moved {n}") for n in range(TRANSFER_ITEMS)]
    )
    receipt_create(
        user=None,
        warehouse=WAREHOUSE,
        kind="purchase",
        lines=[DocumentLineInput(f"TR-{n:04d}", 1_000_000, "S-01") for n in range(TRANSFER_ITEMS)],
        post=True,
    )
    print(plain, flush=True)


# --- the clients ---------------------------------------------------------------------------------


def request_for(operation: str, client: int, n: int) -> tuple[str, str, dict[str, Any] | None]:
    """(method, path, JSON body) of request ``n`` of one client."""
    if operation == "health":
        return "GET", "/health", None
    if operation == "items_create":
        return "POST", "/api/v1/items", {"sku": f"NEW-{client}-{os.getpid()}-{n}", "name": "New"}
    if operation == "receipts":
        sku = f"RC-{(client * 37 + n) % RECEIPT_ITEMS:04d}"
        body = {"warehouse": WAREHOUSE, "lines": [{"sku": sku, "qty": 1}], "post": True}
        return "POST", "/api/v1/receipts", body
    if operation == "transfers":
        sku = f"TR-{(client * 7 + n) % TRANSFER_ITEMS:04d}"
        line = {"sku": sku, "qty": 1, "from_bin": "S-01", "to_bin": "P-01"}
        return "POST", "/api/v1/transfers", {"warehouse": WAREHOUSE, "lines": [line], "post": True}
    if operation == "stock_list":
        return "GET", f"/api/v1/stock?warehouse={WAREHOUSE}", None
    if operation == "items_list":
        return "GET", "/api/v1/items", None
    raise ValueError(operation)


def client_process(
    url: str,
    token: str,
    operation: str,
    client: int,
    ready: Any,
    results: Any,
) -> None:
    """Connect and warm up, wait for every other client (``ready``, a barrier), then send
    requests one after another for ``SECONDS_PER_RATE``; put (requests answered, failures,
    this process's CPU seconds meanwhile, the first failure) on ``results``."""
    import httpx

    expected = 201 if operation in {"items_create", "receipts", "transfers"} else 200
    failures, first_failure = 0, ""
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:

        def call(n: int) -> bool:
            nonlocal first_failure
            method, path, body = request_for(operation, client, n)
            response = http.request(method, path, json=body)
            if response.status_code == expected:
                return True
            first_failure = first_failure or (
                f"{method} {path}: {response.status_code} {response.text[:300]}"
            )
            return False

        for n in range(5):  # connect and warm up
            call(-1 - n)
        ready.wait()
        cpu = time.process_time()
        end = time.monotonic() + SECONDS_PER_RATE
        count = 0
        while time.monotonic() < end:
            if call(count):
                count += 1
            else:
                failures += 1
        cpu = time.process_time() - cpu
    results.put((count, failures, cpu, first_failure))


def process_cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        for child in children.get(current, []):
            found.append(child)
            frontier.append(child)
    return found


def measure(
    url: str, token: str, operation: str, clients: int, server_pids: list[int]
) -> tuple[float, float, float]:
    """(requests per second, client CPU ms per request, web server CPU ms per request), every
    client its own process, all starting together once each has connected."""
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(clients + 1)
    results = context.Queue()
    processes = [
        context.Process(target=client_process, args=(url, token, operation, client, ready, results))
        for client in range(clients)
    ]
    for process in processes:
        process.start()
    ready.wait(timeout=120)
    server_cpu = process_cpu_seconds(server_pids)
    outcomes = [results.get(timeout=120 + SECONDS_PER_RATE) for _ in processes]
    server_cpu = process_cpu_seconds(server_pids) - server_cpu
    for process in processes:
        process.join()
    count = sum(outcome[0] for outcome in outcomes)
    failures = sum(outcome[1] for outcome in outcomes)
    if failures:
        first = next(outcome[3] for outcome in outcomes if outcome[3])
        raise RuntimeError(f"{operation} with {clients} clients: {failures} failed, first: {first}")
    client_cpu = sum(outcome[2] for outcome in outcomes)
    # Every client sends for SECONDS_PER_RATE from the same start.
    return (
        count / SECONDS_PER_RATE,
        1000 * client_cpu / max(count, 1),
        1000 * server_cpu / max(count, 1),
    )


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kucun serve exited:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"kucun serve never answered /health:\n{log.read_text()[-4000:]}")


def setup_token(module: str, env: dict[str, str], what: str, timeout: int = 600) -> str:
    """Run ``python -m <module> setup`` in a child process with ``env``; the API token it
    prints on its last line."""
    setup = subprocess.run(
        [sys.executable, "-m", module, "setup"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if setup.returncode != 0:
        raise RuntimeError(f"{what} benchmark setup failed:\n{setup.stderr[-4000:]}")
    return setup.stdout.strip().splitlines()[-1]


def serve(port: int, env: dict[str, str], log: Path, *options: str) -> subprocess.Popen[bytes]:
    """A real ``kucun serve`` on loopback, its output in ``log``."""
    with log.open("w") as output:
        return subprocess.Popen(
            [*KUCUN, "serve", *options, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def sqlite_serve_and_measure(
    module: str, var_dir: Path, what: str, setup_timeout: int = 600
) -> Iterator[Figure]:
    """The benchmarks that drive a real server from a child: ``python -m <module> setup``
    prepares a SQLite database in ``var_dir`` and prints an API token, a real ``kucun serve``
    (web and queue consumer, serving the emulators) starts on a free loopback port, and
    ``python -m <module> measure URL TOKEN`` prints one ``name<TAB>value<TAB>unit`` line per
    figure, yielded here as it comes. A failure raises with both logs' tails."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KUCUN_SECRET_KEY"}},
        "DJANGO_SETTINGS_MODULE": "kucun.settings",
        "KUCUN_VAR_DIR": str(var_dir),
        "KUCUN_LOG_LEVEL": "WARNING",
        "KUCUN_SANDBOX": "1",
        "KUCUN_SANDBOX_URL": url,
        "KUCUN_QUEUE_NAME": f"kucun-bench-{what}-{os.getpid()}",
        "DATABASE_URL": "",
        "REDIS_URL": "",
    }
    token = setup_token(module, env, what, timeout=setup_timeout)
    log = var_dir / "serve.log"
    server = serve(port, env, log)
    try:
        wait_healthy(url, server, log)
        assert descendants(server.pid), "kucun serve started nothing"
        errors = var_dir / "measure.log"
        with errors.open("w") as error_output:
            measure = subprocess.Popen(
                [sys.executable, "-m", module, "measure", url, token],
                env=env,
                stdout=subprocess.PIPE,
                stderr=error_output,
                text=True,
            )
        assert measure.stdout is not None
        for line in measure.stdout:
            name, value, unit = line.rstrip("\n").split("\t")
            yield name, float(value) if "." in value else int(value), unit
        if measure.wait() != 0:
            raise RuntimeError(
                f"{what} benchmark failed:\n{errors.read_text()[-4000:]}\n"
                f"server log:\n{log.read_text()[-3000:]}"
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_engine(engine: str, environment: dict[str, str], var_dir: Path) -> Iterator[Figure]:
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KUCUN_SECRET_KEY"}},
        "DJANGO_SETTINGS_MODULE": "kucun.settings",
        "KUCUN_VAR_DIR": str(var_dir),
        "KUCUN_LOG_LEVEL": "WARNING",
        **environment,
    }
    token = setup_token("bench.api", env, f"api on {engine}")
    port = free_port()
    log = var_dir / "serve.log"
    server = serve(port, env, log, "--no-worker")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server, log)
        time.sleep(0.5)  # every worker booted
        server_pids = descendants(server.pid)
        rates: dict[tuple[str, int], float] = {}
        for operation in (
            "health",
            "items_create",
            "receipts",
            "transfers",
            "stock_list",
            "items_list",
        ):
            for clients in CLIENTS:
                rate, client_ms, server_ms = measure(url, token, operation, clients, server_pids)
                rates[operation, clients] = rate
                yield f"api.{operation}_per_s.{engine}_{clients}clients", round(rate, 1), "/s"
                suffix = f"{engine}_{clients}clients"
                # CPU per request: the web workers' (not PostgreSQL's), and for the receipts
                # the clients' too, to show the clients were not the limit.
                yield f"api.{operation}_server_cpu_ms.{suffix}", round(server_ms, 2), "ms"
                if operation == "receipts":
                    yield f"api.receipts_client_cpu_ms.{suffix}", round(client_ms, 2), "ms"
        for clients in CLIENTS:
            ratio = rates["receipts", clients] / rates["items_list", clients]
            yield f"api.receipts_per_items_list.{engine}_{clients}clients", round(ratio, 3), "ratio"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def postgres_reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 2):
            return True
    except OSError:
        return False


def run() -> Iterator[Figure]:
    sqlite_dir = ROOT / "sqlite"
    shutil.rmtree(sqlite_dir, ignore_errors=True)
    sqlite_dir.mkdir(parents=True)
    try:
        yield from run_engine("sqlite", {"DATABASE_URL": ""}, sqlite_dir)
    finally:
        shutil.rmtree(sqlite_dir, ignore_errors=True)
    if not postgres_reachable(POSTGRES_URL):
        print(
            f"# api: PostgreSQL not reachable at {POSTGRES_URL}: no postgres rows", file=sys.stderr
        )
        return
    import psycopg

    name = f"kucun_bench_api_{os.getpid()}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(POSTGRES_URL)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    postgres_dir = ROOT / "postgres"
    shutil.rmtree(postgres_dir, ignore_errors=True)
    postgres_dir.mkdir(parents=True)
    try:
        yield from run_engine("postgres", {"DATABASE_URL": url}, postgres_dir)
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(postgres_dir, ignore_errors=True)


def main(argv: list[str]) -> None:
    if argv[1:] == ["setup"]:
        setup_child()
    else:
        raise SystemExit(
            "usage: python -m bench.api setup  (the benchmark runs via python -m bench)"
        )


if __name__ == "__main__":
    main(sys.argv)
