"""The Fastway adapter against Kucun's myFastway emulator over real HTTP: what the shared
carrier contract does not ask but myFastway does (address suggestions, satchels, delivery
options, pickup ending the right to cancel, a list of several pages)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from kucun.core.secrets import encrypt_mapping
from kucun.shipping.carriers.base import (
    Address,
    CarrierConfig,
    Parcel,
    ShipmentOptions,
    ShipmentRefused,
    ShipmentRequest,
    TrackingStatus,
)
from kucun.shipping.carriers.fastway.adapter import CARRIER, FastwayCarrier
from kucun.shipping.connect import account_carrier
from kucun.shipping.models import CarrierAccount
from tests.factories import WarehouseFactory
from tests.sandbox.conftest import Sandbox
from tests.shipping.contract.setups import fastway as setup

RECEIVER = Address(
    name="Tony Receiver",
    company="Tony's Tools",
    lines=("73 Katoomba St",),
    suburb="Katoomba",
    state="NSW",
    postcode="2780",
    phone="0400 123 456",
    email="tony@example.com",
)
SENDER = Address("Kucun Melbourne", ("12 Dock Road",), "PORT MELBOURNE", "VIC", "3207")


def request(
    reference: str,
    *,
    service_code: str = "P",
    receiver: Address = RECEIVER,
    options: ShipmentOptions | None = None,
) -> ShipmentRequest:
    return ShipmentRequest(
        reference=reference,
        sender=SENDER,
        receiver=receiver,
        parcels=(
            Parcel(
                reference=f"{reference}-1",
                weight_kg=Decimal("2.5"),
                length_cm=Decimal("30"),
                width_cm=Decimal("20"),
                height_cm=Decimal("10"),
            ),
        ),
        service_code=service_code,
        options=options or ShipmentOptions(),
    )


@pytest.fixture
def config(sandbox: Sandbox) -> CarrierConfig:
    return setup.prepare(sandbox)


@pytest.fixture
def carrier(config: CarrierConfig) -> Iterator[FastwayCarrier]:
    made = FastwayCarrier(replace(config, read_timeout=5.0, backoff_cap_seconds=1.0))
    yield made
    made.close()


def emulator_consignment(carrier: FastwayCarrier, con_id: str) -> dict[str, Any]:
    response = carrier.client.consignment(con_id)
    assert response.status_code == 200
    found: dict[str, Any] = response.json()["data"]
    return found


def test_a_sandbox_account_connects_with_the_specs_sandbox_credentials(
    sandbox: Sandbox,
    settings: Any,
) -> None:
    sandbox.emu(setup.SYSTEM, "reset")
    settings.SANDBOX_SERVER_URL = sandbox.base_url
    account = CarrierAccount.objects.create(
        name="Fastway sandbox",
        carrier="fastway",
        sandbox=True,
        credentials_encrypted=encrypt_mapping(dict(CARRIER.sandbox_credentials)),
        options={"region": "AU"},
        sender_warehouse=WarehouseFactory(),
    )
    connected = account_carrier(account)
    try:
        info = connected.test_connection()
    finally:
        connected.close()

    assert info.account_name
    assert "P" in {service.code for service in info.services}
    assert "ATL" in info.details["delivery_options"]


def test_an_unknown_suburb_is_refused_with_the_carriers_suggestions(
    carrier: FastwayCarrier,
    sandbox: Sandbox,
    config: CarrierConfig,
) -> None:
    wrong = replace(RECEIVER, suburb="Katoomber")

    with pytest.raises(ShipmentRefused) as refused:
        carrier.create_shipment(request("FW-SUGGEST", receiver=wrong))

    assert "KATOOMBA NSW 2780" in refused.value.message
    assert refused.value.problems
    assert setup.carrier_shipments(sandbox, config) == []


def test_a_satchel_is_consigned_in_the_accounts_satchel_size(config: CarrierConfig) -> None:
    carrier = FastwayCarrier(replace(config, options={**config.options, "satchel_size": "A3"}))
    try:
        satchel = carrier.quote(request("FW-SATCHEL", service_code="S"))[0]
        parcel = carrier.quote(request("FW-SATCHEL", service_code="P"))[0]
        created = carrier.create_shipment(request("FW-SATCHEL", service_code="S"))
        stored = emulator_consignment(carrier, created.carrier_shipment_id)
    finally:
        carrier.close()

    assert (satchel.service_code, satchel.service_name) == ("S", "Satchel")
    assert satchel.price_inc_tax != parcel.price_inc_tax
    assert [(item["packageType"], item["satchelSize"]) for item in stored["items"]] == [("S", "A3")]
    assert created.cost == satchel.price_inc_tax


def test_an_account_without_satchels_is_refused_one(
    sandbox: Sandbox,
    config: CarrierConfig,
) -> None:
    sandbox.emu(
        setup.SYSTEM,
        "seed",
        {
            "accounts": [
                {
                    "client_id": "parcels-only",
                    "client_secret": "parcels-only-secret",
                    "scope": setup.SCOPE,
                    "name": "Parcels only",
                    "services": ["Parcel"],
                }
            ]
        },
    )
    parcels_only = replace(
        config,
        credentials={
            "client_id": "parcels-only",
            "client_secret": "parcels-only-secret",
            "scope": setup.SCOPE,
        },
        account_key="fastway-parcels-only",
    )
    carrier = FastwayCarrier(parcels_only)
    try:
        with pytest.raises(ShipmentRefused) as refused:
            carrier.create_shipment(request("FW-NO-SATCHEL", service_code="S"))
        assert carrier.create_shipment(request("FW-PARCEL")).tracking_numbers
    finally:
        carrier.close()

    assert refused.value.problems


def test_a_signature_delivery_tracks_through_delivery_with_the_carriers_words(
    carrier: FastwayCarrier,
    sandbox: Sandbox,
) -> None:
    created = carrier.create_shipment(
        request("FW-SIGNED", options=ShipmentOptions(authority_to_leave=True, signature=True))
    )
    stored = emulator_consignment(carrier, created.carrier_shipment_id)
    sandbox.emu(setup.SYSTEM, "clock", {"advance_seconds": 61 * 3600})

    result = carrier.track(list(created.tracking_numbers))[0]

    assert [service["serviceDescription"] for service in stored["services"]] == [
        "Signature required"
    ]
    statuses = [event.status for event in result.events]
    assert statuses[0] == TrackingStatus.IN_TRANSIT
    assert TrackingStatus.OUT_FOR_DELIVERY in statuses
    assert result.status == TrackingStatus.DELIVERED
    assert result.events[-1].description == "Delivered - Signature obtained"
    assert all(event.location and event.at.tzinfo for event in result.events)
    assert [event.at for event in result.events] == sorted(event.at for event in result.events)


def test_a_picked_up_consignment_can_no_longer_be_cancelled(
    carrier: FastwayCarrier,
    sandbox: Sandbox,
    config: CarrierConfig,
) -> None:
    created = carrier.create_shipment(request("FW-PICKED-UP"))
    sandbox.emu(setup.SYSTEM, "clock", {"advance_seconds": 7 * 3600})

    with pytest.raises(ShipmentRefused, match="picked up"):
        carrier.cancel(created)

    assert [found["status"] for found in setup.carrier_shipments(sandbox, config)] == ["created"]


def test_a_token_revoked_before_its_hour_is_refreshed_once(
    carrier: FastwayCarrier,
    sandbox: Sandbox,
) -> None:
    carrier.test_connection()
    sandbox.emu(setup.SYSTEM, "tokens/expire", {"client_id": setup.CLIENT_ID})

    created = carrier.create_shipment(request("FW-REVOKED"))

    assert created.tracking_numbers


def test_the_label_pdf_holds_the_consignments_label_numbers(carrier: FastwayCarrier) -> None:
    created = carrier.create_shipment(request("FW-LABEL"))

    pdf = carrier.label(created)

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert created.tracking_numbers[0] in text


def test_a_consignment_is_found_by_reference_beyond_the_first_pages(
    carrier: FastwayCarrier,
    sandbox: Sandbox,
) -> None:
    sandbox.emu(
        setup.SYSTEM,
        "seed",
        {"accounts": [{**seeded_account(), "generate_consignments": 2100}]},
    )
    created = carrier.create_shipment(request("FW-PAGE-THREE"))

    found = carrier.find_shipment("FW-PAGE-THREE")

    assert found is not None
    assert found.carrier_shipment_id == created.carrier_shipment_id
    assert found.tracking_numbers == created.tracking_numbers


def seeded_account() -> dict[str, Any]:
    return {
        "client_id": setup.CLIENT_ID,
        "client_secret": setup.CLIENT_SECRET,
        "scope": setup.SCOPE,
        "name": "Contract shipper",
        "services": ["Parcel", "Satchel"],
    }
