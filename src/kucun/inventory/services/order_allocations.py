"""Allocations by order line: a whole order allocated in one call, released or shipped by
quantity per line reference (``order:{store}:{external}:{line}``).

A line names a SKU (an item or a bundle) and a quantity; a bundle line allocates its
components, recording how many of each one unit of the line holds, so that releasing or
shipping part of the line takes the right share of every component.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kucun.catalog.selectors import bundle_expansions
from kucun.core.audit import audit_record
from kucun.core.errors import Conflict, NotFound, ValidationFailed
from kucun.core.idempotency import idempotent
from kucun.inventory.choices import IssueKind
from kucun.inventory.errors import InsufficientStock
from kucun.inventory.models import Allocation, Issue, StockLevel
from kucun.inventory.services import ledger
from kucun.inventory.services.allocations import (
    clean_reference,
    held_allocations,
    line_outstanding,
    take_from_allocations,
)
from kucun.inventory.services.inputs import DocumentLineInput
from kucun.inventory.services.ledger import LockedBalances
from kucun.inventory.services.lookups import (
    LineErrors,
    clean_qty,
    find_warehouse,
    items_by_sku,
)
from kucun.inventory.services.receipts_issues import issue_create
from kucun.warehouses.models import Warehouse

MAX_ORDER_LINES = 1000


@dataclass(frozen=True)
class AllocationLineInput:
    reference: str
    sku: str
    qty: int


@dataclass(frozen=True)
class OrderAllocation:
    """The warehouse chosen and the allocations made (one per line and component)."""

    warehouse: Warehouse
    allocations: list[Allocation]


@dataclass(frozen=True)
class OrderLine:
    reference: str
    item_id: int
    sku: str
    qty: int
    # {component item id: units per unit of the line}; an item is its own one component.
    units: dict[int, int]


def resolve_order_lines(lines: Sequence[AllocationLineInput]) -> list[OrderLine]:
    problems = LineErrors()
    if not lines:
        problems.add("lines", _("Add at least one line."))
    elif len(lines) > MAX_ORDER_LINES:
        problems.add("lines", _("At most %(limit)d lines.") % {"limit": MAX_ORDER_LINES})
    problems.raise_if_any()
    skus = [str(line.sku or "").strip() for line in lines]
    items = items_by_sku(skus)
    bundle_ids = {item.pk for item in items.values() if item.is_bundle}
    expansions = bundle_expansions(bundle_ids) if bundle_ids else {}
    resolved: list[OrderLine] = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        prefix = f"lines[{index}]"
        reference = str(line.reference or "").strip()
        if not reference:
            problems.add(f"{prefix}.reference", _("Enter a reference."))
        elif len(reference) > 255:
            problems.add(f"{prefix}.reference", _("A reference is at most 255 characters."))
        elif reference in seen:
            problems.add(
                f"{prefix}.reference",
                _("%(reference)s is on two lines; give each line its own reference.")
                % {"reference": reference},
            )
        seen.add(reference)
        item = items.get(skus[index])
        if not skus[index]:
            problems.add(f"{prefix}.sku", _("Enter a SKU."), kind="sku")
        elif item is None:
            problems.add(
                f"{prefix}.sku", _("Unknown SKU %(sku)s.") % {"sku": skus[index]}, kind="sku"
            )
        elif item.is_bundle and not expansions.get(item.pk):
            problems.add(
                f"{prefix}.sku",
                _("Bundle %(sku)s has no components, so it cannot be allocated.")
                % {"sku": item.sku},
            )
        qty, qty_error = clean_qty(line.qty, field=f"{prefix}.qty")
        if qty_error:
            problems.add(f"{prefix}.qty", qty_error)
        if item is not None and not qty_error and (not item.is_bundle or expansions[item.pk]):
            units = dict(expansions[item.pk]) if item.is_bundle else {item.pk: 1}
            resolved.append(OrderLine(reference, item.pk, item.sku, qty, units))
    problems.raise_if_any()
    return resolved


def candidate_warehouses(warehouse: str, warehouses: Sequence[str]) -> list[Warehouse]:
    if bool(str(warehouse or "").strip()) == bool(warehouses):
        raise ValidationFailed.for_field(
            "warehouse", _("Name one warehouse, or an ordered list of warehouses, not both.")
        )
    if warehouse:
        return [find_warehouse(warehouse)]
    found: list[Warehouse] = []
    for index, code in enumerate(warehouses):
        target = find_warehouse(code, field=f"warehouses[{index}]")
        if target.pk not in {w.pk for w in found}:
            found.append(target)
    return found


def refuse_taken_references(references: Sequence[str]) -> None:
    taken = sorted(
        set(
            Allocation.objects.filter(reference__in=list(references)).values_list(
                "reference", flat=True
            )
        )
    )
    if taken:
        raise Conflict.for_field(
            "reference",
            _("%(references)s already hold an allocation; release it first.")
            % {"references": ", ".join(taken)},
        )


def shortages_in(
    locked: LockedBalances, warehouse: Warehouse, demand: dict[int, int]
) -> list[tuple[int, int, int]]:
    """(item, needed, available) for every component this warehouse cannot fill."""
    short = []
    for item_id, need in sorted(demand.items()):
        available = locked.level(item_id, warehouse.pk).available
        if available < need:
            short.append((item_id, need, available))
    return short


def shortage_error(
    candidates: Sequence[Warehouse], short: dict[int, list[tuple[int, int, int]]]
) -> InsufficientStock:
    skus = ledger.skus_of(item for found in short.values() for item, _n, _a in found)
    errors = []
    for index, warehouse in enumerate(candidates):
        for item_id, need, available in short[warehouse.pk]:
            errors.append(
                InsufficientStock.build(
                    sku=skus[item_id],
                    needed=need,
                    available=max(available, 0),
                    where=_("warehouse %(code)s") % {"code": warehouse.code},
                    field=f"warehouses[{index}]" if len(candidates) > 1 else "warehouse",
                )
            )
    return ledger.merge_shortages(errors)


def replay_order(record: Any, arguments: dict[str, Any]) -> OrderAllocation:
    """What a replayed order allocation answers: its warehouse and the lines' allocations now."""
    references = [str(line.reference or "").strip() for line in arguments["lines"]]
    return OrderAllocation(
        warehouse=Warehouse.objects.get(pk=record.result_id),
        allocations=list(
            Allocation.objects.filter(reference__in=references).order_by("reference", "id")
        ),
    )


@idempotent(
    operation="stock_allocate_order",
    record=lambda result: ("warehouses.warehouse", result.warehouse.pk),
    replay=replay_order,
)
def stock_allocate_order(
    *,
    user: Any = None,
    lines: Sequence[AllocationLineInput],
    warehouse: str = "",
    warehouses: Sequence[str] = (),
    idempotency_key: str | None = None,
) -> OrderAllocation:
    """Allocate every line of an order, all or nothing, in ``warehouse`` or in the first of
    ``warehouses`` that can fill every line. Demand is summed per component first, so a
    bundle and its component on separate lines are checked together. Refused with each
    warehouse's shortages when none can fill the order."""
    order_lines = resolve_order_lines(lines)
    candidates = candidate_warehouses(warehouse, warehouses)
    demand: dict[int, int] = defaultdict(int)
    for line in order_lines:
        for item_id, per in line.units.items():
            demand[item_id] += per * line.qty
    # Every candidate's levels in one lock, in pk order: the choice is made on figures
    # that cannot change until this transaction ends.
    locked = ledger.lock_balances(
        pairs={(item_id, target.pk) for item_id in demand for target in candidates}
    )
    refuse_taken_references([line.reference for line in order_lines])
    short: dict[int, list[tuple[int, int, int]]] = {}
    chosen = None
    for target in candidates:
        short[target.pk] = shortages_in(locked, target, demand)
        if not short[target.pk]:
            chosen = target
            break
    if chosen is None:
        raise shortage_error(candidates, short)
    ledger.apply_allocations(
        locked, {(item_id, chosen.pk): need for item_id, need in demand.items()}
    )
    allocations = Allocation.objects.bulk_create(
        [
            Allocation(
                reference=line.reference,
                stock_level_id=locked.level(item_id, chosen.pk).pk,
                item_id=item_id,
                qty=per * line.qty,
                line_item_id=line.item_id,
                line_units=per,
            )
            for line in order_lines
            for item_id, per in sorted(line.units.items())
        ]
    )
    audit_record(
        actor=user,
        action="stock.allocate",
        obj=StockLevel(pk=allocations[0].stock_level_id),
        summary=_("%(count)d lines allocated in %(warehouse)s: %(references)s")
        % {
            "count": len(order_lines),
            "warehouse": chosen.code,
            "references": ", ".join(line.reference for line in order_lines),
        },
    )
    return OrderAllocation(warehouse=chosen, allocations=allocations)


def locked_allocations(reference: str) -> tuple[LockedBalances, list[Allocation]]:
    """The reference's allocations, read after their levels are locked; refused when it holds
    none."""
    held = held_allocations(reference)
    if held is None:
        raise NotFound.for_field(
            "reference", _("%(reference)s holds no allocation.") % {"reference": reference}
        )
    return held


@idempotent(operation="allocation_release", result=int)
def allocation_release(
    *,
    user: Any = None,
    reference: str,
    qty: int | None = None,
    idempotency_key: str | None = None,
) -> int:
    """Return ``qty`` units of the line (None: all it holds) to available; returns the units
    of the line released."""
    ref = clean_reference(reference)
    units: int | None = None
    if qty is not None:
        units, error = clean_qty(qty, field="qty")
        if error:
            raise ValidationFailed.for_field("qty", error)
    locked, allocations = locked_allocations(ref)
    released = line_outstanding(allocations) if units is None else units
    delta = take_from_allocations(allocations, units, field="qty", reference=ref)
    ledger.apply_allocations(locked, delta)
    audit_record(
        actor=user,
        action="stock.release",
        obj=allocations[0].stock_level,
        summary=_("%(units)d units released from %(reference)s")
        % {"units": released, "reference": ref},
    )
    return released


@idempotent(operation="allocation_consume", result=Issue)
def allocation_consume(
    *,
    user: Any = None,
    reference: str,
    qty: int,
    idempotency_key: str | None = None,
) -> Issue:
    """Ship ``qty`` units of the line allocated under ``reference``: an order-shipment issue,
    posted, with one line per item allocated (a bundle line's components, ``qty`` × their
    units each), each consuming that much of the allocation (bin → customer)."""
    ref = clean_reference(reference)
    units, error = clean_qty(qty, field="qty")
    if error:
        raise ValidationFailed.for_field("qty", error)
    allocations = list(
        Allocation.objects.filter(reference=ref)
        .select_related("stock_level__warehouse", "item")
        .order_by("item__sku", "id")
    )
    if not allocations:
        raise NotFound.for_field(
            "reference", _("%(reference)s holds no allocation.") % {"reference": ref}
        )
    outstanding = line_outstanding(allocations)
    if units > outstanding:
        raise Conflict.for_field(
            "qty",
            _("%(reference)s has %(outstanding)d allocated; %(qty)d cannot be taken from it.")
            % {"reference": ref, "outstanding": outstanding, "qty": units},
        )
    return issue_create(
        user=user,
        warehouse=allocations[0].stock_level.warehouse.code,
        kind=IssueKind.ORDER_SHIPMENT,
        lines=[
            DocumentLineInput(
                allocation.item.sku, units * allocation.line_units, allocation_reference=ref
            )
            for allocation in allocations
        ],
        reference=ref,
        post=True,
    )
