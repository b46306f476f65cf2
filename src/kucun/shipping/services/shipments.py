"""Shipments: a draft with its parcels written in one transaction, then sent to the carrier.

Sending is where things go wrong, so it is careful:

* An attempt is claimed first (``details["submitting_since"]``, committed) and marked as of
  unknown outcome until the carrier's answer is recorded. A second sender finds the claim and
  leaves it; a process that dies mid-call leaves the mark, and the next attempt (after the
  claim's lease) asks the carrier for the shipment by our reference before creating anything.
* A lost answer (a timeout, a 5xx, throttling) is recorded in ``details["attempt_errors"]`` and
  ``last_error``; the shipment stays a draft and the worker tries again with backoff, looking
  the shipment up first. So one shipment is created once, whatever fails.
* The carrier's refusal is kept in ``last_error`` (and its problems in ``details``) and raised
  as ValidationFailed naming the fields; a refused shipment is not retried. ``shipment_create``
  removes a draft whose very first sending was refused: the caller gets the errors and nothing
  is left behind.
* Success records the carrier's ids, a tracking number per parcel and the cost (status
  ``created``), then fetches the label (``labels.shipment_fetch_label``).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.core.audit import audit_record
from kucun.core.credentials import Problems
from kucun.core.errors import Conflict, DomainError, FieldError, ValidationFailed
from kucun.core.idempotency import clean_key, model_result, run_once
from kucun.core.models import IdempotencyRecord
from kucun.shipping import parcels as parcel_rules
from kucun.shipping.addresses import receiver_clean
from kucun.shipping.carrier_data import created_of, parcel_reference, request_of
from kucun.shipping.carriers.base import (
    Address,
    CarrierError,
    CreatedShipment,
    FieldProblem,
    OutcomeUnknown,
    ShipmentRefused,
)
from kucun.shipping.choices import ShipmentSource, ShipmentStatus
from kucun.shipping.connect import account_carrier, account_spec
from kucun.shipping.models import BoxPreset, CarrierAccount, Shipment, ShipmentParcel
from kucun.shipping.services.labels import next_track_after_creation, shipment_fetch_label
from kucun.shipping.services.roles import require_staff, user_or_none

REFERENCE_PREFIX = "SHP-"
REFERENCE_MAX = 50
SUBMIT_LEASE_SECONDS = 600
SUBMIT_MAX_ATTEMPTS = 8
RETRY_FIRST_SECONDS = 60
RETRY_CAP_SECONDS = 3600
ERRORS_KEPT = 20
OPTION_FLAGS = ("authority_to_leave", "signature", "dangerous_goods")


# --- settings and small helpers ------------------------------------------------------------------


def submit_lease_seconds() -> int:
    return int(getattr(settings, "SHIPMENT_SUBMIT_LEASE_SECONDS", SUBMIT_LEASE_SECONDS))


def submit_max_attempts() -> int:
    return int(getattr(settings, "SHIPMENT_SUBMIT_MAX_ATTEMPTS", SUBMIT_MAX_ATTEMPTS))


def retry_delay(attempts: int) -> datetime.timedelta:
    """Backoff after the ``attempts``-th failure: 1 min, 2, 4, … capped at an hour."""
    first = int(getattr(settings, "SHIPMENT_RETRY_FIRST_SECONDS", RETRY_FIRST_SECONDS))
    seconds = min(first * 2 ** max(attempts - 1, 0), RETRY_CAP_SECONDS)
    return datetime.timedelta(seconds=seconds)


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def parse_iso(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return None


def error_entry(kind: str, message: str, *, at: datetime.datetime | None = None) -> dict[str, str]:
    return {"at": iso(at or timezone.now()), "kind": kind, "message": message[:500]}


def append_error(details: dict[str, Any], key: str, entry: dict[str, str]) -> None:
    kept = list(details.get(key) or [])
    kept.append(entry)
    details[key] = kept[-ERRORS_KEPT:]


def locked(shipment_id: int) -> Shipment:
    return Shipment.objects.select_for_update().get(pk=shipment_id)


# --- creating the draft --------------------------------------------------------------------------


def clean_options(options: Mapping[str, Any] | None, problems: Problems) -> dict[str, Any]:
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        problems.add("options", _("Options must be an object."))
        return {}
    cleaned: dict[str, Any] = {}
    for name, value in options.items():
        if name in OPTION_FLAGS:
            if not isinstance(value, bool):
                problems.add(f"options.{name}", _("This option is true or false."))
            cleaned[name] = bool(value)
        elif name == "insurance_value":
            if value in (None, ""):
                continue
            amount = parcel_rules.decimal_of(
                value,
                field_name="options.insurance_value",
                label=_("Insurance value"),
                problems=problems,
                places=parcel_rules.MONEY_PLACES,
                maximum=parcel_rules.VALUE_MAX,
                positive=False,
            )
            if amount is not None:
                cleaned[name] = str(amount)
        else:
            problems.add(
                f"options.{name}",
                _("Unknown option: use %(names)s.")
                % {"names": ", ".join((*OPTION_FLAGS, "insurance_value"))},
            )
    return cleaned


def clean_service(account: CarrierAccount, service_code: str | None, problems: Problems) -> str:
    code = (service_code or account.default_service or "").strip()
    if not code:
        problems.add(
            "service_code",
            _("Choose a service: the account %(account)s has no default service.")
            % {"account": account.name},
        )
        return ""
    known = {service.code for service in account_spec(account).services}
    # A carrier lists example services; an account's contract may name others, so only the
    # code's shape is checked when it is not one of them.
    if code not in known and (
        len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum()
    ):
        problems.add("service_code", _("%(code)s is not a service code.") % {"code": code})
    return code


def clean_reference(reference: str | None, problems: Problems) -> str:
    if reference is None:
        return ""
    text = str(reference).strip()
    if not text:
        return ""
    if len(text) > REFERENCE_MAX:
        problems.add(
            "reference", _("Reference is at most %(max)d characters.") % {"max": REFERENCE_MAX}
        )
    elif Shipment.objects.filter(reference=text).exists():
        problems.add(
            "reference",
            _("Reference %(reference)s is already used by another shipment.") % {"reference": text},
        )
    return text


def clean_account(carrier_account: CarrierAccount | int) -> CarrierAccount:
    account = (
        carrier_account
        if isinstance(carrier_account, CarrierAccount)
        else CarrierAccount.objects.filter(pk=carrier_account).first()
    )
    if account is None:
        raise ValidationFailed.for_field("carrier_account", _("No such carrier account."))
    if not account.active:
        raise ValidationFailed.for_field(
            "carrier_account",
            _("Carrier account %(name)s is turned off.") % {"name": account.name},
        )
    try:
        account_spec(account)
    except KeyError as missing:
        raise ValidationFailed.for_field(
            "carrier_account",
            _("The carrier of account %(name)s is not installed.") % {"name": account.name},
        ) from missing
    return account


def clean_box(box_preset: BoxPreset | int | None) -> BoxPreset | None:
    if box_preset is None or isinstance(box_preset, BoxPreset):
        return box_preset
    found = BoxPreset.objects.filter(pk=box_preset, active=True).first()
    if found is None:
        raise ValidationFailed.for_field("box_preset", _("No active box has this id."))
    return found


def drafts_of_parcels(
    account: CarrierAccount,
    items: Sequence[Mapping[str, Any]] | None,
    parcels: Sequence[Mapping[str, Any]] | None,
    box: BoxPreset | None,
    dimensions: Mapping[str, Any] | None = None,
) -> list[parcel_rules.ParcelDraft]:
    if (items is None) == (parcels is None):
        raise ValidationFailed.for_field(
            "items", _("Give either the items to pack or the parcels, not both.")
        )
    if parcels is not None:
        max_parcels = account_spec(account).capabilities.max_parcels
        return parcel_rules.parcels_given(parcels, box_preset=box, max_parcels=max_parcels)
    return parcel_rules.parcels_from_items(items or [], box_preset=box, dimensions=dimensions)


def draft_write(
    *,
    actor: Any,
    account: CarrierAccount,
    receiver: Address,
    service_code: str,
    drafts: list[parcel_rules.ParcelDraft],
    reference: str,
    source: str,
    source_reference: str,
    options: dict[str, Any],
) -> Shipment:
    """The draft and its parcels (call inside a transaction)."""
    lines = (*receiver.lines, "", "", "")
    shipment = Shipment.objects.create(
        reference=reference or f"{REFERENCE_PREFIX}{uuid.uuid4().hex}"[:REFERENCE_MAX],
        source=source,
        source_reference=source_reference[:200],
        carrier_account=account,
        service_code=service_code,
        sender_warehouse=account.sender_warehouse,
        receiver_name=receiver.name,
        receiver_company=receiver.company,
        receiver_line1=lines[0],
        receiver_line2=lines[1],
        receiver_line3=lines[2],
        receiver_suburb=receiver.suburb,
        receiver_state=receiver.state,
        receiver_postcode=receiver.postcode,
        receiver_country=receiver.country,
        receiver_phone=receiver.phone,
        receiver_email=receiver.email,
        options=options,
        created_by=user_or_none(actor),
    )
    if not reference:
        shipment.reference = f"{REFERENCE_PREFIX}{shipment.pk:06d}"
        shipment.save(update_fields=["reference"])
    ShipmentParcel.objects.bulk_create(
        [
            ShipmentParcel(
                shipment=shipment,
                index=index,
                weight_kg=draft.weight_kg,
                length_cm=draft.length_cm,
                width_cm=draft.width_cm,
                height_cm=draft.height_cm,
                box_preset=draft.box_preset,
                description=draft.description,
                value=draft.value,
                contents=draft.contents,
            )
            for index, draft in enumerate(drafts, start=1)
        ]
    )
    audit_record(
        actor=actor,
        action="shipment.draft",
        obj=shipment,
        summary=f"{shipment.reference} to {receiver.name}, {len(drafts)} parcel(s)",
        data={"carrier_account": account.pk, "service_code": service_code, "source": source},
    )
    return shipment


def shipment_create(
    *,
    actor: Any,
    carrier_account: CarrierAccount | int,
    receiver: Mapping[str, Any],
    service_code: str | None = None,
    items: Sequence[Mapping[str, Any]] | None = None,
    parcels: Sequence[Mapping[str, Any]] | None = None,
    box_preset: BoxPreset | int | None = None,
    dimensions: Mapping[str, Any] | None = None,
    reference: str | None = None,
    source: str = ShipmentSource.MANUAL,
    source_reference: str = "",
    options: Mapping[str, Any] | None = None,
    submit: bool = True,
    idempotency_key: str | None = None,
) -> Shipment:
    """A shipment to ``receiver`` from the account's warehouse, its parcels packed from ``items``
    ([{"sku" or "item_id", "quantity"}]) or given as ``parcels``; then (``submit``) sent to the
    carrier. The same ``idempotency_key`` from the same actor answers the same shipment."""
    require_staff(actor)
    key = clean_key(idempotency_key)
    account = clean_account(carrier_account)
    box = clean_box(box_preset)
    if source not in ShipmentSource.values:
        raise ValidationFailed.for_field("source", _("Unknown source."))
    problems = Problems()
    code = clean_service(account, service_code, problems)
    cleaned_options = clean_options(options, problems)
    problems.raise_any()
    address = receiver_clean(receiver, account_spec(account).address_rules)
    drafts = drafts_of_parcels(account, items, parcels, box, dimensions)
    payload = {
        "carrier_account": account.pk,
        "receiver": dict(receiver),
        "service_code": code,
        "items": items,
        "parcels": parcels,
        "box_preset": box.pk if box is not None else None,
        "dimensions": dimensions,
        "reference": reference,
        "source": source,
        "source_reference": source_reference,
        "options": cleaned_options,
    }

    record, replay = model_result(Shipment)
    shipment = run_once(
        user=actor,
        operation="shipment_create",
        payload=payload,
        key=key,
        unit=lambda: draft_in_transaction(
            actor=actor,
            account=account,
            address=address,
            code=code,
            drafts=drafts,
            reference=reference,
            source=source,
            source_reference=source_reference,
            options=cleaned_options,
        ),
        record=record,
        replay=lambda stored: replay(stored, {}),
    )
    if not submit or shipment.status != ShipmentStatus.DRAFT:
        return shipment
    return submit_new(shipment, actor=actor)


def draft_in_transaction(
    *,
    actor: Any,
    account: CarrierAccount,
    address: Address,
    code: str,
    drafts: list[parcel_rules.ParcelDraft],
    reference: str | None,
    source: str,
    source_reference: str,
    options: dict[str, Any],
) -> Shipment:
    with transaction.atomic():
        problems = Problems()
        cleaned_reference = clean_reference(reference, problems)
        problems.raise_any()
        return draft_write(
            actor=actor,
            account=account,
            receiver=address,
            service_code=code,
            drafts=drafts,
            reference=cleaned_reference,
            source=source,
            source_reference=str(source_reference or ""),
            options=options,
        )


def submit_new(shipment: Shipment, *, actor: Any) -> Shipment:
    """The first sending of a new draft: a refusal removes the draft (and its idempotency
    record), so a refused create leaves nothing behind."""
    first_attempt = not (shipment.details or {}).get("attempts")
    try:
        return shipment_submit(shipment, actor=actor)
    except ValidationFailed:
        if first_attempt:
            draft_discard(shipment.pk)
        raise


def draft_discard(shipment_id: int) -> None:
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().filter(pk=shipment_id).first()
        if shipment is None or shipment.status != ShipmentStatus.DRAFT:
            return
        if (shipment.details or {}).get("outcome_unknown"):
            return
        IdempotencyRecord.objects.filter(
            result_type=Shipment._meta.label_lower, result_id=shipment_id
        ).delete()
        shipment.delete()


# --- sending it to the carrier -------------------------------------------------------------------


def submission_claim(shipment_id: int, *, now: datetime.datetime) -> tuple[Shipment, bool] | None:
    """Claim the next attempt (committed before the carrier is called). Answers the shipment
    and whether the carrier must be asked for it first; None when there is nothing to send."""
    with transaction.atomic():
        shipment = locked(shipment_id)
        if shipment.status != ShipmentStatus.DRAFT:
            return None
        details = dict(shipment.details or {})
        since = parse_iso(details.get("submitting_since"))
        if since is not None and now - since < datetime.timedelta(seconds=submit_lease_seconds()):
            raise Conflict(
                detail=_("Shipment %(reference)s is being sent to the carrier right now.")
                % {"reference": shipment.reference}
            )
        look_up_first = bool(details.get("outcome_unknown"))
        details["attempts"] = int(details.get("attempts") or 0) + 1
        details["submitting_since"] = iso(now)
        # Until the carrier's answer is recorded, the outcome of this attempt is unknown.
        details["outcome_unknown"] = True
        details.pop("retry_at", None)
        shipment.details = details
        shipment.save(update_fields=["details", "updated_at"])
        return shipment, look_up_first


def submission_failed(shipment_id: int, error: CarrierError, *, now: datetime.datetime) -> None:
    """A lost or failed attempt: recorded, and retried later when trying again may help."""
    with transaction.atomic():
        shipment = locked(shipment_id)
        details = dict(shipment.details or {})
        details.pop("submitting_since", None)
        kind = type(error).__name__
        append_error(details, "attempt_errors", error_entry(kind, error.message, at=now))
        # Whether a 5xx or a timeout applied is unknown: the next attempt looks it up first.
        details["outcome_unknown"] = bool(error.retryable or isinstance(error, OutcomeUnknown))
        attempts = int(details.get("attempts") or 1)
        if error.retryable and attempts < submit_max_attempts():
            details["retry_at"] = iso(now + retry_delay(attempts))
            details.pop("gave_up", None)
        else:
            details.pop("retry_at", None)
            details["gave_up"] = bool(error.retryable)
        shipment.details = details
        shipment.last_error = error.message[:2000]
        shipment.save(update_fields=["details", "last_error", "updated_at"])


def problem_field(problem: FieldProblem) -> str:
    """Our field for a carrier's field path (``shipments[0].to.postcode`` → receiver.postcode,
    ``items[1].weight`` → parcels[1].weight_kg); ``carrier`` when it names none of ours."""
    path = problem.field or ""
    leaf = path.rsplit(".", 1)[-1].split("[")[0].lower()
    receiver_names = {
        "name": "name",
        "business_name": "company",
        "company": "company",
        "lines": "line1",
        "line1": "line1",
        "suburb": "suburb",
        "city": "suburb",
        "state": "state",
        "postcode": "postcode",
        "phone": "phone",
        "email": "email",
        "country": "country",
    }
    lowered = path.lower()
    addressed = any(part in lowered for part in ("to.", "receiver", "consignee", "recipient"))
    if addressed and leaf in receiver_names:
        return f"receiver.{receiver_names[leaf]}"
    if "items[" in lowered or "parcel" in lowered:
        start = lowered.find("[", lowered.find("items[") if "items[" in lowered else 0)
        end = lowered.find("]", start)
        index = lowered[start + 1 : end] if start >= 0 and end > start else "0"
        names = {"weight": "weight_kg", "length": "length_cm", "width": "width_cm"}
        names["height"] = "height_cm"
        if index.isdigit() and leaf in names:
            return f"parcels[{index}].{names[leaf]}"
    if leaf in {"product_id", "service", "service_code", "product_code"}:
        return "service_code"
    return "carrier"


def submission_refused(shipment_id: int, refused: ShipmentRefused) -> ValidationFailed:
    """The carrier said no: kept on the shipment (not retried), and the error to raise."""
    problems = [
        {"field": problem.field, "message": problem.message, "code": problem.code}
        for problem in refused.problems
    ]
    with transaction.atomic():
        shipment = locked(shipment_id)
        details = dict(shipment.details or {})
        details.pop("submitting_since", None)
        details.pop("retry_at", None)
        details["outcome_unknown"] = False
        details["refused"] = True
        details["problems"] = problems
        append_error(details, "attempt_errors", error_entry("ShipmentRefused", refused.message))
        shipment.details = details
        shipment.last_error = refused.message[:2000]
        shipment.save(update_fields=["details", "last_error", "updated_at"])
    errors = [
        FieldError(problem_field(problem), problem.message or refused.message)
        for problem in refused.problems
    ] or [FieldError("carrier", refused.message)]
    summary = _("The carrier refused the shipment: %(message)s") % {"message": refused.message}
    return ValidationFailed(detail=summary, errors=errors)


def parcel_numbers(shipment: Shipment, created: CreatedShipment) -> dict[int, tuple[str, str]]:
    """Parcel index → (carrier parcel id, tracking number)."""
    by_reference = {parcel.reference: parcel for parcel in created.parcels}
    numbers: dict[int, tuple[str, str]] = {}
    indexes = list(shipment.parcels.order_by("index").values_list("index", flat=True))
    for position, index in enumerate(indexes):
        parcel = by_reference.get(parcel_reference(shipment, index))
        if parcel is None and position < len(created.parcels):
            parcel = created.parcels[position]
        if parcel is not None:
            numbers[index] = (parcel.carrier_parcel_id, parcel.tracking_number)
        elif position < len(created.tracking_numbers):
            numbers[index] = ("", created.tracking_numbers[position])
    return numbers


def submission_succeeded(
    shipment_id: int, created: CreatedShipment, *, actor: Any, now: datetime.datetime
) -> Shipment:
    with transaction.atomic():
        shipment = locked(shipment_id)
        if shipment.status != ShipmentStatus.DRAFT:
            return shipment
        details = dict(shipment.details or {})
        for key in ("submitting_since", "retry_at", "outcome_unknown", "refused", "gave_up"):
            details.pop(key, None)
        shipment.details = details
        shipment.status = ShipmentStatus.CREATED
        shipment.carrier_shipment_id = created.carrier_shipment_id[:100]
        shipment.consignment_number = created.consignment_number[:100]
        shipment.label_ref = created.label_ref[:200]
        shipment.cost = created.cost
        shipment.currency = created.currency or shipment.currency
        shipment.last_mile_carrier = created.last_mile_carrier[:100]
        shipment.last_error = ""
        shipment.next_track_at = next_track_after_creation(now)
        shipment.save()
        for index, (parcel_id, number) in parcel_numbers(shipment, created).items():
            ShipmentParcel.objects.filter(shipment=shipment, index=index).update(
                carrier_parcel_id=parcel_id[:100], tracking_number=number[:100]
            )
        audit_record(
            actor=actor,
            action="shipment.created",
            obj=shipment,
            summary=f"{shipment.reference} created at the carrier: {shipment.carrier_shipment_id}",
            data={"tracking_numbers": list(created.tracking_numbers)},
        )
        return shipment


def shipment_submit(shipment: Shipment, *, actor: Any = None) -> Shipment:
    """Send a draft to its carrier (see the module); answers the shipment as it is afterwards.
    A shipment no longer a draft is answered as it is: sending twice creates nothing."""
    require_staff(actor)
    now = timezone.now()
    claim = submission_claim(shipment.pk, now=now)
    if claim is None:
        return Shipment.objects.get(pk=shipment.pk)
    claimed, look_up_first = claim
    carrier = account_carrier(claimed.carrier_account)
    try:
        try:
            created = carrier.find_shipment(claimed.reference) if look_up_first else None
            if created is None:
                created = carrier.create_shipment(request_of(claimed))
        except ShipmentRefused as refused:
            raise submission_refused(claimed.pk, refused) from refused
        except CarrierError as error:
            submission_failed(claimed.pk, error, now=now)
            return Shipment.objects.get(pk=claimed.pk)
    finally:
        carrier.close()
    done = submission_succeeded(claimed.pk, created, actor=actor, now=timezone.now())
    return shipment_fetch_label(done)


def shipments_retry_due(*, now: datetime.datetime | None = None, limit: int = 100) -> int:
    """The worker's retry of drafts: those whose backoff is over, and those whose attempt was
    claimed by a process that never finished it (the lease ran out). Answers how many were
    tried."""
    moment = now or timezone.now()
    lease = datetime.timedelta(seconds=submit_lease_seconds())
    due: list[int] = []
    drafts = Shipment.objects.filter(status=ShipmentStatus.DRAFT).exclude(details={})
    for shipment_id, details in drafts.values_list("pk", "details").order_by("pk"):
        details = details or {}
        retry_at = parse_iso(details.get("retry_at"))
        since = parse_iso(details.get("submitting_since"))
        if (retry_at is not None and retry_at <= moment) or (
            since is not None and moment - since >= lease
        ):
            due.append(shipment_id)
        if len(due) >= limit:
            break
    for shipment_id in due:
        shipment = Shipment.objects.get(pk=shipment_id)
        try:
            shipment_submit(shipment)
        except (Conflict, ValidationFailed):
            continue
    return len(due)


# --- cancelling ----------------------------------------------------------------------------------

CANCELLABLE = (ShipmentStatus.DRAFT, ShipmentStatus.CREATED, ShipmentStatus.LABEL_READY)


def cancel_refusal(shipment: Shipment) -> ValidationFailed:
    if shipment.status == ShipmentStatus.MANIFESTED or shipment.manifest_id:
        message = _("Shipment %(reference)s is on a manifest already: it cannot be cancelled.")
    else:
        message = _("Shipment %(reference)s is on its way (%(status)s): it cannot be cancelled.")
    return ValidationFailed.for_field(
        "status",
        message % {"reference": shipment.reference, "status": shipment.get_status_display()},
    )  # type: ignore[return-value]


def cancel_check(shipment_id: int, *, now: datetime.datetime) -> Shipment | None:
    """Refusals before any call; None when it is cancelled already."""
    shipment = Shipment.objects.select_related("carrier_account").get(pk=shipment_id)
    if shipment.status == ShipmentStatus.CANCELLED:
        return None
    if shipment.status not in CANCELLABLE or shipment.manifest_id:
        raise cancel_refusal(shipment)
    since = parse_iso((shipment.details or {}).get("submitting_since"))
    if since is not None and now - since < datetime.timedelta(seconds=submit_lease_seconds()):
        raise Conflict(
            detail=_("Shipment %(reference)s is being sent to the carrier: try again in a minute.")
            % {"reference": shipment.reference}
        )
    if (
        shipment.status != ShipmentStatus.DRAFT
        and not account_spec(shipment.carrier_account).capabilities.cancel
    ):
        raise ValidationFailed.for_field(
            "status",
            _("%(carrier)s does not cancel shipments once created: hold the parcel back instead.")
            % {"carrier": account_spec(shipment.carrier_account).label},
        )
    return shipment


def carrier_cancel(shipment: Shipment) -> None:
    """Cancel at the carrier what it holds of this shipment (a draft with an unknown attempt is
    looked up first); raises ValidationFailed with the carrier's words when it refuses."""
    details = shipment.details or {}
    if shipment.status == ShipmentStatus.DRAFT and not details.get("outcome_unknown"):
        return
    carrier = account_carrier(shipment.carrier_account)
    try:
        created: CreatedShipment | None
        if shipment.status == ShipmentStatus.DRAFT:
            created = carrier.find_shipment(shipment.reference)
            if created is None:
                return
            if not carrier.capabilities.cancel:
                raise ValidationFailed.for_field(
                    "status",
                    _("The carrier has this shipment and does not cancel shipments."),
                )
        else:
            created = created_of(shipment)
        carrier.cancel(created)
    except ShipmentRefused as refused:
        raise ValidationFailed.for_field(
            "status",
            _("The carrier refused to cancel it: %(message)s") % {"message": refused.message},
        ) from refused
    except CarrierError as error:
        raise CarrierUnreachable(
            detail=_("The carrier could not be reached; nothing was cancelled: %(message)s")
            % {"message": error.message}
        ) from error
    finally:
        carrier.close()


@dataclass
class CarrierUnreachable(DomainError):
    """The carrier did not answer; the request may be repeated."""

    status_code: int = 503


def shipment_cancel(shipment: Shipment, *, actor: Any) -> Shipment:
    """Cancel a shipment before lodgement: at the carrier where it exists there (where the
    carrier allows it), then here (status ``cancelled``, tracking stopped)."""
    require_staff(actor)
    now = timezone.now()
    found = cancel_check(shipment.pk, now=now)
    if found is None:
        return Shipment.objects.get(pk=shipment.pk)
    carrier_cancel(found)
    with transaction.atomic():
        current = locked(found.pk)
        if current.status == ShipmentStatus.CANCELLED:
            return current
        if current.status not in CANCELLABLE or current.manifest_id:
            raise cancel_refusal(current)
        details = dict(current.details or {})
        for key in ("submitting_since", "retry_at", "outcome_unknown", "label_retry_at"):
            details.pop(key, None)
        current.details = details
        current.status = ShipmentStatus.CANCELLED
        current.next_track_at = None
        current.save(update_fields=["status", "next_track_at", "details", "updated_at"])
        audit_record(
            actor=actor,
            action="shipment.cancelled",
            obj=current,
            summary=f"{current.reference} cancelled",
        )
        return current
