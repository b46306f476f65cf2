"""The myFastway API's calls (fastway.md §4–§8) under ``/sandbox/fastway/api/``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from kucun.sandbox.emulator import json_body
from kucun.sandbox.fastway import state, store, tracking
from kucun.sandbox.fastway.consignments import (
    DELIVERY_OPTIONS,
    ApiError,
    Draft,
    Refused,
    address_check,
    draft_read,
    folded,
    list_row,
    quote,
)
from kucun.sandbox.fastway.localities import search, verdict
from kucun.sandbox.fastway.wire import data, endpoint
from kucun.sandbox.models import EmulatorRecord
from kucun.sandbox.pdf import LabelPage, label_pdf

Client = dict[str, Any]


def query(request: HttpRequest) -> dict[str, str]:
    """Query parameters by lower-case name (ASP.NET binds them case-insensitively)."""
    return {name.lower(): str(value) for name, value in request.GET.items()}


def page(request: HttpRequest, rows: QuerySet[EmulatorRecord]) -> list[dict[str, Any]]:
    """One page of list rows: ``pageNumber`` zero-based, ``page_size`` (1000) rows each."""
    raw = query(request).get("pagenumber", "0") or "0"
    if not raw.isdigit():
        raise Refused(400, [ApiError("pageNumber", "pageNumber must be 0 or more.")])
    size = int(state.setting("page_size"))
    start = int(raw) * size
    return [list_row(record.data["consignment"]) for record in rows[start : start + size]]


# -- addresses (§4) -------------------------------------------------------------------------
def address_validate(request: HttpRequest, client: Client) -> HttpResponse:
    body = json_body(request)
    normalised, _locality, problems = address_check(
        folded(body) if isinstance(body, dict) else None, state.locality_table()
    )
    if normalised is None:
        raise Refused(400, problems)
    return data(normalised)


def localities(request: HttpRequest, client: Client) -> HttpResponse:
    """``GET addresses/localities?term=`` — the parameter's name is the emulator's best guess
    (the doc leaves it unverified); a locality or a postcode prefix."""
    params = query(request)
    term = params.get("term") or params.get("locality") or params.get("postalcode") or ""
    return data(
        [
            {
                "localityId": row.locality_id,
                "locality": row.locality,
                "stateOrProvince": row.state,
                "postalCode": row.postcode,
                "country": "AU",
            }
            for row in search(state.locality_table(), term)
        ]
    )


def serviced_by(request: HttpRequest, client: Client) -> HttpResponse:
    """``GET addresses/serviced-by?locality=&postalCode=&stateOrProvince=`` — parameters are the
    emulator's best guess (unverified in the doc): the franchise that delivers there."""
    params = query(request)
    found = verdict(
        state.locality_table(),
        locality=params.get("locality", ""),
        state=params.get("stateorprovince", ""),
        postcode=params.get("postalcode", ""),
    )
    if found.found is None and found.field == "stateOrProvince":
        found = verdict(
            state.locality_table(),
            locality=params.get("locality", ""),
            state=found.suggestions[0].state,
            postcode=params.get("postalcode", ""),
        )
    if found.found is None:
        suggestions = tuple(row.suggestion() for row in found.suggestions)
        raise Refused(400, [ApiError(found.field, found.message, suggestions)])
    return data(
        {
            "deeded": True,
            "rf": found.found.franchise_code,
            "cf": found.found.franchise_code,
            "franchiseName": found.found.franchise_name,
            "zone": "",
            "subDepot": "",
        }
    )


# -- consignments (§5, §6) ------------------------------------------------------------------
def draft_of(request: HttpRequest, client: Client) -> Draft:
    return draft_read(
        json_body(request),
        package_types=state.package_types(client),
        table=state.locality_table(),
        reseller=bool(client.get("reseller")),
    )


def consignment_quote(request: HttpRequest, client: Client) -> HttpResponse:
    return data(quote(draft_of(request, client)))


def consignment_create(request: HttpRequest, client: Client) -> HttpResponse:
    return data(store.consignment_create(client, draft_of(request, client)), status=201)


def date_param(params: dict[str, str], name: str) -> date:
    raw = params.get(name.lower(), "")
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise Refused(
            400, [ApiError(name, f"{name} must be a date (YYYY-MM-DD); '{raw}' is not.")]
        ) from None


def consignment_list(request: HttpRequest, client: Client) -> HttpResponse:
    """``GET consignments?from=&to=&pageNumber=``; ``externalRef1=`` narrows it to one of our
    references — a filter the doc does not name: the emulator's best guess at one."""
    params = query(request)
    problems, first, last = [], None, None
    for name in ("from", "to"):
        try:
            parsed = date_param(params, name)
        except Refused as refused:
            problems.extend(refused.errors)
            continue
        first, last = (parsed, last) if name == "from" else (first, parsed)
    if problems or first is None or last is None:
        raise Refused(400, problems)
    if last < first:
        raise Refused(400, [ApiError("to", "to must not be before from.")])
    reference = params.get("externalref1")
    rows = store.created_between(client["client_id"], first, last, reference or None)
    return data(page(request, rows))


def consignments_pending(request: HttpRequest, client: Client) -> HttpResponse:
    return data(page(request, store.pending(client["client_id"])))


def deleted_reasons(request: HttpRequest, client: Client) -> HttpResponse:
    return data([{"id": number, "description": name} for number, name in store.DELETED_REASONS])


def found_consignment(client: Client, con_id: int) -> EmulatorRecord:
    record = store.consignment_record(client["client_id"], con_id)
    if record is None:
        raise store.not_found(con_id)
    return record


def consignment_get(request: HttpRequest, client: Client, con_id: int) -> HttpResponse:
    return data(found_consignment(client, con_id).data["consignment"])


def consignment_delete(
    request: HttpRequest, client: Client, con_id: int, reason_id: int
) -> HttpResponse:
    store.consignment_delete(client["client_id"], con_id, reason_id)
    return data(True)


def consignment_undelete(request: HttpRequest, client: Client, con_id: int) -> HttpResponse:
    return data(store.consignment_undelete(client["client_id"], con_id))


def pickup_details(request: HttpRequest, client: Client, con_id: int) -> HttpResponse:
    """Kept as given: the fields are unverified in the doc."""
    record = found_consignment(client, con_id)
    body = json_body(request)
    if not isinstance(body, dict):
        raise Refused(400, [ApiError("body", "Pickup details (a JSON object) are required.")])
    state.emulator.put(
        client["client_id"], state.CONSIGNMENT, record.key, {**record.data, "pickupDetails": body}
    )
    return data(True)


def consignment_services(request: HttpRequest, client: Client) -> HttpResponse:
    return data(
        [
            {
                "code": "DELOPT",
                "name": "Delivery options",
                "description": "How the parcel may be left at the receiver's address",
                "chargeLevel": "Consignment",
                "items": [
                    {"code": code, "description": description, "price": float(price)}
                    for code, (_id, description, price) in DELIVERY_OPTIONS.items()
                ],
            }
        ]
    )


# -- labels (§7) ----------------------------------------------------------------------------
def contact_lines(contact: dict[str, Any]) -> list[str]:
    address = contact["address"]
    lines = [contact.get("businessName", ""), contact.get("contactName", "")]
    lines += [address.get("streetAddress", ""), address.get("additionalDetails", "")]
    lines.append(
        f"{address['locality'].upper()} {address['stateOrProvince']} {address['postalCode']}"
    )
    return [line for line in lines if line]


def pdf_answer(consignment: dict[str, Any], items: list[dict[str, Any]]) -> HttpResponse:
    receiver = contact_lines(consignment["to"])
    if consignment["instructionsPublic"]:
        receiver.append(f"Instructions: {consignment['instructionsPublic']}")
    options = " ".join(service["serviceItemCode"] for service in consignment["services"])
    pages = [
        LabelPage(
            carrier="Aramex",
            tracking_number=item["label"],
            service=" ".join(
                part
                for part in (
                    "Parcel" if item["packageType"] == "P" else f"Satchel {item['satchelSize']}",
                    options,
                )
                if part
            ),
            sender=contact_lines(consignment["from"]),
            receiver=receiver,
            reference=consignment["externalRef1"],
        )
        for item in items
    ]
    response = HttpResponse(label_pdf(pages), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{consignment["conId"]}.pdf"'
    return response


def labels(request: HttpRequest, client: Client, con_id: int) -> HttpResponse:
    consignment = found_consignment(client, con_id).data["consignment"]
    return pdf_answer(consignment, consignment["items"])


def label(request: HttpRequest, client: Client, con_id: int, label_number: str) -> HttpResponse:
    consignment = found_consignment(client, con_id).data["consignment"]
    items = [item for item in consignment["items"] if item["label"] == label_number.upper()]
    if not items:
        raise Refused(
            404,
            [ApiError("LabelNotFound", f"Label {label_number} is not on consignment {con_id}.")],
        )
    return pdf_answer(consignment, items)


# -- tracking (§8) --------------------------------------------------------------------------
def track(request: HttpRequest, client: Client, label_number: str) -> HttpResponse:
    """Any label the emulator issued may be tracked; one it never issued is 404."""
    number = label_number.upper()
    if not (len(number) == 12 and number[:2].isalpha() and number[2:].isdigit()):
        raise Refused(
            400,
            [
                ApiError(
                    "labelNumber",
                    f"'{label_number}' is not a label number (two letters and ten digits).",
                )
            ],
        )
    record = store.label_owner(number)
    if record is None:
        raise Refused(404, [ApiError("LabelNotFound", f"Label {number} was not found.")])
    return data(tracking.label_scans(number, record))


@csrf_exempt
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    """A path the API does not have: 404 without a body, as ASP.NET answers it."""
    state.emulator.log(request, 404)
    return HttpResponse(status=404)


address_validate_view = endpoint({"POST": ("address_validate", address_validate)})
localities_view = endpoint({"GET": ("address_localities", localities)})
serviced_by_view = endpoint({"GET": ("address_serviced_by", serviced_by)})
consignments_view = endpoint(
    {
        "GET": ("consignment_list", consignment_list),
        "POST": ("consignment_create", consignment_create),
    }
)
quote_view = endpoint({"POST": ("consignment_quote", consignment_quote)})
pending_view = endpoint({"GET": ("consignment_pending", consignments_pending)})
deleted_reasons_view = endpoint({"GET": ("consignment_deleted_reasons", deleted_reasons)})
consignment_view = endpoint({"GET": ("consignment_get", consignment_get)})
delete_view = endpoint({"DELETE": ("consignment_delete", consignment_delete)})
undelete_view = endpoint({"PUT": ("consignment_undelete", consignment_undelete)})
pickup_details_view = endpoint({"POST": ("consignment_pickup_details", pickup_details)})
services_view = endpoint({"GET": ("consignment_services", consignment_services)})
labels_view = endpoint({"GET": ("labels", labels)})
label_view = endpoint({"GET": ("label", label)})
track_view = endpoint({"GET": ("track", track)})
