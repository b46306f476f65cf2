"""The one writer of the ledger and its balances.

Every stock change goes through ``lock_balances`` then ``apply_move`` (or ``apply_allocations``)
inside one transaction:

1. the internal locations involved are share-locked (PostgreSQL ``FOR SHARE``), so a bin's
   sellable flag cannot change under a posting; their flags are read after that lock;
2. missing ``StockLevel`` rows are created, then every ``StockLevel`` touched is locked
   ``FOR UPDATE`` in primary-key order: found and locked by (item, warehouse) in one statement,
   or by pk through ``kucun.core.locks.lock_rows`` when the pks are known;
3. quantities are read only after locking, demand is summed per row, and the whole change is
   checked before anything is written: no bin below zero, allocated never above sellable on hand;
4. the move and its lines are inserted in bulk, and balances change relative to the stored
   value (``SET on_hand = on_hand + delta``, the ``F()`` update, batched: see ``bulk``);
5. the (item, warehouse) pairs whose available quantity changed are recorded (one more
   statement; on PostgreSQL part of the move's) and announced after commit (``availability``).

A ``BinStock`` row is guarded by the lock on the ``StockLevel`` of its item and warehouse.
Lock order everywhere: document row, locations, stock levels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from kucun.catalog.models import Item
from kucun.core.errors import FieldError
from kucun.core.locks import lock_rows
from kucun.inventory.errors import InsufficientStock
from kucun.inventory.models import BinStock, StockLevel, StockMove, StockMoveLine
from kucun.inventory.services.availability import (
    availability_record,
    availability_statement,
    available_changed,
)
from kucun.inventory.services.bulk import (
    ParentUpdate,
    add_rows,
    add_rows_statement,
    fetch_in,
    increment_rows,
    insert_one,
    insert_one_with_rows,
    insert_rows,
    rows_per_statement,
    update_one,
    upsert_returning,
)
from kucun.warehouses.choices import LocationKind
from kucun.warehouses.models import Location

# Large batches go to the database in slices well under SQLite's bound-parameter limit.
CHUNK = 2000

Pair = tuple[int, int]


@dataclass(frozen=True)
class LedgerLine:
    item_id: int
    from_location: Location
    to_location: Location
    qty: int


@dataclass
class LevelState:
    """A locked StockLevel as read after locking, kept current as this transaction changes it."""

    pk: int
    item_id: int
    warehouse_id: int
    on_hand: int
    sellable_on_hand: int
    allocated: int

    @property
    def available(self) -> int:
        return self.sellable_on_hand - self.allocated


LEVEL_FIELDS = ["id", "item", "warehouse", "on_hand", "sellable_on_hand", "allocated"]
# Up to this many rows are locked through the ORM helper; larger batches in one statement.
ORM_LOCK_LIMIT = 200


def lock_levels(pks: Iterable[int]) -> dict[Pair, LevelState]:
    """Lock StockLevel rows in ascending pk order and read them (only after the lock)."""
    wanted = sorted(set(pks))
    if len(wanted) <= ORM_LOCK_LIMIT:
        rows = [
            (
                row.pk,
                row.item_id,
                row.warehouse_id,
                row.on_hand,
                row.sellable_on_hand,
                row.allocated,
            )
            for row in lock_rows(StockLevel.objects.all(), wanted).values()
        ]
    else:
        rows = fetch_in(StockLevel, LEVEL_FIELDS, "id", wanted, lock=True)
    return {(row[1], row[2]): LevelState(*row) for row in rows}


@dataclass
class LockedBalances:
    """The stock levels locked for this transaction, and the sellable flag of each bin."""

    levels: dict[Pair, LevelState]
    sellable: dict[int, bool]
    location_warehouse: dict[int, int]
    bin_on_hand: dict[Pair, int] = field(default_factory=dict)
    bin_rows: dict[Pair, int] = field(default_factory=dict)
    # A level that the next move only increases, not locked yet: ``apply_move`` writes it with
    # one upsert that creates or locks the row and returns its figures (see ``lock_for_lines``).
    upsert_pairs: set[Pair] = field(default_factory=set)

    def level(self, item_id: int, warehouse_id: int) -> LevelState:
        try:
            return self.levels[(item_id, warehouse_id)]
        except KeyError:  # pragma: no cover - a programming error, not user input
            raise AssertionError(
                f"stock level ({item_id}, {warehouse_id}) was not locked before use"
            ) from None


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def share_lock_locations(location_ids: Iterable[int]) -> dict[int, tuple[bool, int | None]]:
    """Lock bins against a change of their sellable flag; return {id: (sellable, warehouse)}."""
    wanted = sorted(set(location_ids))
    result: dict[int, tuple[bool, int | None]] = {}
    if not wanted:
        return result
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Location._meta.db_table)
        for part in chunks(wanted):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, sellable, warehouse_id FROM {table} "  # noqa: S608
                    "WHERE id = ANY(%s) ORDER BY id FOR SHARE",
                    [list(part)],
                )
                for pk, sellable, warehouse_id in cursor.fetchall():
                    result[pk] = (bool(sellable), warehouse_id)
        return result
    # SQLite: the IMMEDIATE transaction already holds the only write lock.
    for part in chunks(wanted):
        for pk, sellable, warehouse_id in Location.objects.filter(pk__in=part).values_list(
            "pk", "sellable", "warehouse_id"
        ):
            result[pk] = (bool(sellable), warehouse_id)
    return result


def find_and_lock_levels(pairs: set[Pair]) -> dict[Pair, LevelState]:
    """Find the StockLevel rows of (item, warehouse) pairs and lock them, in pk order, in one
    statement (FOR UPDATE on PostgreSQL); quantities are those read under the lock."""
    if not pairs:
        return {}
    items = sorted({item for item, _warehouse in pairs})
    warehouses = sorted({warehouse for _item, warehouse in pairs})
    rows = fetch_in(
        StockLevel, LEVEL_FIELDS, "item", items, where_in={"warehouse": warehouses}, lock=True
    )
    return {(row[1], row[2]): LevelState(*row) for row in rows if (row[1], row[2]) in pairs}


def lock_pairs(wanted: set[Pair]) -> dict[Pair, LevelState]:
    """Lock the levels of these pairs, creating missing rows first so there is a row to lock."""
    levels = find_and_lock_levels(wanted)
    missing = wanted - levels.keys()
    if missing:
        insert_rows(
            StockLevel,
            ["item", "warehouse", "on_hand", "sellable_on_hand", "allocated"],
            [(item, warehouse, 0, 0, 0) for item, warehouse in sorted(missing)],
            ignore_conflicts=True,
        )
        levels.update(find_and_lock_levels(missing))
    return levels


def lock_balances(
    *,
    pairs: Iterable[Pair],
    location_ids: Iterable[int] = (),
    extra_level_pks: Iterable[int] = (),
    known_locations: Mapping[int, Location] | None = None,
    locations_locked: bool = False,
) -> LockedBalances:
    """Lock the bins (share) and the stock levels (update) a change will touch, in that order.

    Missing StockLevel rows are created first (insert, ignoring a concurrent twin) so that
    every level has a row to lock.
    """
    wanted_locations = set(location_ids)
    if (
        (locations_locked or connection.vendor == "sqlite")
        and known_locations is not None
        and wanted_locations <= known_locations.keys()
    ):
        # SQLite: the IMMEDIATE transaction excludes other writers, so the rows already read
        # in it are current; no second read is needed. ``locations_locked``: the caller read
        # them under a share lock taken in pk order after the document's (PostgreSQL).
        locations = {
            pk: (known_locations[pk].sellable, known_locations[pk].warehouse_id)
            for pk in wanted_locations
        }
    else:
        locations = share_lock_locations(wanted_locations)
    levels = lock_pairs(set(pairs))
    extra = set(extra_level_pks) - {level.pk for level in levels.values()}
    if extra:
        levels.update(lock_levels(extra))
    return LockedBalances(
        levels=levels,
        sellable={pk: sellable for pk, (sellable, _wh) in locations.items()},
        location_warehouse={pk: wh for pk, (_s, wh) in locations.items() if wh is not None},
    )


def lock_more_levels(locked: LockedBalances, pairs: Iterable[Pair]) -> None:
    """Lock levels discovered after the first lock (rare: allocations read under the lock)."""
    missing = set(pairs) - locked.levels.keys()
    if not missing:
        return
    locked.levels.update(lock_pairs(missing))


def read_bin_stock(locked: LockedBalances, pairs: Iterable[Pair]) -> None:
    """Read BinStock of (item, bin) pairs into ``locked`` (only after their levels are locked)."""
    wanted = set(pairs) - locked.bin_rows.keys()
    if not wanted:
        return
    locations = sorted({location for _item, location in wanted})
    items = sorted({item for item, _location in wanted})
    rows = fetch_in(
        BinStock,
        ["item", "location", "id", "on_hand"],
        "item",
        items,
        where_in={"location": locations},
    )
    for item_id, location_id, pk, on_hand in rows:
        if (item_id, location_id) in wanted:
            locked.bin_rows[(item_id, location_id)] = pk
            locked.bin_on_hand[(item_id, location_id)] = on_hand
    for pair in wanted:
        locked.bin_on_hand.setdefault(pair, 0)


def is_bin(location: Location) -> bool:
    return location.kind == LocationKind.INTERNAL


@dataclass
class MoveEffect:
    bin_delta: dict[Pair, int]
    on_hand_delta: dict[Pair, int]
    sellable_delta: dict[Pair, int]


def move_effect(locked: LockedBalances, lines: Sequence[LedgerLine]) -> MoveEffect:
    bin_delta: dict[Pair, int] = defaultdict(int)
    on_hand_delta: dict[Pair, int] = defaultdict(int)
    sellable_delta: dict[Pair, int] = defaultdict(int)
    for line in lines:
        for location, sign in ((line.from_location, -1), (line.to_location, 1)):
            if not is_bin(location):
                continue
            delta = sign * line.qty
            bin_delta[(line.item_id, location.pk)] += delta
            warehouse_id = locked.location_warehouse.get(location.pk, location.warehouse_id)
            assert warehouse_id is not None
            pair = (line.item_id, warehouse_id)
            on_hand_delta[pair] += delta
            if locked.sellable.get(location.pk, location.sellable):
                sellable_delta[pair] += delta
    return MoveEffect(dict(bin_delta), dict(on_hand_delta), dict(sellable_delta))


def skus_of(item_ids: Iterable[int]) -> dict[int, str]:
    return dict(Item.objects.filter(pk__in=set(item_ids)).values_list("pk", "sku"))


def location_labels(location_ids: Iterable[int]) -> dict[int, str]:
    return {
        location.pk: str(location)
        for location in Location.objects.filter(pk__in=set(location_ids)).select_related(
            "warehouse"
        )
    }


def check_effect(
    locked: LockedBalances, effect: MoveEffect, allocated_delta: Mapping[Pair, int]
) -> None:
    """Refuse, before writing anything, a change that breaks a balance invariant."""
    bin_short = [
        (pair, delta)
        for pair, delta in effect.bin_delta.items()
        if locked.bin_on_hand.get(pair, 0) + delta < 0
    ]
    level_short: list[tuple[Pair, int, int]] = []
    for pair in set(effect.sellable_delta) | set(allocated_delta):
        if pair in locked.upsert_pairs:
            # Only increased (``lock_for_lines``): allocated stays within sellable on hand.
            assert effect.sellable_delta.get(pair, 0) >= 0
            assert not allocated_delta.get(pair)
            continue
        level = locked.level(*pair)
        new_sellable = level.sellable_on_hand + effect.sellable_delta.get(pair, 0)
        new_allocated = level.allocated + allocated_delta.get(pair, 0)
        if new_allocated > new_sellable:
            needed = new_allocated - level.allocated - effect.sellable_delta.get(pair, 0)
            level_short.append((pair, needed, level.sellable_on_hand - level.allocated))
    if not bin_short and not level_short:
        return
    skus = skus_of([pair[0] for pair, _d in bin_short] + [pair[0] for pair, *_ in level_short])
    errors: list[InsufficientStock] = []
    labels = location_labels(pair[1] for pair, _d in bin_short)
    for (item_id, location_id), delta in sorted(bin_short):
        errors.append(
            InsufficientStock.build(
                sku=skus[item_id],
                needed=-delta,
                available=locked.bin_on_hand.get((item_id, location_id), 0),
                where=labels.get(location_id, ""),
                field=skus[item_id],
            )
        )
    for (item_id, _warehouse_id), needed, available in sorted(level_short):
        errors.append(
            InsufficientStock.build(
                sku=skus[item_id],
                needed=needed,
                available=max(available, 0),
                field=skus[item_id],
            )
        )
    raise merge_shortages(errors)


def merge_shortages(errors: Sequence[InsufficientStock]) -> InsufficientStock:
    first = errors[0]
    if len(errors) == 1:
        return first
    detail = " ".join(error.detail for error in errors)
    field_errors: list[FieldError] = [e for error in errors for e in error.errors]
    return InsufficientStock(
        detail=detail,
        errors=field_errors,
        sku=first.sku,
        needed=first.needed,
        available=first.available,
    )


def bin_increases(bin_delta: Mapping[Pair, int]) -> list[tuple[int, int, int]]:
    return [
        (item, location, delta)
        for (item, location), delta in sorted(bin_delta.items())
        if delta > 0
    ]


def write_bin_stock(
    locked: LockedBalances, bin_delta: Mapping[Pair, int], *, increases_written: bool = False
) -> None:
    """Increases are upserted (the row may not exist yet; ``increases_written``: already,
    with the move); decreases update rows read and checked under the lock. Either way the
    change is relative to the stored value."""
    if not increases_written:
        add_rows(BinStock, ["item", "location"], "on_hand", bin_increases(bin_delta))
    decreases = []
    for pair, delta in sorted(bin_delta.items()):
        if delta < 0:
            assert pair in locked.bin_rows, "a decrease is only applied to a row read and checked"
            decreases.append((locked.bin_rows[pair], delta))
    increment_rows(BinStock, ["on_hand"], decreases)
    for pair, delta in bin_delta.items():
        if delta < 0:
            locked.bin_on_hand[pair] = locked.bin_on_hand.get(pair, 0) + delta
        elif delta > 0:
            # Re-read (by pair) if the same lock is used for another move.
            locked.bin_on_hand.pop(pair, None)
            locked.bin_rows.pop(pair, None)


def write_levels(
    locked: LockedBalances,
    on_hand_delta: Mapping[Pair, int],
    sellable_delta: Mapping[Pair, int],
    allocated_delta: Mapping[Pair, int],
    *,
    upserted: Iterable[Pair] = (),
    recorded: bool = False,
) -> None:
    """Write the level deltas, and record the pairs whose available quantity changed (these
    and ``upserted``, levels already written by ``upsert_levels``): every balance change of
    a posting ends here, so this is the one place that records them (``recorded``: the rows
    were written with the move, see ``apply_move``; only the announcement is left)."""
    availability_record(
        available_changed(sellable_delta, allocated_delta) | set(upserted), written=recorded
    )
    rows = []
    for pair in sorted(set(on_hand_delta) | set(sellable_delta) | set(allocated_delta)):
        level = locked.level(*pair)
        deltas = (
            on_hand_delta.get(pair, 0),
            sellable_delta.get(pair, 0),
            allocated_delta.get(pair, 0),
        )
        if not any(deltas):
            continue
        rows.append((level.pk, *deltas))
        level.on_hand += deltas[0]
        level.sellable_on_hand += deltas[1]
        level.allocated += deltas[2]
    increment_rows(StockLevel, ["on_hand", "sellable_on_hand", "allocated"], rows)


def apply_move(
    locked: LockedBalances,
    *,
    kind: str,
    lines: Sequence[LedgerLine],
    user: Any,
    reference: str = "",
    note: str = "",
    document_type: str = "",
    document_id: int | None = None,
    idempotency_key: str | None = None,
    reversal_of: StockMove | None = None,
    allocated_delta: Mapping[Pair, int] | None = None,
    document_update: ParentUpdate | None = None,
    created_at: datetime | None = None,
) -> StockMove:
    """Check, then write, one move and its balance changes. Nothing is written on refusal.

    ``document_update`` (model, pk, values, link field): the document row (locked by the
    caller) that records the move; written with the move's pk in ``link``, on PostgreSQL in
    the same statement as the move."""
    effect = move_effect(locked, lines)
    read_bin_stock(locked, [pair for pair, delta in effect.bin_delta.items() if delta < 0])
    allocated = dict(allocated_delta or {})
    check_effect(locked, effect, allocated)
    upserted = upsert_levels(locked, effect) if locked.upsert_pairs else set()
    # Plain statements for the move: every stock change writes one (see ``bulk``).
    values: dict[str, Any] = {
        "kind": kind,
        "reference": reference[:255],
        "note": note,
        "document_type": document_type,
        "document_id": document_id,
        "idempotency_key": idempotency_key,
        "reversal_of": reversal_of.pk if reversal_of is not None else None,
        "user": user.pk if getattr(user, "is_authenticated", False) else None,
        "created_at": created_at or timezone.now(),
    }
    line_rows = [
        (line.item_id, line.from_location.pk, line.to_location.pk, line.qty) for line in lines
    ]
    line_names = ["item", "from_location", "to_location", "qty"]
    increases_written = recorded = False
    if connection.vendor == "postgresql" and 0 < len(line_rows) <= rows_per_statement(4):
        # One round trip for the move, its lines, the document's mark and the bins' increases
        # (a data-modifying WITH). The levels were locked or upserted before: the lock order
        # (levels, then their bins) holds; each bin row appears once.
        increases = bin_increases(effect.bin_delta)
        also_run = []
        if increases:
            also_run.append(
                add_rows_statement(BinStock, ["item", "location"], "on_hand", increases)
            )
        record = availability_statement(
            available_changed(effect.sellable_delta, allocated) | upserted
        )
        if record is not None:
            also_run.append(record)
            recorded = True
        move_id = insert_one_with_rows(
            StockMove,
            values,
            StockMoveLine,
            "move",
            line_names,
            line_rows,
            also_update=document_update,
            also_run=also_run,
        )
        increases_written = True
    else:
        move_id = insert_one(StockMove, values)
        insert_rows(StockMoveLine, ["move", *line_names], [(move_id, *row) for row in line_rows])
        if document_update is not None:
            model, pk, fields, link = document_update
            update_one(model, pk, {**fields, link: move_id})
    move = StockMove(
        pk=move_id,
        kind=kind,
        reference=values["reference"],
        note=note,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
        reversal_of=reversal_of,
        user_id=values["user"],
        created_at=values["created_at"],
    )
    write_bin_stock(locked, effect.bin_delta, increases_written=increases_written)
    write_levels(
        locked,
        effect.on_hand_delta,
        effect.sellable_delta,
        allocated,
        upserted=upserted,
        recorded=recorded,
    )
    return move


def upsert_levels(locked: LockedBalances, effect: MoveEffect) -> set[Pair]:
    """Write the levels this move only increases with one upsert each, before the bins (lock
    order: level, then its bins), and keep them as locked levels for later moves. Returns
    the pairs whose available quantity this changed (sellable on hand grew)."""
    changed: set[Pair] = set()
    for pair in sorted(locked.upsert_pairs):
        on_hand = effect.on_hand_delta.pop(pair, 0)
        sellable = effect.sellable_delta.pop(pair, 0)
        assert on_hand > 0
        assert sellable >= 0
        pk, *figures = upsert_returning(
            StockLevel,
            {"item": pair[0], "warehouse": pair[1]},
            {"on_hand": on_hand, "sellable_on_hand": sellable, "allocated": 0},
            ["id", "on_hand", "sellable_on_hand", "allocated"],
        )
        locked.levels[pair] = LevelState(pk, pair[0], pair[1], *figures)
        if sellable:
            changed.add(pair)
    locked.upsert_pairs = set()
    return changed


def apply_allocations(locked: LockedBalances, allocated_delta: Mapping[Pair, int]) -> None:
    """Change allocated counters (no move): refused when it would exceed sellable on hand."""
    check_effect(locked, MoveEffect({}, {}, {}), allocated_delta)
    write_levels(locked, {}, {}, allocated_delta)


def apply_sellable_change(locked: LockedBalances, sellable_delta: Mapping[Pair, int]) -> None:
    """A bin changed its sellable flag: move its on hand into or out of sellable on hand."""
    check_effect(locked, MoveEffect({}, {}, dict(sellable_delta)), {})
    write_levels(locked, {}, sellable_delta, {})


def reversal_lines(move: StockMove) -> list[LedgerLine]:
    return [
        LedgerLine(
            item_id=line.item_id,
            from_location=line.to_location,
            to_location=line.from_location,
            qty=line.qty,
        )
        for line in move.lines.select_related("from_location", "to_location")
    ]


def lock_for_lines(
    lines: Sequence[LedgerLine],
    extra_pairs: Iterable[Pair] = (),
    *,
    locations_locked: bool = False,
) -> LockedBalances:
    """Lock everything ``apply_move`` needs for these lines.

    When the lines only bring stock into the bins of one (item, warehouse) level (a one-item
    receipt, a stocktake gain, a transfer received), that level is not locked here: nothing
    can be short, so ``apply_move`` creates or updates it with one upsert, which takes the
    row lock itself. One row, so the pk order of level locks holds trivially.
    """
    known: dict[int, Location] = {}
    pairs: set[Pair] = set(extra_pairs)
    has_extra = bool(pairs)
    takes_from_bin = False
    for line in lines:
        for location in (line.from_location, line.to_location):
            if is_bin(location):
                known[location.pk] = location
                assert location.warehouse_id is not None
                pairs.add((line.item_id, location.warehouse_id))
        takes_from_bin = takes_from_bin or is_bin(line.from_location)
    if len(pairs) == 1 and not takes_from_bin and not has_extra:
        locked = lock_balances(
            pairs=(),
            location_ids=known.keys(),
            known_locations=known,
            locations_locked=locations_locked,
        )
        locked.upsert_pairs = pairs
        return locked
    return lock_balances(
        pairs=pairs,
        location_ids=known.keys(),
        known_locations=known,
        locations_locked=locations_locked,
    )
