"""The Australia Post adapter against its emulator over real HTTP, for what the shared carrier
contract does not cover: a sandbox CarrierAccount reaching the emulator with the spec's sandbox
credentials, and AusPost's validation refusal naming each field."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.test import override_settings

from kucun.core.secrets import encrypt_mapping
from kucun.shipping.carrier_registry import carrier_spec
from kucun.shipping.carriers.base import Parcel, ShipmentRefused, ShipmentRequest
from kucun.shipping.connect import account_carrier
from kucun.shipping.models import CarrierAccount
from tests.factories import WarehouseFactory
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)
from tests.shipping.carriers.auspost.test_mappers import RECEIVER, SENDER
from tests.shipping.contract.setups import auspost as setup

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_sandbox_account_reaches_the_emulator_with_the_default_credentials(
    sandbox: Sandbox,  # noqa: F811
) -> None:
    sandbox.emu(setup.SYSTEM, "reset")
    spec = carrier_spec("auspost")
    account = CarrierAccount.objects.create(
        name="AusPost sandbox",
        carrier="auspost",
        sandbox=True,
        credentials_encrypted=encrypt_mapping(dict(spec.sandbox_credentials)),
        sender_warehouse=WarehouseFactory(),
    )
    with override_settings(SANDBOX_SERVER_URL=sandbox.base_url):
        carrier = account_carrier(account)
    try:
        info = carrier.test_connection()
    finally:
        carrier.close()
    assert info.details["account_number"] == "0001234567"
    assert [service.code for service in info.services] == ["T28", "E34"]


def test_a_refused_shipment_names_ausposts_fields_and_creates_nothing(
    sandbox: Sandbox,  # noqa: F811
) -> None:
    config = setup.prepare(sandbox)
    carrier = carrier_spec("auspost").build(config)
    too_long = replace(RECEIVER, name="N" * 41, lines=("L" * 41,))
    shipment = ShipmentRequest(
        reference="REFUSED-1",
        sender=SENDER,
        receiver=too_long,
        parcels=(
            Parcel(
                reference="REFUSED-1-1",
                weight_kg=Decimal("1"),
                length_cm=Decimal("10"),
                width_cm=Decimal("10"),
                height_cm=Decimal("10"),
            ),
        ),
        service_code=setup.SERVICE,
    )
    try:
        with pytest.raises(ShipmentRefused) as refused:
            carrier.create_shipment(shipment)
        fields = {problem.field for problem in refused.value.problems}
        assert "shipments[0].to.name" in fields
        assert any(field.startswith("shipments[0].to.lines") for field in fields)
        assert all(problem.message and problem.code for problem in refused.value.problems)
        assert refused.value.status == 400
        assert carrier.find_shipment("REFUSED-1") is None
        assert setup.carrier_shipments(sandbox, config) == []
    finally:
        carrier.close()


def test_a_lodged_shipment_can_no_longer_be_labelled_or_cancelled(
    sandbox: Sandbox,  # noqa: F811
) -> None:
    config = setup.prepare(sandbox)
    carrier = carrier_spec("auspost").build(config)
    shipment = ShipmentRequest(
        reference="LODGED-1",
        sender=SENDER,
        receiver=RECEIVER,
        parcels=(
            Parcel(
                reference="LODGED-1-1",
                weight_kg=Decimal("2"),
                length_cm=Decimal("30"),
                width_cm=Decimal("20"),
                height_cm=Decimal("10"),
            ),
        ),
        service_code="E34",
    )
    try:
        created = carrier.create_shipment(shipment)
        assert created.label_ref == "E34"
        manifest = carrier.close_manifest([created], "EOD-LODGED")
        assert manifest is not None
        assert manifest.cost is not None
        assert manifest.cost > 0
        with pytest.raises(ShipmentRefused):
            carrier.label(created)
        with pytest.raises(ShipmentRefused):
            carrier.cancel(created)
        [state] = setup.carrier_shipments(sandbox, config)
        assert state["status"] == "manifested"
    finally:
        carrier.close()
