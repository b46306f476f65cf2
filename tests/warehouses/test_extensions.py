"""Without a stock ledger registered, bins read as holding nothing and sellable is a field."""

from __future__ import annotations

import pytest

from kucun.warehouses import extensions, selectors, services
from tests.factories import BinFactory


@pytest.fixture
def no_stock_ledger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extensions, "BIN_HOLDINGS", [])
    monkeypatch.setattr(extensions, "SELLABLE_SETTERS", [])


@pytest.mark.django_db
@pytest.mark.usefixtures("no_stock_ledger")
def test_without_a_stock_ledger_bins_hold_nothing_and_sellable_is_saved_plainly() -> None:
    location = BinFactory(code="A-1", sellable=True)

    assert selectors.stock_ledger_ready() is False
    assert selectors.bin_holdings([location.pk]) is None
    updated = services.bin_update(user=None, bin_id=location.pk, sellable=False)

    location.refresh_from_db()
    assert (updated.sellable, location.sellable) == (False, False)


def test_a_second_registration_replaces_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extensions, "BIN_HOLDINGS", [])

    def first(bin_ids: object) -> dict[int, extensions.BinHoldings]:
        return {}

    def second(bin_ids: object) -> dict[int, extensions.BinHoldings]:
        return {1: extensions.BinHoldings(items=1, units=1)}

    extensions.register_bin_holdings(first)
    extensions.register_bin_holdings(second)

    assert extensions.bin_holdings_reader() is second
