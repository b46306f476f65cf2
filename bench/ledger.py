"""Ledger benchmarks: posting rate against raw ORM writes, a 10,000-line receipt, the stock
query over 100,000 items × 3 warehouses, and concurrent allocation with 8 threads.

Each database runs in its own child process (one ``django.setup()`` per database): a fresh
SQLite file under var/bench/ledger/, and a fresh PostgreSQL database (created, migrated,
measured, dropped) when ``KUCUN_BENCH_DATABASE_URL`` (default: the local server) is reachable;
then once more with ``KUCUN_DB_PREPARED_STATEMENTS=0`` for the posting rate alone
(``*.postgres_unprepared``), to show what preparing repeated statements gives.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path.cwd() / "var" / "bench" / "ledger"
POSTGRES_URL = os.environ.get(
    "KUCUN_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
SECONDS_PER_RATE = float(os.environ.get("KUCUN_BENCH_SECONDS", "4"))
STOCK_ITEMS = 100_000
THREADS = 8
# PostgreSQL again with KUCUN_DB_PREPARED_STATEMENTS=0, posting rate only: what preparing gives.
UNPREPARED = "postgres_unprepared"


# --- the child: runs against one database ---------------------------------------------------------


def child(engine: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    figures = Figures(engine)
    site = make_site("BEN")
    make_site("B2")
    make_site("B3")
    figures.post_rate(site)
    if engine == UNPREPARED:
        return
    if engine == "sqlite":
        figures.receipt_10k()
        figures.stock_query()
    if engine == "postgres":
        figures.allocate_threads()


def emit(name: str, value: float | int, unit: str) -> None:
    print(f"{name}\t{value}\t{unit}", flush=True)


def make_site(code: str) -> object:
    from kucun.warehouses.choices import LocationKind, ZoneKind
    from kucun.warehouses.models import Location, Warehouse, Zone

    warehouse = Warehouse.objects.create(code=code, name=f"Bench {code}")
    zone = Zone.objects.create(
        warehouse=warehouse, code="RECEIVING", name="R", kind=ZoneKind.STORAGE
    )
    picking = Zone.objects.create(warehouse=warehouse, code="PICK", name="P", kind=ZoneKind.PICKING)
    Location.objects.create(
        kind=LocationKind.INTERNAL,
        warehouse=warehouse,
        zone=zone,
        code="RECEIVING",
        is_default_receiving=True,
    )
    Location.objects.create(
        kind=LocationKind.INTERNAL, warehouse=warehouse, zone=picking, code="P-01"
    )
    return warehouse


class Figures:
    def __init__(self, engine: str) -> None:
        self.engine = engine

    drafts_per_round = int(os.environ.get("KUCUN_BENCH_DRAFTS", "600"))

    def rate(self, work: object, seconds: float = SECONDS_PER_RATE, limit: int = 10**9) -> float:
        """Calls of ``work(n)`` per second over about ``seconds`` (after a short warm-up)."""
        for n in range(20):
            work(-1 - n)  # type: ignore[operator]
        count = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds and count + 25 <= limit:
            for _ in range(25):
                work(count)  # type: ignore[operator]
                count += 1
        return count / (time.perf_counter() - started)

    def post_rate(self, warehouse: object) -> None:
        from django.db import transaction

        from kucun.catalog.models import Item
        from kucun.core.models import AuditEntry
        from kucun.inventory.services import DocumentLineInput, receipt_create, receipt_post

        skus = [f"POST-{n}" for n in range(50)]
        Item.objects.bulk_create([Item(sku=sku, name=sku) for sku in skus])

        drafts: list[int] = []

        def prepare(count: int) -> None:
            drafts.clear()
            for n in range(count):
                drafts.append(
                    receipt_create(
                        user=None,
                        warehouse="BEN",
                        kind="purchase",
                        lines=[DocumentLineInput(skus[n % len(skus)], 1)],
                    ).pk
                )

        def post(n: int) -> None:
            receipt_post(user=None, receipt_id=drafts.pop())

        def create_and_post(n: int) -> None:
            receipt_create(
                user=None,
                warehouse="BEN",
                kind="purchase",
                lines=[DocumentLineInput(skus[n % len(skus)], 1)],
                post=True,
            )

        def create(n: int) -> None:
            with transaction.atomic():
                AuditEntry.objects.create(action="bench", object_type="bench", object_id=str(n))

        # Interleave the two so machine load affects both alike; best of three rounds each.
        posts, creates, both = [], [], []
        for _ in range(3):
            prepare(self.drafts_per_round)
            posts.append(self.rate(post, SECONDS_PER_RATE / 3, limit=len(drafts) - 25))
            creates.append(self.rate(create, SECONDS_PER_RATE / 3))
            both.append(self.rate(create_and_post, SECONDS_PER_RATE / 3))
        post_per_s, create_per_s = max(posts), max(creates)
        emit(f"ledger.create_and_post_per_s.{self.engine}", round(max(both)), "documents/s")
        emit(f"ledger.post_per_s.{self.engine}", round(post_per_s), "postings/s")
        emit(f"ledger.orm_create_per_s.{self.engine}", round(create_per_s), "creates/s")
        emit(f"ledger.post_ratio.{self.engine}", round(post_per_s / create_per_s, 3), "ratio")

    def receipt_10k(self) -> None:
        from kucun.inventory.services import DocumentLineInput, receipt_create

        insert_items("TENK", 10_000)
        timings = []
        for round_ in range(3):
            lines = [DocumentLineInput(f"TENK-{n:06d}", n % 9 + 1) for n in range(10_000)]
            started = time.perf_counter()
            receipt = receipt_create(
                user=None,
                warehouse="B2" if round_ == 0 else "B3" if round_ == 1 else "BEN",
                kind="purchase",
                lines=lines,
                post=True,
            )
            timings.append(time.perf_counter() - started)
            assert receipt.status == "posted"
        emit(f"ledger.receipt_10k_lines_s.{self.engine}", round(min(timings), 3), "s")
        # The stock check over what the postings left (30,000 levels and bins, and the rate
        # runs' levels): every balance recomputed from the ledger, and none may disagree.
        from kucun.inventory.services.checks import stock_check_run

        started = time.perf_counter()
        check = stock_check_run()
        emit(f"ledger.stock_check_s.{self.engine}", round(time.perf_counter() - started, 3), "s")
        assert check.drift_count == 0, check.drifts[:5]

    def stock_query(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from kucun.inventory import selectors
        from kucun.inventory.models import StockLevel
        from kucun.inventory.services.bulk import insert_rows
        from kucun.warehouses.models import Warehouse

        existing = StockLevel.objects.count()
        insert_items("STOCK", STOCK_ITEMS)
        from kucun.catalog.models import Item

        item_ids = list(Item.objects.filter(sku__startswith="STOCK-").values_list("pk", flat=True))
        warehouses = list(Warehouse.objects.values_list("pk", flat=True))
        with connection.cursor():
            insert_rows(
                StockLevel,
                ["item", "warehouse", "on_hand", "sellable_on_hand", "allocated"],
                [
                    (item_id, warehouse_id, 10 + item_id % 50, 10 + item_id % 50, item_id % 7)
                    for item_id in item_ids
                    for warehouse_id in warehouses
                ],
            )
        assert StockLevel.objects.count() - existing == STOCK_ITEMS * len(warehouses)

        def page(number: int, **filters: object) -> int:
            queryset = selectors.stock_query(text="", **filters)  # type: ignore[arg-type]
            count = queryset.count()
            items = list(queryset[(number - 1) * 50 : number * 50])
            rows = selectors.stock_rows(items)
            assert len(rows) == 50
            return count

        def measure(name: str, pages: tuple[int, ...], minimum: int, **filters: object) -> None:
            query_counts = set()
            timings = []
            for number in pages:
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    count = page(number, **filters)
                    timings.append(time.perf_counter() - started)
                query_counts.add(len(queries))
            assert len(query_counts) == 1, f"{name}: query count varies by page: {query_counts}"
            assert count >= minimum, f"{name}: {count} matches"
            timings.sort()
            emit(
                f"ledger.{name}_ms.{self.engine}", round(timings[len(timings) // 2] * 1000, 1), "ms"
            )
            emit(f"ledger.{name}_queries.{self.engine}", query_counts.pop(), "queries")
            emit(f"ledger.{name}_matches.{self.engine}", count, "items")

        measure("stock_query", (1, 2, 500, 1000, 1, 2000, 3, 1500, 700, 1), STOCK_ITEMS, sort="sku")
        # Low stock (available ≤ reorder point) over the same catalogue: pages spread over
        # all the matches.
        last = selectors.stock_query(low_stock=True).count() // 50
        assert last >= 20, f"too few low-stock items: {last} pages"
        spread = (1, 2, last // 4, last // 2, 1, last, 3, 3 * last // 4, last // 3, 1)
        measure("stock_query_low_stock", spread, last * 50, low_stock=True)
        measure(
            "stock_query_by_available", (1, 2, 500, 1000, 1, 2000, 3), STOCK_ITEMS, sort="available"
        )
        started = time.perf_counter()
        low = selectors.low_stock_count()
        emit(
            f"ledger.low_stock_count_ms.{self.engine}",
            round((time.perf_counter() - started) * 1000, 1),
            "ms",
        )
        assert low > 0
        # The home page's figures: counts, low stock and the stock value per warehouse.
        from kucun.web.selectors import home_summary

        timings = []
        for _ in range(5):
            started = time.perf_counter()
            summary = home_summary()
            timings.append(time.perf_counter() - started)
        assert sum(row.units for row in summary.stock_value) > 0
        emit(f"ledger.home_summary_ms.{self.engine}", round(min(timings) * 1000, 1), "ms")

    def allocate_threads(self) -> None:
        import random
        import threading

        from django.db import connection

        from kucun.catalog.models import Item
        from kucun.inventory.errors import InsufficientStock
        from kucun.inventory.models import Allocation, StockLevel
        from kucun.inventory.services import DocumentLineInput, receipt_create, stock_allocate

        skus = [f"ALLOC-{n}" for n in range(20)]
        Item.objects.bulk_create([Item(sku=sku, name=sku) for sku in skus])
        per_item = 100
        receipt_create(
            user=None,
            warehouse="BEN",
            kind="purchase",
            lines=[DocumentLineInput(sku, per_item, "P-01") for sku in skus],
            post=True,
        )
        attempts_per_thread = 300
        outcomes = {"ok": 0, "short": 0, "error": 0}
        lock = threading.Lock()
        barrier = threading.Barrier(THREADS)

        def work(thread: int) -> None:
            chooser = random.Random(thread)
            try:
                barrier.wait()
                for n in range(attempts_per_thread):
                    try:
                        stock_allocate(
                            reference=f"bench:{thread}:{n}",
                            sku=chooser.choice(skus),
                            warehouse="BEN",
                            qty=1,
                        )
                        result = "ok"
                    except InsufficientStock:
                        result = "short"
                    except Exception:
                        result = "error"
                    with lock:
                        outcomes[result] += 1
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        total_stock = per_item * len(skus)
        allocated = sum(
            StockLevel.objects.filter(item__sku__in=skus).values_list("allocated", flat=True)
        )
        oversold = (
            max(0, outcomes["ok"] - total_stock)
            + max(0, allocated - total_stock)
            + abs(allocated - sum(Allocation.objects.values_list("qty", flat=True)))
        )
        assert outcomes["error"] == 0, outcomes
        attempts = THREADS * attempts_per_thread
        emit(
            f"ledger.allocate_per_s.{self.engine}_{THREADS}threads",
            round(attempts / elapsed),
            "allocations/s",
        )
        emit(f"ledger.oversold.{self.engine}_{THREADS}threads", oversold, "units")


def insert_items(prefix: str, count: int) -> None:
    from decimal import Decimal

    from django.utils import timezone

    from kucun.catalog.models import Item
    from kucun.inventory.services.bulk import insert_rows

    now = timezone.now()
    insert_rows(
        Item,
        [
            "sku",
            "name",
            "unit",
            "cost_price",
            "safety_stock",
            "reorder_point",
            "is_bundle",
            "active",
            "notes",
            "created_at",
            "updated_at",
        ],
        [
            (
                f"{prefix}-{n:06d}",
                f"Bench item {n}",
                "each",
                Decimal("1.00"),
                0,
                n % 40,
                False,
                True,
                "",
                now,
                now,
            )
            for n in range(count)
        ],
    )


# --- the parent: one child per database -----------------------------------------------------------


def postgres_reachable(url: str) -> bool:
    import socket

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 2):
            return True
    except OSError:
        return False


def run_child(engine: str, environment: dict[str, str]) -> Iterator[tuple[str, float, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.ledger", engine],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kucun.settings", **environment},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ledger benchmark on {engine} failed:\n{result.stderr[-4000:]}")
    for line in result.stdout.splitlines():
        name, value, unit = line.split("\t")
        yield name, float(value) if "." in value else int(value), unit


def run() -> Iterator[tuple[str, float, str]]:
    sqlite_dir = ROOT / "sqlite"
    shutil.rmtree(sqlite_dir, ignore_errors=True)
    sqlite_dir.mkdir(parents=True)
    try:
        yield from run_child("sqlite", {"KUCUN_VAR_DIR": str(sqlite_dir), "DATABASE_URL": ""})
    finally:
        shutil.rmtree(sqlite_dir, ignore_errors=True)
    if not postgres_reachable(POSTGRES_URL):
        print(f"# ledger: PostgreSQL not reachable at {POSTGRES_URL}", file=sys.stderr)
        return
    import psycopg

    for engine, prepared in (("postgres", "1"), (UNPREPARED, "0")):
        name = f"kucun_bench_ledger_{os.getpid()}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(POSTGRES_URL)
        url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
        postgres_dir = ROOT / "postgres"
        postgres_dir.mkdir(parents=True, exist_ok=True)
        environment = {
            "DATABASE_URL": url,
            "KUCUN_VAR_DIR": str(postgres_dir),
            "KUCUN_DB_PREPARED_STATEMENTS": prepared,
        }
        try:
            yield from run_child(engine, environment)
        finally:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(postgres_dir, ignore_errors=True)


if __name__ == "__main__":
    child(sys.argv[1])
