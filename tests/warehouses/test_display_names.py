"""Rows the system makes (the receiving zone, the virtual locations) read in the reader's
language; their stored names and codes stay as they are."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from kucun.accounts.choices import Role
from kucun.inventory.services import DocumentLineInput, receipt_create
from kucun.warehouses.models import Location, Zone
from tests.factories import BinFactory, ItemFactory, UserFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def test_system_rows_are_named_in_the_readers_language() -> None:
    warehouse = WarehouseFactory(code="MEL", name="墨尔本仓")
    bin_ = BinFactory(zone__warehouse=warehouse, code="A-01")
    ItemFactory(sku="TEA-GREEN")
    receipt_create(
        user=None,
        warehouse="MEL",
        kind="purchase",
        lines=[DocumentLineInput(sku="TEA-GREEN", qty=1)],
        post=True,
    )
    receiving = Zone.objects.get(warehouse=warehouse, code="RECEIVING")
    supplier = Location.objects.get(kind="supplier")

    with translation.override("zh-hans"):
        names = (receiving.display_name, supplier.display_name, bin_.display_name)
        assert names == ("收货区", "供应商", "MEL:A-01")
    with translation.override("en"):
        assert (receiving.display_name, supplier.display_name) == ("Receiving", "Supplier")
    assert (receiving.name, supplier.code) == ("Receiving", "SUPPLIER")


def test_a_renamed_receiving_zone_keeps_its_new_name() -> None:
    warehouse = WarehouseFactory(code="SYD")
    zone = Zone.objects.get(warehouse=warehouse, code="RECEIVING")
    zone.name = "Dock"
    zone.save(update_fields=["name"])

    with translation.override("zh-hans"):
        assert zone.display_name == "Dock"


def test_chinese_pages_show_system_rows_translated() -> None:
    warehouse = WarehouseFactory(code="MEL", name="墨尔本仓")
    ItemFactory(sku="TEA-GREEN")
    receipt_create(
        user=None,
        warehouse="MEL",
        kind="purchase",
        lines=[DocumentLineInput(sku="TEA-GREEN", qty=1)],
        post=True,
    )
    client = Client()
    client.force_login(UserFactory(role=Role.OWNER, language="zh-hans"))

    moves = client.get("/inventory/moves/").content.decode()
    zones = client.get("/warehouses/zones/").content.decode()
    detail = client.get(f"/warehouses/{warehouse.pk}/").content.decode()

    assert '<td class="font-monospace">供应商</td>' in moves
    assert "SUPPLIER" not in moves
    assert "<td>收货区</td>" in zones
    assert "<td>收货区</td>" in detail
    assert "Receiving" not in zones + detail
