"""Reads of shipments, their parcels and tracking events, labels, manifests and box presets:
one filter for the console's lists and the API's."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from kucun.core.errors import NotFound
from kucun.shipping import files
from kucun.shipping.choices import ShipmentStatus
from kucun.shipping.models import (
    BoxPreset,
    Manifest,
    Shipment,
    ShipmentParcel,
    TrackingEvent,
)

SEARCH_MAX = 200


def shipments_query(
    *,
    status: str | None = None,
    carrier_account: int | None = None,
    search: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    source: str | None = None,
    source_reference: str | None = None,
    manifest: int | None = None,
) -> QuerySet[Shipment]:
    """Shipments, newest first, with their account, warehouse and parcels. ``search`` matches
    our reference, a parcel's tracking number, the carrier's ids and the receiver's name,
    postcode or email; dates are the creation day (inclusive, in the server's time zone)."""
    rows = Shipment.objects.select_related("carrier_account", "sender_warehouse", "manifest")
    if status:
        rows = rows.filter(status=status)
    if carrier_account:
        rows = rows.filter(carrier_account_id=carrier_account)
    if source:
        rows = rows.filter(source=source)
    if source_reference:
        rows = rows.filter(source_reference=source_reference)
    if manifest:
        rows = rows.filter(manifest_id=manifest)
    text = search.strip()[:SEARCH_MAX]
    if text:
        numbers = ShipmentParcel.objects.filter(tracking_number__iexact=text).values("shipment_id")
        rows = rows.filter(
            Q(reference__icontains=text)
            | Q(pk__in=numbers)
            | Q(carrier_shipment_id__iexact=text)
            | Q(consignment_number__iexact=text)
            | Q(source_reference__icontains=text)
            | Q(receiver_name__icontains=text)
            | Q(receiver_postcode=text)
            | Q(receiver_email__iexact=text)
        )
    if date_from:
        rows = rows.filter(created_at__date__gte=date_from)
    if date_to:
        rows = rows.filter(created_at__date__lte=date_to)
    parcels = Prefetch("parcels", queryset=ShipmentParcel.objects.order_by("index"))
    return rows.prefetch_related(parcels).order_by("-created_at", "-pk")


def shipment_by_id(shipment_id: int) -> Shipment:
    """One shipment with its parcels and tracking events (newest first)."""
    shipment = (
        Shipment.objects.select_related(
            "carrier_account", "sender_warehouse", "manifest", "created_by"
        )
        .prefetch_related(
            Prefetch("parcels", queryset=ShipmentParcel.objects.order_by("index")),
            Prefetch(
                "tracking_events",
                queryset=TrackingEvent.objects.order_by("-occurred_at", "-pk"),
            ),
        )
        .filter(pk=shipment_id)
        .first()
    )
    if shipment is None:
        raise NotFound(detail=_("No shipment has id %(id)s.") % {"id": shipment_id})
    return shipment


def shipment_by_reference(reference: str) -> Shipment:
    found = Shipment.objects.filter(reference=reference.strip()).first()
    if found is None:
        raise NotFound(detail=_("No shipment has reference %(ref)s.") % {"ref": reference})
    return shipment_by_id(found.pk)


def shipment_label_path(shipment: Shipment) -> Path | None:
    """The label PDF on disk, or None while there is none."""
    return files.stored_path(shipment.label_file)


def shipments_awaiting_manifest(carrier_account: int) -> QuerySet[Shipment]:
    return Shipment.objects.filter(
        carrier_account_id=carrier_account,
        status__in=(ShipmentStatus.CREATED, ShipmentStatus.LABEL_READY),
        manifest__isnull=True,
    ).order_by("pk")


def shipment_status_counts(carrier_account: int | None = None) -> dict[str, int]:
    rows = Shipment.objects.all()
    if carrier_account:
        rows = rows.filter(carrier_account_id=carrier_account)
    counted = rows.values("status").annotate(count=Count("pk")).order_by()
    return {row["status"]: row["count"] for row in counted}


def manifests_query(
    *,
    carrier_account: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Manifest]:
    """Closed manifests (a close still waiting for its carrier is not one yet), newest first."""
    rows = Manifest.objects.select_related("carrier_account", "closed_by").exclude(
        carrier_manifest_id=""
    )
    if carrier_account:
        rows = rows.filter(carrier_account_id=carrier_account)
    if date_from:
        rows = rows.filter(created_at__date__gte=date_from)
    if date_to:
        rows = rows.filter(created_at__date__lte=date_to)
    return rows.order_by("-created_at", "-pk")


def manifest_by_id(manifest_id: int) -> Manifest:
    manifest = manifests_query().filter(pk=manifest_id).first()
    if manifest is None:
        raise NotFound(detail=_("No manifest has id %(id)s.") % {"id": manifest_id})
    return manifest


def manifest_pdf_path(manifest: Manifest) -> Path | None:
    return files.stored_path(manifest.pdf_file)


def box_presets_query(*, active: bool | None = None) -> QuerySet[BoxPreset]:
    rows = BoxPreset.objects.all()
    if active is not None:
        rows = rows.filter(active=active)
    return rows.order_by("name", "pk")


def box_preset_by_id(box_id: int) -> BoxPreset:
    box = BoxPreset.objects.filter(pk=box_id).first()
    if box is None:
        raise NotFound(detail=_("No box has id %(id)s.") % {"id": box_id})
    return box
