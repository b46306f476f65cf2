"""A NUL character anywhere in a request: the API refuses it naming the field, the console
drops it, on both databases (PostgreSQL cannot take one in a query)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from kucun.inventory.models import Receipt, StockMove
from kucun.warehouses.models import Warehouse
from tests.inventory.conftest import build_item, build_site
from tests.warehouses.test_views import WAREHOUSE_FORM

pytestmark = pytest.mark.django_db

CSRF_TOKEN = re.compile(r"[A-Za-z0-9]{64}")
MESSAGE = "Contains a NUL character (\\x00), which cannot be stored; remove it."


@pytest.fixture
def site() -> None:
    build_site("MEL")
    build_item("W-1")


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/items", {"q": "W\x00"}, "q"),
        ("/api/v1/stock", {"q": "\x00"}, "q"),
        ("/api/v1/stock", {"warehouse": "MEL\x00"}, "warehouse"),
        ("/api/v1/receipts", {"q": "RC\x00"}, "q"),
        ("/api/v1/moves", {"document": "RC-\x00"}, "document"),
        ("/api/v1/moves", {"sku": "W-1\x00"}, "sku"),
        ("/api/v1/warehouses", {"q": "\x00"}, "q"),
        ("/api/v1/bins", {"q": "S\x00"}, "q"),
        ("/api/v1/users", {"q\x00": "x"}, "q"),
    ],
)
def test_api_refuses_nul_in_a_query_naming_the_parameter(
    site: None, owner_api: Any, path: str, query: dict[str, str], field: str
) -> None:
    response = owner_api.get(path, query)
    assert response.status_code == 422
    assert response.json() == {
        "detail": f"{field}: {MESSAGE}",
        "errors": [{"field": field, "message": MESSAGE}],
    }


def test_api_refuses_nul_in_a_path(site: None, owner_api: Any) -> None:
    response = owner_api.get("/api/v1/items/by-sku/W-1%00")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "path", "message": MESSAGE}]


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        (
            "/api/v1/receipts",
            {"warehouse": "MEL", "reference": "PO\x00", "lines": [{"sku": "W-1", "qty": 1}]},
            ["reference"],
        ),
        (
            "/api/v1/receipts",
            {
                "warehouse": "MEL",
                "lines": [{"sku": "W-1", "qty": 1}, {"sku": "W-1\x00", "qty": 1, "bin": "\x00"}],
            },
            ["lines.1.sku", "lines.1.bin"],
        ),
        ("/api/v1/warehouses", {"code": "SYD", "name": "Sydney\x00"}, ["name"]),
        ("/api/v1/items", {"sku": "N-1", "name": "Nul", "notes": "a\x00b"}, ["notes"]),
        ("/api/v1/allocations", {"reference": "SO-1", "lines\x00": []}, ["lines"]),
    ],
)
def test_api_refuses_nul_in_a_json_body_naming_every_field_and_writes_nothing(
    site: None, owner_api: Any, path: str, body: dict[str, Any], fields: list[str]
) -> None:
    warehouses = Warehouse.objects.count()
    response = owner_api.post(path, body)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": MESSAGE} for field in fields]
    assert Receipt.objects.count() == 0
    assert StockMove.objects.count() == 0
    assert Warehouse.objects.count() == warehouses


def test_api_refuses_nul_in_a_form_body(site: None, owner_api: Any) -> None:
    response = owner_api.client.post(
        "/api/v1/imports", {"kind": "items\x00"}, headers=owner_api.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "kind", "message": MESSAGE}]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/inventory/stock/", {"q": "W-1\x00"}),
        ("/inventory/stock/", {"warehouse": "\x00"}),
        ("/inventory/moves/", {"document": "\x00", "sku": "W\x00-1"}),
        ("/inventory/receipts/", {"q": "\x00RC"}),
        ("/inventory/scan/", {"q": "W-1\x00"}),
        ("/catalog/items/", {"q": "W\x00"}),
        ("/warehouses/", {"q": "M\x00EL"}),
        ("/warehouses/bins/", {"q": "S-\x0001"}),
        ("/warehouses/bin-lookup/", {"q": "S-01\x00"}),
    ],
)
def test_console_search_drops_nul_from_what_was_typed(
    site: None, owner_client: Client, path: str, query: dict[str, str]
) -> None:
    response = owner_client.get(path, query)
    assert response.status_code == 200
    typed = {key: value.replace("\x00", "") for key, value in query.items()}
    cleaned = owner_client.get(path, typed)
    assert without_csrf_tokens(response) == without_csrf_tokens(cleaned)


def without_csrf_tokens(response: Any) -> str:
    """The page, with the per-request CSRF token blanked."""
    return CSRF_TOKEN.sub("", response.content.decode())


def test_console_form_stores_what_was_typed_without_nul(staff_client: Client) -> None:
    form = {**WAREHOUSE_FORM, "name": "Syd\x00ney", "city": "\x00Sydney"}
    response = staff_client.post(
        "/warehouses/new/", urlencode(form), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    warehouse = Warehouse.objects.get(code="SYD")
    assert (warehouse.name, warehouse.city) == ("Sydney", "Sydney")


def test_console_path_with_nul_is_not_found(owner_client: Client) -> None:
    assert owner_client.get("/warehouses/%00/").status_code == 404
