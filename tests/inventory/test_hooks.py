"""The stock ledger answers warehouses' and the catalogue's questions through their hooks."""

from __future__ import annotations

import pytest

from kucun.catalog import extensions as catalog_extensions
from kucun.catalog.services import item_update
from kucun.core.errors import ValidationFailed
from kucun.core.models import AuditEntry
from kucun.inventory.hooks import holdings_by_bin, units_held_by_item
from kucun.inventory.models import StockLevel
from kucun.inventory.services import bin_set_sellable
from kucun.warehouses import extensions as warehouse_extensions
from kucun.warehouses import services as warehouse_services
from kucun.warehouses.extensions import BinHoldings
from tests.inventory.conftest import Site, build_item, receive


def test_inventory_registers_its_readers_and_the_sellable_service() -> None:
    assert warehouse_extensions.bin_holdings_reader() is holdings_by_bin
    assert list(warehouse_extensions.SELLABLE_SETTERS) == [bin_set_sellable]
    assert list(catalog_extensions.STOCK_HELD) == [units_held_by_item]


def test_units_held_by_item_counts_every_bin_and_leaves_out_empty_items(site: Site) -> None:
    tea, cup = build_item("TEA"), build_item("CUP")
    receive(site, "TEA", 3, "S-01")
    receive(site, "TEA", 4, "P-01")

    assert units_held_by_item([tea.pk, cup.pk]) == {tea.pk: 7}
    assert holdings_by_bin([site.bins["S-01"].pk, site.bins["S-02"].pk]) == {
        site.bins["S-01"].pk: BinHoldings(items=1, units=3)
    }


def test_a_stocked_item_is_not_turned_into_a_bundle(site: Site) -> None:
    tea = build_item("TEA")
    receive(site, "TEA", 5, "S-01")

    with pytest.raises(ValidationFailed) as caught:
        item_update(user=None, item_id=tea.pk, is_bundle=True)

    assert [error.field for error in caught.value.errors] == ["is_bundle"]
    assert "TEA holds 5 units in stock" in caught.value.detail
    tea.refresh_from_db()
    assert tea.is_bundle is False


def test_a_bin_edit_of_sellable_moves_available_stock_through_the_ledger(site: Site) -> None:
    tea = build_item("TEA")
    receive(site, "TEA", 5, "S-01")

    warehouse_services.bin_update(user=None, bin_id=site.bins["S-01"].pk, sellable=False)

    level = StockLevel.objects.get(item=tea, warehouse=site.warehouse)
    assert (level.on_hand, level.sellable_on_hand) == (5, 0)
    assert AuditEntry.objects.filter(action="bin.set_sellable").count() == 1
