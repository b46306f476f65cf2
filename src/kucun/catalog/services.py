"""Writes to the catalogue. Each service owns its transaction and writes its audit rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from kucun.catalog import validation
from kucun.catalog.extensions import components_changed, stock_held
from kucun.catalog.models import BundleComponent, Item
from kucun.catalog.selectors import ID_MAX, items_matching_skus
from kucun.core.audit import audit_record
from kucun.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kucun.core.locks import lock_rows


def _labels() -> dict[str, str]:
    return {
        "weight_g": _("Weight (g)"),
        "length_mm": _("Length (mm)"),
        "width_mm": _("Width (mm)"),
        "height_mm": _("Height (mm)"),
        "safety_stock": _("Safety stock"),
        "reorder_point": _("Reorder point"),
        "is_bundle": _("Bundle"),
        "active": _("Active"),
    }


OPTIONAL_SIZES = ("weight_g", "length_mm", "width_mm", "height_mm")
REQUIRED_COUNTS = ("safety_stock", "reorder_point")
FLAGS = ("is_bundle", "active")
ITEM_FIELDS = (
    "sku",
    "name",
    "barcode",
    "unit",
    *OPTIONAL_SIZES,
    "cost_price",
    *REQUIRED_COUNTS,
    "is_bundle",
    "active",
    "notes",
)


def _clean_one(name: str, value: Any) -> Any:
    labels = _labels()
    cleaners: dict[str, Callable[[Any], Any]] = {
        "sku": validation.clean_sku,
        "name": validation.clean_name,
        "barcode": validation.clean_barcode,
        "unit": validation.clean_unit,
        "cost_price": validation.clean_cost_price,
        "notes": validation.clean_notes,
    }
    if name in cleaners:
        return cleaners[name](value)
    if name in OPTIONAL_SIZES:
        return validation.clean_non_negative_int(
            value, field=name, label=labels[name], allow_none=True
        )
    if name in REQUIRED_COUNTS:
        return validation.clean_non_negative_int(value, field=name, label=labels[name])
    return validation.clean_flag(value, field=name, label=labels[name])


def clean_item_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Every given field cleaned; all problems reported at once, each naming its field."""
    unknown = sorted(set(fields) - set(ITEM_FIELDS))
    if unknown:
        message = _("Unknown item field(s): %(names)s.") % {"names": ", ".join(unknown)}
        raise ValidationFailed(
            detail=message, errors=[FieldError(name, _("Unknown field.")) for name in unknown]
        )
    cleaned: dict[str, Any] = {}
    problems: list[FieldError] = []
    for name, value in fields.items():
        try:
            cleaned[name] = _clean_one(name, value)
        except ValidationFailed as error:
            problems.extend(error.errors)
    if problems:
        raise ValidationFailed(
            detail="; ".join(problem.message for problem in problems), errors=problems
        )
    return cleaned


def _uniqueness_problems(
    *, sku: str | None, barcode: str | None, exclude_id: int | None
) -> list[FieldError]:
    problems: list[FieldError] = []
    if sku is not None:
        existing = Item.objects.alias(sku_lower=Lower("sku")).filter(sku_lower=Lower(Value(sku)))
        if exclude_id is not None:
            existing = existing.exclude(pk=exclude_id)
        other = existing.first()
        if other is not None:
            if other.sku == sku:
                message = _("An item with SKU '%(sku)s' already exists.") % {"sku": sku}
            else:
                message = _("An item with SKU '%(sku)s' already exists (as '%(existing)s').") % {
                    "sku": sku,
                    "existing": other.sku,
                }
            problems.append(FieldError("sku", message))
    if barcode is not None:
        same_barcode = Item.objects.filter(barcode=barcode)
        if exclude_id is not None:
            same_barcode = same_barcode.exclude(pk=exclude_id)
        holder = same_barcode.first()
        if holder is not None:
            problems.append(
                FieldError(
                    "barcode",
                    _("Barcode '%(barcode)s' already belongs to item %(sku)s.")
                    % {"barcode": barcode, "sku": holder.sku},
                )
            )
    return problems


def _refuse_duplicates(*, sku: str | None, barcode: str | None, exclude_id: int | None) -> None:
    problems = _uniqueness_problems(sku=sku, barcode=barcode, exclude_id=exclude_id)
    if problems:
        raise Conflict(detail="; ".join(p.message for p in problems), errors=problems)


def _conflict_after_race(
    error: IntegrityError, *, sku: str | None, barcode: str | None, exclude_id: int | None
) -> Conflict:
    """Another writer took the SKU or barcode between our check and our write."""
    problems = _uniqueness_problems(sku=sku, barcode=barcode, exclude_id=exclude_id)
    if not problems:
        problems = [
            FieldError("sku", _("The item could not be saved: %(error)s") % {"error": error})
        ]
    return Conflict(detail="; ".join(p.message for p in problems), errors=problems)


def _clean_checked(fields: dict[str, Any], *, exclude_id: int | None) -> dict[str, Any]:
    """Clean the fields; when some are refused, also name a taken SKU or barcode at once."""
    try:
        return clean_item_fields(fields)
    except ValidationFailed as error:
        refused = {problem.field for problem in error.errors}
        sku = fields.get("sku") if "sku" in fields and "sku" not in refused else None
        barcode = fields.get("barcode") if "barcode" not in refused else None
        taken = _uniqueness_problems(
            sku=validation.clean_sku(sku) if sku is not None else None,
            barcode=validation.clean_barcode(barcode),
            exclude_id=exclude_id,
        )
        if not taken:
            raise
        order = {name: index for index, name in enumerate(ITEM_FIELDS)}
        problems = sorted([*error.errors, *taken], key=lambda p: order.get(p.field, len(order)))
        raise ValidationFailed(
            detail="; ".join(p.message for p in problems), errors=problems
        ) from None


def _stock_held(item: Item) -> int:
    """Units of this item in any bin, as the stock ledger reports them."""
    return stock_held([item.pk]).get(item.pk, 0)


def _refuse_bundle_flip(item: Item) -> None:
    """A bundle holds no stock and a plain item has no components: flip only an empty item."""
    if item.components.exists():
        message = _(
            "%(sku)s still has bundle components: remove them all (save the bundle with no "
            "components) before it stops being a bundle."
        ) % {"sku": item.sku}
        raise ValidationFailed(detail=message, errors=[FieldError("is_bundle", message)])
    held = _stock_held(item)
    if held:
        message = _(
            "%(sku)s holds %(units)d units in stock, and a bundle holds no stock: issue or "
            "move the stock out first, then mark it as a bundle."
        ) % {"sku": item.sku, "units": held}
        raise ValidationFailed(detail=message, errors=[FieldError("is_bundle", message)])


def _audit_values(item: Item, names: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        value = getattr(item, name)
        values[name] = str(value) if isinstance(value, Decimal) else value
    return values


def item_create(
    *,
    user: Any,
    sku: Any,
    name: Any,
    barcode: Any = None,
    unit: Any = "each",
    weight_g: Any = None,
    length_mm: Any = None,
    width_mm: Any = None,
    height_mm: Any = None,
    cost_price: Any = Decimal("0"),
    safety_stock: Any = 0,
    reorder_point: Any = 0,
    is_bundle: Any = False,
    active: Any = True,
    notes: Any = "",
) -> Item:
    """A new item (or an empty bundle when is_bundle); SKU and barcode must be free."""
    values = _clean_checked(
        {
            "sku": sku,
            "name": name,
            "barcode": barcode,
            "unit": unit,
            "weight_g": weight_g,
            "length_mm": length_mm,
            "width_mm": width_mm,
            "height_mm": height_mm,
            "cost_price": cost_price,
            "safety_stock": safety_stock,
            "reorder_point": reorder_point,
            "is_bundle": is_bundle,
            "active": active,
            "notes": notes,
        },
        exclude_id=None,
    )
    try:
        with transaction.atomic():
            _refuse_duplicates(sku=values["sku"], barcode=values["barcode"], exclude_id=None)
            item = Item.objects.create(**values)
            audit_record(
                actor=user,
                action="item.create",
                obj=item,
                summary=_("Created item %(sku)s") % {"sku": item.sku},
                data=_audit_values(item, ITEM_FIELDS),
            )
    except IntegrityError as error:
        raise _conflict_after_race(
            error, sku=values["sku"], barcode=values["barcode"], exclude_id=None
        ) from error
    return item


def item_update(*, user: Any, item_id: int, **fields: Any) -> Item:
    """Change the given fields; only what differs is written and audited."""
    values = _clean_checked(fields, exclude_id=item_id if 0 < item_id <= ID_MAX else None)
    try:
        with transaction.atomic():
            item = lock_rows(Item.objects.all(), [item_id]).get(item_id)
            if item is None:
                raise NotFound(detail=_("No item has id %(id)s.") % {"id": item_id})
            changed = {
                name: value for name, value in values.items() if getattr(item, name) != value
            }
            if not changed:
                return item
            _refuse_duplicates(
                sku=changed.get("sku"), barcode=changed.get("barcode"), exclude_id=item.pk
            )
            if "is_bundle" in changed:
                _refuse_bundle_flip(item)
            before = _audit_values(item, changed)
            for name, value in changed.items():
                setattr(item, name, value)
            item.save(update_fields=[*changed, "updated_at"])
            audit_record(
                actor=user,
                action="item.update",
                obj=item,
                summary=_("Changed item %(sku)s: %(fields)s")
                % {"sku": item.sku, "fields": ", ".join(changed)},
                data={"before": before, "after": _audit_values(item, changed)},
            )
    except IntegrityError as error:
        raise _conflict_after_race(
            error, sku=values.get("sku"), barcode=values.get("barcode"), exclude_id=item_id
        ) from error
    return item


def items_set_active(*, user: Any, item_ids: Sequence[int], active: bool) -> int:
    """Activate or deactivate these items; returns how many changed. Unknown ids: nothing."""
    active = validation.clean_flag(active, field="active", label=_("Active"))
    wanted: list[int] = []
    for item_id in item_ids:
        if isinstance(item_id, bool) or not isinstance(item_id, int):
            message = _("Item ids must be whole numbers (got %(value)r).") % {"value": item_id}
            raise ValidationFailed(detail=message, errors=[FieldError("item_ids", message)])
        wanted.append(item_id)
    with transaction.atomic():
        items = lock_rows(Item.objects.all(), [pk for pk in wanted if 0 < pk <= ID_MAX])
        missing = sorted(set(wanted) - set(items))
        if missing:
            message = _("No item has id %(ids)s: nothing was changed.") % {
                "ids": ", ".join(str(pk) for pk in missing)
            }
            raise NotFound(detail=message, errors=[FieldError("item_ids", message)])
        to_change = [item for item in items.values() if item.active != active]
        for item in to_change:
            item.active = active
            audit_record(
                actor=user,
                action="item.activate" if active else "item.deactivate",
                obj=item,
                summary=(_("Activated item %(sku)s") if active else _("Deactivated item %(sku)s"))
                % {"sku": item.sku},
                data={"active": active},
            )
        Item.objects.filter(pk__in=[item.pk for item in to_change]).update(active=active)
    return len(to_change)


def _clean_component_rows(
    components: Sequence[tuple[Any, Any]],
) -> list[tuple[str, int]]:
    """Each row cleaned; a SKU given twice refused, naming both rows."""
    if isinstance(components, str | bytes) or not isinstance(components, Sequence):
        message = _("Components must be a list of SKU and quantity pairs.")
        raise ValidationFailed(detail=message, errors=[FieldError("components", message)])
    rows: list[tuple[str, int]] = []
    problems: list[FieldError] = []
    first_row_of: dict[str, int] = {}
    for index, row in enumerate(components):
        number = index + 1
        try:
            sku_value, quantity_value = row
        except (TypeError, ValueError):
            problems.append(
                FieldError(
                    f"components.{index}",
                    _("Row %(row)d: give a SKU and a quantity.") % {"row": number},
                )
            )
            continue
        try:
            sku = validation.clean_sku(sku_value, field=f"components.{index}.sku")
        except ValidationFailed as error:
            problems.extend(
                FieldError(
                    e.field, _("Row %(row)d: %(message)s") % {"row": number, "message": e.message}
                )
                for e in error.errors
            )
            continue
        try:
            quantity = validation.clean_quantity(
                quantity_value, field=f"components.{index}.quantity"
            )
        except ValidationFailed as error:
            problems.extend(
                FieldError(
                    e.field,
                    _("Row %(row)d (%(sku)s): %(message)s")
                    % {"row": number, "sku": sku, "message": e.message},
                )
                for e in error.errors
            )
            continue
        key = sku.casefold()
        if key in first_row_of:
            problems.append(
                FieldError(
                    f"components.{index}.sku",
                    _(
                        "Row %(row)d: %(sku)s is already in row %(first)d. Give each "
                        "component once, with the total quantity."
                    )
                    % {"row": number, "sku": sku, "first": first_row_of[key]},
                )
            )
            continue
        first_row_of[key] = number
        rows.append((sku, quantity))
    if problems:
        raise ValidationFailed(detail="; ".join(p.message for p in problems), errors=problems)
    return rows


def _reachable_edges(start_ids: Iterable[int]) -> dict[int, list[int]]:
    """Bundle -> direct components, for every bundle reachable from these items."""
    edges: dict[int, list[int]] = {}
    frontier = set(start_ids)
    visited: set[int] = set()
    while frontier:
        visited |= frontier
        rows = BundleComponent.objects.filter(bundle_id__in=frontier).values_list(
            "bundle_id", "component_id"
        )
        next_frontier: set[int] = set()
        for bundle_id, component_id in rows:
            edges.setdefault(bundle_id, []).append(component_id)
            next_frontier.add(component_id)
        frontier = next_frontier - visited
    return edges


def _checked_bundle(bundle: Item | None, bundle_id: int) -> Item:
    if bundle is None:
        raise NotFound(detail=_("No item has id %(id)s.") % {"id": bundle_id})
    if not bundle.is_bundle:
        message = _("%(sku)s is not a bundle: mark it as a bundle before giving it components.") % {
            "sku": bundle.sku
        }
        raise ValidationFailed(detail=message, errors=[FieldError("is_bundle", message)])
    return bundle


def bundle_set_components(
    *, user: Any, bundle_id: int, components: Sequence[tuple[Any, Any]]
) -> Item:
    """Replace the bundle's components with these (SKU, quantity) rows, all or nothing.

    A bundle may contain bundles, but never itself, directly or through another bundle.
    """
    rows = _clean_component_rows(components)
    with transaction.atomic():
        bundle = _checked_bundle(
            Item.objects.filter(pk=bundle_id).first() if 0 < bundle_id <= ID_MAX else None,
            bundle_id,
        )
        found = {item.sku.casefold(): item for item in items_matching_skus(s for s, _q in rows)}
        problems: list[FieldError] = []
        resolved: list[tuple[Item, int]] = []
        for index, (sku, quantity) in enumerate(rows):
            item = found.get(sku.casefold())
            if item is None:
                problems.append(
                    FieldError(
                        f"components.{index}.sku",
                        _("Row %(row)d: no item has SKU '%(sku)s'.")
                        % {"row": index + 1, "sku": sku},
                    )
                )
            elif item.pk == bundle.pk:
                problems.append(
                    FieldError(
                        f"components.{index}.sku",
                        _("Row %(row)d: a bundle cannot contain itself (%(sku)s).")
                        % {"row": index + 1, "sku": bundle.sku},
                    )
                )
            else:
                resolved.append((item, quantity))
        if problems:
            raise ValidationFailed(detail="; ".join(p.message for p in problems), errors=problems)
        # Lock the bundle and its components in one go, ordered by pk, so two edits that
        # would close a loop between them run one after the other and the second sees the
        # first (and never wait on each other in opposite order).
        locked = lock_rows(Item.objects.all(), [bundle.pk, *(item.pk for item, _q in resolved)])
        bundle = _checked_bundle(locked.get(bundle.pk), bundle_id)
        _refuse_cycles(bundle, resolved)
        previous = [
            {"sku": c.component.sku, "quantity": c.quantity}
            for c in BundleComponent.objects.filter(bundle=bundle)
            .select_related("component")
            .order_by("id")
        ]
        BundleComponent.objects.filter(bundle=bundle).delete()
        BundleComponent.objects.bulk_create(
            BundleComponent(bundle=bundle, component=item, quantity=quantity)
            for item, quantity in resolved
        )
        now = [{"sku": item.sku, "quantity": quantity} for item, quantity in resolved]
        components_changed(bundle.pk)
        audit_record(
            actor=user,
            action="bundle.set_components",
            obj=bundle,
            summary=_("Set the components of bundle %(sku)s") % {"sku": bundle.sku},
            data={"before": previous, "after": now},
        )
    return bundle


def _refuse_cycles(bundle: Item, resolved: list[tuple[Item, int]]) -> None:
    component_ids = [item.pk for item, _q in resolved]
    edges = _reachable_edges(component_ids)
    edges.pop(bundle.pk, None)
    loop = validation.bundle_cycle(edges, bundle.pk, component_ids)
    if loop is None:
        return
    skus = dict(Item.objects.filter(pk__in=set(loop)).values_list("pk", "sku"))
    added_id = loop[1]
    index = component_ids.index(added_id)
    message = _("Adding %(component)s to %(bundle)s would make a loop: %(path)s") % {
        "component": skus[added_id],
        "bundle": bundle.sku,
        "path": " → ".join(skus[pk] for pk in loop),
    }
    raise ValidationFailed(detail=message, errors=[FieldError(f"components.{index}.sku", message)])


def bundle_create(*, user: Any, components: Sequence[tuple[Any, Any]], **fields: Any) -> Item:
    """A new bundle and its components in one transaction: a refused component creates nothing."""
    with transaction.atomic():
        bundle = item_create(user=user, **{**fields, "is_bundle": True})
        bundle_set_components(user=user, bundle_id=bundle.pk, components=components)
    return bundle


def bundle_update(
    *, user: Any, bundle_id: int, components: Sequence[tuple[Any, Any]], **fields: Any
) -> Item:
    """The bundle's own fields and its components, changed together or not at all."""
    fields.pop("is_bundle", None)
    with transaction.atomic():
        bundle = item_update(user=user, item_id=bundle_id, **fields)
        bundle_set_components(user=user, bundle_id=bundle.pk, components=components)
    bundle.refresh_from_db()
    return bundle
