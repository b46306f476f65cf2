"""The myFastway emulator's control plane (integrations/README.md §2.2 and the carrier
emulators' shared contract): reset, seed, state, and the extras ``settings``, ``scans`` and
``tokens/expire``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from kucun.sandbox.emulator import json_answer, json_body
from kucun.sandbox.fastway import state, store, tracking
from kucun.sandbox.fastway.state import emulator


def reset() -> None:
    emulator.wipe()
    emulator.set_setting("rate_limit", dict(state.DEFAULT_RATE_LIMIT))
    emulator.set_setting("settings", dict(state.DEFAULT_SETTINGS))
    state.client_put(
        {
            "client_id": state.DEFAULT_CLIENT_ID,
            "client_secret": state.DEFAULT_CLIENT_SECRET,
            "scope": state.DEFAULT_SCOPE,
            "name": state.DEFAULT_NAME,
            "services": list(state.DEFAULT_SERVICES),
        }
    )


@transaction.atomic
def seed(body: Mapping[str, Any]) -> dict[str, Any]:
    """``{"accounts": [{"client_id", "client_secret", "scope", "name", "services": [...],
    "label_prefix"?, "from"?, "reseller"?, "generate_consignments"?}], "settings": {...},
    "localities": [{"locality", "state", "postcode", ...}]}``: all of it, or nothing."""
    loaded: dict[str, Any] = {"accounts": [], "consignments": {}, "localities": 0}
    if body.get("settings"):
        loaded["settings"] = state.update_settings(body["settings"])
    loaded["localities"] = state.localities_put(list(body.get("localities") or []))
    for spec in body.get("accounts") or []:
        client = state.client_put(spec)
        loaded["accounts"].append(public_client(client))
        count = int(spec.get("generate_consignments") or 0)
        if count:
            loaded["consignments"][client["client_id"]] = store.consignments_generate(client, count)
    return loaded


def seed_or_refuse(body: Any) -> object:
    try:
        return seed(body)
    except (KeyError, TypeError, ValueError) as refused:
        message = str(refused) if isinstance(refused, ValueError) else repr(refused)
        return json_answer({"error": message}, status=400)


def public_client(client: Mapping[str, Any]) -> dict[str, Any]:
    """A client as the control plane shows it: never its secret or a digest of it."""
    return {
        "client_id": client["client_id"],
        "name": client["name"],
        "scope": " ".join(client["scopes"]),
        "services": client["services"],
        "label_prefix": client["label_prefix"],
        "reseller": client.get("reseller", False),
    }


def shipment_state(record: Any) -> dict[str, Any]:
    consignment = record.data["consignment"]
    return {
        "account": record.account,
        "reference": consignment["externalRef1"],
        "id": str(consignment["conId"]),
        "status": "cancelled" if record.data["deleted"] else "created",
        "picked_up": store.picked_up(record),
        "tracking_numbers": [item["label"] for item in consignment["items"]],
        "created_on": consignment["createdOn"],
        "total": consignment["total"],
        "delete_reason_id": record.data["deletedReasonId"],
    }


def dump(request: HttpRequest) -> dict[str, Any]:
    """``__emu/state[?account=<client id>]``: clients and their consignments, oldest first."""
    account = request.GET.get("account")
    clients = [
        client for client in state.clients() if account is None or client["client_id"] == account
    ]
    shipments: list[dict[str, Any]] = []
    for client in clients:
        records = emulator.records(client["client_id"], state.CONSIGNMENT).order_by("key")
        shipments.extend(shipment_state(record) for record in records)
    shipments.sort(key=lambda shipment: int(shipment["id"]))
    return {
        "now": emulator.now().isoformat(),
        "settings": state.settings(),
        "accounts": [public_client(client) for client in clients],
        "shipments": shipments,
    }


def settings_view(request: HttpRequest) -> HttpResponse:
    """``__emu/settings``: ``token_ttl_seconds``, ``require_api_version``, ``page_size``."""
    if request.method == "POST":
        body = json_body(request)
        if not isinstance(body, dict):
            return json_answer({"error": "a JSON object is expected"}, status=400)
        try:
            return json_answer(state.update_settings(body))
        except (TypeError, ValueError) as refused:
            return json_answer({"error": str(refused)}, status=400)
    return json_answer(state.settings())


def scans_view(request: HttpRequest) -> HttpResponse:
    """``__emu/scans``: add a scan to a label (``{"label", "scanType", "description", ...}``)."""
    if request.method != "POST":
        return json_answer({"error": "POST"}, status=405)
    body = json_body(request)
    if not isinstance(body, dict) or not body.get("label") or not body.get("scanType"):
        return json_answer({"error": '{"label": …, "scanType": …} is expected'}, status=400)
    label = str(body["label"]).upper()
    record = store.label_owner(label)
    if record is None:
        return json_answer({"error": f"label {label} was never issued"}, status=404)
    try:
        scan = tracking.scan_add(record.account, label, body)
    except ValueError as refused:
        return json_answer({"error": str(refused)}, status=400)
    return json_answer(scan, status=201)


def expire_tokens_view(request: HttpRequest) -> HttpResponse:
    """``__emu/tokens/expire`` (``{"client_id"?}``): tokens expire now, the clock unmoved."""
    if request.method != "POST":
        return json_answer({"error": "POST"}, status=405)
    body = json_body(request)
    client_id = str(body.get("client_id") or "") if isinstance(body, dict) else ""
    return json_answer({"expired": state.tokens_expire(client_id or None)})
