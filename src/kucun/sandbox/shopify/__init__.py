"""The Shopify emulator: the GraphQL Admin API of sandbox shops (integrations/shopify.md).

A shop's base URL is ``{server}/sandbox/shopify/{shop}.myshopify.com``; beneath it:

* ``POST /admin/oauth/access_token`` — client-credentials grant (form or JSON
  ``grant_type=client_credentials&client_id=…&client_secret=…``) answering
  ``{"access_token": "shpat_…", "scope": "…", "expires_in": 86399}``; the lifetime is the
  emulator setting ``token_ttl_seconds`` and tokens expire on the emulator clock. A shop may
  also hold a legacy admin token that never expires.
* ``POST /admin/api/{version}/graphql.json`` — ``X-Shopify-Access-Token`` required (401
  ``{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}``).
  Documents are validated against the schema subset in ``schema.py``; root fields ``shop``,
  ``locations``, ``products``, ``productVariants`` (``query: "updated_at:>='…'"``, ``sku:``,
  ``barcode:``; ``sortKey: UPDATED_AT``), ``inventoryItems``, ``node``/``nodes``, the single
  lookups and ``webhookSubscriptions``; ``orders`` (``query: "updated_at:>='…' status:open"``,
  ``sortKey: UPDATED_AT``; only the last 60 days without ``read_all_orders``), ``order(id:)``
  with ``lineItems``, ``fulfillmentOrders(query: "status:OPEN")`` and ``fulfillments``;
  mutations ``inventorySetQuantities`` (compare-and-swap by version, ``@idempotent(key:)``
  replay), ``fulfillmentCreate`` (``@idempotent`` too; see ``order_resolvers.py``),
  ``webhookSubscriptionCreate``/``Delete``. Every answer carries ``extensions.cost`` with
  ``throttleStatus``; an exhausted bucket answers ``THROTTLED``. Orders fire ``orders/create``,
  ``orders/updated``, ``orders/cancelled``, ``orders/fulfilled`` and ``fulfillments/create``
  (REST-style JSON with the numeric ``id`` and ``admin_graphql_api_id``).

Default shop after ``__emu/reset`` (fake credentials, for the sandbox only):

* shop ``kucun-sandbox.myshopify.com`` (location "Sandbox Warehouse", five variants SBX-…)
* client id ``sandbox-client-id-0000``, client secret ``shpss_sandbox_client_secret_0000``
* admin access token ``shpat_sandbox_admin_token_0000``

``POST __emu/seed`` takes::

    {"shops": [{
        "domain": "acme.myshopify.com", "name": "Acme",
        "client_id": "…", "client_secret": "…", "access_token": "shpat_…",   # all optional
        "locations": [{"name": "Main"}, {"name": "Overflow"}],
        "products": [{"title": "Tee", "status": "ACTIVE", "variants": [
            {"sku": "TEE-S", "barcode": "93…", "title": "S", "weight_kg": 0.25,
             "quantity": 5}                        # at the shop's first location, or
            # "quantities": {"Main": 5, "Overflow": 2}  (by location name or GID)
        ]}],
        "webhooks": [{"topic": "PRODUCTS_UPDATE", "uri": "http://…", "api_version": "2026-01"}]
    }]}

and answers each shop's locations (GIDs) and, for up to 1,000, its variants' GIDs. Seeding a
shop that exists adds to it. Other control endpoints: ``state`` (``?shop=``), ``faults``,
``clock``, ``rate-limit``, ``requests``, ``webhooks/fire`` (``{shop, topic, sku}`` or
``{shop, topic, payload}``), ``orders`` (a sale: ``{shop, lines: [{sku, quantity}],
shipping_address, shipping_line, …}`` or the one-line ``{shop, sku, quantity}``),
``orders/cancel`` (``{shop, order, reason?, restock?}``), ``orders/change`` (``{shop, order,
shipping_address?, lines?}``), ``orders/fulfillments`` (``?shop=&order=``), ``bucket``
(``{shop, available}``) and ``settings`` (``token_ttl_seconds``, ``api_versions``,
``throttle_status`` 200 or 429, ``webhooks`` ``{attempts, backoff_seconds, timeout_seconds}``).
"""
