"""Concurrent writers, in real threads against the real database (SQLite and PostgreSQL)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from kucun.core.errors import Conflict
from kucun.warehouses import services
from kucun.warehouses.models import Location, Warehouse, Zone
from tests.factories import WarehouseFactory, ZoneFactory

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start every call at the same moment; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # reported to the test, which asserts on it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_overlapping_patterns_at_once_create_one_set() -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"))

    results = run_together(
        [
            lambda: services.bins_create_by_pattern(
                user=None, zone_id=zone.pk, aisles="A", racks="01-20", levels="1-4"
            ),
            lambda: services.bins_create_by_pattern(
                user=None, zone_id=zone.pk, aisles="A", racks="15-30", levels="1-4"
            ),
        ]
    )

    created = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(created), len(refused)) == (1, 1), results
    assert Location.objects.filter(zone=zone).count() == len(created[0])
    assert len(created[0]) in {80, 64}


def test_two_warehouses_with_one_code_at_once() -> None:
    results = run_together(
        [
            lambda: services.warehouse_create(user=None, code="SYD", name="First"),
            lambda: services.warehouse_create(user=None, code="syd", name="Second"),
        ]
    )

    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1, results
    assert refused[0].detail == "A warehouse with code SYD already exists."
    assert Warehouse.objects.count() == 1
    assert Zone.objects.count() == 1
    assert Location.objects.count() == 1
