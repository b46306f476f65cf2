"""Bulk import in the console with a real queue consumer: the template, a refused file with its
error report, the corrected file, and the progress bar running to the end."""

from __future__ import annotations

import csv
import io
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from huey.contrib.djhuey import HUEY
from huey.storage import SqliteStorage
from playwright.sync_api import Page, expect

from kucun.catalog.models import Item
from kucun.core.choices import JobStatus
from kucun.core.models import ImportRun


class Worker:
    """Consumers in this process, on a queue of their own, started when the test says so."""

    def __init__(self) -> None:
        self.consumers: list[Any] = []

    def start(self) -> None:
        consumer = HUEY.create_consumer(
            workers=1,
            worker_type="thread",
            periodic=False,
            initial_delay=0.1,
            max_delay=0.5,
            check_worker_health=False,
        )
        consumer.start()
        self.consumers.append(consumer)


@pytest.fixture
def worker(tmp_path: Path, settings: Any) -> Iterator[Worker]:
    settings.MEDIA_ROOT = tmp_path / "media"
    handlers = {
        signum: signal.getsignal(signum)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    HUEY.immediate = False
    configured = HUEY.storage
    HUEY.storage = SqliteStorage(name="e2e", filename=str(tmp_path / "queue.sqlite3"))
    worker = Worker()
    try:
        yield worker
    finally:
        for consumer in worker.consumers:
            consumer.stop(graceful=True)
        HUEY.storage.close()
        HUEY.storage = configured
        HUEY.immediate = True
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(page: Page, url: str, name: str, content: bytes) -> None:
    page.goto(f"{url}/data/imports/new/")
    page.select_option("#id_kind", "items")
    page.set_input_files(
        "#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    page.click("#import-submit")
    expect(page.locator("#import-status")).to_be_visible()


def test_template_refused_file_error_report_fix_and_progress(
    page: Page,
    live_server: Any,
    login: Callable[[], None],
    shot: Callable[[str], Path],
    worker: Worker,
) -> None:
    url = live_server.url
    login()

    # The template: the column names and an example row.
    page.goto(f"{url}/data/imports/new/")
    shot("import-form")
    with page.expect_download() as download:
        page.click("#template-items-csv")
    template = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    header = next(csv.reader([template[0]]))
    assert header[:2] == ["sku", "name"]
    assert {"barcode", "weight_g", "reorder_point"} <= set(header)

    def row(**values: str) -> list[str]:
        return [values.get(column, "") for column in header]

    good = row(
        sku="SAU-ORIG-500",
        name="Original sausage pack",
        barcode="9300001000018",
        unit="pack",
        weight_g="520",
        reorder_point="40",
    )
    bad = row(sku="BEER-LAG-12", name="", barcode="9300002000017", unit="carton", weight_g="4400")

    # A file with a bad row: nothing is written, and the report says where and why.
    upload(page, url, "items.csv", csv_bytes([header, good, bad]))
    status = page.locator("#import-status")
    # No worker yet: the import waits, and the page says one can leave and come back.
    expect(status).to_have_attribute("data-status", JobStatus.QUEUED)
    expect(page.locator("#import-progress")).to_have_attribute("data-done", "false")
    shot("queued")
    worker.start()
    expect(status).to_have_attribute("data-status", JobStatus.FAILED, timeout=30_000)
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("3")
    expect(errors.first.locator("td").nth(1)).to_have_text("name")
    shot("refused")
    assert Item.objects.count() == 0
    with page.expect_download() as report_download:
        page.click("#error-report")
    report = list(
        csv.reader(io.StringIO(Path(report_download.value.path()).read_text(encoding="utf-8-sig")))
    )
    assert len(report) == 2
    assert "3" in report[1]
    assert "name" in report[1]

    # The corrected file goes through, and the progress bar runs to the end.
    fixed = row(**{**dict(zip(header, bad, strict=True)), "name": "Beer dozen"})
    upload(page, url, "items-fixed.csv", csv_bytes([header, good, fixed]))
    expect(status).to_have_attribute("data-status", JobStatus.SUCCEEDED, timeout=30_000)
    progress = page.locator("#import-progress")
    expect(progress).to_have_attribute("data-done", "true")
    expect(progress).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("[data-count='created']")).to_have_text("2")
    expect(page.locator("[data-count='failed']")).to_have_text("0")
    shot("imported")
    assert set(Item.objects.values_list("sku", "name", "weight_g")) == {
        ("SAU-ORIG-500", "Original sausage pack", 520),
        ("BEER-LAG-12", "Beer dozen", 4400),
    }

    # Both runs are in the history.
    page.goto(f"{url}/data/imports/")
    expect(page.locator("body")).to_contain_text("items-fixed.csv")
    assert list(ImportRun.objects.order_by("pk").values_list("status", flat=True)) == [
        JobStatus.FAILED,
        JobStatus.SUCCEEDED,
    ]
    shot("history")
