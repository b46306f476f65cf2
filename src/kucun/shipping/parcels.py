"""The parcels of a shipment: computed from the items packed (their weights, a bundle through its
components, plus the box's tare; the box's size) or given by hand. Pure reads: nothing is
written here, and every problem names its field (``items[0].sku``, ``parcels[1].weight_kg``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from kucun.catalog.models import BundleComponent, Item
from kucun.core.credentials import Problems
from kucun.shipping.models import BoxPreset

GRAMS_PER_KG = Decimal(1000)
WEIGHT_PLACES = Decimal("0.001")
SIZE_PLACES = Decimal("0.1")
MONEY_PLACES = Decimal("0.01")
WEIGHT_MAX_KG = Decimal("999999")
SIZE_MAX_CM = Decimal("99999")
VALUE_MAX = Decimal("9999999999")
QUANTITY_MAX = 1_000_000
DESCRIPTION_MAX = 200
SIZES = ("length_cm", "width_cm", "height_cm")


@dataclass(frozen=True)
class ParcelDraft:
    """One parcel as it will be stored (ShipmentParcel) and sent."""

    weight_kg: Decimal
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    description: str = ""
    value: Decimal = Decimal("0")
    contents: list[dict[str, Any]] = field(default_factory=list)
    box_preset: BoxPreset | None = None


def decimal_of(
    value: Any,
    *,
    field_name: str,
    label: str,
    problems: Problems,
    places: Decimal,
    maximum: Decimal,
    positive: bool = True,
) -> Decimal | None:
    """A number (int, float, text or Decimal) rounded to ``places``; None after a problem."""
    if isinstance(value, bool) or value is None or value == "":
        problems.add(field_name, _("%(label)s is required.") % {"label": label})
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        problems.add(field_name, _("%(label)s must be a number.") % {"label": label})
        return None
    if not number.is_finite():
        problems.add(field_name, _("%(label)s must be a number.") % {"label": label})
        return None
    number = number.quantize(places, rounding=ROUND_HALF_UP)
    if positive and number <= 0:
        problems.add(field_name, _("%(label)s must be more than 0.") % {"label": label})
        return None
    if not positive and number < 0:
        problems.add(field_name, _("%(label)s cannot be negative.") % {"label": label})
        return None
    if number > maximum:
        problems.add(field_name, _("%(label)s is too large.") % {"label": label})
        return None
    return number


def quantity_of(value: Any, *, field_name: str, problems: Problems) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        problems.add(field_name, _("Quantity must be a whole number."))
        return 0
    try:
        quantity = int(str(value).strip())
    except ValueError:
        problems.add(field_name, _("Quantity must be a whole number."))
        return 0
    if not 1 <= quantity <= QUANTITY_MAX:
        problems.add(field_name, _("Quantity must be at least 1."))
        return 0
    return quantity


def box_sizes(box: BoxPreset | None) -> dict[str, Decimal | None]:
    if box is None:
        return dict.fromkeys(SIZES)
    return {"length_cm": box.length_cm, "width_cm": box.width_cm, "height_cm": box.height_cm}


# --- from items ---------------------------------------------------------------------------------


def find_item(line: Mapping[str, Any], position: int, problems: Problems) -> Item | None:
    prefix = f"items[{position}]"
    sku = str(line.get("sku") or "").strip()
    item_id = line.get("item_id")
    if sku:
        item = Item.objects.filter(sku__iexact=sku).first()
        if item is None:
            problems.add(f"{prefix}.sku", _("No item has SKU %(sku)s.") % {"sku": sku})
        return item
    if isinstance(item_id, int) and not isinstance(item_id, bool):
        item = Item.objects.filter(pk=item_id).first()
        if item is None:
            problems.add(f"{prefix}.item_id", _("No item has id %(id)s.") % {"id": item_id})
        return item
    problems.add(f"{prefix}.sku", _("Give the item's SKU or its id."))
    return None


def unit_weight_grams(item: Item, field_name: str, problems: Problems) -> int | None:
    """An item's weight in grams; a bundle's is its components' (each × its quantity)."""
    if not item.is_bundle:
        if item.weight_g is None:
            problems.add(
                field_name,
                _("Item %(sku)s has no weight: enter it on the item, or give the parcels by hand.")
                % {"sku": item.sku},
            )
        return item.weight_g
    components = list(BundleComponent.objects.filter(bundle=item).select_related("component"))
    if not components:
        problems.add(
            field_name, _("Bundle %(sku)s has no components to weigh.") % {"sku": item.sku}
        )
        return None
    missing = sorted(row.component.sku for row in components if row.component.weight_g is None)
    if missing:
        problems.add(
            field_name,
            _("Bundle %(sku)s has components without a weight: %(skus)s.")
            % {"sku": item.sku, "skus": ", ".join(missing)},
        )
        return None
    return sum((row.component.weight_g or 0) * row.quantity for row in components)


def sizes_given(
    given: Mapping[str, Any] | None,
    prefix: str,
    box_preset: BoxPreset | None,
    problems: Problems,
) -> dict[str, Decimal | None]:
    """The box's inner size, each dimension replaced by one given by hand."""
    sizes = box_sizes(box_preset)
    for name in SIZES:
        if given and given.get(name) not in (None, ""):
            sizes[name] = decimal_of(
                given.get(name),
                field_name=f"{prefix}.{name}",
                label=_("Size"),
                problems=problems,
                places=SIZE_PLACES,
                maximum=SIZE_MAX_CM,
            )
    return sizes


def parcels_from_items(
    items: Sequence[Mapping[str, Any]],
    *,
    box_preset: BoxPreset | None,
    dimensions: Mapping[str, Any] | None = None,
) -> list[ParcelDraft]:
    """One parcel holding every line: the items' weights plus the box's tare; the box's size,
    or ``dimensions`` measured by hand (length_cm, width_cm, height_cm)."""
    problems = Problems()
    if isinstance(items, str | bytes) or not isinstance(items, Sequence) or not items:
        problems.add("items", _("List at least one item to ship."))
        problems.raise_any()
    grams = 0
    value = Decimal("0")
    contents: list[dict[str, Any]] = []
    for position, line in enumerate(items):
        if not isinstance(line, Mapping):
            problems.add(f"items[{position}]", _("Each item is an object with sku and quantity."))
            continue
        item = find_item(line, position, problems)
        quantity = quantity_of(
            line.get("quantity", 1), field_name=f"items[{position}].quantity", problems=problems
        )
        unit_value = Decimal("0")
        if line.get("unit_value") not in (None, ""):
            unit_value = decimal_of(
                line.get("unit_value"),
                field_name=f"items[{position}].unit_value",
                label=_("Unit value"),
                problems=problems,
                places=MONEY_PLACES,
                maximum=VALUE_MAX,
                positive=False,
            ) or Decimal("0")
        if item is None or not quantity:
            continue
        unit_grams = unit_weight_grams(item, f"items[{position}].sku", problems)
        if unit_grams is None:
            continue
        grams += unit_grams * quantity
        value += unit_value * quantity
        contents.append(
            {
                "sku": item.sku,
                "item_id": item.pk,
                "quantity": quantity,
                "description": item.name[:DESCRIPTION_MAX],
                "unit_value": str(unit_value),
                "unit_weight_kg": str((Decimal(unit_grams) / GRAMS_PER_KG).quantize(WEIGHT_PLACES)),
            }
        )
    problems.raise_any()
    tare = box_preset.tare_kg if box_preset is not None else Decimal("0")
    weight = (Decimal(grams) / GRAMS_PER_KG + tare).quantize(WEIGHT_PLACES, ROUND_HALF_UP)
    if weight <= 0:
        problems.add("items", _("The items weigh nothing: enter their weights on the items."))
    limit = box_preset.max_weight_kg if box_preset is not None else None
    if box_preset is not None and limit is not None and weight > limit:
        problems.add(
            "box_preset",
            _(
                "%(weight)s kg is more than box %(box)s holds (%(max)s kg): "
                "give the parcels by hand."
            )
            % {"weight": weight, "box": box_preset.name, "max": box_preset.max_weight_kg},
        )
    sizes = sizes_given(dimensions, "dimensions", box_preset, problems)
    problems.raise_any()
    description = ", ".join(f"{line['quantity']} × {line['sku']}" for line in contents)
    return [
        ParcelDraft(
            weight_kg=weight,
            description=description[:DESCRIPTION_MAX],
            value=value.quantize(MONEY_PLACES),
            contents=contents,
            box_preset=box_preset,
            **sizes,
        )
    ]


# --- given by hand ------------------------------------------------------------------------------


def clean_contents(value: Any, prefix: str, problems: Problems) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        problems.add(f"{prefix}.contents", _("Contents must be a list."))
        return []
    cleaned = []
    for position, line in enumerate(value):
        name = f"{prefix}.contents[{position}]"
        if not isinstance(line, Mapping):
            problems.add(name, _("Each content line is an object with sku and quantity."))
            continue
        quantity = quantity_of(
            line.get("quantity", 1), field_name=f"{name}.quantity", problems=problems
        )
        cleaned.append(
            {
                "sku": str(line.get("sku") or "")[:64],
                "quantity": quantity,
                "description": str(line.get("description") or "")[:DESCRIPTION_MAX],
                "unit_value": str(line.get("unit_value") or "0"),
            }
        )
    return cleaned


def parcel_by_hand(
    given: Mapping[str, Any], prefix: str, box_preset: BoxPreset | None, problems: Problems
) -> ParcelDraft | None:
    weight = decimal_of(
        given.get("weight_kg"),
        field_name=f"{prefix}.weight_kg",
        label=_("Weight"),
        problems=problems,
        places=WEIGHT_PLACES,
        maximum=WEIGHT_MAX_KG,
    )
    sizes = sizes_given(given, prefix, box_preset, problems)
    value = Decimal("0")
    if given.get("value") not in (None, ""):
        value = decimal_of(
            given.get("value"),
            field_name=f"{prefix}.value",
            label=_("Parcel value"),
            problems=problems,
            places=MONEY_PLACES,
            maximum=VALUE_MAX,
            positive=False,
        ) or Decimal("0")
    description = str(given.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        problems.add(
            f"{prefix}.description",
            _("Description is at most %(max)d characters.") % {"max": DESCRIPTION_MAX},
        )
    contents = clean_contents(given.get("contents"), prefix, problems)
    if weight is None:
        return None
    return ParcelDraft(
        weight_kg=weight,
        description=description[:DESCRIPTION_MAX],
        value=value,
        contents=contents,
        box_preset=box_preset,
        **sizes,
    )


def parcels_given(
    parcels: Sequence[Mapping[str, Any]], *, box_preset: BoxPreset | None, max_parcels: int
) -> list[ParcelDraft]:
    """Parcels entered by hand: each weight given (the whole parcel's), sizes given or the
    box's."""
    problems = Problems()
    if isinstance(parcels, str | bytes) or not isinstance(parcels, Sequence) or not parcels:
        problems.add("parcels", _("Give at least one parcel."))
        problems.raise_any()
    if len(parcels) > max_parcels:
        problems.add(
            "parcels",
            _("This carrier takes at most %(max)d parcels in one shipment.") % {"max": max_parcels},
        )
        problems.raise_any()
    drafts = []
    for position, given in enumerate(parcels):
        prefix = f"parcels[{position}]"
        if not isinstance(given, Mapping):
            problems.add(prefix, _("Each parcel is an object with weight_kg and sizes."))
            continue
        draft = parcel_by_hand(given, prefix, box_preset, problems)
        if draft is not None:
            drafts.append(draft)
    problems.raise_any()
    return drafts
