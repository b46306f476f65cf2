"""The scan endpoint and the SKU search used by the editors."""

from __future__ import annotations

import pytest
from django.test import Client

from kucun.warehouses.services import bin_create
from tests.inventory.views_support import Site, make_site

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
