"""The demo's shipping: sandbox Australia Post and 4PX accounts that reach their emulators,
boxes, and rules that send a parcel where a merchant would expect; loaded once."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import override_settings
from pypdf import PdfReader

from kucun.demo.data import DemoSummary, demo_load, demo_user
from kucun.demo.shipping import DEMO_ACCOUNTS, demo_shipping
from kucun.shipping.files import stored_path
from kucun.shipping.models import BoxPreset, CarrierAccount, ShippingRule
from kucun.shipping.rules import RuleFacts, evaluate
from kucun.shipping.selectors_rules import rules_compiled
from kucun.shipping.services.accounts import carrier_account_test
from kucun.shipping.services.shipments import shipment_create

pytestmark = pytest.mark.django_db(transaction=True)

SYDNEY = {
    "name": "Ann Lee",
    "line1": "1 George Street",
    "suburb": "Sydney",
    "state": "NSW",
    "postcode": "2000",
    "phone": "0412345678",
    "email": "ann@example.com",
}


def facts(**given: object) -> RuleFacts:
    values: dict[str, object] = {
        "store_id": None,
        "warehouse_id": None,
        "country": "AU",
        "state": "VIC",
        "postcode": "3000",
        "weight_kg": Decimal("1"),
        "value": Decimal("50"),
        "shipping_method": "Standard",
        "skus": frozenset(),
        **given,
    }
    return RuleFacts(**values)  # type: ignore[arg-type]


def test_demo_adds_carrier_accounts_boxes_and_rules_that_work(
    live_server: object, settings: object, tmp_path: object
) -> None:
    summary = demo_load()
    user = demo_user(summary)
    demo_shipping(user, summary)
    assert sorted(CarrierAccount.objects.values_list("name", flat=True)) == sorted(
        name for name, _code, _sender, _service in DEMO_ACCOUNTS
    )
    assert BoxPreset.objects.count() == 3
    rules = ShippingRule.objects.count()
    assert rules > 3
    demo_shipping(user, DemoSummary())  # loaded once
    assert ShippingRule.objects.count() == rules

    compiled = rules_compiled()

    def chosen(**given: object) -> str:
        decision = evaluate(compiled, facts(**given))
        assert decision.rule is not None
        return decision.rule.name

    assert chosen(shipping_method="Click & collect (pickup)") == "Click and collect"
    assert chosen(country="NZ", state="", postcode="1010") == "Overseas by 4PX"
    assert chosen(shipping_method="Express") == "Express Post when paid for"
    assert chosen(weight_kg=Decimal("1.2")) == "Light parcels in a satchel"
    assert chosen(weight_kg=Decimal("30")) == "Too heavy to post: a person decides"
    default = ShippingRule.objects.get(is_default=True)
    assert chosen(weight_kg=Decimal("9")) == default.name
    assert default.service_code == "T28"

    with override_settings(
        SANDBOX_SERVER_URL=str(live_server.url),  # type: ignore[attr-defined]
        MEDIA_ROOT=str(tmp_path),
    ):
        for account in CarrierAccount.objects.all():
            assert carrier_account_test(account=account).account_name
        auspost = CarrierAccount.objects.get(carrier="auspost")
        shipment = shipment_create(
            actor=None,
            carrier_account=auspost,
            receiver=SYDNEY,
            items=[{"sku": "BBQ-TONGS", "quantity": 1}],
            box_preset=BoxPreset.objects.get(name="Carton medium"),
        )
        assert shipment.status == "label_ready"
        label = stored_path(shipment.label_file)
        assert label is not None
        text = "".join(
            page.extract_text() for page in PdfReader(io.BytesIO(label.read_bytes())).pages
        )
        assert shipment.parcels.get().tracking_number in text
