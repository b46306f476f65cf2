"""Console: Shipping → Rules. The list, the form, on/off, up/down, drag order, delete, and
"Test rules"; who may do what."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kucun.channels.models import Store
from kucun.shipping.models import CarrierAccount, ShippingRule
from kucun.shipping.services.rules import rule_create, rules_ensure_default
from kucun.warehouses.models import Warehouse
from tests.factories import ItemFactory
from tests.permissions import ALL_ROLES, STAFF_AND_OWNER, assert_view_role_matrix
from tests.shipping.rules_support import auspost, shop, warehouse  # noqa: F401 (fixtures)

# The fixtures imported from rules_support are named again as test arguments.
# ruff: noqa: F811

pytestmark = pytest.mark.django_db

Factory = Callable[[Any], Any]


def order() -> list[str]:
    return list(ShippingRule.objects.order_by("position").values_list("name", flat=True))


def make(name: str, **values: Any) -> ShippingRule:
    values.setdefault("action", "pickup")
    return rule_create(user=None, name=name, **values)


def test_the_list_shows_rules_in_order_with_their_conditions(
    staff_client: Client, shop: Store, auspost: CarrierAccount
) -> None:
    make(
        "Melbourne",
        action="carrier",
        carrier_account=auspost.pk,
        conditions={"postcodes": "3000-3999", "stores": [shop.pk]},
    )
    make("Pickup", enabled=False)

    page = staff_client.get(reverse("shipping:rule_list"))

    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Melbourne") < html.index("Pickup") < html.index("Everything else")
    assert "postcode in 3000-3999" in html
    assert "store is Tea shop" in html
    assert "AusPost MEL · T28" in html
    assert "data-off" in html
    assert reverse("shipping:rule_reorder") in html


def test_viewers_see_the_list_without_buttons(viewer_client: Client) -> None:
    make("Pickup")

    page = viewer_client.get(reverse("shipping:rule_list"))

    assert page.status_code == 200
    assert reverse("shipping:rule_create") not in page.content.decode()
    assert "draggable" not in page.content.decode()


def test_who_may_open_and_write(user_for_role: Factory) -> None:
    rule = make("A")
    assert_view_role_matrix(user_for_role, "GET", "/shipping/rules/", allowed_roles=ALL_ROLES)
    assert_view_role_matrix(user_for_role, "GET", "/shipping/rules/test/", allowed_roles=ALL_ROLES)
    assert_view_role_matrix(
        user_for_role, "GET", "/shipping/rules/new/", allowed_roles=STAFF_AND_OWNER
    )
    assert_view_role_matrix(
        user_for_role,
        "POST",
        f"/shipping/rules/{rule.pk}/toggle/",
        allowed_roles=STAFF_AND_OWNER,
    )


def test_adding_a_rule_through_the_form(
    staff_client: Client, auspost: CarrierAccount, warehouse: Warehouse
) -> None:
    answer = staff_client.post(
        reverse("shipping:rule_create"),
        {
            "name": "Victoria express",
            "action": "carrier",
            "carrier_account": auspost.pk,
            "service_code": f"{auspost.pk}:T28",
            "states": "vic, tas",
            "postcodes": "3000-3999",
            "weight_max_kg": "5",
            "skus": "TEA-1\nTEA-2",
            "warehouses": [warehouse.pk],
            "enabled": "on",
        },
    )

    assert answer.status_code == 302, answer.content.decode()[:2000]
    rule = ShippingRule.objects.get(name="Victoria express")
    assert rule.conditions == {
        "states": ["VIC", "TAS"],
        "postcodes": "3000-3999",
        "weight_max_kg": "5",
        "skus": ["TEA-1", "TEA-2"],
        "warehouses": [warehouse.pk],
    }
    assert (rule.carrier_account_id, rule.service_code, rule.enabled) == (auspost.pk, "T28", True)


def test_a_refused_form_shows_the_message_on_the_field(staff_client: Client) -> None:
    answer = staff_client.post(
        reverse("shipping:rule_create"),
        {"name": "Bad", "action": "pickup", "postcodes": "3000-3999, 30z0"},
    )

    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'data-error-for="postcodes"' in html
    assert "&#x27;30z0&#x27; is not a postcode" in html
    assert not ShippingRule.objects.filter(name="Bad").exists()


def test_editing_a_rule_and_the_default_rule(staff_client: Client) -> None:
    rule = make("Pickup", conditions={"countries": ["AU"]})
    page = staff_client.get(reverse("shipping:rule_edit", kwargs={"pk": rule.pk}))
    assert 'value="AU"' in page.content.decode()

    answer = staff_client.post(
        reverse("shipping:rule_edit", kwargs={"pk": rule.pk}),
        {"name": "Pickup NZ", "action": "pickup", "countries": "NZ"},
    )
    assert answer.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.conditions, rule.enabled) == ("Pickup NZ", {"countries": ["NZ"]}, False)

    default = rules_ensure_default()
    page = staff_client.get(reverse("shipping:rule_edit", kwargs={"pk": default.pk}))
    assert 'name="postcodes"' not in page.content.decode()
    answer = staff_client.post(
        reverse("shipping:rule_edit", kwargs={"pk": default.pk}), {"action": "local_delivery"}
    )
    assert answer.status_code == 302
    default.refresh_from_db()
    assert (default.action, default.name) == ("local_delivery", "Everything else")


def test_buttons_toggle_move_and_delete(staff_client: Client) -> None:
    a, b = make("A"), make("B")

    staff_client.post(reverse("shipping:rule_move", kwargs={"pk": b.pk}), {"direction": "up"})
    assert order() == ["B", "A", "Everything else"]
    staff_client.post(reverse("shipping:rule_toggle", kwargs={"pk": a.pk}))
    a.refresh_from_db()
    assert not a.enabled
    staff_client.post(reverse("shipping:rule_delete", kwargs={"pk": b.pk}))
    assert order() == ["A", "Everything else"]

    default = ShippingRule.objects.get(is_default=True)
    answer = staff_client.post(
        reverse("shipping:rule_delete", kwargs={"pk": default.pk}), follow=True
    )
    assert "cannot be deleted" in answer.content.decode()
    assert order() == ["A", "Everything else"]


def test_dragging_posts_the_new_order(staff_client: Client) -> None:
    a, b, c = make("A"), make("B"), make("C")

    answer = staff_client.post(
        reverse("shipping:rule_reorder"),
        json.dumps({"ids": [c.pk, a.pk, b.pk]}),
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert order() == ["C", "A", "B", "Everything else"]

    refused = staff_client.post(
        reverse("shipping:rule_reorder"),
        json.dumps({"ids": [a.pk]}),
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert order() == ["C", "A", "B", "Everything else"]

    staff_client.post(reverse("shipping:rule_reorder"), {"ids": [b.pk, c.pk, a.pk]})
    assert order() == ["B", "C", "A", "Everything else"]


def test_trying_the_rules_shows_the_match_and_why_earlier_rules_failed(
    viewer_client: Client, warehouse: Warehouse
) -> None:
    ItemFactory(sku="TEA-GREEN", weight_g=500)
    make("Melbourne", action="local_delivery", conditions={"postcodes": "3000-3999"})
    make("Off", enabled=False)
    make("Light", action="pickup", conditions={"weight_max_kg": "0.5"})
    make("From MEL", action="pickup", conditions={"warehouses": [warehouse.pk]})

    page = viewer_client.get(
        reverse("shipping:rule_test"),
        {
            "run": "1",
            "country": "AU",
            "postcode": "2000",
            "items": "TEA-GREEN 2",
            "warehouse": warehouse.pk,
        },
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert "postcode 2000 is not in 3000-3999" in html
    assert "weight 1 kg is above the maximum of 0.5 kg" in html
    assert 'data-outcome="off"' in html
    assert "Rule 4, From MEL, takes this parcel." in html


def test_trying_the_rules_names_an_unknown_sku(viewer_client: Client) -> None:
    page = viewer_client.get(reverse("shipping:rule_test"), {"run": "1", "items": "GHOST 1"})

    assert page.status_code == 200
    assert "Line 1: no item has SKU &#x27;GHOST&#x27;." in page.content.decode()
    assert 'id="rule-test-table"' not in page.content.decode()


def test_the_list_reads_in_a_fixed_number_of_queries(
    staff_client: Client, auspost: CarrierAccount, shop: Store
) -> None:
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(reverse("shipping:rule_list")).status_code == 200
        return len(captured)

    make("One", action="carrier", carrier_account=auspost.pk, conditions={"stores": [shop.pk]})
    few = queries_for_list()
    for number in range(10):
        make(f"More {number}", action="carrier", carrier_account=auspost.pk)

    assert queries_for_list() == few
