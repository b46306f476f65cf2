"""The console and the API filter documents and movements with one definition each, so a
search answers the same in both (and the movements export takes the same filter)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from kucun.inventory.services import DocumentLineInput, receipt_create
from tests.inventory.conftest import Site, build_item

SEARCHES = ["", "PO-77", "po-77", "fragile", "TEA", "tea", "RC-{first}", "{first}", "RC-999999"]


@pytest.fixture
def receipts(site: Site) -> list[str]:
    build_item("TEA")
    build_item("MUG")
    made = [
        receipt_create(
            user=None,
            warehouse=site.code,
            kind="purchase",
            reference=reference,
            note=note,
            lines=[DocumentLineInput(sku, 2, None)],
            post=True,
        ).number
        for reference, note, sku in [
            ("PO-77", "", "MUG"),
            ("PO-78", "fragile", "MUG"),
            ("", "", "TEA"),
        ]
    ]
    return made


def console_numbers(client: Client, query: str) -> list[str]:
    html = client.get("/inventory/receipts/", {"q": query}).content.decode()
    return re.findall(r'<tr data-number="([^"]+)"', html)


def api_numbers(api: Any, query: str) -> list[str]:
    body = api.get("/api/v1/receipts", {"q": query}).json()
    return [row["number"] for row in body["items"]]


def test_document_search_answers_the_same_in_the_console_and_the_api(
    receipts: list[str], viewer_client: Client, viewer_api: Any
) -> None:
    first = receipts[0]
    answers = {}
    for search in SEARCHES:
        query = search.format(first=int(first.split("-")[1]))
        console = sorted(console_numbers(viewer_client, query))
        assert console == sorted(api_numbers(viewer_api, query)), query
        answers[search] = console
    assert answers[""] == sorted(receipts)
    assert answers["PO-77"] == answers["po-77"] == [receipts[0]]
    assert answers["fragile"] == [receipts[1]]  # the note
    assert answers["TEA"] == answers["tea"] == [receipts[2]]  # a line's SKU
    assert answers["RC-{first}"] == answers["{first}"] == [first]
    assert answers["RC-999999"] == []


def test_movement_filters_answer_the_same_in_the_console_and_the_api(
    receipts: list[str], viewer_client: Client, viewer_api: Any
) -> None:
    for filters in [
        {},
        {"document": receipts[1]},
        {"document": "PO-77"},
        {"bin": "RECEIVING"},
        {"bin": "SUPPLIER"},  # a virtual location is no bin
    ]:
        html = viewer_client.get(
            "/inventory/moves/",
            {("item" if key == "sku" else key): value for key, value in filters.items()},
        ).content.decode()
        console = sorted(int(move) for move in re.findall(r'<tr data-move="(\d+)"', html))
        body = viewer_api.get("/api/v1/moves", filters).json()
        assert console == sorted(row["move_id"] for row in body["items"]), filters
    body = viewer_api.get("/api/v1/moves", {"document": "PO-77"}).json()
    assert [row["reference"] for row in body["items"]] == ["PO-77"]
    assert viewer_api.get("/api/v1/moves", {"bin": "SUPPLIER"}).json()["count"] == 0


def test_every_api_list_pages_the_same_way(receipts: list[str], viewer_api: Any) -> None:
    # The shared page: 50 by default, up to 500, a page past the bound is refused, never a 500.
    for path in ["/api/v1/receipts", "/api/v1/moves", "/api/v1/stock", "/api/v1/allocations"]:
        assert viewer_api.get(path, {"page_size": 2}).status_code == 200, path
        assert viewer_api.get(path, {"page_size": 501}).status_code == 422, path
        assert viewer_api.get(path, {"page": 10_000_001}).status_code == 422, path
        assert viewer_api.get(path, {"page": 10_000_000}).json()["items"] == [], path
    body = viewer_api.get("/api/v1/receipts", {"page_size": 2, "page": 2}).json()
    assert (body["count"], len(body["items"])) == (3, 1)
