"""Kogan payloads ↔ our data classes (integrations/kogan.md §3–§4, §8).

A pending stock write is known to Kucun by a task reference that is the task's
``pending_url`` with a fragment naming the listing and the quantity sent
(``…/task/6f1c…/#ref=ABC-123&stock=7``, plus ``sku`` when our SKU differs from Kogan's product
SKU): Kogan's task answer lists only the SKUs that failed, so the reference carries which
listing it stands for, and a poll in another process can still answer one result per listing.
The fragment is never sent to Kogan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from kucun.channels.adapters.base import ListingRef, StockLevel

MAX_SKU_LENGTH = 45
UPDATE_TIME_FIELDS = ("updated_at", "last_updated", "date_updated", "modified_at")
THROTTLE_FIGURE = re.compile(r"available in\s+(\d+(?:\.\d+)?)\s*sec", re.IGNORECASE)

# Task statuses (kogan.md §4.1).
PENDING = "AsyncResponsePending"
COMPLETE = "Complete"
COMPLETE_WITH_ERRORS = "CompleteWithErrors"
FAILED = "Failed"


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def quantity_of(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def update_time(product: Mapping[str, Any]) -> datetime | None:
    """A product's last change, should Kogan send one (kogan.md documents none)."""
    for name in UPDATE_TIME_FIELDS:
        moment = parse_time(product.get(name))
        if moment is not None:
            return moment
    return None


def listing_from_product(product: Mapping[str, Any]) -> ListingRef:
    """One Kogan product (one SKU: Kogan has no separate variant id) as a listing."""
    sku = str(product.get("product_sku", ""))
    return ListingRef(
        inventory_ref=sku,
        sku=sku,
        product_ref=sku,
        barcode=str(product.get("product_gtin") or ""),
        title=str(product.get("product_title") or ""),
        quantity=quantity_of(product.get("stock")),
        active=bool(product.get("enabled", True)),
        updated_at=update_time(product),
        raw=dict(product),
    )


def stock_update_item(level: StockLevel) -> dict[str, Any]:
    """One element of ``POST products/stockprice/``: an absolute stock for one SKU."""
    return {"product_sku": level.inventory_ref, "stock": level.quantity}


def local_refusal(level: StockLevel) -> str:
    """Why Kogan would refuse this level without asking it (empty when it would not)."""
    if not level.inventory_ref:
        return "The listing has no Kogan product SKU."
    if len(level.inventory_ref) > MAX_SKU_LENGTH:
        return f"Kogan product SKUs are at most {MAX_SKU_LENGTH} characters."
    if level.quantity < 0:
        return "Kogan stock cannot be negative."
    return ""


def throttle_seconds(payload: Any) -> float | None:
    """The figure of ``{"detail": "Request was throttled. Expected available in 48 sec."}``."""
    detail = payload.get("detail") if isinstance(payload, Mapping) else None
    found = THROTTLE_FIGURE.search(detail) if isinstance(detail, str) else None
    return float(found.group(1)) if found else None


def error_message(entry: Mapping[str, Any]) -> str:
    for name in ("message", "Message", "error", "detail"):
        if entry.get(name):
            text = str(entry[name])
            code = entry.get("code") or entry.get("ErrorCode")
            return f"{text} ({code})" if code else text
    return "Kogan refused this SKU."


def error_entries(payload: Any) -> Iterable[Mapping[str, Any]]:
    """The per-SKU error objects of a task answer or a refused write, wherever they sit:
    ``body.errors`` (kogan.md §4.1), top-level ``errors``, or a list of them."""
    if isinstance(payload, list):
        return [entry for entry in payload if isinstance(entry, Mapping)]
    if not isinstance(payload, Mapping):
        return []
    body = payload.get("body")
    for holder in (body, payload):
        if isinstance(holder, Mapping) and isinstance(holder.get("errors"), list):
            return [entry for entry in holder["errors"] if isinstance(entry, Mapping)]
    return []


def sku_errors(payload: Any) -> dict[str, str]:
    """SKU → Kogan's message, for each SKU an answer says failed."""
    found: dict[str, str] = {}
    for entry in error_entries(payload):
        sku = entry.get("product_sku") or entry.get("sku") or entry.get("SellerSku")
        if sku:
            found[str(sku)] = error_message(entry)
    return found


@dataclass(frozen=True)
class TaskRef:
    """A task reference taken apart; ``inventory_ref`` is empty for a bare pending_url."""

    pending_url: str
    inventory_ref: str
    sku: str
    quantity: int | None


def task_ref(pending_url: str, level: StockLevel) -> str:
    fields: dict[str, str | int] = {"ref": level.inventory_ref}
    if level.sku != level.inventory_ref:
        fields["sku"] = level.sku
    fields["stock"] = level.quantity
    return f"{pending_url}#{urlencode(fields)}"


def split_task_ref(ref: str) -> TaskRef:
    url, _, fragment = ref.partition("#")
    fields = parse_qs(fragment, keep_blank_values=True)
    inventory_ref = fields.get("ref", [""])[0]
    sku = fields.get("sku", [inventory_ref])[0]
    return TaskRef(url, inventory_ref, sku, quantity_of(fields.get("stock", [""])[0]))


def changed_since(listing: ListingRef, since: datetime) -> bool:
    """Kept by an incremental read: changed at or after ``since``, or of unknown age (Kogan
    documents no update time on products, so a product without one is always kept)."""
    return listing.updated_at is None or listing.updated_at >= since


def same_origin(url: str, base_url: str) -> bool:
    first, second = urlsplit(url), urlsplit(base_url)
    return (first.scheme, first.netloc) == (second.scheme, second.netloc)


def follow_path(url: str, base_url: str, api_root: str) -> str:
    """A URL Kogan handed back (``next``, ``pending_url``) to request with our credentials:
    itself when it is on the store's own host; otherwise its path from ``api/`` on, under our
    API root, so that the seller token never goes to another host."""
    if same_origin(url, base_url):
        return url
    parts = urlsplit(url)
    marker = "/api/marketplace/v2/"
    path = parts.path.split(marker, 1)[1] if marker in parts.path else parts.path.lstrip("/")
    return api_root + path + (f"?{parts.query}" if parts.query else "")


def chunks(levels: Sequence[StockLevel], size: int) -> Iterable[Sequence[StockLevel]]:
    for start in range(0, len(levels), size):
        yield levels[start : start + size]
