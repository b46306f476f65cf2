"""The stock check: balances recomputed from the ledger, each run recorded, shown and reported."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from kucun.inventory.models import BinStock, StockCheck, StockLevel
from kucun.inventory.services.checks import stock_check_run
from kucun.inventory.tasks import stock_reconcile
from tests.inventory.conftest import Site, build_item, build_site, receive
from tests.permissions import (
    ALL_ROLES,
    STAFF_AND_OWNER,
    assert_role_matrix,
    assert_view_role_matrix,
)


def break_balances(site: Site) -> None:
    """Two stored balances that no movement explains: 7 in a bin that received 5, and 1
    allocated with no allocation."""
    BinStock.objects.filter(item__sku="W-1", location=site.bins["S-01"]).update(on_hand=7)
    StockLevel.objects.filter(item__sku="W-1").update(allocated=1)


def test_a_check_records_every_disagreement_by_name_and_changes_nothing(site: Site) -> None:
    build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    clean = stock_check_run()
    assert (clean.drift_count, clean.drifts, clean.is_clean) == (0, [], True)

    break_balances(site)
    check = stock_check_run()

    assert check.drift_count == 2
    assert check.drifts == [
        {"what": "bin on hand", "sku": "W-1", "place": "MEL:S-01", "stored": 7, "expected": 5},
        {"what": "allocated", "sku": "W-1", "place": "MEL", "stored": 1, "expected": 0},
    ]
    assert check.seconds >= 0
    assert BinStock.objects.get(item__sku="W-1").on_hand == 7  # reported, never corrected
    assert list(StockCheck.objects.values_list("drift_count", flat=True)) == [2, 0]


def test_the_nightly_task_records_a_check_and_returns_its_count(site: Site) -> None:
    build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    assert stock_reconcile.call_local() == 0
    break_balances(site)
    assert stock_reconcile.call_local() == 2
    assert StockCheck.objects.count() == 2


def test_the_command_exits_non_zero_and_prints_each_disagreement(site: Site) -> None:
    build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    output = StringIO()
    call_command("check_stock", stdout=output)
    assert "Every balance matches the ledger" in output.getvalue()

    break_balances(site)
    output = StringIO()
    with pytest.raises(CommandError, match="2 balances disagree with the ledger"):
        call_command("check_stock", stdout=output)
    assert "bin on hand of W-1 at MEL:S-01: stored 7, the ledger says 5" in output.getvalue()
    assert "allocated of W-1 at MEL: stored 1, the ledger says 0" in output.getvalue()


def test_the_page_lists_the_latest_disagreements_and_earlier_checks(
    site: Site, viewer_client: Client
) -> None:
    assert b"No stock check has run yet." in viewer_client.get("/inventory/checks/").content
    build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    stock_check_run()
    break_balances(site)
    stock_check_run()

    html = viewer_client.get("/inventory/checks/").content.decode()

    assert 'data-latest="drift"' in html
    rows = re.findall(
        r"<tr data-drift>\s*<td>([^<]+)</td>\s*<td><a[^>]*>([^<]+)</a></td>\s*<td>([^<]+)</td>"
        r'\s*<td class="text-end">(\d+)</td>\s*<td class="text-end">(\d+)</td>',
        html,
    )
    assert rows == [
        ("On hand in the bin", "W-1", "MEL:S-01", "7", "5"),
        ("Allocated in the warehouse", "W-1", "MEL", "1", "0"),
    ]
    assert len(re.findall(r"<tr data-check=", html)) == 2
    assert 'id="stock-check-run"' not in html  # a viewer cannot start one


def test_staff_start_a_check_from_the_console(
    site: Site, staff_client: Client, user_for_role: Callable[[str | None], Any]
) -> None:
    response = staff_client.post("/inventory/checks/run/")
    assert response.status_code == 302
    assert StockCheck.objects.count() == 1  # the queue runs inline in tests
    assert 'id="stock-check-run"' in staff_client.get("/inventory/checks/").content.decode()
    assert_view_role_matrix(user_for_role, "GET", "/inventory/checks/", allowed_roles=ALL_ROLES)
    assert_view_role_matrix(
        user_for_role, "POST", "/inventory/checks/run/", allowed_roles=STAFF_AND_OWNER
    )
    assert staff_client.get("/inventory/checks/run/").status_code == 405


def test_the_api_lists_checks_and_staff_start_one(
    site: Site,
    viewer_api: Client,
    staff_api: Client,
    api_client_for: Any,
    user_for_role: Callable[[str | None], Any],
) -> None:
    build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    assert staff_api.post("/api/v1/stock-checks").status_code == 202
    break_balances(site)
    assert staff_api.post("/api/v1/stock-checks").status_code == 202

    body = viewer_api.get("/api/v1/stock-checks").json()

    assert body["count"] == 2
    newest, oldest = body["items"]
    assert (newest["drift_count"], oldest["drift_count"], oldest["drifts"]) == (2, 0, [])
    assert newest["drifts"][0] == {
        "what": "bin on hand",
        "sku": "W-1",
        "place": "MEL:S-01",
        "stored": 7,
        "expected": 5,
    }
    assert viewer_api.get("/api/v1/stock-checks?page_size=1&page=2").json()["items"] == [oldest]
    assert viewer_api.get("/api/v1/stock-checks?page_size=0").status_code == 422
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        "/api/v1/stock-checks",
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=202,
    )


@pytest.mark.django_db(transaction=True)
def test_a_posting_during_the_check_is_not_reported_as_a_disagreement() -> None:
    """The check reads the ledger and then the balances; a receipt posted between the two reads
    (from another connection, as another worker would) must not look like drift."""
    site = build_site("MEL")
    build_item("W-1")
    receive(site, "W-1", 5, "S-01")
    posted = []

    def post_elsewhere() -> None:
        try:
            receive(site, "W-1", 5, "S-01")
            posted.append(True)
        finally:
            connection.close()

    def between_reads(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if not posted and "inventory_stockmoveline" in sql:
            worker = threading.Thread(target=post_elsewhere)
            worker.start()
            worker.join()
        return result

    with connection.execute_wrapper(between_reads):
        check = stock_check_run()

    assert posted == [True]
    assert (check.drift_count, check.drifts) == (0, [])
    assert stock_check_run().drift_count == 0  # and the next check sees both receipts
    assert BinStock.objects.get(item__sku="W-1").on_hand == 10
