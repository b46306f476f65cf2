"""``ds.xms.label.get`` (fourpx.md §8.1): "label does not exist" (DS000046) for the first
calls after a create, then the URL of a PDF the emulator serves, as 4PX hosts its labels:
one page per parcel, each holding the 4PX tracking number (and the parcel's child barcode
when the consignment has several)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from kucun.sandbox.fourpx.consignments import channel_no, now_ts
from kucun.sandbox.fourpx.state import (
    App,
    consignment_by_number,
    consignment_change,
    label_owner,
    label_token_add,
    setting,
)
from kucun.sandbox.fourpx.validation import LABEL_FORMATS, LABEL_SIZES
from kucun.sandbox.fourpx.wire import Refused
from kucun.sandbox.pdf import LabelPage, label_pdf, summary_pdf

DEFAULT_LABEL_SIZE = "label_100x150"


def label_get(app: App, body: Mapping[str, Any], request: HttpRequest) -> dict[str, Any]:
    request_no = str(body.get("request_no") or "")
    if not request_no:
        raise Refused.one("DS000005", "request_no")
    label_size = str(body.get("label_size") or DEFAULT_LABEL_SIZE)
    if label_size not in LABEL_SIZES:
        raise Refused.one("DS000004", f"label_size {label_size!r}", request_no)
    label_format = str(body.get("response_label_format") or "PDF")
    if label_format.upper() not in LABEL_FORMATS:
        raise Refused.one("DS000019", repr(label_format), request_no)
    now = now_ts()
    found = consignment_by_number(app.app_key, request_no, at=now)
    if found is None:
        raise Refused.one("DS000017", request_no, request_no)
    if found.get("cancelled_ts") is not None:
        raise Refused.one("DS000046", f"{request_no} is cancelled", request_no)
    not_ready_calls = setting("label_not_ready_calls")

    def count_call(document: dict[str, Any]) -> tuple[bool, str]:
        document["label_calls"] = int(document["label_calls"]) + 1
        ready = document["label_calls"] > not_ready_calls
        if ready and not document["label_token"]:
            document["label_token"] = secrets.token_urlsafe(18)
        return ready, document["label_token"]

    ready, token = consignment_change(app.app_key, found["ref_no"], count_call)
    if not ready:
        raise Refused.one("DS000046", request_no, request_no)
    label_token_add(app.app_key, found["ref_no"], token)
    declarations = str(body.get("is_print_declaration_list") or "N").upper() == "Y"
    return {
        "label_barcode": found["label_barcode"] or found["tracking_no"],
        "child_label_barcode": list(found["children"]),
        "label_url_info": {
            "logistics_label": file_url(request, token, "label"),
            "custom_label": file_url(request, token, "declaration") if declarations else "",
            "package_label": "",
            "invoice_label": "",
        },
    }


def file_url(request: HttpRequest, token: str, kind: str) -> str:
    return request.build_absolute_uri(reverse("sandbox_fourpx_label_file", args=[kind, token]))


def label_pages(document: Mapping[str, Any], now: float) -> list[LabelPage]:
    tracking_no = document["tracking_no"]
    number, carrier = channel_no(document, now)
    last_mile = f" · {carrier} {number}" if number else ""
    barcodes = document["children"] or [tracking_no]
    return [
        LabelPage(
            carrier="4PX",
            tracking_number=barcode,
            service=f"{document['product_code']} {document['product_name']}",
            sender=document["sender_lines"],
            receiver=document["receiver_lines"],
            reference=f"{document['ref_no']} · 4PX {tracking_no}{last_mile} · "
            f"{index}/{len(barcodes)}",
        )
        for index, barcode in enumerate(barcodes, start=1)
    ]


def declaration_lines(document: Mapping[str, Any]) -> list[str]:
    lines = [f"4PX {document['tracking_no']}  ref {document['ref_no']}", ""]
    for index, parcel in enumerate(document["parcels"], start=1):
        lines.append(
            f"Parcel {index}: {parcel['weight']} g, value {parcel['value']} {parcel['currency']}"
        )
        lines.extend(
            f"  {line['qty']} x {line['name']} @ {line['unit_price']} {line['currency']}"
            for line in parcel["declarations"]
        )
    return lines


def label_file(request: HttpRequest, kind: str, token: str) -> HttpResponse:
    """``label/<kind>/<token>.pdf``: the file a label answer's URL names (no signature, as
    4PX's hosted files need none; the token is the secret)."""
    owned = label_owner(token)
    if owned is None or kind not in ("label", "declaration"):
        raise Http404
    _app_key, document = owned
    if kind == "label":
        pdf = label_pdf(label_pages(document, now_ts()))
    else:
        pdf = summary_pdf("Declaration list", declaration_lines(document))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document["tracking_no"]}-{kind}.pdf"'
    return response
