"""What the 4PX emulator holds, as records of the shared emulator store (account = app_key):
apps and their logistics products, consignments keyed by our ``ref_no`` (unique per account,
so the database refuses a duplicate), and an index of every number a consignment answers to
(DS number, 4PX tracking number, child barcodes, last-mile channel number)."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, transaction

from kucun.core import secrets
from kucun.sandbox.emulator import Emulator
from kucun.sandbox.models import EmulatorRecord, EmulatorSetting

emulator = Emulator("fourpx")
T = TypeVar("T")

APP = "app"
CONSIGNMENT = "consignment"
NUMBER = "number"
THROTTLE = "throttle"

DEFAULT_APP_KEY = "sandbox-4px-app-key"
DEFAULT_APP_SECRET = "sandbox-4px-app-secret"  # noqa: S105 - a documented fake
DEFAULT_APP_NAME = "Sandbox 4PX customer"
DEFAULT_SERVICES = ("F3", "PX")

# fourpx.md §3: limits are not published; clients are advised ≤ 5 requests a second per app.
# A burst of 20, refilling 5 a second; once empty the app is refused for a minute (000017).
DEFAULT_RATE_LIMIT = {"capacity": 20.0, "refill_per_second": 5.0}
DEFAULT_SETTINGS: dict[str, int] = {
    "label_not_ready_calls": 1,  # ds.xms.label.get calls answered DS000046 after a create
    "channel_no_after_seconds": 3600,  # when a late last-mile number becomes visible
    "throttle_seconds": 60,  # how long an app that emptied its bucket is refused
}

# fourpx.md §4: product codes are read from the account; these are the sandbox's own.
# ``transport_mode`` as the product list has it (2 express, 3 postal, 4 line haul, 6 other).
PRODUCT_CATALOGUE: dict[str, dict[str, Any]] = {
    "F3": {
        "logistics_product_name_en": "4PX Standard Line (tracked)",
        "logistics_product_name_cn": "4PX标准专线（挂号）",
        "transport_mode": "4",
        "logistics_channel_name": "AUSPOST",
        "channel_no_at_create": False,
        "base_fee": "28.00",
        "fee_per_kg": "62.00",
        "estimated_time": "8",
    },
    "PX": {
        "logistics_product_name_en": "4PX Priority Post",
        "logistics_product_name_cn": "4PX优先挂号小包",
        "transport_mode": "3",
        "logistics_channel_name": "AUSPOST",
        "channel_no_at_create": True,
        "base_fee": "38.00",
        "fee_per_kg": "85.00",
        "estimated_time": "5",
    },
}


def product_document(spec: str | Mapping[str, Any]) -> dict[str, Any]:
    """A logistics product enabled on an app, from a code or an object naming one."""
    given: dict[str, Any] = (
        {"logistics_product_code": spec} if isinstance(spec, str) else dict(spec)
    )
    code = str(given.get("logistics_product_code") or given.get("code") or "").strip()
    if not code:
        raise SeedError("every service needs a logistics_product_code")
    known = PRODUCT_CATALOGUE.get(code, {})
    return {
        "logistics_product_code": code,
        "logistics_product_name_en": str(
            given.get("logistics_product_name_en") or known.get("logistics_product_name_en") or code
        ),
        "logistics_product_name_cn": str(
            given.get("logistics_product_name_cn") or known.get("logistics_product_name_cn") or code
        ),
        "transport_mode": str(given.get("transport_mode") or known.get("transport_mode") or "6"),
        "logistics_channel_name": str(
            given.get("logistics_channel_name") or known.get("logistics_channel_name") or "POST"
        ),
        "channel_no_at_create": bool(
            given.get("channel_no_at_create", known.get("channel_no_at_create", True))
        ),
        "base_fee": str(given.get("base_fee") or known.get("base_fee") or "30.00"),
        "fee_per_kg": str(given.get("fee_per_kg") or known.get("fee_per_kg") or "70.00"),
        "estimated_time": str(given.get("estimated_time") or known.get("estimated_time") or "10"),
    }


class SeedError(ValueError):
    """Seed JSON the emulator refuses (the control plane answers 400 with the message)."""


# -- settings ------------------------------------------------------------------------------
def setting(name: str) -> int:
    return int(emulator.setting("settings", {}).get(name, DEFAULT_SETTINGS[name]))


def current_settings() -> dict[str, int]:
    return {**DEFAULT_SETTINGS, **emulator.setting("settings", {})}


def update_settings(changes: Mapping[str, Any]) -> dict[str, int]:
    unknown = sorted(set(changes) - set(DEFAULT_SETTINGS))
    if unknown:
        raise SeedError(f"unknown settings: {', '.join(unknown)}")
    current = current_settings()
    for name, value in changes.items():
        current[name] = max(0, int(value))
    emulator.set_setting("settings", current)
    return current


# -- apps ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class App:
    app_key: str
    name: str
    products: dict[str, dict[str, Any]]  # by logistics_product_code, in the seeded order
    sealed_secret: str

    def secret(self) -> str:
        """The app_secret, kept encrypted at rest and opened only to check a signature."""
        return secrets.decrypt(self.sealed_secret)


def app_put(*, app_key: str, app_secret: str, name: str, services: list[Any]) -> None:
    products = [product_document(spec) for spec in services]
    emulator.put(
        app_key,
        APP,
        app_key,
        {
            "app_key": app_key,
            "name": name or app_key,
            "app_secret": secrets.encrypt(app_secret),
            "products": products,
        },
    )


def app_get(app_key: str) -> App | None:
    data = emulator.get(app_key, APP, app_key)
    if data is None:
        return None
    return App(
        app_key=app_key,
        name=data["name"],
        products={product["logistics_product_code"]: product for product in data["products"]},
        sealed_secret=data["app_secret"],
    )


def app_keys() -> list[str]:
    return emulator.accounts(APP)


def same_sign(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


# -- numbers -------------------------------------------------------------------------------
def next_sequence() -> int:
    """The next consignment number, one counter for the whole emulator (every app's numbers
    differ, as 4PX's do)."""
    with transaction.atomic():
        counter, _ = EmulatorSetting.objects.select_for_update().get_or_create(
            system=emulator.system, name="sequence", defaults={"value": 10000}
        )
        counter.value = int(counter.value) + 1
        counter.save(update_fields=["value"])
        return int(counter.value)


def number_index(app_key: str, number: str) -> dict[str, Any] | None:
    return emulator.get(app_key, NUMBER, number)


def consignment_by_number(app_key: str, number: str, *, at: float) -> dict[str, Any] | None:
    """The consignment a ref_no, DS number, 4PX number, child barcode or (once 4PX has it)
    last-mile channel number names."""
    if not number:
        return None
    found = emulator.get(app_key, CONSIGNMENT, number)
    if found is not None:
        return found
    index = number_index(app_key, number)
    if index is None or float(index.get("visible_from", 0)) > at:
        return None
    return emulator.get(app_key, CONSIGNMENT, index["ref_no"])


def label_owner(token: str) -> tuple[str, dict[str, Any]] | None:
    """(app_key, consignment) whose label file this token names; the file's address is the
    only thing a download needs, as 4PX's hosted label URLs are."""
    index = EmulatorRecord.objects.filter(
        system=emulator.system, collection=NUMBER, key=f"label:{token}"
    ).first()
    if index is None:
        return None
    consignment = emulator.get(index.account, CONSIGNMENT, index.data["ref_no"])
    return None if consignment is None else (index.account, consignment)


# -- control plane -------------------------------------------------------------------------
def reset() -> None:
    emulator.wipe()
    emulator.set_setting("rate_limit", dict(DEFAULT_RATE_LIMIT))
    emulator.set_setting("settings", dict(DEFAULT_SETTINGS))
    app_put(
        app_key=DEFAULT_APP_KEY,
        app_secret=DEFAULT_APP_SECRET,
        name=DEFAULT_APP_NAME,
        services=list(DEFAULT_SERVICES),
    )


@transaction.atomic
def seed(body: Mapping[str, Any]) -> dict[str, Any]:
    """Add (or replace) apps and change settings; all of the JSON or none of it."""
    loaded = []
    accounts = body.get("accounts") or []
    if not isinstance(accounts, list):
        raise SeedError("accounts must be a list")
    for spec in accounts:
        if not isinstance(spec, dict):
            raise SeedError("every account must be an object")
        app_key = str(spec.get("app_key") or "").strip()
        app_secret = str(spec.get("app_secret") or "")
        if not app_key or not app_secret:
            raise SeedError("every account needs an app_key and an app_secret")
        services = spec.get("services") or list(DEFAULT_SERVICES)
        if not isinstance(services, list):
            raise SeedError(f"{app_key}: services must be a list of product codes")
        app_put(
            app_key=app_key,
            app_secret=app_secret,
            name=str(spec.get("name") or ""),
            services=services,
        )
        loaded.append(
            {
                "app_key": app_key,
                "name": str(spec.get("name") or app_key),
                "services": [
                    product_document(service)["logistics_product_code"] for service in services
                ],
            }
        )
    settings = body.get("settings") or {}
    if not isinstance(settings, dict):
        raise SeedError("settings must be an object")
    return {"accounts": loaded, "settings": update_settings(settings)}


def consignment_add(app_key: str, document: dict[str, Any], numbers: dict[str, float]) -> bool:
    """Keep a new consignment under its ref_no and index the numbers it answers to (number →
    from when, on the emulator clock). False when the ref_no is taken, even by a create
    running at the same moment: the record's unique key decides."""
    now = emulator.now()
    try:
        with transaction.atomic():
            EmulatorRecord.objects.create(
                system=emulator.system,
                account=app_key,
                collection=CONSIGNMENT,
                key=document["ref_no"],
                data=document,
                created_at=now,
                updated_at=now,
            )
            EmulatorRecord.objects.bulk_create(
                [
                    EmulatorRecord(
                        system=emulator.system,
                        account=app_key,
                        collection=NUMBER,
                        key=number,
                        data={"ref_no": document["ref_no"], "visible_from": visible_from},
                        created_at=now,
                        updated_at=now,
                    )
                    for number, visible_from in numbers.items()
                ]
            )
    except IntegrityError:
        return False
    return True


def consignment_change(app_key: str, ref_no: str, change: Callable[[dict[str, Any]], T]) -> T:
    """Apply ``change`` to the stored consignment under a row lock and keep what it left."""
    with transaction.atomic():
        record = emulator.records(app_key, CONSIGNMENT).select_for_update().get(key=ref_no)
        outcome = change(record.data)
        record.updated_at = emulator.now()
        record.save(update_fields=["data", "updated_at"])
        return outcome


def label_token_add(app_key: str, ref_no: str, token: str) -> None:
    emulator.put(app_key, NUMBER, f"label:{token}", {"ref_no": ref_no, "visible_from": 0})


def throttled(app_key: str) -> bool:
    """Take a request from the app's bucket; an app that emptied it is refused for
    ``throttle_seconds`` (fourpx.md §3: "too many requests, retry in one minute")."""
    now = emulator.now().timestamp()
    blocked = emulator.get(app_key, THROTTLE, app_key)
    if blocked is not None and float(blocked["until"]) > now:
        return True
    if emulator.take(app_key).allowed:
        return False
    emulator.put(app_key, THROTTLE, app_key, {"until": now + setting("throttle_seconds")})
    return True
