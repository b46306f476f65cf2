"""The eBay emulator's control plane: reset, seed and state, plus ``webhooks/fire`` (send a
signed notification now), ``orders`` (a checkout on eBay that the seller's tools have not seen),
``orders/cancel`` and ``orders/fulfillments`` (the packages marked shipped)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from kucun.sandbox.ebay import orders
from kucun.sandbox.ebay.notification import APPLICATION_TOPICS, USER_TOPICS, notify
from kucun.sandbox.ebay.state import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_RU_NAME,
    DEFAULT_SELLER,
    EBAY,
    SETTING_DEFAULTS,
    USER_SCOPES,
    application_get,
    application_put,
    item_quantity,
    item_records,
    items_seed,
    listing_quantity,
    offers_of,
    refresh_tokens_revoke,
    seller_exists,
    seller_put,
    sellers,
    signing_key,
)
from kucun.sandbox.emulator import json_answer, json_body

DEFAULT_ITEMS = [
    {"sku": "EB-MUG-01", "title": "Enamel camp mug", "ean": "9300000000101", "quantity": 12},
    {"sku": "EB-TEA-02", "title": "Loose-leaf tea tin", "ean": "9300000000202", "quantity": 30},
    {"sku": "EB-PAN-03", "title": "Cast-iron pan", "upc": "012345678905", "quantity": 4},
    {"sku": "EB-KNF-04", "title": "Paring knife", "ean": "9300000000404", "quantity": 0},
    {"sku": "EB-BRD-05", "title": "Bamboo board", "ean": "9300000000505", "quantity": 7},
]


def ebay_reset() -> None:
    """Wipe, then the default application (its RuName returning to eBay's own "accepted"
    page), the default seller with its refresh token, a few items with offers, and a key."""
    EBAY.wipe()
    application_put(
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        ru_names={DEFAULT_RU_NAME: "/sandbox/ebay/oauth2/accepted"},
    )
    seller_put(
        username=DEFAULT_SELLER, client_id=DEFAULT_CLIENT_ID, refresh_token=DEFAULT_REFRESH_TOKEN
    )
    items_seed(DEFAULT_SELLER, DEFAULT_ITEMS)
    signing_key()


class SeedError(ValueError):
    pass


def ebay_seed(body: Mapping[str, Any]) -> dict[str, Any] | HttpResponse:
    """Load sellers (with credentials) and their items, all or nothing; see the package
    docstring for the JSON."""
    try:
        with transaction.atomic():
            return _seed(body)
    except (KeyError, TypeError, ValueError) as problem:
        return json_answer({"error": f"seed not loaded: {problem}"}, status=400)


def _seed(body: Mapping[str, Any]) -> dict[str, Any]:
    settings = body.get("settings") or {}
    for name, value in settings.items():
        if name not in SETTING_DEFAULTS:
            raise SeedError(f"unknown setting {name!r}")
        EBAY.set_setting(name, value)
    for application in body.get("applications") or []:
        application_put(
            client_id=str(application["client_id"]),
            client_secret=str(application["client_secret"]),
            ru_names=application.get("ru_names") or {},
        )
    loaded = []
    for seller in body.get("sellers") or []:
        loaded.append(_seed_seller(seller))
    return {"sellers": loaded, "settings": {name: EBAY.setting(name) for name in settings}}


def _seed_seller(seller: Mapping[str, Any]) -> dict[str, Any]:
    username = str(seller["username"])
    if seller.get("client_id"):
        client_id = str(seller["client_id"])
        if application_get(client_id) is None or seller.get("client_secret"):
            application_put(client_id=client_id, client_secret=str(seller["client_secret"]))
    else:
        client_id = DEFAULT_CLIENT_ID
    if seller.get("refresh_token"):
        seller_put(
            username=username,
            client_id=client_id,
            refresh_token=str(seller["refresh_token"]),
            scopes=seller.get("scopes") or USER_SCOPES,
        )
    elif not seller_exists(username):
        raise SeedError(f"seller {username!r} needs a refresh_token")
    items = seller.get("items") or []
    for entry in items:
        if not str(entry.get("sku", "")) or len(str(entry["sku"])) > 50:
            raise SeedError(f"an item needs a sku of 1 to 50 characters: {entry!r}")
    created_items, created_offers = items_seed(username, items)
    return {"username": username, "items": created_items, "offers": created_offers}


def ebay_state(request: HttpRequest) -> dict[str, Any]:
    """Per seller (all, or ``?seller=``): SKU → item quantity, SKU → what a buyer sees (the
    lower of item and published offers), the offers, and the notifications sent."""
    wanted = request.GET.get("seller")
    chosen = [wanted] if wanted else sellers()
    return {"sellers": {seller: seller_state(seller) for seller in chosen}, "now": EBAY.now()}


def seller_state(seller: str) -> dict[str, Any]:
    items = {record.key: record.data for record in item_records(seller)}
    offers = offers_of(seller, items)
    return {
        "quantities": {sku: item_quantity(item) for sku, item in items.items()},
        "listing_quantities": {
            sku: listing_quantity(item, offers.get(sku, [])) for sku, item in items.items()
        },
        "offers": {
            offer["offerId"]: offer for sku_offers in offers.values() for offer in sku_offers
        },
        "notifications": [
            {"notificationId": record.key, **record.data}
            for record in EBAY.records(seller, "notification").order_by("id")
        ],
        "orders": [record.data for record in EBAY.records(seller, "order").order_by("id")],
    }


# -- extras -------------------------------------------------------------------------------------


def listing_data(seller: str, sku: str, action: str) -> dict[str, Any] | None:
    """The ``data`` of a LISTING notification about a SKU's listing."""
    item = EBAY.get(seller, "inventory_item", sku)
    if item is None:
        return None
    offers = offers_of(seller, [sku]).get(sku, [])
    published = next((offer for offer in offers if offer.get("listing")), None)
    data: dict[str, Any] = {
        "action": action,
        "sku": sku,
        "marketplaceId": published["marketplaceId"] if published else "EBAY_AU",
        "availableQuantity": listing_quantity(item, offers),
    }
    if published:
        data["offerId"] = published["offerId"]
        data["listingId"] = published["listing"]["listingId"]
    return data


def webhooks_fire(request: HttpRequest) -> HttpResponse:
    """``{"seller", "topic", "sku"?, "action"?, "data"?, "deliver"?: true}`` → the signed
    notification (headers and exact body) and where it was delivered. A LISTING notification
    about a SKU carries its listing's data; ``data`` replaces it for any topic."""
    if request.method != "POST":
        return json_answer({"error": "POST"}, status=405)
    body = json_body(request)
    if not isinstance(body, dict):
        return json_answer({"error": "a JSON object is expected"}, status=400)
    seller, topic = str(body.get("seller", DEFAULT_SELLER)), str(body.get("topic", "LISTING"))
    if topic not in USER_TOPICS + APPLICATION_TOPICS:
        return json_answer({"error": f"unknown topic {topic!r}"}, status=400)
    if not seller_exists(seller):
        return json_answer({"error": f"unknown seller {seller!r}"}, status=404)
    data = body.get("data")
    if not isinstance(data, dict):
        data = listing_data(seller, str(body.get("sku", "")), str(body.get("action", "UPDATED")))
        if data is None:
            return json_answer({"error": "give data, or the sku of an item"}, status=400)
    if topic == "AUTHORIZATION_REVOCATION" and body.get("revoke", True):
        refresh_tokens_revoke(seller)
    notification = notify(seller, topic, data, deliver=bool(body.get("deliver", True)))
    return json_answer(notification.as_json())


def orders_create(request: HttpRequest) -> HttpResponse:
    """A buyer checks out and pays: ``{"seller", "buyer": {"username"}, "shipTo": {fullName,
    companyName, contactAddress: {addressLine1, addressLine2, city, stateOrProvince, postalCode,
    countryCode}, primaryPhone: {phoneNumber}, email} (or "fulfillmentStartInstructions":
    [{"shippingStep": {"shipTo", "shippingServiceCode"}}]), "lineItems": [{"sku", "quantity",
    "lineItemId"?, "legacyItemId"?, "legacyVariationId"?, "title"?, "lineItemCost"?}],
    "deliveryCost"?, "orderPaymentStatus"?, "orderId"?}``; the short form ``{"seller", "sku",
    "quantity"}`` is a one-line order. The items' and their published offers' quantities
    drop (more than a buyer can see is refused), and ORDER_CONFIRMATION and LISTING
    notifications go to their subscribers."""
    if request.method != "POST":
        return json_answer({"error": "POST"}, status=405)
    body = json_body(request)
    if not isinstance(body, dict):
        return json_answer({"error": "a JSON object is expected"}, status=400)
    seller = str(body.get("seller", DEFAULT_SELLER))
    if "lineItems" not in body:
        quantity = body.get("quantity", 1)
        if not isinstance(quantity, int) or quantity < 1:
            return json_answer({"error": "quantity must be a whole number above 0"}, status=400)
        body = {**body, "lineItems": [{"sku": str(body.get("sku", "")), "quantity": quantity}]}
    try:
        with transaction.atomic():
            order = orders.order_create(seller, body)
    except orders.OrderRefused as refused:
        return json_answer({"error": refused.message}, status=refused.status)
    skus = list(dict.fromkeys(line["sku"] for line in order["lineItems"]))
    sent = [notify(seller, "ORDER_CONFIRMATION", {"orderId": order["orderId"]}).as_json()]
    sent += [
        notify(seller, "LISTING", listing_data(seller, sku, "UPDATED") or {}).as_json()
        for sku in skus
    ]
    answer: dict[str, Any] = {**order, "notifications": sent}
    if len(skus) == 1:
        item = EBAY.get(seller, "inventory_item", skus[0]) or {}
        answer["quantity"] = item_quantity(item)
        answer["listing_quantity"] = listing_quantity(
            item, offers_of(seller, skus).get(skus[0], [])
        )
    return json_answer(answer, status=201)


def orders_cancel(request: HttpRequest) -> HttpResponse:
    """``{"seller", "orderId", "initiator"?: "BUYER" | "SELLER", "reason"?}``: the order is
    cancelled before it shipped; quantities go back, the payment is refunded, and an
    ORDER_CANCELLATION_ACTIVITY notification goes to its subscribers."""
    body = json_body(request)
    if request.method != "POST" or not isinstance(body, dict) or not body.get("orderId"):
        return json_answer({"error": "POST {seller, orderId, initiator?, reason?}"}, status=400)
    seller, order_id = str(body.get("seller", DEFAULT_SELLER)), str(body["orderId"])
    try:
        with transaction.atomic():
            record = orders.order_records(seller).select_for_update().filter(key=order_id).first()
            if record is None:
                return json_answer({"error": f"orderId: no order {order_id!r}"}, status=404)
            order = orders.order_cancel(
                record,
                initiator=str(body.get("initiator") or "BUYER"),
                reason=str(body.get("reason") or ""),
            )
    except orders.OrderRefused as refused:
        return json_answer({"error": refused.message}, status=refused.status)
    notify(seller, "ORDER_CANCELLATION_ACTIVITY", {"orderId": order_id})
    return json_answer(order)


def orders_fulfillments(request: HttpRequest) -> HttpResponse:
    """``?seller=&orderId=``: the order's shipping fulfilments (carrier, tracking number, lines)."""
    given = json_body(request) if request.method == "POST" else dict(request.GET.items())
    if not isinstance(given, dict) or not given.get("orderId"):
        return json_answer({"error": "give seller and orderId"}, status=400)
    seller, order_id = str(given.get("seller", DEFAULT_SELLER)), str(given["orderId"])
    record = orders.order_record(seller, order_id)
    if record is None:
        return json_answer({"error": f"orderId: no order {order_id!r}"}, status=404)
    return json_answer(
        {
            "orderId": order_id,
            "orderFulfillmentStatus": record.data["orderFulfillmentStatus"],
            "fulfillments": orders.fulfillments(seller, order_id),
        }
    )
