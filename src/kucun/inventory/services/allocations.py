"""Allocations (stock promised to an order line) and the sellable flag of bins."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from kucun.catalog.selectors import bundle_expansions
from kucun.core.audit import audit_record
from kucun.core.errors import Conflict, NotFound, ValidationFailed
from kucun.core.idempotency import idempotent
from kucun.inventory.errors import InsufficientStock, UnknownSku
from kucun.inventory.models import Allocation, BinStock, StockLevel
from kucun.inventory.services import ledger
from kucun.inventory.services.ledger import LockedBalances, Pair
from kucun.inventory.services.lookups import (
    clean_qty,
    find_warehouse,
    items_by_sku,
)
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location


def allocations_of(reference: Any) -> list[Allocation]:
    """What a replayed allocation answers: the allocations held under the reference now."""
    return list(Allocation.objects.filter(reference=str(reference).strip()).order_by("item_id"))


def clean_reference(reference: Any) -> str:
    value = str(reference or "").strip()
    if not value:
        raise ValidationFailed.for_field("reference", _("Enter a reference."))
    if len(value) > 255:
        raise ValidationFailed.for_field("reference", _("A reference is at most 255 characters."))
    return value


def held_allocations(reference: str) -> tuple[LockedBalances, list[Allocation]] | None:
    """The reference's allocations, read after their levels are locked; None when it holds
    none."""
    level_ids = set(
        Allocation.objects.filter(reference=reference).values_list("stock_level_id", flat=True)
    )
    if not level_ids:
        return None
    locked = ledger.lock_balances(pairs=(), extra_level_pks=level_ids)
    allocations = list(
        Allocation.objects.filter(reference=reference)
        .select_related("stock_level")
        .order_by("stock_level_id")
    )
    if not allocations:  # released by another transaction while this one waited for the lock
        return None
    ledger.lock_more_levels(
        locked, {(a.stock_level.item_id, a.stock_level.warehouse_id) for a in allocations}
    )
    return locked, allocations


def line_outstanding(allocations: Sequence[Allocation]) -> int:
    """Units of the line still allocated (every component holds the same number of lines)."""
    return min(allocation.qty // allocation.line_units for allocation in allocations)


def take_from_allocations(
    allocations: Sequence[Allocation], qty: int | None, *, field: str, reference: str
) -> dict[Pair, int]:
    """Take ``qty`` units of the line (None: all) from its allocations, deleting those that
    reach zero; returns the change of allocated per level. Refused (nothing written) when the
    reference holds fewer."""
    outstanding = line_outstanding(allocations)
    if qty is not None and qty > outstanding:
        raise Conflict.for_field(
            field,
            _("%(reference)s has %(outstanding)d allocated; %(qty)d cannot be taken from it.")
            % {"reference": reference, "outstanding": outstanding, "qty": qty},
        )
    delta: dict[Pair, int] = defaultdict(int)
    emptied: list[int] = []
    for allocation in allocations:
        level = allocation.stock_level
        units = allocation.qty if qty is None else qty * allocation.line_units
        delta[(level.item_id, level.warehouse_id)] -= units
        if units == allocation.qty:
            emptied.append(allocation.pk)
        else:
            Allocation.objects.filter(pk=allocation.pk).update(qty=F("qty") - units)
    if emptied:
        Allocation.objects.filter(pk__in=emptied).delete()
    return dict(delta)


@idempotent(
    operation="stock_allocate",
    record=lambda _allocations: ("inventory.allocation", None),
    replay=lambda _record, arguments: allocations_of(arguments["reference"]),
)
def stock_allocate(
    *,
    user: Any = None,
    reference: str,
    sku: str,
    warehouse: str,
    qty: int,
    idempotency_key: str | None = None,
) -> list[Allocation]:
    """Promise ``qty`` of ``sku`` in ``warehouse`` to ``reference``. A bundle allocates each of
    its components; if any is short, nothing is allocated."""
    ref = clean_reference(reference)
    target = find_warehouse(warehouse)
    wanted = str(sku or "").strip()
    item = items_by_sku([wanted]).get(wanted)
    if item is None:
        raise UnknownSku.build(sku=wanted or "''")
    units, error = clean_qty(qty, field="qty")
    if error:
        raise ValidationFailed.for_field("qty", error)
    if item.is_bundle:
        components = bundle_expansions([item.pk])[item.pk]
        if not components:
            raise ValidationFailed.for_field(
                "sku",
                _("Bundle %(sku)s has no components, so it cannot be allocated.")
                % {"sku": item.sku},
            )
        needs = {component: per * units for component, per in components.items()}
    else:
        needs = {item.pk: units}
    locked = ledger.lock_balances(pairs={(pk, target.pk) for pk in needs})
    levels = {pk: locked.level(pk, target.pk) for pk in needs}
    taken = Allocation.objects.filter(
        reference=ref, stock_level__in=[level.pk for level in levels.values()]
    ).exists()
    if taken:
        raise Conflict.for_field(
            "reference",
            _("%(reference)s already holds an allocation of this stock; release it first.")
            % {"reference": ref},
        )
    short = [
        (pk, need, levels[pk].available)
        for pk, need in sorted(needs.items())
        if levels[pk].available < need
    ]
    if short:
        skus = ledger.skus_of(pk for pk, _n, _a in short)
        raise ledger.merge_shortages(
            [
                InsufficientStock.build(
                    sku=skus[pk],
                    needed=need,
                    available=max(available, 0),
                    where=_("warehouse %(code)s") % {"code": target.code},
                    field="qty",
                )
                for pk, need, available in short
            ]
        )
    ledger.apply_allocations(locked, {(pk, target.pk): need for pk, need in needs.items()})
    allocations = Allocation.objects.bulk_create(
        [
            Allocation(
                reference=ref,
                stock_level_id=levels[pk].pk,
                item_id=pk,
                qty=need,
                line_item_id=item.pk,
                line_units=need // units,
            )
            for pk, need in sorted(needs.items())
        ]
    )
    audit_record(
        actor=user,
        action="stock.allocate",
        obj=StockLevel(pk=levels[min(needs)].pk),
        summary=_("%(qty)d × %(sku)s allocated to %(reference)s in %(warehouse)s")
        % {"qty": units, "sku": item.sku, "reference": ref, "warehouse": target.code},
    )
    return allocations


@idempotent(operation="stock_release", result=int)
def stock_release(*, user: Any = None, reference: str, idempotency_key: str | None = None) -> int:
    """Release every allocation held under ``reference``; returns the units released."""
    ref = clean_reference(reference)
    held = held_allocations(ref)
    if held is None:
        return 0
    locked, allocations = held
    delta = take_from_allocations(allocations, None, field="reference", reference=ref)
    ledger.apply_allocations(locked, delta)
    released = -sum(delta.values())
    audit_record(
        actor=user,
        action="stock.release",
        obj=allocations[0].stock_level,
        summary=_("%(units)d units released from %(reference)s")
        % {"units": released, "reference": ref},
    )
    return released


@idempotent(operation="bin_set_sellable", result=Location)
def bin_set_sellable(
    *, user: Any, bin_id: int, sellable: bool, idempotency_key: str | None = None
) -> Location:
    """Change whether a bin's stock counts as available; refused if that would leave allocated
    stock without sellable stock behind it."""
    location = (
        Location.objects.select_for_update(of=("self",))
        .filter(pk=bin_id, kind=LocationKind.INTERNAL)
        .select_related("warehouse")
        .first()
    )
    if location is None:
        raise NotFound(detail=_("Bin %(id)s does not exist.") % {"id": bin_id})
    if location.sellable == bool(sellable):
        return location
    assert location.warehouse_id is not None
    items = set(
        BinStock.objects.filter(location=location, on_hand__gt=0).values_list("item_id", flat=True)
    )
    locked = ledger.lock_balances(pairs={(item, location.warehouse_id) for item in items})
    sign = 1 if sellable else -1
    delta: dict[Pair, int] = {}
    for item_id, on_hand in BinStock.objects.filter(location=location, on_hand__gt=0).values_list(
        "item_id", "on_hand"
    ):
        ledger.lock_more_levels(locked, [(item_id, location.warehouse_id)])
        delta[(item_id, location.warehouse_id)] = sign * on_hand
    try:
        ledger.apply_sellable_change(locked, delta)
    except InsufficientStock as error:
        raise InsufficientStock(
            detail=_("Bin %(code)s cannot become unsellable: %(detail)s")
            % {"code": location.code, "detail": error.detail},
            errors=error.errors,
            sku=error.sku,
            needed=error.needed,
            available=error.available,
        ) from error
    location.sellable = bool(sellable)
    location.save(update_fields=["sellable", "updated_at"])
    audit_record(
        actor=user,
        action="bin.set_sellable",
        obj=location,
        summary=_("Bin %(code)s sellable: %(value)s")
        % {"code": location.code, "value": _("yes") if sellable else _("no")},
    )
    return location
