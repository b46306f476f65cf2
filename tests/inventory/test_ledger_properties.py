"""Property: after any sequence of stock operations the balances equal a replay of the ledger.

Hypothesis drives random receipts, issues, transfers (within and between warehouses),
stocktakes with a sale between count and posting, allocations (bundles too), releases,
reversals and sellable flips. After every step: every BinStock and StockLevel equals the
ledger replayed, the ledger sums to zero per item, no bin is negative, allocated equals the sum
of allocations; and an operation that was refused changed nothing at all.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from kucun.core.errors import DomainError
from kucun.inventory.choices import DocumentStatus, TransferStatus
from kucun.inventory.models import Allocation, Issue, Receipt, Stocktake, Transfer
from kucun.inventory.services import (
    DocumentLineInput,
    StocktakeCountInput,
    TransferLineInput,
    bin_set_sellable,
    document_reverse,
    issue_create,
    receipt_create,
    stock_allocate,
    stock_release,
    stocktake_count,
    stocktake_create,
    stocktake_post,
    transfer_create,
    transfer_receive,
)
from tests.inventory.conftest import build_bundle, build_item, build_site
from tests.inventory.ledger_checks import assert_ledger_consistent, snapshot

EXAMPLES = int(os.environ.get("KUCUN_HYPOTHESIS_EXAMPLES", "15"))
STEPS = int(os.environ.get("KUCUN_HYPOTHESIS_STEPS", "25"))

SKUS = ["A", "B", "C"]
ALL_SKUS = [*SKUS, "KIT"]
BINS = ["RECEIVING", "P-01", "P-02", "S-01", "Q-01"]
WAREHOUSES = ["MEL", "SYD"]
REFERENCES = ["order:1", "order:2", "order:3"]
quantities = st.integers(min_value=1, max_value=12)


class LedgerMachine(RuleBasedStateMachine):
    """Each example runs inside a transaction that is rolled back at teardown; the services
    then run in savepoints, exactly as when a caller wraps them in its own transaction."""

    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.sites = {code: build_site(code) for code in WAREHOUSES}
        items = {sku: build_item(sku) for sku in SKUS}
        build_bundle("KIT", [(items["A"], 2), (items["B"], 1)])
        self.refusals = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def attempt(self, operation: Any) -> None:
        """Run an operation; if it is refused, nothing may have changed."""
        before = snapshot()
        try:
            operation()
        except DomainError:
            self.refusals += 1
            assert snapshot() == before

    @rule(
        warehouse=st.sampled_from(WAREHOUSES),
        sku=st.sampled_from(ALL_SKUS),
        qty=quantities,
        bin_code=st.sampled_from([None, *BINS]),
    )
    def receive(self, warehouse: str, sku: str, qty: int, bin_code: str | None) -> None:
        self.attempt(
            lambda: receipt_create(
                user=None,
                warehouse=warehouse,
                kind="purchase",
                lines=[DocumentLineInput(sku, qty, bin_code)],
                post=True,
            )
        )

    @rule(
        warehouse=st.sampled_from(WAREHOUSES),
        sku=st.sampled_from(ALL_SKUS),
        qty=quantities,
        bin_code=st.sampled_from([None, None, *BINS]),
        reference=st.sampled_from(["", *REFERENCES]),
    )
    def issue(
        self, warehouse: str, sku: str, qty: int, bin_code: str | None, reference: str
    ) -> None:
        self.attempt(
            lambda: issue_create(
                user=None,
                warehouse=warehouse,
                kind="order_shipment",
                lines=[DocumentLineInput(sku, qty, bin_code)],
                allocation_reference=reference,
                post=True,
            )
        )

    @rule(
        warehouse=st.sampled_from(WAREHOUSES),
        to_warehouse=st.sampled_from([None, *WAREHOUSES]),
        sku=st.sampled_from(ALL_SKUS),
        qty=quantities,
        from_bin=st.sampled_from(BINS),
        to_bin=st.sampled_from(BINS),
    )
    def transfer(
        self,
        warehouse: str,
        to_warehouse: str | None,
        sku: str,
        qty: int,
        from_bin: str,
        to_bin: str,
    ) -> None:
        self.attempt(
            lambda: transfer_create(
                user=None,
                warehouse=warehouse,
                to_warehouse=to_warehouse,
                lines=[TransferLineInput(sku, qty, from_bin, to_bin)],
                post=True,
            )
        )

    @rule(data=st.data())
    def receive_transfer(self, data: st.DataObject) -> None:
        shipped = list(Transfer.objects.filter(status=TransferStatus.SHIPPED).order_by("pk"))
        if shipped:
            transfer = data.draw(st.sampled_from(shipped))
            self.attempt(lambda: transfer_receive(user=None, transfer_id=transfer.pk))

    @rule(
        warehouse=st.sampled_from(WAREHOUSES),
        bin_code=st.sampled_from(BINS),
        sku=st.sampled_from(SKUS),
        counted=st.integers(min_value=0, max_value=15),
        sale=st.integers(min_value=0, max_value=3),
    )
    def stocktake(self, warehouse: str, bin_code: str, sku: str, counted: int, sale: int) -> None:
        stocktake = stocktake_create(user=None, warehouse=warehouse, bins=[bin_code])
        stocktake_count(
            user=None,
            stocktake_id=stocktake.pk,
            counts=[StocktakeCountInput(bin_code, sku, counted)],
        )
        if sale:
            self.issue(warehouse, sku, sale, bin_code, "")
        self.attempt(lambda: stocktake_post(user=None, stocktake_id=stocktake.pk))

    @rule(
        reference=st.sampled_from(REFERENCES),
        sku=st.sampled_from(ALL_SKUS),
        warehouse=st.sampled_from(WAREHOUSES),
        qty=quantities,
    )
    def allocate(self, reference: str, sku: str, warehouse: str, qty: int) -> None:
        self.attempt(
            lambda: stock_allocate(reference=reference, sku=sku, warehouse=warehouse, qty=qty)
        )

    @rule(reference=st.sampled_from(REFERENCES))
    def release(self, reference: str) -> None:
        held = sum(Allocation.objects.filter(reference=reference).values_list("qty", flat=True))
        assert stock_release(reference=reference) == held
        assert not Allocation.objects.filter(reference=reference).exists()

    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        documents: list[tuple[str, int]] = []
        for kind, model, statuses in (
            ("receipt", Receipt, [DocumentStatus.POSTED]),
            ("issue", Issue, [DocumentStatus.POSTED]),
            ("transfer", Transfer, [TransferStatus.POSTED, TransferStatus.SHIPPED]),
            ("stocktake", Stocktake, [DocumentStatus.POSTED]),
        ):
            documents += [
                (kind, pk)
                for pk in model.objects.filter(status__in=statuses).values_list("pk", flat=True)
            ]
        if documents:
            kind, pk = data.draw(st.sampled_from(sorted(documents)))
            self.attempt(lambda: document_reverse(user=None, kind=kind, document_id=pk))

    @rule(
        warehouse=st.sampled_from(WAREHOUSES),
        bin_code=st.sampled_from(BINS),
        sellable=st.booleans(),
    )
    def set_sellable(self, warehouse: str, bin_code: str, sellable: bool) -> None:
        location = self.sites[warehouse].bins[bin_code]
        self.attempt(lambda: bin_set_sellable(user=None, bin_id=location.pk, sellable=sellable))

    @invariant()
    def balances_equal_ledger_replay(self) -> None:
        assert_ledger_consistent()


@pytest.mark.django_db
def test_balances_always_equal_the_ledger() -> None:
    LedgerMachine.TestCase.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    LedgerMachine.TestCase().runTest()
