"""What the myFastway emulator holds, as records of the shared emulator store (account = the
API client id): API clients, access tokens, consignments with their label and reference
indexes, extra scans, seeded localities and settings."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from kucun.sandbox.emulator import Emulator, credential_digest
from kucun.sandbox.fastway.localities import DEFAULT_LOCALITIES, Locality, locality_from_seed
from kucun.sandbox.models import EmulatorRecord, EmulatorSetting

emulator = Emulator("fastway")

CLIENT = "client"
TOKEN = "token"  # noqa: S105 - a collection name
CONSIGNMENT = "consignment"
LABEL = "label"  # label number → conId (account = the owner)
EXTERNAL_REF = "external_ref"  # externalRef1 of a live consignment → conId
SCAN = "scan"  # scans added through the control plane
LOCALITY = "locality"
SHARED = "-"  # the account of records that belong to no client (seeded localities)

DEFAULT_CLIENT_ID = "sandbox-fastway-client"
DEFAULT_CLIENT_SECRET = "sandbox-fastway-secret"  # noqa: S105 - a documented fake
DEFAULT_SCOPE = "fw-fl2-api-au"
DEFAULT_NAME = "Sandbox Fastway shipper"
SCOPES = ("fw-fl2-api-au", "fw-fl2-api-nz")

# The account's products, by the names the account is seeded with; each allows one packageType.
SERVICES = {"Parcel": "P", "Satchel": "S"}
DEFAULT_SERVICES = ("Parcel", "Satchel")

DEFAULT_FROM = {
    "contactName": "Dispatch",
    "businessName": DEFAULT_NAME,
    "phoneNumber": "03 9000 1111",
    "email": "dispatch@example.com",
    "address": {
        "streetAddress": "12 Dock Road",
        "additionalDetails": "",
        "locality": "Port Melbourne",
        "stateOrProvince": "VIC",
        "postalCode": "3207",
        "country": "AU",
    },
}

# fastway.md §9: no published limit; the emulator lets a client burst and then holds it to ten
# requests a second (a client keeping to the doc's five a second is never throttled).
DEFAULT_RATE_LIMIT = {"capacity": 50.0, "refill_per_second": 10.0}
DEFAULT_SETTINGS: dict[str, Any] = {
    "token_ttl_seconds": 3600,  # fastway.md §1: 60 minutes
    "require_api_version": True,  # §11: refuse a request that names no api-version
    "page_size": 1000,  # §3: collections page at 1000 rows
}
FIRST_CON_ID = 1000001
FIRST_LABEL_NUMBER = 1


class SeedError(ValueError):
    """Seed JSON the emulator refuses (the control plane answers 400 with the message)."""


# -- settings -----------------------------------------------------------------------------
def settings() -> dict[str, Any]:
    return {**DEFAULT_SETTINGS, **emulator.setting("settings", {})}


def setting(name: str) -> Any:
    return settings()[name]


def update_settings(changes: Mapping[str, Any]) -> dict[str, Any]:
    current = settings()
    for name in ("token_ttl_seconds", "page_size"):
        if name in changes:
            value = int(changes[name])
            if value < 1:
                raise SeedError(f"{name} must be 1 or more")
            current[name] = value
    if "require_api_version" in changes:
        current["require_api_version"] = bool(changes["require_api_version"])
    emulator.set_setting("settings", current)
    return current


def next_numbers(name: str, first: int, count: int = 1) -> list[int]:
    """``count`` numbers of a counter shared by every web worker (conIds, label numbers)."""
    with transaction.atomic():
        row, _ = EmulatorSetting.objects.select_for_update().get_or_create(
            system=emulator.system, name=name, defaults={"value": first}
        )
        start = int(row.value)
        row.value = start + count
        row.save(update_fields=["value"])
    return list(range(start, start + count))


# -- clients ------------------------------------------------------------------------------
def client_put(spec: Mapping[str, Any]) -> dict[str, Any]:
    """An API client (myFastway Administration → API Keys) and its account; the secret is kept
    as a digest only."""
    client_id = str(spec.get("client_id") or "")
    secret = str(spec.get("client_secret") or "")
    if not client_id or not secret:
        raise SeedError("every account needs a client_id and a client_secret")
    scopes = spec.get("scope") or DEFAULT_SCOPE
    scopes = scopes.split() if isinstance(scopes, str) else [str(scope) for scope in scopes]
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise SeedError(f"{client_id}: unknown scope {unknown[0]!r} (one of {', '.join(SCOPES)})")
    services = [str(service) for service in spec.get("services") or DEFAULT_SERVICES]
    for service in services:
        if service not in SERVICES:
            raise SeedError(
                f"{client_id}: unknown service {service!r} (one of {', '.join(SERVICES)})"
            )
    prefix = str(spec.get("label_prefix") or "MP").upper()
    if not (len(prefix) == 2 and prefix.isalpha()):
        raise SeedError(f"{client_id}: label_prefix must be two letters")
    name = str(spec.get("name") or client_id)
    client = {
        "client_id": client_id,
        "secret_digest": credential_digest(secret),
        "name": name,
        "scopes": scopes,
        "services": services,
        "label_prefix": prefix,
        "reseller": bool(spec.get("reseller", False)),  # may consign with its own ``from``
        "from": dict(spec.get("from") or {**DEFAULT_FROM, "businessName": name}),
    }
    emulator.put(client_id, CLIENT, client_id, client)
    return client


def client_get(client_id: str) -> dict[str, Any] | None:
    return emulator.get(client_id, CLIENT, client_id)


def clients() -> list[dict[str, Any]]:
    found = (client_get(account) for account in emulator.accounts(CLIENT))
    return [client for client in found if client is not None]


def client_authenticated(client_id: str, secret: str) -> dict[str, Any] | None:
    client = client_get(client_id) if client_id else None
    if client is None or not hmac.compare_digest(
        client["secret_digest"], credential_digest(secret)
    ):
        return None
    return client


def package_types(client: Mapping[str, Any]) -> set[str]:
    return {SERVICES[service] for service in client["services"]}


# -- tokens -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TokenCheck:
    client_id: str = ""
    expired: bool = False

    @property
    def valid(self) -> bool:
        return bool(self.client_id) and not self.expired


def token_mint(client_id: str, scopes: list[str]) -> tuple[str, int]:
    """A new access token and its lifetime in seconds, on the emulator clock."""
    token = secrets.token_urlsafe(32)
    lifetime = int(setting("token_ttl_seconds"))
    expires_at = emulator.now() + timedelta(seconds=lifetime)
    emulator.put(
        client_id,
        TOKEN,
        credential_digest(token),
        {"scopes": scopes, "expires_at": expires_at.isoformat()},
    )
    return token, lifetime


def token_check(token: str) -> TokenCheck:
    """Whose token this is and whether it has expired; unknown tokens have no client."""
    if not token:
        return TokenCheck()
    record = EmulatorRecord.objects.filter(
        system=emulator.system, collection=TOKEN, key=credential_digest(token)
    ).first()
    if record is None:
        return TokenCheck()
    expires_at = datetime.fromisoformat(record.data["expires_at"])
    return TokenCheck(record.account, expired=emulator.now() >= expires_at)


def tokens_expire(client_id: str | None = None) -> int:
    """Make tokens (of one client, or all) expire now, as if their hour had passed."""
    now = emulator.now().isoformat()
    found = EmulatorRecord.objects.filter(system=emulator.system, collection=TOKEN)
    if client_id:
        found = found.filter(account=client_id)
    count = 0
    for record in found:
        record.data = {**record.data, "expires_at": now}
        record.save(update_fields=["data"])
        count += 1
    return count


# -- localities ---------------------------------------------------------------------------
def locality_table() -> list[Locality]:
    seeded = [
        locality_from_seed(record.data)
        for record in emulator.records(SHARED, LOCALITY).order_by("id")
    ]
    return [*DEFAULT_LOCALITIES, *seeded]


def localities_put(specs: list[Mapping[str, Any]]) -> int:
    for spec in specs:
        try:
            locality = locality_from_seed(spec)
        except KeyError as missing:
            raise SeedError(f"a locality needs {missing}") from None
        key = f"{locality.locality.upper()}|{locality.state}|{locality.postcode}"
        emulator.put(SHARED, LOCALITY, key, locality.seed_form())
    return len(specs)
