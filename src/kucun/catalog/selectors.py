"""Reads of the catalogue: items by SKU, filtered lists, bundle expansion."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from kucun.catalog.models import BundleComponent, Item
from kucun.core.errors import FieldError, NotFound, ValidationFailed

# Bundles nest; a chain deeper than this can only come from corrupt data.
BUNDLE_DEPTH_LIMIT = 50


@dataclass
class BundleTooDeep(ValidationFailed):
    """Bundles nested deeper than the limit: only corrupt data gets there."""

    @classmethod
    def about(cls, bundle_ids: list[int]) -> BundleTooDeep:
        skus = sorted(Item.objects.filter(pk__in=bundle_ids).values_list("sku", flat=True))
        message = _("Bundle %(skus)s nests deeper than %(limit)d levels; check its components.") % {
            "skus": ", ".join(skus) or "?",
            "limit": BUNDLE_DEPTH_LIMIT,
        }
        return cls(detail=message, errors=[FieldError("components", message)])


# Ids outside this range cannot exist; asking the database would overflow its integer type.
ID_MAX = 2**63 - 1


def searchable(text: str | None) -> str:
    """Search text as the database can take it: trimmed, without NUL characters."""
    return (text or "").replace("\x00", "").strip()


def items_matching_skus(skus: Iterable[str]) -> QuerySet[Item]:
    """Items whose SKU equals one of these, ignoring case the way the unique constraint does."""
    wanted = [Lower(Value(sku)) for sku in skus]
    if not wanted:
        return Item.objects.none()
    return Item.objects.alias(sku_lower=Lower("sku")).filter(
        Q.create([("sku_lower", value) for value in wanted], connector=Q.OR)
    )


def item_by_sku(sku: str) -> Item:
    """The item with this SKU, ignoring case and surrounding spaces."""
    wanted = searchable(sku)
    item = items_matching_skus([wanted]).first() if wanted else None
    if item is None:
        message = _("No item has SKU '%(sku)s'.") % {"sku": wanted}
        raise NotFound(detail=message, errors=[FieldError("sku", message)])
    return item


def item_by_id(item_id: int) -> Item:
    item = Item.objects.filter(pk=item_id).first() if 0 < item_id <= ID_MAX else None
    if item is None:
        message = _("No item has id %(id)s.") % {"id": item_id}
        raise NotFound(detail=message)
    return item


def item_list(
    *,
    text: str = "",
    active: bool | None = None,
    is_bundle: bool | None = None,
    sku: str | None = None,
) -> QuerySet[Item]:
    """Items filtered as the console list and the API list filter them (SKU order)."""
    queryset = Item.objects.all()
    text = searchable(text)
    if text:
        queryset = queryset.filter(
            Q(sku__icontains=text) | Q(name__icontains=text) | Q(barcode__icontains=text)
        )
    if active is not None:
        queryset = queryset.filter(active=active)
    if is_bundle is not None:
        queryset = queryset.filter(is_bundle=is_bundle)
    sku = searchable(sku)
    if sku:
        queryset = queryset.alias(sku_lower=Lower("sku")).filter(sku_lower=Lower(Value(sku)))
    return queryset.order_by("sku", "pk")


def bundle_list(*, text: str = "", active: bool | None = None) -> QuerySet[Item]:
    """Bundles with their components (and the component items) fetched in two more queries."""
    return item_list(text=text, active=active, is_bundle=True).prefetch_related(
        Prefetch(
            "components",
            queryset=BundleComponent.objects.select_related("component").order_by("id"),
        )
    )


def bundle_components(bundle: Item) -> list[BundleComponent]:
    """The bundle's direct components in the order they were given, with their items."""
    return list(
        BundleComponent.objects.filter(bundle=bundle).select_related("component").order_by("id")
    )


def bundles_using(item: Item) -> list[BundleComponent]:
    """The bundles that contain this item directly, with the quantity each holds."""
    return list(
        BundleComponent.objects.filter(component=item)
        .select_related("bundle")
        .order_by("bundle__sku", "id")
    )


def bundles_affected_by(item_ids: Iterable[int]) -> set[int]:
    """Every bundle that holds one of these items, directly or inside another bundle (a
    bundle of bundles): the bundles whose availability a change to these items changes.

    One query per level of nesting; the items themselves are not included (unless a bundle
    among them is inside another of them).
    """
    found: set[int] = set()
    frontier = set(item_ids)
    for _depth in range(BUNDLE_DEPTH_LIMIT):
        if not frontier:
            return found
        parents = set(
            BundleComponent.objects.filter(component_id__in=sorted(frontier)).values_list(
                "bundle_id", flat=True
            )
        )
        frontier = parents - found
        found |= parents
    raise BundleTooDeep.about(sorted(frontier))


def bundle_expansion(item: Item) -> dict[int, int]:
    """Leaf item id -> units of it in one unit of this item.

    Nested bundles are multiplied out and a component reached twice is summed. An item that is
    not a bundle expands to itself; a bundle without components expands to nothing.
    """
    if not item.is_bundle:
        return {item.pk: 1}
    return bundle_expansions([item.pk])[item.pk]


def bundle_expansions(bundle_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """{bundle id: {leaf item id: units per bundle}} for many bundles: the one expansion of
    bundles that every reader of availability and every writer of stock uses.

    Nested bundles are multiplied out and a component reached twice is summed; a bundle without
    components expands to nothing. One query per level of nesting for all bundles together; a
    chain deeper than ``BUNDLE_DEPTH_LIMIT`` raises ``BundleTooDeep`` naming the bundle.
    """
    roots = set(bundle_ids)
    frontier: dict[tuple[int, int], int] = {(pk, pk): 1 for pk in roots}
    leaves: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for _depth in range(BUNDLE_DEPTH_LIMIT):
        if not frontier:
            break
        by_node: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for (root, node), units in frontier.items():
            by_node[node].append((root, units))
        rows = BundleComponent.objects.filter(bundle_id__in=list(by_node)).values_list(
            "bundle_id", "component_id", "quantity", "component__is_bundle"
        )
        next_frontier: dict[tuple[int, int], int] = defaultdict(int)
        for bundle_id, component_id, quantity, component_is_bundle in rows:
            for root, units in by_node[bundle_id]:
                if component_is_bundle:
                    next_frontier[(root, component_id)] += units * quantity
                else:
                    leaves[root][component_id] += units * quantity
        frontier = dict(next_frontier)
    if frontier:
        raise BundleTooDeep.about(sorted({root for root, _node in frontier}))
    return {pk: dict(leaves.get(pk, {})) for pk in roots}


def components_expansion(components: Iterable[tuple[int, int]]) -> dict[int, int]:
    """{leaf item id: units} of an unsaved list of (item id, quantity), as a bundle made of
    them would expand (the bundle form's live availability)."""
    wanted = [(item_id, quantity) for item_id, quantity in components if quantity > 0]
    nested = bundle_expansions(
        Item.objects.filter(pk__in={item_id for item_id, _q in wanted}, is_bundle=True).values_list(
            "pk", flat=True
        )
    )
    leaves: dict[int, int] = defaultdict(int)
    for item_id, quantity in wanted:
        for leaf, units in nested.get(item_id, {item_id: 1}).items():
            leaves[leaf] += units * quantity
    return dict(leaves)
