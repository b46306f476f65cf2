"""Manifests: the day's shipments of one carrier account lodged with the carrier (Australia Post's
"order"), the summary PDF kept, the shipments ``manifested``.

The shipments are claimed first (a Manifest row without the carrier's id, committed, with the
shipments pointing at it), so two closes at once never lodge the same shipment twice. When the
carrier does not answer, the claim is released and the error raised: closing again is safe,
because a carrier refuses a shipment already lodged. Carriers without manifests are refused
with a message saying so.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.core.audit import audit_record
from kucun.core.errors import Conflict, ValidationFailed
from kucun.shipping import files
from kucun.shipping.carrier_data import created_of
from kucun.shipping.carriers.base import CarrierError, ManifestResult, ShipmentRefused
from kucun.shipping.choices import ShipmentStatus
from kucun.shipping.connect import account_carrier, account_spec
from kucun.shipping.models import CarrierAccount, Manifest, Shipment
from kucun.shipping.services.roles import require_staff, user_or_none
from kucun.shipping.services.shipments import CarrierUnreachable

REFERENCE_MAX = 50
# Statuses of shipments that go on the next manifest.
OPEN_FOR_MANIFEST = (ShipmentStatus.CREATED, ShipmentStatus.LABEL_READY)
CLAIM_LEASE = datetime.timedelta(minutes=10)


def account_of(carrier_account: CarrierAccount | int | str) -> CarrierAccount:
    if isinstance(carrier_account, CarrierAccount):
        return carrier_account
    text = str(carrier_account).strip()
    account = CarrierAccount.objects.filter(name__iexact=text).first()
    if account is None and text.isdigit():
        account = CarrierAccount.objects.filter(pk=int(text)).first()
    if account is None:
        raise ValidationFailed.for_field(
            "carrier_account",
            _("No carrier account is named or numbered %(value)s.") % {"value": text},
        )
    return account


def require_manifests(account: CarrierAccount) -> None:
    spec = account_spec(account)
    if not spec.capabilities.manifest:
        raise ValidationFailed.for_field(
            "carrier_account",
            _(
                "%(carrier)s has no manifests: its shipments are lodged as they are picked up, so "
                "there is nothing to close for %(account)s."
            )
            % {"carrier": spec.label, "account": account.name},
        )


def default_reference(account: CarrierAccount, today: datetime.date) -> str:
    base = f"EOD-{today:%Y%m%d}"
    taken = set(
        Manifest.objects.filter(carrier_account=account, reference__startswith=base).values_list(
            "reference", flat=True
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def clean_reference(account: CarrierAccount, reference: str | None) -> str:
    text = (reference or "").strip()
    if not text:
        return default_reference(account, timezone.localdate())
    if len(text) > REFERENCE_MAX:
        raise ValidationFailed.for_field(
            "reference", _("Reference is at most %(max)d characters.") % {"max": REFERENCE_MAX}
        )
    if Manifest.objects.filter(carrier_account=account, reference=text).exists():
        raise ValidationFailed.for_field(
            "reference",
            _("Manifest %(reference)s exists already for this account.") % {"reference": text},
        )
    return text


def stale_claims_release(account: CarrierAccount, now: datetime.datetime) -> None:
    """A close whose process stopped before the carrier answered left its claim: released."""
    stale = Manifest.objects.filter(
        carrier_account=account, carrier_manifest_id="", created_at__lt=now - CLAIM_LEASE
    )
    for manifest in stale:
        manifest.shipments.update(manifest=None)
        manifest.delete()


def manifest_claim(
    account: CarrierAccount, reference: str | None, *, actor: Any, now: datetime.datetime
) -> tuple[Manifest, list[int]]:
    with transaction.atomic():
        CarrierAccount.objects.select_for_update().get(pk=account.pk)
        stale_claims_release(account, now)
        if Manifest.objects.filter(carrier_account=account, carrier_manifest_id="").exists():
            raise Conflict(
                detail=_("A manifest of %(account)s is being closed right now.")
                % {"account": account.name}
            )
        open_rows = Shipment.objects.filter(
            carrier_account=account, status__in=OPEN_FOR_MANIFEST, manifest__isnull=True
        )
        shipment_ids = list(open_rows.order_by("pk").values_list("pk", flat=True))
        if not shipment_ids:
            raise ValidationFailed.for_field(
                "carrier_account",
                _("No shipment of %(account)s is waiting to be lodged.")
                % {"account": account.name},
            )
        manifest = Manifest.objects.create(
            carrier_account=account,
            reference=clean_reference(account, reference),
            closed_by=user_or_none(actor),
        )
        Shipment.objects.filter(pk__in=shipment_ids).update(manifest=manifest)
        return manifest, shipment_ids


def claim_release(manifest_id: int) -> None:
    with transaction.atomic():
        Shipment.objects.filter(manifest_id=manifest_id).update(manifest=None)
        Manifest.objects.filter(pk=manifest_id, carrier_manifest_id="").delete()


def manifest_recorded(
    manifest_id: int, result: ManifestResult, relative: str, *, actor: Any, now: datetime.datetime
) -> Manifest:
    with transaction.atomic():
        manifest = Manifest.objects.select_for_update().get(pk=manifest_id)
        shipments = Shipment.objects.filter(manifest=manifest)
        count = shipments.count()
        manifest.carrier_manifest_id = result.manifest_id[:100] or manifest.reference
        manifest.pdf_file = relative
        manifest.shipment_count = count
        manifest.cost = result.cost if result.cost is not None else None
        manifest.save()
        shipments.filter(status__in=OPEN_FOR_MANIFEST).update(
            status=ShipmentStatus.MANIFESTED, updated_at=now
        )
        audit_record(
            actor=actor,
            action="manifest.closed",
            obj=manifest,
            summary=f"{manifest.reference}: {count} shipment(s) lodged",
            data={"carrier_manifest_id": manifest.carrier_manifest_id},
        )
        return manifest


def manifest_close(
    carrier_account: CarrierAccount | int | str, *, actor: Any, reference: str | None = None
) -> Manifest:
    """Lodge every created or label-ready shipment of the account not yet on a manifest."""
    require_staff(actor)
    account = account_of(carrier_account)
    require_manifests(account)
    now = timezone.now()
    manifest, shipment_ids = manifest_claim(account, reference, actor=actor, now=now)
    shipments = Shipment.objects.filter(pk__in=shipment_ids).select_related("carrier_account")
    carrier = account_carrier(account)
    try:
        result = carrier.close_manifest([created_of(s) for s in shipments], manifest.reference)
    except ShipmentRefused as refused:
        claim_release(manifest.pk)
        raise ValidationFailed.for_field(
            "carrier_account",
            _("The carrier refused the manifest: %(message)s") % {"message": refused.message},
        ) from refused
    except CarrierError as error:
        claim_release(manifest.pk)
        raise CarrierUnreachable(
            detail=_("The carrier did not answer; close the manifest again: %(message)s")
            % {"message": error.message}
        ) from error
    except BaseException:
        claim_release(manifest.pk)
        raise
    finally:
        carrier.close()
    if result is None:
        claim_release(manifest.pk)
        require_manifests(account)  # the spec said it has manifests; the adapter did nothing
        raise ValidationFailed.for_field("carrier_account", _("The carrier lodged nothing."))
    relative = files.manifest_save(result.pdf) if result.pdf else ""
    try:
        return manifest_recorded(manifest.pk, result, relative, actor=actor, now=timezone.now())
    except BaseException:
        files.file_delete(relative)
        raise
