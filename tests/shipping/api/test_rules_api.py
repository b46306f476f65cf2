"""/api/v1/shipping-rules: roles, writes with errors by field, reorder, idempotency, evaluate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kucun.channels.models import Store
from kucun.shipping.models import BoxPreset, CarrierAccount, ShippingRule
from kucun.shipping.services.rules import rule_create
from kucun.warehouses.models import Warehouse
from tests.conftest import ApiClient
from tests.factories import ItemFactory
from tests.permissions import ALL_ROLES, STAFF_AND_OWNER, assert_role_matrix
from tests.shipping.rules_support import auspost, shop, warehouse  # noqa: F401 (fixtures)

# The fixtures imported from rules_support are named again as test arguments.
# ruff: noqa: F811

pytestmark = pytest.mark.django_db

Factory = Callable[[Any], Any]
URL = "/api/v1/shipping-rules"


def names(api: ApiClient) -> list[str]:
    return [rule["name"] for rule in api.get(URL).json()]


def test_everyone_reads_and_tries_the_rules_and_staff_write(
    api_client_for: Factory, user_for_role: Factory
) -> None:
    rule = rule_create(user=None, name="Pickup", action="pickup")
    assert_role_matrix(api_client_for, user_for_role, "GET", URL, allowed_status=200)
    assert_role_matrix(api_client_for, user_for_role, "GET", f"{URL}/{rule.pk}", allowed_status=200)
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        f"{URL}/evaluate",
        data={"destination": {"country": "AU"}},
        allowed_roles=ALL_ROLES,
        allowed_status=200,
    )
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        URL,
        data=lambda role: {"name": f"Rule for {role}", "action": "local_delivery"},
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=201,
    )
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "PATCH",
        f"{URL}/{rule.pk}",
        data={"note": "changed"},
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=200,
    )
    rule.refresh_from_db()
    assert rule.note == "changed"


def test_create_get_patch_delete(staff_api: ApiClient, auspost: CarrierAccount) -> None:
    created = staff_api.post(
        URL,
        {
            "name": "Melbourne",
            "action": "carrier",
            "carrier_account": auspost.pk,
            "conditions": {"postcodes": "3000-3999", "countries": ["au"]},
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {key: body[key] for key in ("name", "position", "action", "conditions")} == {
        "name": "Melbourne",
        "position": 1,
        "action": "carrier",
        "conditions": {"countries": ["AU"], "postcodes": "3000-3999"},
    }
    assert (body["carrier_account_name"], body["service_code"]) == ("AusPost MEL", "T28")
    assert names(staff_api) == ["Melbourne", "Everything else"]

    patched = staff_api.patch(f"{URL}/{body['id']}", {"enabled": False, "name": "Melb"})
    assert patched.status_code == 200
    assert (patched.json()["enabled"], patched.json()["name"]) == (False, "Melb")
    assert patched.json()["conditions"] == {"countries": ["AU"], "postcodes": "3000-3999"}

    assert staff_api.delete(f"{URL}/{body['id']}").status_code == 204
    assert staff_api.get(f"{URL}/{body['id']}").status_code == 404
    assert names(staff_api) == ["Everything else"]


def test_a_refused_write_names_each_field(staff_api: ApiClient) -> None:
    answer = staff_api.post(
        URL,
        {"name": "Bad", "action": "carrier", "conditions": {"postcodes": "3000-39x9"}},
    )

    assert answer.status_code == 422
    assert {error["field"] for error in answer.json()["errors"]} == {
        "conditions.postcodes",
        "carrier_account",
    }
    assert "'3000-39x9'" in answer.json()["detail"]
    assert ShippingRule.objects.filter(is_default=False).count() == 0


def test_the_default_rule_cannot_be_deleted_or_given_conditions(staff_api: ApiClient) -> None:
    default = staff_api.get(URL).json()[0]

    assert staff_api.delete(f"{URL}/{default['id']}").status_code == 422
    answer = staff_api.patch(f"{URL}/{default['id']}", {"conditions": {"countries": ["AU"]}})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "conditions"
    assert staff_api.patch(f"{URL}/{default['id']}", {"action": "pickup"}).json()["action"] == (
        "pickup"
    )


def test_reorder(staff_api: ApiClient) -> None:
    ids = [staff_api.post(URL, {"name": name, "action": "pickup"}).json()["id"] for name in "ABC"]

    answer = staff_api.post(f"{URL}/reorder", {"ids": [ids[2], ids[0], ids[1]]})

    assert answer.status_code == 200
    assert [(rule["name"], rule["position"]) for rule in answer.json()] == [
        ("C", 1),
        ("A", 2),
        ("B", 3),
        ("Everything else", 4),
    ]
    refused = staff_api.post(f"{URL}/reorder", {"ids": [ids[0]]})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "ids"
    assert names(staff_api) == ["C", "A", "B", "Everything else"]


def test_an_idempotency_key_makes_a_create_happen_once(staff_api: ApiClient) -> None:
    body = {"name": "Once", "action": "pickup"}
    first = staff_api.post(URL, body, **{"Idempotency-Key": "k-1"})
    again = staff_api.post(URL, body, **{"Idempotency-Key": "k-1"})
    other = staff_api.post(URL, {**body, "name": "Twice"}, **{"Idempotency-Key": "k-1"})

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 409)
    assert again.json()["id"] == first.json()["id"]
    assert ShippingRule.objects.filter(is_default=False).count() == 1


def test_evaluate_answers_the_match_and_why_earlier_rules_did_not(
    viewer_api: ApiClient, auspost: CarrierAccount, shop: Store, warehouse: Warehouse
) -> None:
    ItemFactory(sku="TEA-GREEN", weight_g=250)
    box = BoxPreset.objects.create(name="Small", length_cm=20, width_cm=15, height_cm=10, tare_kg=1)
    melbourne = rule_create(
        user=None, name="Melbourne", action="local_delivery", conditions={"postcodes": "3000-3999"}
    )
    heavy = rule_create(user=None, name="Heavy", action="pickup", conditions={"weight_min_kg": "5"})
    courier = rule_create(
        user=None,
        name="From MEL",
        action="carrier",
        carrier_account=auspost.pk,
        service_code="E34",
        conditions={"warehouses": [warehouse.pk], "stores": [shop.pk], "skus": ["tea-green"]},
    )

    answer = viewer_api.post(
        f"{URL}/evaluate",
        {
            "destination": {"country": "au", "state": "NSW", "postcode": "2000"},
            "items": [{"sku": "TEA-GREEN", "quantity": 4}],
            "store": shop.pk,
            "warehouse": "mel",
            "value": "80.00",
            "shipping_method": "Standard",
            "box": "Small",
        },
    )

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["matched"] == {"id": courier.pk, "position": 3, "name": "From MEL"}
    assert (body["action"], body["carrier_account"], body["service_code"]) == (
        "carrier",
        auspost.pk,
        "E34",
    )
    assert body["earlier"] == [
        {
            "rule": {"id": melbourne.pk, "position": 1, "name": "Melbourne"},
            "condition": "postcodes",
            "explanation": "postcode 2000 is not in 3000-3999",
        },
        {
            "rule": {"id": heavy.pk, "position": 2, "name": "Heavy"},
            "condition": "weight_min_kg",
            "explanation": "weight 2 kg is below the minimum of 5 kg",
        },
    ]
    assert body["facts"]["weight_kg"] == "2.000"  # 4 × 250 g + the box's 1 kg
    assert body["facts"]["skus"] == ["TEA-GREEN"]
    assert box.pk


def test_evaluate_names_what_it_cannot_read(viewer_api: ApiClient) -> None:
    ItemFactory(sku="NO-WEIGHT")

    answer = viewer_api.post(
        f"{URL}/evaluate",
        {"items": [{"sku": "NO-WEIGHT", "quantity": 1}, {"sku": "GHOST", "quantity": 1}]},
    )
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == ["items.1.sku"]

    answer = viewer_api.post(f"{URL}/evaluate", {"items": [{"sku": "NO-WEIGHT", "quantity": 1}]})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "field": "items.0.sku",
            "message": "NO-WEIGHT has no weight: enter its weight on the item's page.",
        }
    ]
    assert viewer_api.post(f"{URL}/evaluate", {"warehouse": "NOWHERE"}).status_code == 422


def test_the_list_reads_in_a_fixed_number_of_queries(
    staff_api: ApiClient, auspost: CarrierAccount
) -> None:
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_api.get(URL).status_code == 200
        return len(captured)

    rule_create(user=None, name="One", action="carrier", carrier_account=auspost.pk)
    queries_for_list()  # the token's first use is recorded once
    few = queries_for_list()
    for number in range(10):
        rule_create(user=None, name=f"More {number}", action="carrier", carrier_account=auspost.pk)

    assert queries_for_list() == few
