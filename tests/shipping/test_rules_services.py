"""Writing rules: validation naming the field, the default rule's limits, ordering, roles and
the audit trail."""

# The fixtures imported from rules_support are named again as test arguments.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest

from kucun.accounts.models import User
from kucun.channels.models import Store
from kucun.core.errors import NotFound, PermissionDenied, ValidationFailed
from kucun.core.models import AuditEntry
from kucun.shipping.carrier_registry import register_carrier, unregister_carrier
from kucun.shipping.carriers.base import CarrierCapabilities, CarrierSpec, ServiceInfo
from kucun.shipping.models import BoxPreset, CarrierAccount, ShippingRule
from kucun.shipping.services.rules import (
    rule_create,
    rule_delete,
    rule_move,
    rule_reorder,
    rule_set_enabled,
    rule_update,
    rules_ensure_default,
)
from kucun.warehouses.models import Warehouse
from tests.shipping.rules_support import auspost, shop, warehouse  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def listed() -> list[tuple[str, int]]:
    return [(rule.name, rule.position) for rule in ShippingRule.objects.order_by("position")]


def make(name: str, user: Any = None, **values: Any) -> ShippingRule:
    values.setdefault("action", "pickup")
    return rule_create(user=user, name=name, **values)


def field_errors(error: ValidationFailed) -> dict[str, str]:
    return {item.field: item.message for item in error.errors}


# --- the default rule -----------------------------------------------------------------------------


def test_the_default_rule_is_made_once_and_stays_last() -> None:
    first = rules_ensure_default()
    assert rules_ensure_default().pk == first.pk
    assert (first.name, first.action, first.enabled, first.conditions) == (
        "Everything else",
        "hold",
        True,
        {},
    )

    make("Pickup")
    make("Local", action="local_delivery")

    assert listed() == [("Pickup", 1), ("Local", 2), ("Everything else", 3)]


def test_the_default_rule_changes_only_its_action(auspost: CarrierAccount) -> None:
    default = rules_ensure_default()

    rule_update(
        user=None, rule_id=default.pk, changes={"action": "carrier", "carrier_account": auspost.pk}
    )
    default.refresh_from_db()
    assert (default.action, default.carrier_account_id, default.service_code) == (
        "carrier",
        auspost.pk,
        "T28",
    )

    for changes in ({"conditions": {"countries": ["AU"]}}, {"name": "Other"}, {"enabled": False}):
        with pytest.raises(ValidationFailed) as refused:
            rule_update(user=None, rule_id=default.pk, changes=changes)
        assert list(field_errors(refused.value)) == list(changes)
    with pytest.raises(ValidationFailed):
        rule_delete(user=None, rule_id=default.pk)
    with pytest.raises(ValidationFailed):
        rule_set_enabled(user=None, rule_id=default.pk, enabled=False)
    with pytest.raises(ValidationFailed):
        rule_move(user=None, rule_id=default.pk, direction="up")
    default.refresh_from_db()
    assert (default.name, default.enabled, default.conditions) == (
        "Everything else",
        True,
        {},
    )
    assert ShippingRule.objects.count() == 1


# --- validation -----------------------------------------------------------------------------------


def test_a_rule_with_every_condition_is_stored_normalised(
    auspost: CarrierAccount, shop: Store, warehouse: Warehouse
) -> None:
    box = BoxPreset.objects.create(
        name="Small", length_cm=20, width_cm=15, height_cm=10, tare_kg="0.150"
    )
    rule = rule_create(
        user=None,
        name="  Melbourne express  ",
        action="carrier",
        carrier_account=auspost.pk,
        service_code="E34",
        box_preset=box.pk,
        conditions={
            "stores": [shop.pk],
            "countries": "au",
            "states": ["vic"],
            "postcodes": "3000 - 3999, 3121",
            "weight_min_kg": "0.50",
            "weight_max_kg": 22,
            "value_min": "",
            "shipping_method_contains": "Express",
            "skus": ["TEA-1"],
            "warehouses": [warehouse.pk],
        },
        note="Couriers pick up at 3 pm",
    )

    rule.refresh_from_db()
    assert rule.name == "Melbourne express"
    assert rule.conditions == {
        "stores": [shop.pk],
        "countries": ["AU"],
        "states": ["VIC"],
        "postcodes": "3000-3999, 3121",
        "weight_min_kg": "0.5",
        "weight_max_kg": "22",
        "shipping_method_contains": "Express",
        "skus": ["TEA-1"],
        "warehouses": [warehouse.pk],
    }
    assert (rule.service_code, rule.box_preset_id, rule.position) == ("E34", box.pk, 1)


def test_refused_rules_name_each_field_and_write_nothing(warehouse: Warehouse) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rule_create(
            user=None,
            name="",
            action="carrier",
            conditions={"postcodes": "3000-3999, 30oo", "stores": [424242], "weight_min_kg": "-1"},
            box_preset=77,
        )

    assert field_errors(refused.value) == {
        "name": "Name the rule: what it is for, such as 'Melbourne by courier'.",
        "conditions.postcodes": "'30oo' is not a postcode or a range of postcodes: write "
        "postcodes and ranges separated by commas, such as 3000-3999, 2000.",
        "conditions.weight_min_kg": "'-1' must be zero or more and less than 1,000,000,000.",
        "carrier_account": "Choose the carrier account that ships these parcels.",
        "box_preset": "No box in use has id 77.",
    }
    assert ShippingRule.objects.filter(is_default=False).count() == 0
    assert not AuditEntry.objects.filter(action="shipping_rule.create", summary="").exists()


def test_unknown_stores_and_warehouses_are_named() -> None:
    with pytest.raises(ValidationFailed) as refused:
        make("Where", conditions={"stores": [9001], "warehouses": [9002, 9003]})

    assert field_errors(refused.value) == {
        "conditions.stores": "No store has id 9001.",
        "conditions.warehouses": "No warehouse has id 9002, 9003.",
    }


def test_a_carrier_rule_needs_an_active_account_and_a_known_service(
    auspost: CarrierAccount,
) -> None:
    spec = CarrierSpec(
        code="auspost",
        label="Australia Post",
        credential_fields=(),
        option_fields=(),
        services=(ServiceInfo("T28", "Parcel Post"), ServiceInfo("E34", "Express Post")),
        capabilities=CarrierCapabilities(),
        build=lambda config: None,  # type: ignore[arg-type,return-value]
        production_base_url=lambda options: "",
        test_base_url=lambda options: "",
        sandbox_base_url=lambda server, options: "",
    )
    register_carrier(spec)
    try:
        with pytest.raises(ValidationFailed) as refused:
            make("Bad service", action="carrier", carrier_account=auspost.pk, service_code="X99")
        assert field_errors(refused.value) == {
            "service_code": "Australia Post has no service X99; choose one of T28, E34."
        }
        assert make("Express", action="carrier", carrier_account=auspost.pk, service_code="E34")
    finally:
        unregister_carrier("auspost")

    auspost.active = False
    auspost.save()
    with pytest.raises(ValidationFailed) as refused:
        make("Off account", action="carrier", carrier_account=auspost.pk)
    assert field_errors(refused.value) == {
        "carrier_account": "The carrier account AusPost MEL is turned off: turn it on or "
        "choose another."
    }


def test_without_the_carriers_adapter_any_service_is_taken_and_empty_means_the_default(
    auspost: CarrierAccount,
) -> None:
    auspost.carrier = "pigeon"  # a carrier whose adapter is not installed
    auspost.save()
    assert (
        make("Any", action="carrier", carrier_account=auspost.pk, service_code="ZZ9").service_code
        == "ZZ9"
    )
    assert make("Default", action="carrier", carrier_account=auspost.pk).service_code == "T28"

    auspost.default_service = ""
    auspost.save()
    with pytest.raises(ValidationFailed) as refused:
        make("None", action="carrier", carrier_account=auspost.pk)
    assert list(field_errors(refused.value)) == ["service_code"]


def test_an_installed_carrier_takes_only_its_own_services(auspost: CarrierAccount) -> None:
    with pytest.raises(ValidationFailed) as refused:
        make("Odd", action="carrier", carrier_account=auspost.pk, service_code="ZZ9")
    assert list(field_errors(refused.value)) == ["service_code"]
    assert make("Express", action="carrier", carrier_account=auspost.pk, service_code="E34")


def test_changing_the_action_away_from_a_carrier_clears_the_account(
    auspost: CarrierAccount,
) -> None:
    rule = make("Courier", action="carrier", carrier_account=auspost.pk)

    rule_update(user=None, rule_id=rule.pk, changes={"action": "pickup"})

    rule.refresh_from_db()
    assert (rule.action, rule.carrier_account_id, rule.service_code) == ("pickup", None, "")


def test_an_update_replaces_the_conditions_and_names_unknown_fields() -> None:
    rule = make("Melbourne", conditions={"postcodes": "3000-3999", "countries": ["AU"]})

    rule_update(user=None, rule_id=rule.pk, changes={"conditions": {"states": "VIC"}})
    rule.refresh_from_db()
    assert rule.conditions == {"states": ["VIC"]}

    with pytest.raises(ValidationFailed) as refused:
        rule_update(user=None, rule_id=rule.pk, changes={"colour": "red"})
    assert list(field_errors(refused.value)) == ["colour"]
    with pytest.raises(NotFound):
        rule_update(user=None, rule_id=424242, changes={"name": "x"})


# --- order ----------------------------------------------------------------------------------------


def test_reorder_takes_every_rule_once_and_keeps_the_default_last() -> None:
    a, b, c = make("A"), make("B"), make("C")
    default = ShippingRule.objects.get(is_default=True)

    rule_reorder(user=None, rule_ids=[c.pk, a.pk, b.pk])
    assert listed() == [("C", 1), ("A", 2), ("B", 3), ("Everything else", 4)]

    rule_reorder(user=None, rule_ids=[b.pk, c.pk, a.pk, default.pk])
    assert listed() == [("B", 1), ("C", 2), ("A", 3), ("Everything else", 4)]

    for wrong in (
        [a.pk, b.pk],
        [a.pk, b.pk, c.pk, c.pk],
        [default.pk, a.pk, b.pk, c.pk],
        [a.pk, b.pk, 99],
    ):
        with pytest.raises(ValidationFailed) as refused:
            rule_reorder(user=None, rule_ids=wrong)
        assert list(field_errors(refused.value)) == ["ids"]
    assert listed() == [("B", 1), ("C", 2), ("A", 3), ("Everything else", 4)]


def test_moving_up_and_down_stops_at_the_ends_and_before_the_default() -> None:
    a, b, c = make("A"), make("B"), make("C")

    rule_move(user=None, rule_id=c.pk, direction="up")
    assert [name for name, _p in listed()] == ["A", "C", "B", "Everything else"]
    rule_move(user=None, rule_id=a.pk, direction="up")
    rule_move(user=None, rule_id=b.pk, direction="down")
    assert [name for name, _p in listed()] == ["A", "C", "B", "Everything else"]
    rule_move(user=None, rule_id=a.pk, direction="down")
    assert listed() == [("C", 1), ("A", 2), ("B", 3), ("Everything else", 4)]


def test_deleting_a_rule_closes_the_gap() -> None:
    a, b, _c = make("A"), make("B"), make("C")

    rule_delete(user=None, rule_id=a.pk)

    assert listed() == [("B", 1), ("C", 2), ("Everything else", 3)]
    assert not ShippingRule.objects.filter(pk=a.pk).exists()
    assert AuditEntry.objects.filter(action="shipping_rule.delete", object_id=str(a.pk)).exists()
    assert b.pk


def test_switching_a_rule_off_and_on() -> None:
    rule = make("A")

    rule_set_enabled(user=None, rule_id=rule.pk, enabled=False)
    rule.refresh_from_db()
    assert not rule.enabled
    rule_set_enabled(user=None, rule_id=rule.pk, enabled=True)
    rule.refresh_from_db()
    assert rule.enabled
    assert list(
        AuditEntry.objects.filter(object_id=str(rule.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["shipping_rule.create", "shipping_rule.disable", "shipping_rule.enable"]


# --- who may, and keys ----------------------------------------------------------------------------


def test_viewers_may_not_write_and_staff_may(viewer: User, staff: User) -> None:
    with pytest.raises(PermissionDenied):
        make("Nope", user=viewer)
    rule = make("Yes", user=staff)
    for write in (
        lambda: rule_update(user=viewer, rule_id=rule.pk, changes={"name": "x"}),
        lambda: rule_delete(user=viewer, rule_id=rule.pk),
        lambda: rule_move(user=viewer, rule_id=rule.pk, direction="up"),
        lambda: rule_reorder(user=viewer, rule_ids=[rule.pk]),
        lambda: rule_set_enabled(user=viewer, rule_id=rule.pk, enabled=False),
    ):
        with pytest.raises(PermissionDenied):
            write()
    rule.refresh_from_db()
    assert (rule.name, rule.enabled) == ("Yes", True)
    entry = AuditEntry.objects.get(action="shipping_rule.create", object_id=str(rule.pk))
    assert entry.actor == staff


def test_the_same_idempotency_key_creates_one_rule(staff: User) -> None:
    first = make("Once", user=staff, idempotency_key="rule-1")
    again = make("Once", user=staff, idempotency_key="rule-1")

    assert again.pk == first.pk
    assert ShippingRule.objects.filter(name="Once").count() == 1
