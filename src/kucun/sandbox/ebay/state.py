"""What the eBay emulator holds, as records of the shared sandbox tables.

Application-wide records (applications, tokens, consent codes, the signing key, notification
destinations and subscriptions) belong to the account ``""``; a seller's inventory items, offers,
sales and delivered notifications belong to the seller's username. Tokens, codes and client
secrets are kept as digests only, so a stolen table names none of them.

Orders and their shipping fulfilments (ebay.md §5, §6) are the seller's collections ``order`` and
``fulfillment`` (see ``orders.py``).
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction

from kucun.core.secrets import decrypt, encrypt
from kucun.sandbox.emulator import Emulator, credential_digest
from kucun.sandbox.models import EmulatorRecord, EmulatorSetting

_settings_snapshot: ContextVar[dict[str, Any] | None] = ContextVar(
    "ebay_settings_snapshot", default=None
)


class EbayEmulator(Emulator):
    """The shared machinery, reading its settings (clock, rate limit, options) once per call:
    a page of items asks the clock several times, and each ask was a query."""

    def setting(self, name: str, default: Any = None) -> Any:
        snapshot = _settings_snapshot.get()
        if snapshot is None:
            return super().setting(name, default)
        return snapshot.get(name, default)

    def set_setting(self, name: str, value: Any) -> None:
        super().set_setting(name, value)
        snapshot = _settings_snapshot.get()
        if snapshot is not None:
            snapshot[name] = value


@contextmanager
def settings_snapshot() -> Iterator[None]:
    """Within this block the emulator's settings are those read on entry (and its own writes)."""
    rows = EmulatorSetting.objects.filter(system="ebay").exclude(name__startswith="sequence:")
    token = _settings_snapshot.set({row.name: row.value for row in rows})
    try:
        yield
    finally:
        _settings_snapshot.reset(token)


EBAY = EbayEmulator("ebay")
APPLICATION = ""  # the account of application-wide records

MARKETPLACE = "EBAY_AU"
CURRENCY = "AUD"
LOCALE = "en_AU"

API_SCOPE = "https://api.ebay.com/oauth/api_scope"
SELL_INVENTORY = f"{API_SCOPE}/sell.inventory"
SELL_INVENTORY_READONLY = f"{API_SCOPE}/sell.inventory.readonly"
SELL_FULFILLMENT = f"{API_SCOPE}/sell.fulfillment"
SELL_FULFILLMENT_READONLY = f"{API_SCOPE}/sell.fulfillment.readonly"
SELL_ACCOUNT = f"{API_SCOPE}/sell.account"
SELL_ACCOUNT_READONLY = f"{API_SCOPE}/sell.account.readonly"
NOTIFICATION_SUBSCRIPTION = f"{API_SCOPE}/commerce.notification.subscription"
NOTIFICATION_SUBSCRIPTION_READONLY = f"{API_SCOPE}/commerce.notification.subscription.readonly"
IDENTITY_READONLY = f"{API_SCOPE}/commerce.identity.readonly"
USER_SCOPES = (
    API_SCOPE,
    SELL_INVENTORY,
    SELL_INVENTORY_READONLY,
    SELL_FULFILLMENT,
    SELL_FULFILLMENT_READONLY,
    SELL_ACCOUNT,
    SELL_ACCOUNT_READONLY,
    NOTIFICATION_SUBSCRIPTION,
    NOTIFICATION_SUBSCRIPTION_READONLY,
    IDENTITY_READONLY,
)
APPLICATION_SCOPES = (API_SCOPE,)

# The fixed, obviously fake credentials of the default application and seller.
DEFAULT_CLIENT_ID = "KucunSan-Sandbox-SBX-0a1b2c3d4-5e6f7a8b"
DEFAULT_CLIENT_SECRET = "SBX-kucun-sandbox-client-secret-not-real"  # noqa: S105
DEFAULT_SELLER = "kucun_sandbox_seller"
DEFAULT_REFRESH_TOKEN = "v^1.1#i^1#r^1#p^3#I^3#f^0#t^KUCUN-SANDBOX-REFRESH-TOKEN-NOT-REAL"  # noqa: S105
DEFAULT_RU_NAME = "Kucun_Sandbox-KucunSan-Sandbo-kucun"

ACCESS_TOKEN_SECONDS = 7200
REFRESH_TOKEN_SECONDS = 47_304_000
AUTHORIZATION_CODE_SECONDS = 299

# Settings a seed may change (the notes' unverified points are configurable).
SETTING_DEFAULTS: dict[str, Any] = {
    "access_token_seconds": ACCESS_TOKEN_SECONDS,
    # getInventoryItems: "page" = offset is a page number as documented, "item" = an item offset.
    "inventory_offset": "page",
    # bulkUpdatePriceQuantity: refuse a call holding more than one SKU (the method page's reading).
    "bulk_update_one_sku_per_call": False,
}


def setting(name: str) -> Any:
    return EBAY.setting(name, SETTING_DEFAULTS[name])


def now_epoch() -> float:
    return EBAY.now().timestamp()


def stamp(epoch: float | None = None) -> str:
    """eBay's timestamps: ISO-8601 UTC with milliseconds and a ``Z``."""
    moment = EBAY.now()
    if epoch is not None:
        moment = moment.fromtimestamp(epoch, tz=moment.tzinfo)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def same_secret(plain: str, digest: str) -> bool:
    return hmac.compare_digest(credential_digest(plain), digest)


# -- identifiers -------------------------------------------------------------------------------


def ids_allocate(name: str, count: int = 1) -> int:
    """The first of ``count`` consecutive numbers of the named sequence (offer and listing ids
    are numbers unique across sellers, as eBay's are)."""
    with transaction.atomic():
        row, _ = EmulatorSetting.objects.select_for_update().get_or_create(
            system=EBAY.system, name=f"sequence:{name}", defaults={"value": 1}
        )
        first = int(row.value)
        row.value = first + count
        row.save(update_fields=["value"])
    return first


# -- applications, sellers, tokens -------------------------------------------------------------


def application_put(
    *, client_id: str, client_secret: str, ru_names: Mapping[str, str] | None = None
) -> None:
    """An application keyset; ``ru_names`` maps each RuName to the accept URL it stands for."""
    known = EBAY.get(APPLICATION, "application", client_id) or {}
    EBAY.put(
        APPLICATION,
        "application",
        client_id,
        {
            "client_id": client_id,
            "secret_digest": credential_digest(client_secret),
            "ru_names": {**known.get("ru_names", {}), **(ru_names or {})},
        },
    )


def application_get(client_id: str) -> dict[str, Any] | None:
    return EBAY.get(APPLICATION, "application", client_id)


def seller_put(
    *, username: str, client_id: str, refresh_token: str, scopes: Sequence[str] = USER_SCOPES
) -> None:
    """A seller who consented to the application: its refresh token holds ``scopes``."""
    EBAY.put(username, "seller", username, {"username": username, "client_id": client_id})
    refresh_token_store(
        refresh_token, client_id=client_id, seller=username, scopes=scopes, lifetime=None
    )


def sellers() -> list[str]:
    return EBAY.accounts("seller")


def seller_exists(username: str) -> bool:
    return EBAY.get(username, "seller", username) is not None


def _token(prefix: str) -> str:
    return f"v^1.1#i^1#{prefix}#I^3#f^0#t^{secrets.token_urlsafe(48)}"


@dataclass(frozen=True)
class Grant:
    """What a token or code was issued for: ``seller`` is empty for an application token."""

    client_id: str
    seller: str
    scopes: frozenset[str]
    expires_at: float


def _grant(data: Mapping[str, Any]) -> Grant:
    return Grant(
        client_id=data["client_id"],
        seller=data["seller"],
        scopes=frozenset(data["scopes"]),
        expires_at=float(data["expires_at"]),
    )


def _grant_data(client_id: str, seller: str, scopes: Iterable[str], lifetime: float) -> dict:
    return {
        "client_id": client_id,
        "seller": seller,
        "scopes": sorted(set(scopes)),
        "expires_at": now_epoch() + lifetime,
    }


def access_token_mint(*, client_id: str, seller: str, scopes: Iterable[str]) -> tuple[str, int]:
    """A new access token and its lifetime in seconds (the ``access_token_seconds`` setting)."""
    lifetime = int(setting("access_token_seconds"))
    token = _token("p^1#r^0")
    data = _grant_data(client_id, seller, scopes, lifetime)
    EBAY.put(APPLICATION, "access_token", credential_digest(token), data)
    return token, lifetime


def access_token_grant(token: str) -> Grant | None:
    """The grant of a live access token; None when unknown or expired on the emulator clock."""
    data = EBAY.get(APPLICATION, "access_token", credential_digest(token))
    if data is None or float(data["expires_at"]) <= now_epoch():
        return None
    return _grant(data)


def refresh_token_store(
    token: str, *, client_id: str, seller: str, scopes: Iterable[str], lifetime: float | None
) -> None:
    data = _grant_data(client_id, seller, scopes, lifetime or REFRESH_TOKEN_SECONDS)
    EBAY.put(APPLICATION, "refresh_token", credential_digest(token), data)


def refresh_token_mint(*, client_id: str, seller: str, scopes: Iterable[str]) -> str:
    token = _token("r^1#p^3")
    refresh_token_store(token, client_id=client_id, seller=seller, scopes=scopes, lifetime=None)
    return token


def refresh_token_grant(token: str) -> Grant | None:
    data = EBAY.get(APPLICATION, "refresh_token", credential_digest(token))
    if data is None or float(data["expires_at"]) <= now_epoch():
        return None
    return _grant(data)


def refresh_tokens_revoke(seller: str) -> int:
    """What a password change does: every refresh token of the seller stops working."""
    found = EBAY.records(APPLICATION, "refresh_token").filter(data__seller=seller)
    deleted, _ = found.delete()
    return deleted


def authorization_code_mint(
    *, client_id: str, seller: str, scopes: Iterable[str], redirect_uri: str
) -> str:
    code = _token("f^0#r^1#p^3")
    data = {
        **_grant_data(client_id, seller, scopes, AUTHORIZATION_CODE_SECONDS),
        "redirect_uri": redirect_uri,
    }
    EBAY.put(APPLICATION, "authorization_code", credential_digest(code), data)
    return code


def authorization_code_redeem(code: str, *, client_id: str, redirect_uri: str) -> Grant | None:
    """The grant of a live code issued to this client for this redirect_uri, used up at once."""
    key = credential_digest(code)
    with transaction.atomic():
        record = (
            EBAY.records(APPLICATION, "authorization_code")
            .select_for_update()
            .filter(key=key)
            .first()
        )
        if record is None:
            return None
        data = record.data
        record.delete()  # single use, whether or not it was valid
    if (
        float(data["expires_at"]) <= now_epoch()
        or data["client_id"] != client_id
        or data["redirect_uri"] != redirect_uri
    ):
        return None
    return _grant(data)


# -- inventory items and offers ----------------------------------------------------------------


def item_document(seed: Mapping[str, Any]) -> dict[str, Any]:
    """An inventory item as getInventoryItem answers it, from a seed entry."""
    product: dict[str, Any] = {"title": str(seed.get("title") or seed["sku"])}
    for field in ("ean", "upc", "isbn"):
        value = seed.get(field)
        if value:
            product[field] = [str(code) for code in value] if isinstance(value, list) else [value]
    for field in ("brand", "mpn"):
        if seed.get(field):
            product[field] = str(seed[field])
    return {
        "sku": str(seed["sku"]),
        "locale": LOCALE,
        "product": product,
        "condition": str(seed.get("condition") or "NEW"),
        "availability": {"shipToLocationAvailability": {"quantity": int(seed.get("quantity", 0))}},
    }


def offer_document(seed: Mapping[str, Any], *, offer_id: str, listing_id: str) -> dict[str, Any]:
    quantity = int(seed.get("offer_quantity", seed.get("quantity", 0)))
    published = str(seed.get("status") or "PUBLISHED") == "PUBLISHED"
    offer: dict[str, Any] = {
        "offerId": offer_id,
        "sku": str(seed["sku"]),
        "marketplaceId": MARKETPLACE,
        "format": "FIXED_PRICE",
        "availableQuantity": quantity,
        "pricingSummary": {
            "price": {"value": str(seed.get("price") or "19.95"), "currency": CURRENCY}
        },
        "status": "PUBLISHED" if published else "UNPUBLISHED",
        "merchantLocationKey": "default",
    }
    if published:
        offer["listing"] = {"listingId": listing_id, "listingStatus": "ACTIVE", "soldQuantity": 0}
    return offer


def items_seed(seller: str, entries: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Inventory items (and one offer each unless ``"offer": false``) for a seller, in bulk;
    SKUs the seller already holds are left as they are. Answers how many items and offers were
    created."""
    existing = set(EBAY.records(seller, "inventory_item").values_list("key", flat=True))
    fresh: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        if str(entry["sku"]) not in existing:
            fresh.setdefault(str(entry["sku"]), entry)  # a SKU given twice: the first one
    entries = list(fresh.values())
    with_offer = [entry for entry in entries if entry.get("offer", True)]
    first_offer = ids_allocate("offer", len(with_offer))
    first_listing = ids_allocate("listing", len(with_offer))
    items = [(str(entry["sku"]), item_document(entry)) for entry in entries]
    offers = [
        (
            str(5_000_000_000 + first_offer + number),
            offer_document(
                entry,
                offer_id=str(5_000_000_000 + first_offer + number),
                listing_id=str(110_000_000_000 + first_listing + number),
            ),
        )
        for number, entry in enumerate(with_offer)
    ]
    EBAY.put_many(seller, "inventory_item", items)
    EBAY.put_many(seller, "offer", offers)
    return len(items), len(offers)


def item_quantity(item: Mapping[str, Any]) -> int:
    return int(item["availability"]["shipToLocationAvailability"]["quantity"])


def item_set_quantity(item: dict[str, Any], quantity: int) -> None:
    item.setdefault("availability", {}).setdefault("shipToLocationAvailability", {})
    item["availability"]["shipToLocationAvailability"]["quantity"] = quantity


def offers_of(seller: str, skus: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The offers of each SKU, in offer id order."""
    found: dict[str, list[dict[str, Any]]] = {}
    records = EBAY.records(seller, "offer").filter(data__sku__in=list(skus)).order_by("id")
    for record in records:
        found.setdefault(record.data["sku"], []).append(record.data)
    return found


def listing_quantity(item: Mapping[str, Any], offers: Sequence[Mapping[str, Any]]) -> int:
    """What a buyer sees: the lower of the item's quantity and each published offer's."""
    quantities = [item_quantity(item)]
    quantities += [
        int(offer["availableQuantity"])
        for offer in offers
        if offer.get("status") == "PUBLISHED" and "availableQuantity" in offer
    ]
    return min(quantities)


REVISIONS_PER_DAY = 250


def revisions_take(seller: str, listing_ids: Sequence[str]) -> bool:
    """Count one revision of each listing today (UTC, on the emulator clock); False, counting
    nothing, when any of them has had its 250 revisions of the day already."""
    today = EBAY.now().date().isoformat()
    counted = {
        record.key: record
        for record in EBAY.records(seller, "revisions").filter(key__in=listing_ids)
    }
    counts = {
        listing_id: int(counted[listing_id].data["count"])
        if listing_id in counted and counted[listing_id].data["day"] == today
        else 0
        for listing_id in listing_ids
    }
    if any(count >= REVISIONS_PER_DAY for count in counts.values()):
        return False
    for listing_id, count in counts.items():
        EBAY.put(seller, "revisions", listing_id, {"day": today, "count": count + 1})
    return True


def item_records(seller: str) -> Any:
    return EBAY.records(seller, "inventory_item").order_by("key")


def record_of(seller: str, collection: str, key: str) -> EmulatorRecord | None:
    return EBAY.records(seller, collection).filter(key=key).first()


# -- the notification signing key --------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey

    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )


def signing_key() -> SigningKey:
    """The emulator's P-256 key pair (made on first use, kept encrypted in the sandbox tables)."""
    record = EBAY.records(APPLICATION, "signing_key").order_by("id").first()
    if record is None:
        private_key = ec.generate_private_key(ec.SECP256R1())
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        record = EBAY.put(
            APPLICATION, "signing_key", str(uuid.uuid4()), {"private_key": encrypt(pem)}
        )
    return _signing_key(record)


def signing_key_of(kid: str) -> SigningKey | None:
    record = record_of(APPLICATION, "signing_key", kid)
    return None if record is None else _signing_key(record)


def _signing_key(record: EmulatorRecord) -> SigningKey:
    loaded = serialization.load_pem_private_key(decrypt(record.data["private_key"]).encode(), None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    return SigningKey(kid=record.key, private_key=loaded)
