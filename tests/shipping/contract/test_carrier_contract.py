"""What every carrier adapter does against its emulator (integrations/README.md §1.3, §2.3)."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from kucun.shipping.carriers.base import (
    Address,
    AuthenticationFailed,
    CarrierError,
    OutcomeUnknown,
    Parcel,
    ParcelContent,
    ShipmentRefused,
    ShipmentRequest,
    TrackingStatus,
    Unavailable,
)
from tests.shipping.contract.conftest import CarrierPair

SENDER = Address(
    name="Kucun Melbourne",
    lines=("12 Dock Road",),
    suburb="PORT MELBOURNE",
    state="VIC",
    postcode="3207",
    country="AU",
    phone="0390001111",
    email="dock@example.com",
)
RECEIVER = Address(
    name="Ann Lee",
    company="",
    lines=("1 George Street", "Level 2"),
    suburb="SYDNEY",
    state="NSW",
    postcode="2000",
    country="AU",
    phone="0412345678",
    email="ann@example.com",
)


def new_reference() -> str:
    return f"CT-{uuid.uuid4().hex[:10].upper()}"


def request_for(pair: CarrierPair, reference: str, parcels: int = 1) -> ShipmentRequest:
    setup = pair.setup
    return ShipmentRequest(
        reference=reference,
        sender=getattr(setup, "SENDER", SENDER),
        receiver=getattr(setup, "RECEIVER", RECEIVER),
        parcels=tuple(
            Parcel(
                reference=f"{reference}-{index}",
                weight_kg=Decimal("1.250"),
                length_cm=Decimal("30"),
                width_cm=Decimal("20"),
                height_cm=Decimal("10"),
                description="Kitchen tongs",
                value=Decimal("24.00"),
                contents=(
                    ParcelContent(
                        sku="BBQ-TONGS",
                        description="BBQ tongs",
                        quantity=2,
                        unit_value=Decimal("12.00"),
                        unit_weight_kg=Decimal("0.500"),
                        country_of_origin="CN",
                    ),
                ),
            )
            for index in range(1, parcels + 1)
        ),
        service_code=setup.SERVICE,
    )


def with_reference(pair: CarrierPair, reference: str) -> list[dict[str, Any]]:
    return [found for found in pair.shipments() if found["reference"] == reference]


def test_connection_names_the_account_and_its_services(pair: CarrierPair) -> None:
    info = pair.carrier.test_connection()
    assert info.account_name
    assert pair.setup.SERVICE in {service.code for service in info.services}


@pytest.mark.needs_emulator
def test_wrong_credentials_are_refused_with_the_carriers_words(pair: CarrierPair) -> None:
    carrier = pair.rebuild(pair.setup.wrong_credentials(pair.config))
    with pytest.raises(AuthenticationFailed) as refused:
        carrier.test_connection()
    assert refused.value.message
    secrets = [value for value in pair.config.credentials.values() if len(value) >= 8]
    assert not any(secret in refused.value.message for secret in secrets)


def test_a_quote_prices_the_service(pair: CarrierPair) -> None:
    rates = pair.carrier.quote(request_for(pair, new_reference()))
    chosen = [rate for rate in rates if rate.service_code == pair.setup.SERVICE]
    assert chosen
    assert chosen[0].price_inc_tax > 0


def test_a_shipment_gets_a_tracking_number_per_parcel_and_is_found_by_reference(
    pair: CarrierPair,
) -> None:
    reference = new_reference()
    created = pair.carrier.create_shipment(request_for(pair, reference, parcels=2))
    assert created.reference == reference
    assert created.carrier_shipment_id
    assert len(created.tracking_numbers) == 2
    assert all(created.tracking_numbers)
    assert len(set(created.tracking_numbers)) == 2
    found = pair.carrier.find_shipment(reference)
    assert found is not None
    assert found.carrier_shipment_id == created.carrier_shipment_id
    assert set(found.tracking_numbers) == set(created.tracking_numbers)
    assert pair.carrier.find_shipment(new_reference()) is None


@pytest.mark.needs_emulator
def test_the_carrier_refuses_a_reference_twice(pair: CarrierPair) -> None:
    reference = new_reference()
    pair.carrier.create_shipment(request_for(pair, reference))
    with pytest.raises(ShipmentRefused):
        pair.carrier.create_shipment(request_for(pair, reference))
    assert len(with_reference(pair, reference)) == 1


def test_the_label_is_a_pdf_holding_every_tracking_number(pair: CarrierPair) -> None:
    created = pair.carrier.create_shipment(request_for(pair, new_reference(), parcels=2))
    pdf = pair.carrier.label(created)
    assert pdf.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for number in created.tracking_numbers:
        assert number in text


@pytest.mark.needs_emulator
def test_tracking_advances_with_the_carriers_clock(pair: CarrierPair) -> None:
    created = pair.carrier.create_shipment(request_for(pair, new_reference()))
    pair.carrier.label(created)
    number = created.tracking_numbers[0]
    before = pair.carrier.track([number])
    assert [result.tracking_number for result in before] == [number]
    pair.advance_clock(3 * 24 * 3600)
    after = pair.carrier.track([number])[0]
    assert len(after.events) > len(before[0].events)
    assert after.status in {
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.OUT_FOR_DELIVERY,
        TrackingStatus.DELIVERED,
    }
    times = [event.at for event in after.events]
    assert times == sorted(times)  # oldest first
    assert all(event.description for event in after.events)


def test_an_unknown_tracking_number_is_answered_not_raised(pair: CarrierPair) -> None:
    created = pair.carrier.create_shipment(request_for(pair, new_reference()))
    known = created.tracking_numbers[0]
    results = {result.tracking_number: result for result in pair.carrier.track([known, "ZZ0"])}
    assert set(results) == {known, "ZZ0"}
    assert results["ZZ0"].status == TrackingStatus.UNKNOWN
    assert results["ZZ0"].error
    assert not results[known].error


def test_tracking_many_numbers_batches_within_the_carriers_limit(pair: CarrierPair) -> None:
    batch = pair.carrier.capabilities.track_batch
    numbers: list[str] = []
    while len(numbers) <= batch:
        created = pair.carrier.create_shipment(request_for(pair, new_reference(), parcels=2))
        numbers.extend(created.tracking_numbers)
    results = pair.carrier.track(numbers)
    assert [result.tracking_number for result in results] == numbers
    assert not any(result.error for result in results)


@pytest.mark.needs_emulator
def test_a_cancelled_shipment_is_gone_and_cannot_be_cancelled_again(pair: CarrierPair) -> None:
    if not pair.carrier.capabilities.cancel:
        pytest.skip("this carrier does not cancel shipments")
    reference = new_reference()
    created = pair.carrier.create_shipment(request_for(pair, reference))
    pair.carrier.cancel(created)
    assert [found["status"] for found in with_reference(pair, reference)] == ["cancelled"]
    with pytest.raises(ShipmentRefused):
        pair.carrier.cancel(created)


def test_closing_the_manifest_lodges_the_shipments(pair: CarrierPair) -> None:
    created = [pair.carrier.create_shipment(request_for(pair, new_reference())) for _ in range(2)]
    for shipment in created:
        pair.carrier.label(shipment)
    manifest = pair.carrier.close_manifest(created, f"EOD-{uuid.uuid4().hex[:8]}")
    if not pair.carrier.capabilities.manifest:
        assert manifest is None
        return
    assert manifest is not None
    assert manifest.manifest_id
    assert manifest.pdf is not None
    assert manifest.pdf.startswith(b"%PDF-")
    if pair.carrier.capabilities.cancel:
        with pytest.raises(ShipmentRefused):
            pair.carrier.cancel(created[0])


# --- failure drills (integrations/README.md §2.3) ----------------------------------------------


@pytest.mark.needs_emulator
def test_throttling_on_create_is_waited_out(pair: CarrierPair) -> None:
    pair.fault(pair.setup.create_match(), pair.setup.throttle_response())
    reference = new_reference()
    created = pair.carrier.create_shipment(request_for(pair, reference))
    assert created.tracking_numbers
    assert len(with_reference(pair, reference)) == 1


@pytest.mark.needs_emulator
def test_a_server_error_on_create_is_not_retried_blindly(pair: CarrierPair) -> None:
    pair.fault(pair.setup.create_match(), {"status": 503, "body": "{}"})
    reference = new_reference()
    with pytest.raises(Unavailable):
        pair.carrier.create_shipment(request_for(pair, reference))
    # It did not apply: the lookup says so, and creating it now makes exactly one.
    assert pair.carrier.find_shipment(reference) is None
    pair.carrier.create_shipment(request_for(pair, reference))
    assert len(with_reference(pair, reference)) == 1


@pytest.mark.needs_emulator
def test_a_create_whose_answer_was_lost_is_found_by_reference(pair: CarrierPair) -> None:
    pair.fault(pair.setup.create_match(), {"status": 502, "body": "{}"}, after_apply=True)
    reference = new_reference()
    with pytest.raises(CarrierError) as lost:
        pair.carrier.create_shipment(request_for(pair, reference))
    assert lost.value.retryable
    found = pair.carrier.find_shipment(reference)
    assert found is not None
    assert found.tracking_numbers
    assert len(with_reference(pair, reference)) == 1


@pytest.mark.needs_emulator
def test_a_create_that_times_out_is_an_unknown_outcome(pair: CarrierPair) -> None:
    pair.fault(pair.setup.create_match(), {"status": 200}, delay_ms=4500, after_apply=True)
    reference = new_reference()
    with pytest.raises(OutcomeUnknown):
        pair.carrier.create_shipment(request_for(pair, reference))
    found = pair.carrier.find_shipment(reference)
    assert found is not None
    assert len(with_reference(pair, reference)) == 1


@pytest.mark.needs_emulator
def test_server_errors_on_tracking_are_retried(pair: CarrierPair) -> None:
    created = pair.carrier.create_shipment(request_for(pair, new_reference()))
    pair.fault(pair.setup.track_match(), {"status": 503, "body": "{}"})
    results = pair.carrier.track(list(created.tracking_numbers))
    assert [result.tracking_number for result in results] == list(created.tracking_numbers)


@pytest.mark.needs_emulator
def test_an_expired_token_is_refreshed_once(pair: CarrierPair) -> None:
    pair.carrier.test_connection()
    pair.setup.expire_token(pair.sandbox, pair.config)
    created = pair.carrier.create_shipment(request_for(pair, new_reference()))
    assert created.tracking_numbers
