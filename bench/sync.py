"""Stock sync to a sandbox Shopify store, end to end, with the worker as `kucun serve` runs it.

For each database (a SQLite file under var/bench/sync/, and a PostgreSQL database created on
``KUCUN_BENCH_DATABASE_URL`` with Redis at ``KUCUN_BENCH_REDIS_URL`` for the queue, skipped with
a note when either cannot be reached) a child process migrates, adds an owner with an API
token, warehouse ``BEN``, items, and three Shopify emulator shops seeded with variants of the
same SKUs: ``bench-lag`` (10 variants), ``bench-requests`` (10) and ``bench-bulk`` (10,000),
each bound as a sandbox store selling from ``BEN``. Then a real ``kucun serve`` (web and queue
consumer) starts on a free loopback port, and a second child (``measure``) drives it:

* ``listings.pull_10k_s``: the Shopify adapter's full read of the 10,000-variant shop from the
  emulator over HTTP, 250 variants a page as Shopify pages them (median of three reads).
* The stores' listings are pulled and quick-matched (linked); the links' first pushes must all
  arrive before anything is measured (``sync.link_push_10k_s``, extra).
* ``sync.lag_p50_s`` / ``sync.lag_p95_s``: 200 receipts of one unit of one of the lag shop's
  items, each posted through ``POST /api/v1/receipts`` after a random pause (0-1 s, so the
  consumer is found at any point of its idle polling); the clock starts when the API's answer
  (sent after the commit) is read and stops when the emulator's table holds the new quantity
  (polled every 5 ms).
* ``sync.requests_per_1k_changes``: 1,000 one-unit postings over the requests shop's 10 items,
  from four processes at once (``sync.changes_1k_window_s`` says how long they took); the
  shop's requests logged by the emulator (``__emu/requests``) from the first change until the
  last quantity is held and the queue has been idle for two seconds.
* ``sync.push_10k_listings_s``: one receipt of 10,000 lines, one per bulk item (through the
  ledger service in the measuring process: the API's JSON of 10,000 lines is not the point),
  and the time from its commit until the emulator holds all 10,000 new quantities.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.api import (
    descendants,
    free_port,
    postgres_reachable,
    serve,
    setup_token,
    wait_healthy,
)

ROOT = Path.cwd() / "var" / "bench" / "sync"
POSTGRES_URL = os.environ.get(
    "KUCUN_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("KUCUN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
LAG_CHANGES = int(os.environ.get("KUCUN_BENCH_SYNC_CHANGES", "200"))
BULK = 10_000
BURST = 1_000
BURST_PROCESSES = 4
WAREHOUSE = "BEN"
API_VERSION = "2026-01"
SHOPS = {
    "lag": ("bench-lag.myshopify.com", "LAG", 10),
    "requests": ("bench-requests.myshopify.com", "REQ", 10),
    "bulk": ("bench-bulk.myshopify.com", "BULK", BULK),
}
SEEDED_QUANTITY = 5
Figure = tuple[str, float, str]


def sku(prefix: str, number: int) -> str:
    return f"{prefix}-{number:05d}"


# --- the child: setup --------------------------------------------------------------------------


def setup_child() -> None:
    """Migrate; the owner, the warehouse, the items, the emulator's shops and the stores; print
    the owner's API token."""
    import django

    django.setup()
    from django.core.management import call_command

    from kucun.accounts.models import User
    from kucun.accounts.services import api_token_create
    from kucun.catalog.models import Item
    from kucun.channels.services.stores import store_create
    from kucun.sandbox.shopify import control
    from kucun.warehouses.choices import LocationKind, ZoneKind
    from kucun.warehouses.models import Location, Warehouse, Zone

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    owner = User.objects.create_user(username="bench", password="bench-password-1", role="owner")
    _token, plain = api_token_create(user=None, owner=owner, name="bench")
    warehouse = Warehouse.objects.create(code=WAREHOUSE, name="Bench")
    zone = Zone.objects.create(warehouse=warehouse, code="S", name="S", kind=ZoneKind.STORAGE)
    Location.objects.create(
        kind=LocationKind.INTERNAL,
        warehouse=warehouse,
        zone=zone,
        code="RECEIVING",
        is_default_receiving=True,
    )
    control.reset()
    for name, (domain, prefix, count) in SHOPS.items():
        Item.objects.bulk_create(
            [Item(sku=sku(prefix, n), name=f"{name} {n}") for n in range(count)], batch_size=2000
        )
        products = [
            {
                "title": f"{prefix} {start}",
                "variants": [
                    {"sku": sku(prefix, n), "title": str(n), "quantity": SEEDED_QUANTITY}
                    for n in range(start, min(start + 5, count))
                ],
            }
            for start in range(0, count, 5)
        ]
        answer = control.seed(
            {
                "shops": [
                    {
                        "domain": domain,
                        "name": f"Bench {name}",
                        "client_id": f"bench-{name}-client",
                        "client_secret": f"shpss_bench_{name}_secret",
                        "locations": [{"name": "Bench warehouse"}],
                        "products": products,
                    }
                ]
            }
        )
        location = answer["shops"][0]["locations"][0]["id"]
        store_create(
            actor=owner,
            platform="shopify",
            name=f"Bench {name}",
            credentials={
                "client_id": f"bench-{name}-client",
                "client_secret": f"shpss_bench_{name}_secret",
            },
            options={"shop_domain": domain, "api_version": API_VERSION, "location_ref": location},
            warehouse_ids=[warehouse.pk],
            sandbox=True,
        )
    print(plain, flush=True)


# --- the child: measuring against the running server --------------------------------------------


def emit(name: str, value: float | int, unit: str) -> None:
    print(f"{name}\t{value}\t{unit}", flush=True)


def store_of(name: str) -> Any:
    from kucun.channels.models import Store

    return Store.objects.get(name=f"Bench {name}")


def platform_quantities(name: str) -> dict[str, int]:
    """SKU -> available at the shop's location, read from the emulator's table."""
    from kucun.sandbox.shopify import state

    domain = SHOPS[name][0]
    location = state.location_ids(domain)[0]
    found = {}
    for data in state.variants(domain).values_list("data", flat=True):
        found[data["sku"]] = state.quantity_of(data, location, "available") or 0
    return found


def wait_held(name: str, expected: dict[str, int], timeout: float, poll: float = 0.005) -> float:
    """Seconds until the shop holds every expected quantity (polled); fails after ``timeout``."""
    started = time.perf_counter()
    deadline = started + timeout
    while True:
        held = platform_quantities(name)
        if all(held.get(key) == value for key, value in expected.items()):
            return time.perf_counter() - started
        if time.perf_counter() > deadline:
            wrong = [(k, held.get(k), v) for k, v in expected.items() if held.get(k) != v]
            raise RuntimeError(f"{name}: {len(wrong)} quantities never arrived: {wrong[:5]}")
        time.sleep(poll)


def expected_quantities(prefix: str, count: int) -> dict[str, int]:
    """SKU -> what the listing of each ``prefix`` item should hold (its available in BEN)."""
    from kucun.catalog.models import Item
    from kucun.inventory.selectors import stock_figures
    from kucun.warehouses.models import Warehouse

    warehouse = Warehouse.objects.get(code=WAREHOUSE)
    items = list(Item.objects.filter(sku__startswith=prefix + "-"))
    figures = stock_figures(items, warehouse_ids={warehouse.pk})
    found = {}
    for item in items:
        figure = figures.get(item.pk, {}).get(warehouse.pk)
        found[item.sku] = max(0, figure.available) if figure is not None else 0
    assert len(found) == count, (prefix, len(found))
    return found


def throttle_lift() -> None:
    """Shopify's bucket out of the way (every shop of the emulator) for the full reads."""
    from kucun.sandbox.shopify import state

    state.emulator.set_setting("rate_limit", {"capacity": 1e9, "refill_per_second": 1e9})


def throttle_standard() -> None:
    """Back to the standard plan's bucket: 2,000 points, 100 restored a second."""
    from kucun.sandbox.shopify import state

    state.emulator.set_setting("rate_limit", dict(state.DEFAULT_THROTTLE))


def page_points(http: Any) -> tuple[int, float]:
    """(page size, actual cost) of one page of the adapter's variants query, asked as the
    adapter asks it (its first page size is refused at over 1,000 points, so 125)."""
    from kucun.channels.adapters.shopify.queries import VARIANTS

    domain, name = SHOPS["bulk"][0], "bulk"
    base = f"/sandbox/shopify/{domain}"
    grant = http.post(
        base + "/admin/oauth/access_token",
        json={
            "grant_type": "client_credentials",
            "client_id": f"bench-{name}-client",
            "client_secret": f"shpss_bench_{name}_secret",
        },
    )
    grant.raise_for_status()
    size = 125
    answer = http.post(
        base + f"/admin/api/{API_VERSION}/graphql.json",
        json={"query": VARIANTS, "variables": {"first": size, "after": None, "q": None}},
        headers={"X-Shopify-Access-Token": grant.json()["access_token"]},
    )
    answer.raise_for_status()
    return size, float(answer.json()["extensions"]["cost"]["actualQueryCost"])


def pull_10k(http: Any) -> None:
    """The adapter's full read of the bulk shop, three times, the throttle lifted; the median.
    Then what the standard plan's bucket makes of the same read, from one page's cost."""
    from kucun.channels.connect import store_channel
    from kucun.sandbox.shopify import state

    throttle_lift()
    timings = []
    for _ in range(3):
        channel = store_channel(store_of("bulk"))
        try:
            started = time.perf_counter()
            refs = list(channel.fetch_products(None))
            timings.append(time.perf_counter() - started)
        finally:
            channel.close()
        assert len(refs) == BULK, len(refs)
    emit("listings.pull_10k_s", round(statistics.median(timings), 3), "s")
    size, points = page_points(http)
    emit("listings.pull_page_points", points, f"points/{size} variants")
    limit = state.DEFAULT_THROTTLE
    total = BULK / size * points
    emit(
        "listings.pull_10k_standard_plan_s",
        round(max(0.0, total - limit["capacity"]) / limit["refill_per_second"], 1),
        "s (bucket-bound, computed)",
    )


def link_stores() -> None:
    """Pull and quick-match every store; wait until the links' first pushes arrived."""
    from kucun.channels.services.listings import listings_match, listings_pull

    for name in SHOPS:
        store = store_of(name)
        started = time.perf_counter()
        run = listings_pull(store=store, mode="full")
        if name == "bulk":
            emit("listings.pull_10k_stored_s", round(time.perf_counter() - started, 3), "s")
        assert run.status == "succeeded", (name, run.status, run.details)
    throttle_standard()
    # One store at a time, the bulk one last, each waiting for its first pushes: on SQLite a
    # write waits at most 5 s for the lock, and the drain of 10,000 links holds it for seconds.
    for name in ("lag", "requests", "bulk"):
        _domain, prefix, count = SHOPS[name]
        started = time.perf_counter()
        match = listings_match(store=store_of(name))
        assert match.linked_count == count, (name, match.linked_count, match.details)
        linked = time.perf_counter()
        wait_held(name, expected_quantities(prefix, count), timeout=600, poll=0.2)
        if name == "bulk":
            emit("sync.link_10k_s", round(linked - started, 3), "s")
            emit("sync.link_push_10k_s", round(time.perf_counter() - linked, 3), "s")


def lag(http: Any) -> None:
    """LAG_CHANGES receipts through the API, one at a time; commit-to-held seconds each."""
    _domain, prefix, count = SHOPS["lag"]
    held = expected_quantities(prefix, count)
    chooser = random.Random(7)
    lags = []
    for n in range(LAG_CHANGES):
        time.sleep(chooser.uniform(0, 1))
        target = sku(prefix, n % count)
        body = {"warehouse": WAREHOUSE, "lines": [{"sku": target, "qty": 1}], "post": True}
        answer = http.post("/api/v1/receipts", json=body)
        committed = time.perf_counter()
        if answer.status_code != 201:
            raise RuntimeError(f"receipt: {answer.status_code} {answer.text[:300]}")
        held[target] += 1
        while platform_quantities("lag").get(target) != held[target]:
            if time.perf_counter() - committed > 120:
                raise RuntimeError(f"{target} never reached {held[target]}")
            time.sleep(0.005)
        lags.append(time.perf_counter() - committed)
    lags.sort()
    emit("sync.lag_p50_s", round(statistics.median(lags), 3), "s")
    emit("sync.lag_p95_s", round(lags[int(0.95 * len(lags)) - 1], 3), "s")
    emit("sync.lag_max_s", round(lags[-1], 3), "s")


def post_units(prefix: str, numbers: list[int]) -> None:
    """One one-unit receipt posting per number (a process of the burst)."""
    import django

    django.setup()
    from kucun.inventory.services import DocumentLineInput, receipt_create

    for number in numbers:
        receipt_create(
            user=None,
            warehouse=WAREHOUSE,
            kind="purchase",
            lines=[DocumentLineInput(sku(prefix, number % 10), 1)],
            post=True,
        )


def requests_per_burst(http: Any) -> None:
    """BURST one-unit postings over 10 items, as fast as four processes go; the requests the
    shop received for them."""
    import multiprocessing

    from django.db import connections

    domain, prefix, count = SHOPS["requests"]
    expected = expected_quantities(prefix, count)
    for n in range(BURST):
        expected[sku(prefix, n % count)] += 1

    def logged() -> int:
        answer = http.get("/sandbox/shopify/__emu/requests", params={"account": domain})
        answer.raise_for_status()
        return int(answer.json()["count"])

    before = logged()
    connections.close_all()
    context = multiprocessing.get_context("fork")
    parts = [list(range(start, BURST, BURST_PROCESSES)) for start in range(BURST_PROCESSES)]
    processes = [context.Process(target=post_units, args=(prefix, part)) for part in parts]
    started = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        assert process.exitcode == 0, process.exitcode
    window = time.perf_counter() - started
    wait_held("requests", expected, timeout=300, poll=0.05)
    time.sleep(2)
    emit("sync.changes_1k_window_s", round(window, 3), "s")
    emit("sync.requests_per_1k_changes", logged() - before, "requests")


def push_10k() -> None:
    """One receipt of a unit or more of each bulk item; seconds from its commit until the
    emulator holds all 10,000 quantities."""
    from kucun.inventory.services import DocumentLineInput, receipt_create

    _domain, prefix, count = SHOPS["bulk"]
    expected = expected_quantities(prefix, count)
    lines = [DocumentLineInput(sku(prefix, n), n % 9 + 1) for n in range(count)]
    for n in range(count):
        expected[sku(prefix, n)] += n % 9 + 1
    started = time.perf_counter()
    receipt_create(user=None, warehouse=WAREHOUSE, kind="purchase", lines=lines, post=True)
    committed = time.perf_counter()
    emit("sync.receipt_10k_lines_s", round(committed - started, 3), "s")
    emit("sync.push_10k_listings_s", round(wait_held("bulk", expected, 600, 0.05), 3), "s")


def measure_child(url: str, token: str) -> None:
    import django

    django.setup()
    import httpx

    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as http:
        pull_10k(http)
        link_stores()
        lag(http)
        requests_per_burst(http)
        push_10k()


# --- the parent: one server per database ----------------------------------------------------------


def run_engine(engine: str, environment: dict[str, str], var_dir: Path) -> Iterator[Figure]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KUCUN_SECRET_KEY"}},
        "DJANGO_SETTINGS_MODULE": "kucun.settings",
        "KUCUN_VAR_DIR": str(var_dir),
        "KUCUN_LOG_LEVEL": "WARNING",
        "KUCUN_SANDBOX": "1",
        "KUCUN_SANDBOX_URL": url,
        "KUCUN_QUEUE_NAME": f"kucun-bench-sync-{os.getpid()}",
        **environment,
    }
    token = setup_token("bench.sync", env, f"sync on {engine}", timeout=1200)
    log = var_dir / "serve.log"
    server = serve(port, env, log)
    try:
        wait_healthy(url, server, log)
        time.sleep(1)  # the consumer started too
        assert descendants(server.pid), "kucun serve started nothing"
        errors = var_dir / "measure.log"
        with errors.open("w") as error_output:
            measure = subprocess.Popen(
                [sys.executable, "-m", "bench.sync", "measure", url, token],
                env=env,
                stdout=subprocess.PIPE,
                stderr=error_output,
                text=True,
            )
        assert measure.stdout is not None
        for line in measure.stdout:
            name, value, unit = line.rstrip("\n").split("\t")
            yield f"{name}.{engine}", float(value) if "." in value else int(value), unit
        if measure.wait() != 0:
            raise RuntimeError(
                f"sync benchmark on {engine} failed:\n{errors.read_text()[-4000:]}\n"
                f"server log:\n{log.read_text()[-3000:]}"
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def redis_reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2):
            return True
    except OSError:
        return False


def run() -> Iterator[Figure]:
    sqlite_dir = ROOT / "sqlite"
    shutil.rmtree(sqlite_dir, ignore_errors=True)
    sqlite_dir.mkdir(parents=True)
    # A run that fails leaves its directory (the server's and the measuring child's logs).
    yield from run_engine("sqlite", {"DATABASE_URL": "", "REDIS_URL": ""}, sqlite_dir)
    shutil.rmtree(sqlite_dir, ignore_errors=True)
    if not postgres_reachable(POSTGRES_URL) or not redis_reachable(REDIS_URL):
        print(
            f"# sync: PostgreSQL ({POSTGRES_URL}) or Redis ({REDIS_URL}) not reachable:"
            " no postgres rows",
            file=sys.stderr,
        )
        return
    import psycopg

    name = f"kucun_bench_sync_{os.getpid()}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(POSTGRES_URL)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    postgres_dir = ROOT / "postgres"
    shutil.rmtree(postgres_dir, ignore_errors=True)
    postgres_dir.mkdir(parents=True)
    try:
        yield from run_engine(
            "postgres", {"DATABASE_URL": url, "REDIS_URL": REDIS_URL}, postgres_dir
        )
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(postgres_dir, ignore_errors=True)


def main(argv: list[str]) -> None:
    if argv[1:2] == ["setup"]:
        setup_child()
    elif argv[1:2] == ["measure"] and len(argv) == 4:
        measure_child(argv[2], argv[3])
    else:
        raise SystemExit("usage: python -m bench.sync setup | measure URL TOKEN")


if __name__ == "__main__":
    main(sys.argv)
