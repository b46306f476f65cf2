"""Consignments kept by the emulator: created with their label numbers and reference index,
found by id, listed by date, deleted before pickup and restored. A consignment is picked up
``PICKUP_AFTER`` its creation on the emulator clock (the first scan of its timeline)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from kucun.sandbox.fastway import state
from kucun.sandbox.fastway.consignments import (
    ApiError,
    Draft,
    ItemLine,
    Refused,
    consignment_document,
    piece_count,
)
from kucun.sandbox.fastway.localities import Locality, verdict
from kucun.sandbox.models import EmulatorRecord

# myFastway's times carry no offset (fastway.md §6, §8): the emulator writes Sydney's.
LOCAL_ZONE = ZoneInfo("Australia/Sydney")
PICKUP_AFTER = timedelta(hours=6)
DELETED_REASONS = (
    (1, "Created in error"),
    (2, "Customer cancelled the order"),
    (3, "Duplicate consignment"),
    (4, "Incorrect details"),
    (5, "Other"),
)
FALLBACK_FRANCHISE = ("SYD", "Sydney")
emulator = state.emulator


def local_stamp(moment: datetime) -> str:
    return moment.astimezone(LOCAL_ZONE).replace(tzinfo=None).isoformat(timespec="seconds")


def record_key(con_id: int) -> str:
    return f"{con_id:010d}"


def franchise_of(address: Mapping[str, Any], table: list[Locality]) -> tuple[str, str]:
    found = verdict(
        table,
        locality=str(address.get("locality", "")),
        state=str(address.get("stateOrProvince", "")),
        postcode=str(address.get("postalCode", "")),
    ).found
    return (found.franchise_code, found.franchise_name) if found else FALLBACK_FRANCHISE


def label_numbers(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{number:010d}" for number in state.next_numbers("next_label", 1, count)]


def duplicate_of(client_id: str, external_ref1: str) -> int | None:
    indexed = emulator.get(client_id, state.EXTERNAL_REF, external_ref1)
    return None if indexed is None else int(indexed["conId"])


def duplicate_refused(external_ref1: str, con_id: int) -> Refused:
    return Refused(
        400,
        [
            ApiError(
                "externalRef1",
                f"A consignment with externalRef1 '{external_ref1}' already exists "
                f"(conId {con_id}).",
            )
        ],
    )


def consignment_create(client: Mapping[str, Any], draft: Draft) -> dict[str, Any]:
    """Keep a new consignment and index its labels and ``externalRef1``; a reference already
    held by a live consignment of the account is refused (400) and nothing is kept."""
    client_id = client["client_id"]
    if draft.external_ref1:
        existing = duplicate_of(client_id, draft.external_ref1)
        if existing is not None:
            raise duplicate_refused(draft.external_ref1, existing)
    table = state.locality_table()
    try:
        with transaction.atomic():
            con_id = state.next_numbers("next_con_id", state.FIRST_CON_ID)[0]
            labels = label_numbers(client["label_prefix"], piece_count(draft))
            document = consignment_document(
                draft,
                con_id=con_id,
                labels=labels,
                sender=client["from"],
                created_on=local_stamp(emulator.now()),
            )
            keep(client_id, document, draft.delivery_option, table)
    except IntegrityError:  # another request took the reference meanwhile
        existing = duplicate_of(client_id, draft.external_ref1)
        raise duplicate_refused(draft.external_ref1, existing or 0) from None
    return document


def keep(
    client_id: str, document: dict[str, Any], delivery_option: str, table: list[Locality]
) -> None:
    con_id = document["conId"]
    emulator.put(
        client_id,
        state.CONSIGNMENT,
        record_key(con_id),
        {
            "consignment": document,
            "deleted": False,
            "deletedReasonId": None,
            "deliveryOption": delivery_option,
            "origin": franchise_of(document["from"]["address"], table),
            "destination": franchise_of(document["to"]["address"], table),
        },
    )
    now = emulator.now()
    rows = [
        EmulatorRecord(
            system=emulator.system,
            account=client_id,
            collection=state.LABEL,
            key=item["label"],
            data={"conId": con_id},
            created_at=now,
            updated_at=now,
        )
        for item in document["items"]
    ]
    if document["externalRef1"]:
        rows.append(
            EmulatorRecord(
                system=emulator.system,
                account=client_id,
                collection=state.EXTERNAL_REF,
                key=document["externalRef1"],
                data={"conId": con_id},
                created_at=now,
                updated_at=now,
            )
        )
    EmulatorRecord.objects.bulk_create(rows)


def consignment_record(
    client_id: str, con_id: int, *, deleted: bool = False
) -> EmulatorRecord | None:
    """The account's consignment (a deleted one only when ``deleted``)."""
    found = emulator.records(client_id, state.CONSIGNMENT).filter(key=record_key(con_id)).first()
    if found is None or bool(found.data["deleted"]) != deleted:
        return None
    return found


def picked_up(record: EmulatorRecord) -> bool:
    return not record.data["deleted"] and emulator.now() >= record.created_at + PICKUP_AFTER


def live(client_id: str) -> QuerySet[EmulatorRecord]:
    return emulator.records(client_id, state.CONSIGNMENT).filter(data__deleted=False)


def created_between(
    client_id: str, first: date, last: date, external_ref1: str | None = None
) -> QuerySet[EmulatorRecord]:
    """Live consignments created on ``first`` to ``last`` (Sydney dates, both included)."""
    start = datetime.combine(first, time.min, tzinfo=LOCAL_ZONE)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=LOCAL_ZONE)
    found = live(client_id).filter(created_at__gte=start, created_at__lt=end)
    if external_ref1 is not None:
        found = found.filter(data__consignment__externalRef1=external_ref1)
    return found.order_by("key")


def pending(client_id: str) -> QuerySet[EmulatorRecord]:
    """Live consignments not picked up yet."""
    return live(client_id).filter(created_at__gt=emulator.now() - PICKUP_AFTER).order_by("key")


def consignment_delete(client_id: str, con_id: int, reason_id: int) -> None:
    """Delete (cancel) a consignment before pickup; afterwards it is refused."""
    if reason_id not in dict(DELETED_REASONS):
        raise Refused(
            400,
            [
                ApiError(
                    "deleteReasonId",
                    f"Delete reason {reason_id} is not known.",
                    tuple(str(number) for number, _name in DELETED_REASONS),
                )
            ],
        )
    with transaction.atomic():
        record = consignment_record(client_id, con_id)
        if record is None:
            raise not_found(con_id)
        if picked_up(record):
            raise Refused(
                400,
                [
                    ApiError(
                        "ConsignmentPickedUp",
                        f"Consignment {con_id} has been picked up and can no longer be deleted.",
                    )
                ],
            )
        emulator.put(
            client_id,
            state.CONSIGNMENT,
            record.key,
            {**record.data, "deleted": True, "deletedReasonId": reason_id},
        )
        reference = record.data["consignment"]["externalRef1"]
        if reference:
            emulator.delete(client_id, state.EXTERNAL_REF, reference)


def consignment_undelete(client_id: str, con_id: int) -> dict[str, Any]:
    """Restore a deleted consignment, unless its reference has been used again meanwhile."""
    with transaction.atomic():
        record = consignment_record(client_id, con_id, deleted=True)
        if record is None:
            raise not_found(con_id)
        document = record.data["consignment"]
        reference = document["externalRef1"]
        if reference:
            existing = duplicate_of(client_id, reference)
            if existing is not None:
                raise duplicate_refused(reference, existing)
            emulator.put(client_id, state.EXTERNAL_REF, reference, {"conId": con_id})
        emulator.put(
            client_id,
            state.CONSIGNMENT,
            record.key,
            {**record.data, "deleted": False, "deletedReasonId": None},
        )
    return dict(document)


def not_found(con_id: int) -> Refused:
    return Refused(404, [ApiError("ConsignmentNotFound", f"Consignment {con_id} was not found.")])


def label_owner(label_number: str) -> EmulatorRecord | None:
    """The consignment a label number belongs to, whichever account made it."""
    indexed = EmulatorRecord.objects.filter(
        system=emulator.system, collection=state.LABEL, key=label_number
    ).first()
    if indexed is None:
        return None
    return (
        emulator.records(indexed.account, state.CONSIGNMENT)
        .filter(key=record_key(int(indexed.data["conId"])))
        .first()
    )


# -- seeding many ---------------------------------------------------------------------------
def generated_draft(table: list[Locality], number: int, con_id: int) -> Draft:
    """A simple one-parcel consignment to Sydney, for tests that need many pages."""
    sydney = next(row for row in table if row.postcode == "2000")
    to = {
        "contactName": f"Generated receiver {number}",
        "businessName": "",
        "phoneNumber": "",
        "email": "",
        "address": {
            "addressId": number,
            "localityId": sydney.locality_id,
            "streetAddress": "1 George Street",
            "additionalDetails": "",
            "locality": sydney.locality,
            "stateOrProvince": sydney.state,
            "postalCode": sydney.postcode,
            "country": "AU",
            "lat": sydney.lat,
            "lng": sydney.lng,
        },
    }
    parcel = ItemLine(1, "Parcel", "P", "", Decimal(1), Decimal(20), Decimal(15), Decimal(10))
    return Draft(to=to, destination=sydney, items=(parcel,), external_ref1=f"GEN-{con_id}")


def consignments_generate(client: Mapping[str, Any], count: int) -> int:
    """``count`` consignments in one go, created now on the emulator clock (bulk rows: a
    test of paging needs thousands)."""
    table = state.locality_table()
    client_id = client["client_id"]
    now = emulator.now()
    con_ids = state.next_numbers("next_con_id", state.FIRST_CON_ID, count)
    labels = label_numbers(client["label_prefix"], count)
    origin = franchise_of(client["from"]["address"], table)
    rows: list[EmulatorRecord] = []

    def row(collection: str, key: str, data: dict[str, Any]) -> EmulatorRecord:
        return EmulatorRecord(
            system=emulator.system,
            account=client_id,
            collection=collection,
            key=key,
            data=data,
            created_at=now,
            updated_at=now,
        )

    for number, (con_id, label) in enumerate(zip(con_ids, labels, strict=True), start=1):
        draft = generated_draft(table, number, con_id)
        document = consignment_document(
            draft,
            con_id=con_id,
            labels=[label],
            sender=client["from"],
            created_on=local_stamp(now),
        )
        stored = {
            "consignment": document,
            "deleted": False,
            "deletedReasonId": None,
            "deliveryOption": "",
            "origin": origin,
            "destination": FALLBACK_FRANCHISE,
        }
        rows.append(row(state.CONSIGNMENT, record_key(con_id), stored))
        rows.append(row(state.LABEL, label, {"conId": con_id}))
        rows.append(row(state.EXTERNAL_REF, draft.external_ref1, {"conId": con_id}))
    EmulatorRecord.objects.bulk_create(rows, batch_size=500)
    return count
