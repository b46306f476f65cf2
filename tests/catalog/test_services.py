from decimal import Decimal
from typing import Any

import pytest

from kucun.accounts.models import User
from kucun.catalog.models import BundleComponent, Item
from kucun.catalog.services import (
    bundle_create,
    bundle_set_components,
    bundle_update,
    item_create,
    item_update,
    items_set_active,
)
from kucun.core.errors import Conflict, NotFound, ValidationFailed
from kucun.core.models import AuditEntry
from tests.factories import BundleComponentFactory, ItemFactory

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Everything a catalogue service may write, to prove a refusal wrote nothing."""
    return (
        list(Item.objects.order_by("pk").values()),
        list(BundleComponent.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )


def components_of(bundle: Item) -> list[tuple[str, int]]:
    return [
        (row.component.sku, row.quantity)
        for row in BundleComponent.objects.filter(bundle=bundle).order_by("id")
    ]


# item_create ---------------------------------------------------------------------------


def test_item_create_stores_clean_values_and_an_audit_row(staff: User) -> None:
    item = item_create(
        user=staff,
        sku="  Beer-1 ",
        name=" Pale ale 375 ml ",
        barcode=" 9300000000017 ",
        weight_g="400",
        cost_price="2.5",
        safety_stock=2,
        reorder_point=10,
    )
    item.refresh_from_db()
    assert (item.sku, item.name, item.barcode) == ("Beer-1", "Pale ale 375 ml", "9300000000017")
    assert (item.weight_g, item.cost_price, item.safety_stock, item.reorder_point) == (
        400,
        Decimal("2.50"),
        2,
        10,
    )
    assert (item.unit, item.is_bundle, item.active, item.length_mm) == ("each", False, True, None)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_id) == (staff, "item.create", str(item.pk))
    assert entry.data["sku"] == "Beer-1"
    assert entry.data["cost_price"] == "2.50"


def test_blank_barcodes_are_stored_as_null_so_many_items_have_none(staff: User) -> None:
    first = item_create(user=staff, sku="A", name="A", barcode="")
    second = item_create(user=staff, sku="B", name="B", barcode="  ")
    assert Item.objects.filter(pk__in=[first.pk, second.pk], barcode__isnull=True).count() == 2


def test_sku_taken_in_another_case_is_refused_naming_the_existing_one(staff: User) -> None:
    ItemFactory(sku="ABC-1")
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        item_create(user=staff, sku="abc-1", name="Other")
    assert caught.value.status_code == 409
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("sku", "An item with SKU 'abc-1' already exists (as 'ABC-1').")
    ]
    assert snapshot() == before


def test_same_sku_is_refused(staff: User) -> None:
    ItemFactory(sku="ABC-1")
    with pytest.raises(Conflict) as caught:
        item_create(user=staff, sku="ABC-1", name="Other")
    assert caught.value.errors[0].message == "An item with SKU 'ABC-1' already exists."


def test_barcode_taken_is_refused_naming_the_holder(staff: User) -> None:
    ItemFactory(sku="HOLDER", barcode="123")
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        item_create(user=staff, sku="NEW", name="New", barcode="123")
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("barcode", "Barcode '123' already belongs to item HOLDER.")
    ]
    assert snapshot() == before


def test_every_bad_field_is_reported_at_once(staff: User) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        item_create(user=staff, sku="", name="", weight_g=-5, cost_price="-1", reorder_point="x")
    assert [e.field for e in caught.value.errors] == [
        "sku",
        "name",
        "weight_g",
        "cost_price",
        "reorder_point",
    ]
    assert caught.value.errors[2].message == (
        "Weight (g) cannot be negative (got -5): enter 0 or more."
    )
    assert snapshot() == before


def test_a_taken_sku_is_named_together_with_other_refusals(staff: User) -> None:
    ItemFactory(sku="ABC-1", barcode="777")
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        item_create(user=staff, sku="abc-1", name="Other", barcode="777", weight_g=-1)
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("sku", "An item with SKU 'abc-1' already exists (as 'ABC-1')."),
        ("barcode", "Barcode '777' already belongs to item ABC-1."),
        ("weight_g", "Weight (g) cannot be negative (got -1): enter 0 or more."),
    ]
    assert snapshot() == before


def test_a_bundle_can_be_created_empty(staff: User) -> None:
    bundle = item_create(user=staff, sku="CASE", name="Case", is_bundle=True)
    assert bundle.is_bundle
    assert components_of(bundle) == []


# item_update ---------------------------------------------------------------------------


def test_item_update_writes_only_what_changed(staff: User) -> None:
    item = ItemFactory(sku="A-1", name="Old", reorder_point=1)
    item_update(user=staff, item_id=item.pk, name="New", reorder_point=1, sku="A-1")
    item.refresh_from_db()
    assert (item.name, item.reorder_point) == ("New", 1)
    entry = AuditEntry.objects.get()
    assert entry.action == "item.update"
    assert entry.data == {"before": {"name": "Old"}, "after": {"name": "New"}}


def test_item_update_without_change_writes_no_audit_row(staff: User) -> None:
    item = ItemFactory(sku="A-1", name="Same")
    item_update(user=staff, item_id=item.pk, name=" Same ")
    assert AuditEntry.objects.count() == 0


def test_changing_only_the_case_of_a_sku_is_allowed(staff: User) -> None:
    item = ItemFactory(sku="abc")
    item_update(user=staff, item_id=item.pk, sku="ABC")
    item.refresh_from_db()
    assert item.sku == "ABC"


def test_item_update_refuses_a_sku_of_another_item(staff: User) -> None:
    ItemFactory(sku="TAKEN")
    item = ItemFactory(sku="MINE")
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        item_update(user=staff, item_id=item.pk, sku="taken", name="Renamed")
    assert caught.value.errors[0].message == (
        "An item with SKU 'taken' already exists (as 'TAKEN')."
    )
    assert snapshot() == before


def test_item_update_refuses_unknown_fields_and_items(staff: User) -> None:
    item = ItemFactory()
    with pytest.raises(ValidationFailed) as caught:
        item_update(user=staff, item_id=item.pk, colour="red")
    assert [(e.field, e.message) for e in caught.value.errors] == [("colour", "Unknown field.")]
    with pytest.raises(NotFound):
        item_update(user=staff, item_id=999999, name="x")


def test_a_bundle_with_components_cannot_stop_being_a_bundle(staff: User) -> None:
    row = BundleComponentFactory(bundle__sku="DOZEN", quantity=12)
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        item_update(user=staff, item_id=row.bundle_id, is_bundle=False)
    assert caught.value.errors[0].field == "is_bundle"
    assert caught.value.errors[0].message.startswith("DOZEN still has bundle components")
    assert snapshot() == before


def test_an_empty_item_can_flip_both_ways(staff: User) -> None:
    item = ItemFactory()
    item_update(user=staff, item_id=item.pk, is_bundle=True)
    item.refresh_from_db()
    assert item.is_bundle
    item_update(user=staff, item_id=item.pk, is_bundle=False)
    item.refresh_from_db()
    assert not item.is_bundle


# items_set_active ------------------------------------------------------------------------


def test_items_set_active_counts_and_audits_only_changes(staff: User) -> None:
    on = ItemFactory(active=True)
    off = ItemFactory(active=False)
    assert items_set_active(user=staff, item_ids=[on.pk, off.pk], active=False) == 1
    assert list(Item.objects.filter(active=False).order_by("pk")) == [on, off]
    assert list(AuditEntry.objects.values_list("action", "object_id")) == [
        ("item.deactivate", str(on.pk))
    ]


def test_items_set_active_with_an_unknown_id_changes_nothing(staff: User) -> None:
    item = ItemFactory(active=True)
    before = snapshot()
    with pytest.raises(NotFound) as caught:
        items_set_active(user=staff, item_ids=[item.pk, 999999], active=False)
    assert caught.value.detail == "No item has id 999999: nothing was changed."
    assert snapshot() == before


# bundle_set_components -------------------------------------------------------------------


@pytest.fixture
def beer() -> dict[str, Item]:
    return {
        "bottle": ItemFactory(sku="BOTTLE", name="Beer bottle"),
        "dozen": ItemFactory(sku="DOZEN", name="Beer dozen", is_bundle=True),
        "case": ItemFactory(sku="CASE", name="Beer case", is_bundle=True),
        "opener": ItemFactory(sku="OPENER", name="Opener"),
    }


def test_set_components_replaces_the_set(staff: User, beer: dict[str, Item]) -> None:
    bundle_set_components(user=staff, bundle_id=beer["dozen"].pk, components=[("bottle", 12)])
    bundle_set_components(
        user=staff, bundle_id=beer["case"].pk, components=[("dozen", 4), (" OPENER ", 1)]
    )
    assert components_of(beer["case"]) == [("DOZEN", 4), ("OPENER", 1)]
    bundle_set_components(user=staff, bundle_id=beer["case"].pk, components=[("OPENER", 2)])
    assert components_of(beer["case"]) == [("OPENER", 2)]
    entry = AuditEntry.objects.filter(action="bundle.set_components").first()
    assert entry is not None
    assert entry.data == {
        "before": [{"sku": "DOZEN", "quantity": 4}, {"sku": "OPENER", "quantity": 1}],
        "after": [{"sku": "OPENER", "quantity": 2}],
    }


def test_set_components_to_nothing_empties_the_bundle(staff: User, beer: dict[str, Item]) -> None:
    bundle_set_components(user=staff, bundle_id=beer["dozen"].pk, components=[("BOTTLE", 12)])
    bundle_set_components(user=staff, bundle_id=beer["dozen"].pk, components=[])
    assert components_of(beer["dozen"]) == []


def test_a_loop_is_refused_with_its_path(staff: User, beer: dict[str, Item]) -> None:
    bundle_set_components(user=staff, bundle_id=beer["case"].pk, components=[("DOZEN", 4)])
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        bundle_set_components(
            user=staff, bundle_id=beer["dozen"].pk, components=[("BOTTLE", 12), ("CASE", 1)]
        )
    message = "Adding CASE to DOZEN would make a loop: DOZEN → CASE → DOZEN"
    assert caught.value.detail == message
    assert [(e.field, e.message) for e in caught.value.errors] == [("components.1.sku", message)]
    assert snapshot() == before


def test_a_longer_loop_names_every_step(staff: User, beer: dict[str, Item]) -> None:
    pack = ItemFactory(sku="PACK", is_bundle=True)
    bundle_set_components(user=staff, bundle_id=beer["case"].pk, components=[("PACK", 2)])
    bundle_set_components(user=staff, bundle_id=pack.pk, components=[("DOZEN", 2)])
    with pytest.raises(ValidationFailed) as caught:
        bundle_set_components(user=staff, bundle_id=beer["dozen"].pk, components=[("case", 1)])
    assert caught.value.detail == (
        "Adding CASE to DOZEN would make a loop: DOZEN → CASE → PACK → DOZEN"
    )


def test_a_bundle_cannot_contain_itself(staff: User, beer: dict[str, Item]) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        bundle_set_components(user=staff, bundle_id=beer["dozen"].pk, components=[("dozen", 1)])
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("components.0.sku", "Row 1: a bundle cannot contain itself (DOZEN).")
    ]
    assert snapshot() == before


def test_unknown_skus_are_named_by_row(staff: User, beer: dict[str, Item]) -> None:
    bundle_set_components(user=staff, bundle_id=beer["dozen"].pk, components=[("BOTTLE", 12)])
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        bundle_set_components(
            user=staff,
            bundle_id=beer["dozen"].pk,
            components=[("BOTTLE", 6), ("NOPE", 1), ("ALSO-NOPE", 2)],
        )
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("components.1.sku", "Row 2: no item has SKU 'NOPE'."),
        ("components.2.sku", "Row 3: no item has SKU 'ALSO-NOPE'."),
    ]
    assert snapshot() == before
    assert components_of(beer["dozen"]) == [("BOTTLE", 12)]


def test_a_component_given_twice_is_refused_naming_both_rows(
    staff: User, beer: dict[str, Item]
) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        bundle_set_components(
            user=staff, bundle_id=beer["case"].pk, components=[("BOTTLE", 1), ("bottle", 2)]
        )
    assert [(e.field, e.message) for e in caught.value.errors] == [
        (
            "components.1.sku",
            "Row 2: bottle is already in row 1. Give each component once, with the total quantity.",
        )
    ]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Row 1 (BOTTLE): Quantity must be at least 1 (got 0)."),
        (-2, "Row 1 (BOTTLE): Quantity must be at least 1 (got -2)."),
        ("many", "Row 1 (BOTTLE): Quantity must be a whole number."),
        (None, "Row 1 (BOTTLE): Quantity is required: enter 1 or more."),
    ],
)
def test_component_quantity_must_be_positive(
    staff: User, beer: dict[str, Item], quantity: object, message: str
) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        bundle_set_components(
            user=staff,
            bundle_id=beer["dozen"].pk,
            components=[("BOTTLE", quantity)],  # type: ignore[list-item]
        )
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("components.0.quantity", message)
    ]
    assert snapshot() == before


def test_components_only_on_a_bundle(staff: User, beer: dict[str, Item]) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        bundle_set_components(user=staff, bundle_id=beer["opener"].pk, components=[("BOTTLE", 1)])
    assert caught.value.detail == (
        "OPENER is not a bundle: mark it as a bundle before giving it components."
    )
    assert snapshot() == before
    with pytest.raises(NotFound):
        bundle_set_components(user=staff, bundle_id=999999, components=[])


def test_bundle_create_with_a_bad_component_creates_nothing(
    staff: User, beer: dict[str, Item]
) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed):
        bundle_create(
            user=staff, sku="GIFT", name="Gift box", components=[("BOTTLE", 2), ("GHOST", 1)]
        )
    assert snapshot() == before


def test_bundle_create_and_update(staff: User, beer: dict[str, Item]) -> None:
    gift = bundle_create(user=staff, sku="GIFT", name="Gift box", components=[("BOTTLE", 2)])
    assert gift.is_bundle
    assert components_of(gift) == [("BOTTLE", 2)]
    bundle_update(
        user=staff,
        bundle_id=gift.pk,
        name="Gift box deluxe",
        components=[("BOTTLE", 3), ("OPENER", 1)],
    )
    gift.refresh_from_db()
    assert gift.name == "Gift box deluxe"
    assert components_of(gift) == [("BOTTLE", 3), ("OPENER", 1)]


def test_bundle_update_refused_keeps_the_name_too(staff: User, beer: dict[str, Item]) -> None:
    gift = bundle_create(user=staff, sku="GIFT", name="Gift box", components=[("BOTTLE", 2)])
    before = snapshot()
    with pytest.raises(ValidationFailed):
        bundle_update(user=staff, bundle_id=gift.pk, name="Renamed", components=[("GIFT", 1)])
    assert snapshot() == before
