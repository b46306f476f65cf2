"""Reading shipping rules: the ordered list, the compiled set, and the facts of a parcel.

``facts_for_items`` turns what a parcel holds into ``RuleFacts``: its weight is the items'
weights (catalogue grams) times their quantities, bundles through their components, plus the
box's tare; its SKUs are the items' own, a bundle counting as its SKU and its components'.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kucun.catalog.models import Item
from kucun.catalog.selectors import bundle_expansions, items_matching_skus
from kucun.channels.models import Store
from kucun.core.errors import FieldError, NotFound, ValidationFailed
from kucun.shipping.models import BoxPreset, ShippingRule
from kucun.shipping.rules import CompiledRules, RuleFacts, compile_rules
from kucun.warehouses.models import Warehouse

GRAMS_PER_KG = Decimal(1000)
QUANTITY_MAX = 1_000_000
ID_MAX = 2**63 - 1


class Destination(Protocol):
    """Where a parcel goes: a carrier Address, an order's shipping address, or alike."""

    @property
    def country(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def postcode(self) -> str: ...


@dataclass(frozen=True)
class PlainDestination:
    country: str = ""
    state: str = ""
    postcode: str = ""


def rules_ordered() -> QuerySet[ShippingRule]:
    """Every rule in list order (the default last), with its account and box."""
    return ShippingRule.objects.select_related("carrier_account", "box_preset").order_by(
        "is_default", "position", "pk"
    )


def rule_by_id(rule_id: int) -> ShippingRule:
    rule = rules_ordered().filter(pk=rule_id).first() if 0 < rule_id <= ID_MAX else None
    if rule is None:
        raise NotFound(detail=_("No shipping rule has id %(id)s.") % {"id": rule_id})
    return rule


def store_names() -> dict[int, str]:
    return dict(Store.objects.values_list("pk", "name"))


def warehouse_names() -> dict[int, str]:
    return dict(Warehouse.objects.values_list("pk", "code"))


def rules_compiled(rules: Iterable[ShippingRule] | None = None) -> CompiledRules:
    """The enabled rules, compiled, with store names and warehouse codes in the explanations."""
    return compile_rules(
        list(rules_ordered()) if rules is None else rules,
        store_names=store_names(),
        warehouse_names=warehouse_names(),
    )


# --- facts ----------------------------------------------------------------------------------------


def clean_quantity(value: Any, index: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= QUANTITY_MAX:
        raise ValidationFailed.for_field(
            f"items.{index}.quantity",
            _("Line %(line)d: the quantity must be a whole number from 1 to 1,000,000.")
            % {"line": index + 1},
        )
    return value


def resolve_items(items: Sequence[tuple[Any, Any]]) -> list[tuple[Item, int]]:
    """(Item or SKU, quantity) pairs → (Item, quantity); an unknown SKU is named."""
    skus = [entry.strip() for entry, _qty in items if isinstance(entry, str)]
    found = {item.sku.casefold(): item for item in items_matching_skus(skus)} if skus else {}
    resolved: list[tuple[Item, int]] = []
    problems: list[FieldError] = []
    for index, (entry, quantity) in enumerate(items):
        try:
            units = clean_quantity(quantity, index)
        except ValidationFailed as error:
            problems.extend(error.errors)
            continue
        if isinstance(entry, Item):
            resolved.append((entry, units))
            continue
        item = found.get(str(entry).strip().casefold()) if isinstance(entry, str) else None
        if item is None:
            problems.append(
                FieldError(
                    f"items.{index}.sku",
                    _("Line %(line)d: no item has SKU '%(sku)s'.")
                    % {"line": index + 1, "sku": entry},
                )
            )
            continue
        resolved.append((item, units))
    if problems:
        raise ValidationFailed(detail="; ".join(p.message for p in problems), errors=problems)
    return resolved


def parcel_weight_and_skus(
    items: Sequence[tuple[Item, int]],
) -> tuple[Decimal, frozenset[str]]:
    """Σ weight × quantity in kg, bundles through their components; and every SKU involved."""
    expansions = bundle_expansions(item.pk for item, _qty in items if item.is_bundle)
    leaf_ids = {leaf for expansion in expansions.values() for leaf in expansion}
    leaves = {item.pk: item for item in Item.objects.filter(pk__in=leaf_ids)}
    grams = 0
    skus: set[str] = set()
    problems: list[FieldError] = []
    for index, (item, quantity) in enumerate(items):
        skus.add(item.sku)
        parts = expansions.get(item.pk) if item.is_bundle else None
        if not parts:  # a plain item, or a bundle without components: its own weight
            parts_weighed = [(item, 1)]
        else:
            parts_weighed = [(leaves[leaf], units) for leaf, units in parts.items()]
            skus.update(leaves[leaf].sku for leaf in parts)
        for part, units in parts_weighed:
            if part.weight_g is None:
                problems.append(FieldError(f"items.{index}.sku", missing_weight(item, part)))
                continue
            grams += part.weight_g * units * quantity
    if problems:
        raise ValidationFailed(detail="; ".join(p.message for p in problems), errors=problems)
    return Decimal(grams) / GRAMS_PER_KG, frozenset(skus)


def missing_weight(item: Item, part: Item) -> str:
    if part.pk == item.pk:
        return _("%(sku)s has no weight: enter its weight on the item's page.") % {"sku": item.sku}
    return _(
        "%(sku)s has no weight (in the bundle %(bundle)s): enter its weight on the item's page."
    ) % {
        "sku": part.sku,
        "bundle": item.sku,
    }


def clean_money(value: Any, field: str) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal(-1)
    if isinstance(value, bool) or not number.is_finite() or number < 0:
        raise ValidationFailed.for_field(
            field, _("'%(value)s' is not an amount: write it like 49.95.") % {"value": value}
        )
    return number


def facts_for_items(
    *,
    items: Sequence[tuple[Any, Any]],
    destination: Destination | None = None,
    store: Store | int | None = None,
    warehouse: Warehouse | int | None = None,
    value: Any = None,
    shipping_method: str = "",
    box_preset: BoxPreset | None = None,
    weight_kg: Decimal | None = None,
) -> RuleFacts:
    """The facts of a parcel holding these (Item or SKU, quantity) pairs. ``weight_kg``, when
    given, is the parcel's weight as weighed, instead of the items' and the box's."""
    resolved = resolve_items(items)
    computed, skus = parcel_weight_and_skus(resolved)
    if weight_kg is None:
        weight_kg = computed + (box_preset.tare_kg if box_preset is not None else Decimal(0))
    where = destination or PlainDestination()
    return RuleFacts(
        store_id=store.pk if isinstance(store, Store) else store,
        warehouse_id=warehouse.pk if isinstance(warehouse, Warehouse) else warehouse,
        country=where.country or "",
        state=where.state or "",
        postcode=where.postcode or "",
        weight_kg=weight_kg,
        value=clean_money(value, "value"),
        shipping_method=shipping_method or "",
        skus=skus,
    )


# --- the list's words -----------------------------------------------------------------------------


def condition_summaries(rules: Iterable[ShippingRule]) -> dict[int, list[str]]:
    """Rule id → each of its conditions in words, for the list."""
    stores, warehouses = store_names(), warehouse_names()
    return {
        rule.pk: conditions_in_words(rule.conditions or {}, stores, warehouses) for rule in rules
    }


def conditions_in_words(
    conditions: dict[str, Any], stores: dict[int, str], warehouses: dict[int, str]
) -> list[str]:
    def names(ids: Iterable[int], known: dict[int, str]) -> str:
        return ", ".join(known.get(pk, f"#{pk}") for pk in ids)

    words = {
        "stores": lambda v: _("store is %(names)s") % {"names": names(v, stores)},
        "countries": lambda v: _("country is %(codes)s") % {"codes": ", ".join(v)},
        "states": lambda v: _("state is %(codes)s") % {"codes": ", ".join(v)},
        "postcodes": lambda v: _("postcode in %(postcodes)s") % {"postcodes": v},
        "weight_min_kg": lambda v: _("weight ≥ %(kg)s kg") % {"kg": v},
        "weight_max_kg": lambda v: _("weight ≤ %(kg)s kg") % {"kg": v},
        "value_min": lambda v: _("value ≥ %(amount)s") % {"amount": v},
        "value_max": lambda v: _("value ≤ %(amount)s") % {"amount": v},
        "shipping_method_contains": lambda v: (
            _("shipping method contains “%(text)s”") % {"text": v}
        ),
        "skus": lambda v: _("contains %(skus)s") % {"skus": ", ".join(v)},
        "warehouses": lambda v: _("ships from %(codes)s") % {"codes": names(v, warehouses)},
    }
    return [str(words[key](value)) for key, value in conditions.items() if key in words]
