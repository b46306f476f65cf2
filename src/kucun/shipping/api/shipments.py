"""/api/v1/shipments, /manifests and /box-presets.

Viewers read; staff (and owners) create, send, cancel and track shipments, close manifests and
manage box presets. ``POST /shipments`` takes the items to pack (``items``: [{"sku" or
"item_id", "quantity"}]) or the parcels (``parcels``: [{weight_kg, length_cm, width_cm,
height_cm, description, value, contents}]); a carrier that does not answer leaves the shipment a
draft (``last_error`` says why) that the worker sends again, and a refusal is a 422 naming the
fields. Writes accept an ``Idempotency-Key`` header: the same key from the same user answers
the first result (cancelling, sending and tracking are harmless to repeat by nature).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.core.errors import NotFound
from kucun.core.idempotency import (
    clean_key,
    fingerprint,
    model_result,
    replay_of,
    run_once,
    scope_of,
)
from kucun.core.models import IdempotencyRecord
from kucun.core.pagination import PageParams, page_slice
from kucun.shipping import selectors_shipments as selectors
from kucun.shipping.carriers.base import CarrierError
from kucun.shipping.choices import ShipmentSource, ShipmentStatus
from kucun.shipping.models import BoxPreset, Manifest, Shipment, ShipmentParcel, TrackingEvent
from kucun.shipping.services import manifests as manifest_services
from kucun.shipping.services import packaging
from kucun.shipping.services import shipments as shipment_services
from kucun.shipping.services.tracking import shipment_track

router = Router(tags=["shipments"])

MAX_ID = 2**63 - 1
M = TypeVar("M", bound=models.Model)


def writer(request: HttpRequest) -> Any:
    require_role(request, Role.STAFF)
    return request.user


def idempotency_key(request: HttpRequest) -> str | None:
    return clean_key(request.headers.get("Idempotency-Key"))


def once_around_io(
    request: HttpRequest,
    operation: str,
    payload: dict[str, Any],
    model: type[M],
    run: Callable[[], M],
) -> M:
    """Idempotency for a write that talks to a carrier (so cannot sit in one transaction with
    its record): a recorded key answers its object; otherwise the write runs and its result is
    recorded under the key."""
    key = idempotency_key(request)
    if key is None:
        return run()
    scope = scope_of(request.user)
    record, replay = model_result(model)
    print_ = fingerprint(operation, payload)
    earlier = replay_of(scope, key, operation, print_, lambda stored: replay(stored, {}))
    if earlier is not None:
        found: M = earlier.value
        return found
    result = run()
    result_type, result_id = record(result)
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                scope=scope,
                key=key,
                operation=operation,
                fingerprint=print_,
                result_type=result_type,
                result_id=result_id,
            )
    except IntegrityError:
        pass  # the same key's other request recorded its (identical) answer first
    return result


# --- schemas -------------------------------------------------------------------------------------


class AccountRef(Schema):
    id: int
    name: str
    carrier: str


class WarehouseRef(Schema):
    id: int
    code: str
    name: str


class ReceiverOut(Schema):
    name: str
    company: str
    lines: list[str]
    suburb: str
    state: str
    postcode: str
    country: str
    phone: str
    email: str


class ParcelOut(Schema):
    index: int
    weight_kg: Decimal
    length_cm: Decimal | None
    width_cm: Decimal | None
    height_cm: Decimal | None
    box_preset_id: int | None
    description: str
    value: Decimal
    contents: list[dict[str, Any]]
    tracking_number: str
    tracking_status: str


class EventOut(Schema):
    tracking_number: str
    occurred_at: datetime.datetime
    status: str
    description: str
    location: str
    raw_code: str


class ShipmentOut(Schema):
    id: int
    reference: str
    status: str
    source: str
    source_reference: str
    carrier_account: AccountRef
    service_code: str
    sender_warehouse: WarehouseRef
    receiver: ReceiverOut
    options: dict[str, Any]
    carrier_shipment_id: str
    consignment_number: str
    tracking_numbers: list[str]
    tracking_status: str
    cost: Decimal | None
    currency: str
    label_ready: bool
    label_url: str | None
    manifest_id: int | None
    last_error: str
    attempts: int
    next_track_at: datetime.datetime | None
    last_tracked_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    parcels: list[ParcelOut]


class ShipmentDetailOut(ShipmentOut):
    events: list[EventOut]
    details: dict[str, Any]


class ShipmentPage(Schema):
    count: int
    items: list[ShipmentOut]


class ShipmentFilters(PageParams):
    status: ShipmentStatus | None = None
    carrier_account: int | None = Field(None, ge=1, le=MAX_ID)
    source: ShipmentSource | None = None
    source_reference: str | None = Field(None, max_length=200)
    search: str | None = Field(None, max_length=200)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class ShipmentCreateIn(Schema):
    carrier_account: int = Field(..., ge=1, le=MAX_ID)
    receiver: dict[str, Any]
    service_code: str | None = Field(None, max_length=32)
    items: list[dict[str, Any]] | None = Field(None, max_length=500)
    parcels: list[dict[str, Any]] | None = Field(None, max_length=100)
    box_preset: int | None = Field(None, ge=1, le=MAX_ID)
    dimensions: dict[str, Any] | None = Field(
        None, description="With items and no box: length_cm, width_cm, height_cm by hand."
    )
    reference: str | None = Field(None, max_length=200)
    source_reference: str = Field("", max_length=200)
    options: dict[str, Any] | None = None
    submit: bool = True


class TrackOut(Schema):
    new_events: int
    shipment: ShipmentDetailOut


class ManifestOut(Schema):
    id: int
    reference: str
    carrier_account: AccountRef
    carrier_manifest_id: str
    shipment_count: int
    cost: Decimal | None
    pdf_url: str | None
    closed_by: str | None
    created_at: datetime.datetime


class ManifestPage(Schema):
    count: int
    items: list[ManifestOut]


class ManifestFilters(PageParams):
    carrier_account: int | None = Field(None, ge=1, le=MAX_ID)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class ManifestCloseIn(Schema):
    carrier_account: int | str = Field(..., description="The account's id or name.")
    reference: str | None = Field(None, max_length=200)


class BoxPresetOut(Schema):
    id: int
    name: str
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    tare_kg: Decimal
    max_weight_kg: Decimal | None
    active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class BoxPresetIn(Schema):
    name: Any
    length_cm: Any
    width_cm: Any
    height_cm: Any
    tare_kg: Any = 0
    max_weight_kg: Any = None
    active: Any = True


class BoxPresetPatchIn(Schema):
    name: Any = None
    length_cm: Any = None
    width_cm: Any = None
    height_cm: Any = None
    tare_kg: Any = None
    max_weight_kg: Any = None
    active: Any = None


class BoxPresetFilters(Schema):
    active: bool | None = None


# --- shaping -------------------------------------------------------------------------------------


def account_ref(shipment_or_manifest: Shipment | Manifest) -> dict[str, Any]:
    account = shipment_or_manifest.carrier_account
    return {"id": account.pk, "name": account.name, "carrier": account.carrier}


def parcel_out(parcel: ShipmentParcel) -> dict[str, Any]:
    return {
        "index": parcel.index,
        "weight_kg": parcel.weight_kg,
        "length_cm": parcel.length_cm,
        "width_cm": parcel.width_cm,
        "height_cm": parcel.height_cm,
        "box_preset_id": parcel.box_preset_id,
        "description": parcel.description,
        "value": parcel.value,
        "contents": list(parcel.contents or []),
        "tracking_number": parcel.tracking_number,
        "tracking_status": parcel.tracking_status,
    }


def shipment_out(shipment: Shipment) -> dict[str, Any]:
    parcels = list(shipment.parcels.all())  # prefetched, in index order
    warehouse = shipment.sender_warehouse
    return {
        "id": shipment.pk,
        "reference": shipment.reference,
        "status": shipment.status,
        "source": shipment.source,
        "source_reference": shipment.source_reference,
        "carrier_account": account_ref(shipment),
        "service_code": shipment.service_code,
        "sender_warehouse": {"id": warehouse.pk, "code": warehouse.code, "name": warehouse.name},
        "receiver": {
            "name": shipment.receiver_name,
            "company": shipment.receiver_company,
            "lines": [
                line
                for line in (
                    shipment.receiver_line1,
                    shipment.receiver_line2,
                    shipment.receiver_line3,
                )
                if line
            ],
            "suburb": shipment.receiver_suburb,
            "state": shipment.receiver_state,
            "postcode": shipment.receiver_postcode,
            "country": shipment.receiver_country,
            "phone": shipment.receiver_phone,
            "email": shipment.receiver_email,
        },
        "options": dict(shipment.options or {}),
        "carrier_shipment_id": shipment.carrier_shipment_id,
        "consignment_number": shipment.consignment_number,
        "tracking_numbers": [
            parcel.tracking_number for parcel in parcels if parcel.tracking_number
        ],
        "tracking_status": shipment.tracking_status,
        "cost": shipment.cost,
        "currency": shipment.currency,
        "label_ready": bool(shipment.label_file),
        "label_url": reverse("api:shipments_label", args=[shipment.pk])
        if shipment.label_file
        else None,
        "manifest_id": shipment.manifest_id,
        "last_error": shipment.last_error,
        "attempts": int((shipment.details or {}).get("attempts") or 0),
        "next_track_at": shipment.next_track_at,
        "last_tracked_at": shipment.last_tracked_at,
        "created_at": shipment.created_at,
        "updated_at": shipment.updated_at,
        "parcels": [parcel_out(parcel) for parcel in parcels],
    }


def event_out(event: TrackingEvent) -> dict[str, Any]:
    return {
        "tracking_number": event.tracking_number,
        "occurred_at": event.occurred_at,
        "status": event.status,
        "description": event.description,
        "location": event.location,
        "raw_code": event.raw_code,
    }


def shipment_detail_out(shipment_id: int) -> dict[str, Any]:
    shipment = selectors.shipment_by_id(shipment_id)
    return {
        **shipment_out(shipment),
        "events": [event_out(event) for event in shipment.tracking_events.all()],
        "details": dict(shipment.details or {}),
    }


def manifest_out(manifest: Manifest) -> dict[str, Any]:
    closed_by = manifest.closed_by
    return {
        "id": manifest.pk,
        "reference": manifest.reference,
        "carrier_account": account_ref(manifest),
        "carrier_manifest_id": manifest.carrier_manifest_id,
        "shipment_count": manifest.shipment_count,
        "cost": manifest.cost,
        "pdf_url": reverse("api:manifests_pdf", args=[manifest.pk]) if manifest.pdf_file else None,
        "closed_by": closed_by.get_username() if closed_by is not None else None,
        "created_at": manifest.created_at,
    }


def pdf_response(path: Any, name: str) -> FileResponse:
    if path is None:
        raise NotFound(detail=_("There is no PDF for this yet."))
    return FileResponse(
        path.open("rb"), content_type="application/pdf", filename=name, as_attachment=False
    )


# --- shipments -----------------------------------------------------------------------------------


@router.get("/shipments", response=ShipmentPage, summary="List shipments")
def shipments_list(request: HttpRequest, filters: Query[ShipmentFilters]) -> Any:
    rows = selectors.shipments_query(
        status=filters.status,
        carrier_account=filters.carrier_account,
        source=filters.source,
        source_reference=filters.source_reference,
        search=filters.search or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    count, page = page_slice(rows, filters.page, filters.page_size)
    return {"count": count, "items": [shipment_out(shipment) for shipment in page]}


@router.post(
    "/shipments",
    response={201: ShipmentDetailOut},
    summary="Create a shipment and send it to the carrier (staff)",
)
def shipments_create(request: HttpRequest, payload: ShipmentCreateIn) -> Any:
    actor = writer(request)
    shipment = shipment_services.shipment_create(
        actor=actor,
        carrier_account=payload.carrier_account,
        receiver=payload.receiver,
        service_code=payload.service_code,
        items=payload.items,
        parcels=payload.parcels,
        box_preset=payload.box_preset,
        dimensions=payload.dimensions,
        reference=payload.reference,
        source=ShipmentSource.MANUAL,
        source_reference=payload.source_reference,
        options=payload.options,
        submit=payload.submit,
        idempotency_key=idempotency_key(request),
    )
    return Status(201, shipment_detail_out(shipment.pk))


@router.get(
    "/shipments/{shipment_id}", response=ShipmentDetailOut, summary="A shipment with its events"
)
def shipments_get(request: HttpRequest, shipment_id: int) -> Any:
    return shipment_detail_out(shipment_id)


@router.post(
    "/shipments/{shipment_id}/submit",
    response=ShipmentDetailOut,
    summary="Send a draft to the carrier now (staff)",
)
def shipments_submit(request: HttpRequest, shipment_id: int) -> Any:
    actor = writer(request)
    shipment = selectors.shipment_by_id(shipment_id)
    shipment_services.shipment_submit(shipment, actor=actor)
    return shipment_detail_out(shipment_id)


@router.post(
    "/shipments/{shipment_id}/cancel",
    response=ShipmentDetailOut,
    summary="Cancel a shipment before it is lodged (staff)",
)
def shipments_cancel(request: HttpRequest, shipment_id: int) -> Any:
    actor = writer(request)
    shipment = selectors.shipment_by_id(shipment_id)
    once_around_io(
        request,
        "shipment_cancel",
        {"shipment": shipment_id},
        Shipment,
        lambda: shipment_services.shipment_cancel(shipment, actor=actor),
    )
    return shipment_detail_out(shipment_id)


@router.get(
    "/shipments/{shipment_id}/label",
    response={200: None},
    summary="The shipment's label (application/pdf)",
    url_name="shipments_label",
)
def shipments_label(request: HttpRequest, shipment_id: int) -> Any:
    shipment = selectors.shipment_by_id(shipment_id)
    return pdf_response(selectors.shipment_label_path(shipment), f"{shipment.reference}.pdf")


@router.post(
    "/shipments/{shipment_id}/track",
    response=TrackOut,
    summary="Ask the carrier for the shipment's tracking now (staff)",
)
def shipments_track(request: HttpRequest, shipment_id: int) -> Any:
    writer(request)
    shipment = selectors.shipment_by_id(shipment_id)
    try:
        new_events = shipment_track(shipment)
    except CarrierError as error:
        raise shipment_services.CarrierUnreachable(
            detail=_("The carrier did not answer: %(message)s") % {"message": error.message}
        ) from error
    return {"new_events": new_events, "shipment": shipment_detail_out(shipment_id)}


# --- manifests -----------------------------------------------------------------------------------


@router.get("/manifests", response=ManifestPage, summary="List closed manifests")
def manifests_list(request: HttpRequest, filters: Query[ManifestFilters]) -> Any:
    rows = selectors.manifests_query(
        carrier_account=filters.carrier_account,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    count, page = page_slice(rows, filters.page, filters.page_size)
    return {"count": count, "items": [manifest_out(manifest) for manifest in page]}


@router.post(
    "/manifests",
    response={201: ManifestOut},
    summary="Close the day's manifest of a carrier account (staff)",
)
def manifests_close(request: HttpRequest, payload: ManifestCloseIn) -> Any:
    actor = writer(request)
    manifest = once_around_io(
        request,
        "manifest_close",
        payload.dict(),
        Manifest,
        lambda: manifest_services.manifest_close(
            payload.carrier_account, actor=actor, reference=payload.reference
        ),
    )
    return Status(201, manifest_out(selectors.manifest_by_id(manifest.pk)))


@router.get("/manifests/{manifest_id}", response=ManifestOut, summary="A manifest")
def manifests_get(request: HttpRequest, manifest_id: int) -> Any:
    return manifest_out(selectors.manifest_by_id(manifest_id))


@router.get(
    "/manifests/{manifest_id}/pdf",
    response={200: None},
    summary="The manifest's summary (application/pdf)",
    url_name="manifests_pdf",
)
def manifests_pdf(request: HttpRequest, manifest_id: int) -> Any:
    manifest = selectors.manifest_by_id(manifest_id)
    return pdf_response(selectors.manifest_pdf_path(manifest), f"{manifest.reference}.pdf")


# --- box presets ---------------------------------------------------------------------------------


@router.get("/box-presets", response=list[BoxPresetOut], summary="List box presets")
def box_presets_list(request: HttpRequest, filters: Query[BoxPresetFilters]) -> Any:
    return list(selectors.box_presets_query(active=filters.active))


@router.post("/box-presets", response={201: BoxPresetOut}, summary="Add a box preset (staff)")
def box_presets_create(request: HttpRequest, payload: BoxPresetIn) -> Any:
    actor = writer(request)
    record, replay = model_result(BoxPreset)
    box = run_once(
        user=actor,
        operation="box_preset_create",
        payload=payload.dict(),
        key=idempotency_key(request),
        unit=lambda: packaging.box_preset_create(actor=actor, **payload.dict()),
        record=record,
        replay=lambda stored: replay(stored, {}),
    )
    return Status(201, box)


@router.get("/box-presets/{box_id}", response=BoxPresetOut, summary="A box preset")
def box_presets_get(request: HttpRequest, box_id: int) -> Any:
    return selectors.box_preset_by_id(box_id)


@router.patch("/box-presets/{box_id}", response=BoxPresetOut, summary="Change a box preset (staff)")
def box_presets_patch(request: HttpRequest, box_id: int, payload: BoxPresetPatchIn) -> Any:
    actor = writer(request)
    box = selectors.box_preset_by_id(box_id)
    return packaging.box_preset_update(box, actor=actor, **payload.dict(exclude_unset=True))


@router.delete("/box-presets/{box_id}", response={204: None}, summary="Delete a box preset (staff)")
def box_presets_delete(request: HttpRequest, box_id: int) -> Any:
    actor = writer(request)
    packaging.box_preset_delete(selectors.box_preset_by_id(box_id), actor=actor)
    return Status(204, None)
