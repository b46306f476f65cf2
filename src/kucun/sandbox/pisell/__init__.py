"""The Pisell emulator: the generic REST channel contract of integrations/pisell.md §2.

Pisell publishes no API, so this is the contract Kucun designed for it (pisell.md §2), served
under ``/sandbox/pisell/``; a sandbox store's base URL is ``{server}/sandbox/pisell`` and the
contract's paths follow it:

* ``GET products`` — ``updated_since`` (inclusive), ``limit`` 1–250 (default 100), ``cursor``;
  ``{"data": [product …], "next_cursor": … | null}``, sorted by ``(updated_at, id)``.
* ``PUT inventory/levels`` — absolute quantities, ≤ 100 items, ``Idempotency-Key`` required;
  ``{"results": [...]}`` with one result per item (``ok``, or ``error`` with ``unknown_sku``,
  ``unknown_location`` or ``stale_quantity``). A replayed key with the same body answers the
  stored response; with another body ``409``.
* ``GET locations`` — ``{"data": [{"id", "name", "active"}]}``.
* ``POST webhooks`` — ``{"url", "events"}`` → ``201 {"id", "secret"}``.
* ``GET orders`` — ``updated_since`` (inclusive), ``status`` (repeatable: ``pending``, ``paid``,
  ``cancelled``, ``refunded``), ``limit`` 1–250, ``cursor``; ``{"data": [order …],
  "next_cursor"}`` in ``(updated_at, id)`` order, each order in the shape of §2.4. ``GET
  orders/{id}`` answers ``{"data": order}`` (404 when unknown).
* ``POST orders/{id}/fulfillments`` — §2.5's body with an ``Idempotency-Key`` (400 without):
  ``201`` with the fulfilment; ``line_items`` omitted ships everything remaining. A quantity
  above what remains → ``422 over_fulfilment``; an unknown line or a malformed field → ``422
  validation_failed`` naming it; an order not paid or sold at the till → ``422
  order_not_fulfillable``. A replayed key answers the stored fulfilment; with another body
  ``409``. Fires ``order.updated``. ``GET`` on the same path lists the order's fulfilments.

Authentication: ``Authorization: Bearer <api_key>``, or the signed headers ``Client-Id``,
``Access-Token``, ``Timestamp``, ``Sign`` (uppercase hex MD5 of ``[timestamp, client_id,
client_secret]`` sorted and joined with ``&``, accepted within five minutes of the emulator's
clock) for a tenant seeded with them. Anything else → ``401`` problem+json. An
``X-Store-Domain`` header naming another store than the tenant's → ``403``. Every error is an
RFC 7807 ``application/problem+json`` body. Each credential has a token bucket (120 requests a
minute by default, on the emulator clock); a refused call answers ``429`` with ``Retry-After``
and ``X-RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` (the Unix time at which the bucket is
full again); those three headers are on every answer.

Webhook deliveries carry ``X-Event-Type``, ``X-Delivery-Id`` and ``X-Signature:
t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>``, and are made by the control plane
(``webhooks/fire`` and ``orders``), retried on a non-2xx answer.

Default sandbox tenant (``__emu/reset``), fake by design:

* tenant ``demo`` ("Pisell Demo Store", ``demo.mypisell.com``)
* API key ``psk_sandbox_demo_0000000000000000`` (DEMO_API_KEY)
* signed headers: Client-Id ``pisell-demo-client``, client secret
  ``pcs_sandbox_demo_secret``, Access-Token ``pat_sandbox_demo_token``
* locations ``loc_main`` "Shop" (the default) and ``loc_backroom`` "Back room"

Seed JSON (``POST __emu/seed``), every part optional::

    {"tenants": [{"id": "acme", "name": "Acme Pets", "api_key": "psk_…",
                  "domain": "acme.mypisell.com",
                  "client_id": "…", "client_secret": "…", "access_token": "…",
                  "local_time_zone": "Australia/Melbourne",
                  "locations": [{"id": "loc_main", "name": "Shop", "default": true}],
                  "webhooks": [{"id": "wh_1", "url": "http://…", "events": ["product.updated"],
                                "secret": "whsec_…"}],
                  "products": [PRODUCT, …]}],
     "products": {"tenant": "acme", "items": [PRODUCT, …]},
     "generate": {"tenant": "acme", "count": 10000, "prefix": "GEN",
                  "quantity": 5 (else the product number modulo 10)},
     "orders": [{"tenant": "acme", "channel": "online", "line_items": [{"sku", "quantity"}],
                 …as ``__emu/orders``; placed without firing webhooks}]}

    PRODUCT = {"id": "p_1001" (optional), "title": "Dog Treats", "status": "published",
               "variants": [{"id": "v_5001" (optional), "sku": "TREAT-43G",
                             "barcode": "9300000000017", "title": "43g", "price": "4.95",
                             "stock_quantity": 12 (at the default location)
                             or "stock": {"loc_main": 12, "loc_backroom": 3}}]}

A tenant without ``locations`` gets ``loc_main`` "Shop". A tenant with a ``local_time_zone`` is
in "local time string" mode (pisell.md §3): the products and orders listings write times as that
zone's wall clock, ``02/May/2026 15:18:51``, to exercise a parser (filters stay ISO-8601).
``generate`` adds ``count`` products of one variant each (SKU ``<prefix>-00001`` …) in bulk.
A variant's ``stock_quantity`` in the products listing is its total over the tenant's
locations.

Control plane extras: ``__emu/webhooks/fire`` ``{"tenant", "event", "sku" | "order_id",
"deliver": true}`` signs (and, unless ``deliver`` is false, delivers) the event to every
webhook registered for it and answers the deliveries (headers and raw body);

* ``__emu/orders`` — POST ``{"tenant", "channel": "pos" | "online" | "booking",
  "location_id", "status": "paid" | "pending", "number", "currency", "shipping_total",
  "customer": {"name", "email", "phone"}, "shipping_address": {"name", "company", "line1",
  "line2", "suburb", "state", "postcode", "country", "phone"}, "line_items": [{"sku",
  "quantity", "unit_price"?}]}`` records a sale (a ``pos`` sale is ``collected``; an online
  one without contacts gets a sandbox shopper's), takes its quantities from the location's
  stock and fires ``order.created`` and ``inventory.updated``. GET (``?tenant=``) lists the
  orders with their fulfilments.
* ``__emu/orders/cancel`` — ``{"tenant", "order_id", "restock"?: true, "refunded"?: false}``
  cancels (or refunds); what was not fulfilled goes back to its location; fires
  ``order.cancelled``.
* ``__emu/orders/update`` — ``{"tenant", "order_id", "status"?: "paid" | "pending",
  "customer"?, "shipping_address"?}``; fires ``order.updated``.
* ``__emu/fulfillments?tenant=…&order_id=…`` — an order's fulfilments.
"""
