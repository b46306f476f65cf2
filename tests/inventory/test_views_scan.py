"""The scan endpoint and the SKU search used by the editors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kucun.catalog.services import item_create
from kucun.warehouses.services import bin_create, bin_update
from tests.inventory.views_support import Site, make_bundle, make_site

# A logged-in request reads its session and its user.
QUERIES_PER_REQUEST = 2

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Site:
    return make_site()


def test_scan_answers_item_by_barcode(staff_client: Client, site: Site) -> None:
    data = staff_client.get(
        "/inventory/scan/", {"warehouse": "MEL", "code": "9300000000011"}
    ).json()
    assert data == {
        "type": "item",
        "code": "9300000000011",
        "sku": "TEA-GREEN",
        "name": "Green tea",
        "item_id": site.tea.pk,
        "is_bundle": False,
    }


def test_scan_answers_item_by_sku_ignoring_case(staff_client: Client, site: Site) -> None:
    data = staff_client.get("/inventory/scan/", {"warehouse": "MEL", "code": " mug-blue "}).json()
    assert data["type"] == "item"
    assert data["sku"] == "MUG-BLUE"


def test_scan_answers_bin_of_the_warehouse(staff_client: Client, site: Site) -> None:
    data = staff_client.get("/inventory/scan/", {"warehouse": "mel", "code": "a-01-2"}).json()
    assert data == {
        "type": "bin",
        "code": "A-01-2",
        "bin_id": site.pick_2.pk,
        "warehouse": "MEL",
        "zone": "PICK",
        "zone_kind": "picking",
        "active": True,
    }


def test_scan_of_another_warehouses_bin_is_unknown(staff_client: Client, site: Site) -> None:
    make_site("SYD")
    data = staff_client.get("/inventory/scan/", {"warehouse": "SYD", "code": "S-01"}).json()
    assert data["type"] == "bin"
    assert data["warehouse"] == "SYD"
    data = staff_client.get("/inventory/scan/", {"warehouse": "SYD", "code": "NOPE-1"}).json()
    assert data["type"] == "unknown"
    assert data["code"] == "NOPE-1"
    assert "Unknown code NOPE-1" in data["message"]


def test_scan_of_another_warehouses_bin_names_its_warehouse(
    staff_client: Client, site: Site
) -> None:
    make_site("SYD")
    bin_create(user=None, zone_id=site.pick_1.zone_id, code="M-09")
    data = staff_client.get("/inventory/scan/", {"warehouse": "syd", "code": "m-09"}).json()
    assert data == {
        "type": "unknown",
        "code": "M-09",
        "other_warehouses": ["MEL"],
        "message": "Bin M-09 is in warehouse MEL, not SYD. Nothing changed.",
    }


def test_scan_needs_login() -> None:
    response = Client().get("/inventory/scan/", {"code": "x"})
    assert response.status_code == 302


def test_item_search_lists_buttons_that_add_lines(staff_client: Client, site: Site) -> None:
    html = staff_client.get("/inventory/items/search/", {"sku_query": "tea"}).content.decode()
    assert 'data-add-sku="TEA-GREEN"' in html
    assert "MUG-BLUE" not in html
    none = staff_client.get("/inventory/items/search/", {"sku_query": "zzz"}).content.decode()
    assert "No item matches" in none


def test_scan_of_a_bundle_lists_its_components(staff_client: Client, site: Site) -> None:
    make_bundle("TEA-SET", [("TEA-GREEN", 4), ("MUG-BLUE", 2)])
    data = staff_client.get("/inventory/scan/", {"warehouse": "MEL", "code": "tea-set"}).json()
    assert data["is_bundle"] is True
    assert data["components"] == [
        {"sku": "MUG-BLUE", "name": "Blue mug", "qty": 2},
        {"sku": "TEA-GREEN", "name": "Green tea", "qty": 4},
    ]


def test_item_suggestions_match_sku_name_or_barcode_in_one_query(
    staff_client: Client, site: Site, django_assert_num_queries: Any
) -> None:
    make_bundle("TEA-SET", [("TEA-GREEN", 4)])
    for number in range(15):
        item_create(user=None, sku=f"TEA-{number:02d}", name=f"Tea {number}")
    staff_client.get("/inventory/items/suggest/", {"q": "x"})  # the session is read once
    with django_assert_num_queries(QUERIES_PER_REQUEST + 1):
        data = staff_client.get("/inventory/items/suggest/", {"q": "tea-green"}).json()
    assert data == {
        "items": [
            {
                "sku": "TEA-GREEN",
                "name": "Green tea",
                "barcode": "9300000000011",
                "is_bundle": False,
            }
        ]
    }
    by_barcode = staff_client.get("/inventory/items/suggest/", {"q": "9300000000011"}).json()
    assert [item["sku"] for item in by_barcode["items"]] == ["TEA-GREEN"]
    by_name = staff_client.get("/inventory/items/suggest/", {"q": "blue"}).json()
    assert [item["sku"] for item in by_name["items"]] == ["MUG-BLUE"]
    with django_assert_num_queries(QUERIES_PER_REQUEST + 1):
        many = staff_client.get("/inventory/items/suggest/", {"q": "tea"}).json()
    assert len(many["items"]) == 10
    assert many["items"][0]["sku"] == "TEA-00"
    empty = staff_client.get("/inventory/items/suggest/", {"q": " "}).json()
    assert empty == {"items": []}


def test_bin_suggestions_are_the_warehouses_active_bins_in_one_query(
    staff_client: Client, site: Site, django_assert_num_queries: Any
) -> None:
    make_site("SYD")
    closed = bin_create(user=None, zone_id=site.pick_1.zone_id, code="A-01-9")
    bin_update(user=None, bin_id=closed.pk, active=False)
    staff_client.get("/inventory/bins/suggest/", {"q": "x", "warehouse": "MEL"})
    with django_assert_num_queries(QUERIES_PER_REQUEST + 1):
        response = staff_client.get("/inventory/bins/suggest/", {"q": "a-01", "warehouse": "mel"})
    data = response.json()
    assert data == {
        "bins": [
            {"code": "A-01-1", "zone": "PICK", "zone_kind": "picking"},
            {"code": "A-01-2", "zone": "PICK", "zone_kind": "picking"},
        ]
    }
    contains = staff_client.get("/inventory/bins/suggest/", {"q": "01", "warehouse": "MEL"}).json()
    assert [row["code"] for row in contains["bins"]] == ["A-01-1", "A-01-2", "S-01"]
    no_warehouse = staff_client.get("/inventory/bins/suggest/", {"q": "a"}).json()
    assert no_warehouse == {"bins": []}
