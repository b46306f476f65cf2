"""Import and export benchmarks: 100,000 new items from CSV and XLSX through the command-line
path (validate + write) on SQLite, the same rows through raw sqlite3 ``executemany`` for the
ratio, and exports of those items to CSV and XLSX.

Each measurement runs in its own Python process against its own copy of a freshly migrated
SQLite database under var/bench/imports/, so peak memory (ru_maxrss) is the import's own and
no run sees another's rows. Times are for the command's work (django.setup() excluded: about
0.3 s on the reference machine); the process is started with the same settings `kucun` uses.
The ``_cpu_s`` figures are the same runs' CPU time, which shows how much of a wall time on a
busy machine was waiting for a core.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

ROWS = 100_000
ROOT = Path.cwd() / "var" / "bench" / "imports"
HEADER = [
    "sku",
    "name",
    "barcode",
    "unit",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "cost_price",
    "safety_stock",
    "reorder_point",
    "active",
    "notes",
]

CHILD = r"""
import json, os, resource, sys, time
import django
django.setup()
from django.core.management import call_command
command, args = sys.argv[1], sys.argv[2:]
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
started, cpu_started = time.perf_counter(), cpu()
try:
    call_command(command, *args)
    status = 0
except SystemExit as exit_:
    status = int(exit_.code or 0)
seconds, cpu_seconds = time.perf_counter() - started, cpu() - cpu_started
from kucun.catalog.models import Item
print(json.dumps({
    "seconds": seconds,
    "cpu_seconds": cpu_seconds,
    "status": status,
    "items": Item.objects.count(),
    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def item_rows() -> Iterator[list[object]]:
    for number in range(ROWS):
        yield [
            f"BENCH-{number:06d}",
            f"Benchmark item {number} 测试货品",
            f"93{number:011d}",
            "each",
            100 + number % 900,
            200,
            150,
            100,
            Decimal("12.50") + number % 100,
            number % 5,
            number % 20,
            "yes",
            "" if number % 10 else "restocked weekly",
        ]


def environment(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env["KUCUN_VAR_DIR"] = str(var_dir)
    env["DJANGO_SETTINGS_MODULE"] = "kucun.settings"
    env["KUCUN_LOG_LEVEL"] = "WARNING"
    env["KUCUN_SECRET_KEY"] = "bench-only-secret"
    return env


def migrated_template() -> Path:
    template = ROOT / "template"
    shutil.rmtree(template, ignore_errors=True)
    template.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "kucun.cli", "migrate", "--noinput", "-v0"],
        env=environment(template),
        check=True,
    )
    with sqlite3.connect(template / "kucun.sqlite3") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return template / "kucun.sqlite3"


def fresh_database(template: Path, name: str) -> Path:
    var_dir = ROOT / name
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    shutil.copy(template, var_dir / "kucun.sqlite3")
    return var_dir


def run_child(var_dir: Path, *args: str) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        env=environment(var_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    if result["status"] != 0 or ("items" in args and result["items"] != ROWS):
        raise RuntimeError(f"bench run {args} failed: {completed.stderr[-2000:]}")
    return result


def raw_executemany(template: Path) -> float:
    """The same rows straight into the same table (with its indexes), one transaction."""
    var_dir = fresh_database(template, "raw")
    now = "2026-01-01 00:00:00"
    rows = []
    for row in item_rows():
        values = [*row[:8], str(row[8]), row[9], row[10], True, row[12], False, now, now]
        rows.append(tuple(values))
    connection = sqlite3.connect(var_dir / "kucun.sqlite3", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO catalog_item (sku, name, barcode, unit, weight_g, length_mm, width_mm, "
        "height_mm, cost_price, safety_stock, reorder_point, active, notes, is_bundle, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def run() -> Iterator[tuple[str, float, str]]:
    sys.path.insert(0, str(Path.cwd() / "src"))
    from kucun.core.tabular import write_table

    ROOT.mkdir(parents=True, exist_ok=True)
    csv_file, xlsx_file = ROOT / "items-100k.csv", ROOT / "items-100k.xlsx"
    write_table(csv_file, "csv", HEADER, item_rows())
    write_table(xlsx_file, "xlsx", HEADER, item_rows())
    template = migrated_template()

    csv_run = run_child(fresh_database(template, "csv"), "import_data", "items", str(csv_file))
    yield "import.items_100k_csv_s", round(csv_run["seconds"], 2), "s"
    yield "import.items_100k_csv_cpu_s", round(csv_run["cpu_seconds"], 2), "s"
    xlsx_run = run_child(fresh_database(template, "xlsx"), "import_data", "items", str(xlsx_file))
    yield "import.items_100k_xlsx_s", round(xlsx_run["seconds"], 2), "s"
    yield "import.items_100k_xlsx_cpu_s", round(xlsx_run["cpu_seconds"], 2), "s"
    peak = max(csv_run["max_rss_mb"], xlsx_run["max_rss_mb"])
    yield "import.peak_rss_mb", round(peak, 1), "MB"
    yield "import.raw_executemany_100k_s", round(raw_executemany(template), 2), "s"

    # The same items again with every name changed: 100,000 updates by SKU.
    changed_file = ROOT / "items-100k-changed.csv"
    write_table(
        changed_file, "csv", HEADER, ([row[0], f"{row[1]} v2", *row[2:]] for row in item_rows())
    )
    update_run = run_child(ROOT / "csv", "import_data", "items", str(changed_file))
    yield "import.items_100k_update_csv_s", round(update_run["seconds"], 2), "s"

    exported = ROOT / "csv"
    csv_export = run_child(exported, "export_data", "items", str(ROOT / "export.csv"))
    yield "export.items_100k_csv_s", round(csv_export["seconds"], 2), "s"
    xlsx_export = run_child(exported, "export_data", "items", str(ROOT / "export.xlsx"))
    yield "export.items_100k_xlsx_s", round(xlsx_export["seconds"], 2), "s"
