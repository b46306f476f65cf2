"""What the Australia Post emulator holds: contract accounts (a digest of their API key and
password), their postage products and settings, as records of the shared emulator store
(account = the charge account number). Shipments, labels and orders live in their own modules'
collections under the same account."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from django.db import transaction

from kucun.sandbox.emulator import Emulator, credential_digest
from kucun.sandbox.models import EmulatorRecord

emulator = Emulator("auspost")

ACCOUNT = "account"
SHIPMENT = "shipment"
LABEL = "label"
ORDER = "order"
ARTICLE = "article"  # article and consignment ids → their shipment, for tracking
COUNTER = "counter"

DEFAULT_ACCOUNT_NUMBER = "0001234567"
DEFAULT_API_KEY = "sandbox-auspost-key"
DEFAULT_PASSWORD = "sandbox-auspost-password"  # noqa: S105 - a documented sandbox fake
DEFAULT_ACCOUNT_NAME = "Sandbox eParcel merchant"
DEFAULT_SERVICES = ("T28", "E34")

# auspost.md §9 says create/prices/labels are not rate limited, yet the gateway answers 429
# under abuse and tracking is held to about 10 a minute (§7): one generous bucket per account,
# narrowed through ``__emu/rate-limit`` when a test wants the 429.
DEFAULT_RATE_LIMIT = {"capacity": 60.0, "refill_per_second": 10.0}
DEFAULT_SETTINGS: dict[str, int] = {
    "label_polls": 1,  # GET labels/{id} answers PENDING this many times before AVAILABLE
    "track_batch": 10,  # tracking_ids per track request (auspost.md §7)
    "max_items": 20,  # items per domestic shipment (auspost.md §4)
}

# Local date-times with offsets, as Australia Post writes them (auspost.md §2): AEST.
AEST = timezone(timedelta(hours=10))


@dataclass(frozen=True)
class Product:
    """A postage product on a contract: the code, its label group and the emulator's tariff
    (ex GST: a base plus a rate per chargeable kilogram)."""

    product_id: str
    type: str
    group: str
    base: float
    per_kg: float
    volumetric: bool = True  # cubic pricing: dimensions are required (auspost.md §10)


KNOWN_PRODUCTS: dict[str, Product] = {
    product.product_id: product
    for product in (
        Product("T28", "PARCEL POST", "Parcel Post", 8.50, 2.00),
        Product("E34", "EXPRESS POST", "Express Post", 11.00, 3.50),
        Product("3D55", "PARCEL POST + SIGNATURE", "Parcel Post", 9.10, 2.10),
        Product("3J55", "EXPRESS POST + SIGNATURE", "Express Post", 11.60, 3.60),
        Product("FPP", "STARTRACK PREMIUM", "StarTrack", 14.00, 2.40),
        Product("PTI8", "INTERNATIONAL STANDARD", "International", 18.00, 9.00, volumetric=False),
        Product("ECM8", "INTERNATIONAL EXPRESS", "International", 32.00, 14.00, volumetric=False),
    )
}


def product(code: str) -> Product:
    """A contract product by code; codes the emulator does not know price as Parcel Post."""
    return KNOWN_PRODUCTS.get(code) or Product(code, code, "Parcel Post", 9.00, 2.50)


def aest(moment: datetime) -> str:
    return moment.astimezone(AEST).isoformat(timespec="seconds")


def setting(name: str) -> int:
    return int(emulator.setting("settings", {}).get(name, DEFAULT_SETTINGS[name]))


def update_settings(changes: Mapping[str, Any]) -> dict[str, int]:
    current = {**DEFAULT_SETTINGS, **emulator.setting("settings", {})}
    for name in DEFAULT_SETTINGS:
        if name in changes:
            current[name] = max(0, int(changes[name]))
    emulator.set_setting("settings", current)
    return current


class SeedError(ValueError):
    """Seed JSON the emulator refuses (the control plane answers 400 with the message)."""


# -- accounts -----------------------------------------------------------------------------
def secret_digest(api_key: str, password: str) -> str:
    return credential_digest(f"{api_key}:{password}")


def consignment_prefix(account_number: str) -> str:
    """Three letters that start the account's consignment ids (``ABC000128`` in the doc)."""
    digest = hashlib.sha256(account_number.encode()).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:3])


def account_put(
    *, account_number: str, api_key: str, password: str, name: str, services: list[str]
) -> dict[str, Any]:
    """An account holding digests of its credentials (never the credentials themselves)."""
    if not account_number or not api_key or not password:
        raise SeedError("every account needs account_number, api_key and password")
    if not services:
        raise SeedError(f"account {account_number} needs at least one service")
    document = {
        "account_number": account_number,
        "name": name or account_number,
        "key_digest": credential_digest(api_key),
        "secret_digest": secret_digest(api_key, password),
        "services": list(services),
        "consignment_prefix": consignment_prefix(account_number),
    }
    emulator.put(account_number, ACCOUNT, account_number, document)
    return document


def account(account_number: str) -> dict[str, Any] | None:
    return emulator.get(account_number, ACCOUNT, account_number)


def accounts_of_key(api_key: str, password: str) -> list[str] | None:
    """The account numbers this API key may act for, or None when key and password do not
    match (an unknown key and a wrong password look the same from outside)."""
    found = EmulatorRecord.objects.filter(
        system=emulator.system, collection=ACCOUNT, data__key_digest=credential_digest(api_key)
    )
    expected = secret_digest(api_key, password)
    numbers = [
        record.key
        for record in found
        if hmac.compare_digest(str(record.data.get("secret_digest", "")), expected)
    ]
    return numbers or None


def accounts() -> list[dict[str, Any]]:
    found = (account(number) for number in emulator.accounts(ACCOUNT))
    return [document for document in found if document is not None]


def next_number(account_number: str, counter: str) -> int:
    """The next number of an account's sequence (consignments, orders), under a row lock.
    A sequence starts at a random point after each reset, so a reset emulator does not hand
    out the numbers it handed out before (a demo's database may still hold them)."""
    with transaction.atomic():
        records = emulator.records(account_number, COUNTER).select_for_update()
        record = records.filter(key=counter).first()
        if record is None:
            first = 1_000_000 + secrets.randbelow(8_000_000)
            emulator.put(account_number, COUNTER, counter, {"value": first})
            return first
        value = int(record.data["value"]) + 1
        record.data = {"value": value}
        record.save(update_fields=["data"])
        return value


# -- control plane ------------------------------------------------------------------------
def reset() -> None:
    emulator.wipe()
    emulator.set_setting("rate_limit", dict(DEFAULT_RATE_LIMIT))
    emulator.set_setting("settings", dict(DEFAULT_SETTINGS))
    account_put(
        account_number=DEFAULT_ACCOUNT_NUMBER,
        api_key=DEFAULT_API_KEY,
        password=DEFAULT_PASSWORD,
        name=DEFAULT_ACCOUNT_NAME,
        services=list(DEFAULT_SERVICES),
    )


@transaction.atomic
def seed(body: Mapping[str, Any]) -> dict[str, Any]:
    """``{"accounts": [{"account_number", "api_key", "password", "name", "services"}],
    "settings": {"label_polls": n, ...}}``: all of it, or nothing when any of it is refused."""
    loaded = []
    for spec in body.get("accounts") or []:
        if not isinstance(spec, Mapping):
            raise SeedError("every account is a JSON object")
        services = spec.get("services") or list(DEFAULT_SERVICES)
        if not isinstance(services, list) or not all(isinstance(code, str) for code in services):
            raise SeedError("services is a list of product ids")
        document = account_put(
            account_number=str(spec.get("account_number") or ""),
            api_key=str(spec.get("api_key") or ""),
            password=str(spec.get("password") or ""),
            name=str(spec.get("name") or ""),
            services=services,
        )
        loaded.append(
            {key: document[key] for key in ("account_number", "name", "services")},
        )
    settings = body.get("settings") or {}
    if not isinstance(settings, Mapping):
        raise SeedError("settings is a JSON object")
    unknown = sorted(set(settings) - set(DEFAULT_SETTINGS))
    if unknown:
        raise SeedError(f"unknown settings: {', '.join(unknown)}")
    return {"accounts": loaded, "settings": update_settings(settings)}


def state(account_number: str | None = None) -> dict[str, Any]:
    """Per account: its shipments as the control-plane contract names them, orders, labels."""
    numbers = emulator.accounts(ACCOUNT)
    if account_number is not None:
        numbers = [number for number in numbers if number == account_number]
    shipments = [shipment for number in numbers for shipment in account_shipments(number)]
    return {
        "now": emulator.now().astimezone(UTC).isoformat(),
        "settings": {**DEFAULT_SETTINGS, **emulator.setting("settings", {})},
        "shipments": shipments,
        "accounts": {number: account_state(number) for number in numbers},
    }


def account_shipments(account_number: str) -> list[dict[str, Any]]:
    return [
        {
            "account": account_number,
            "reference": record.data.get("shipment_reference", ""),
            "id": record.key,
            "status": record.data["status"],
            "tracking_numbers": [
                item["tracking_details"]["article_id"] for item in record.data["items"]
            ],
            "consignment_id": record.data["consignment_id"],
            "order_id": record.data.get("order_id"),
        }
        for record in emulator.records(account_number, SHIPMENT).order_by("id")
    ]


def account_state(account_number: str) -> dict[str, Any]:
    document = account(account_number) or {}
    return {
        "name": document.get("name", ""),
        "services": document.get("services", []),
        "shipments": account_shipments(account_number),
        "orders": [
            {"order_id": record.key, "shipment_ids": record.data["shipment_ids"]}
            for record in emulator.records(account_number, ORDER).order_by("id")
        ],
        "labels": [
            {"request_id": record.key, "status": record.data["status"]}
            for record in emulator.records(account_number, LABEL).order_by("id")
        ],
    }
