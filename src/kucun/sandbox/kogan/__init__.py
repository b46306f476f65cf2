"""The Kogan.com Marketplace Seller API v2, emulated (integrations/kogan.md).

Served under ``/sandbox/kogan/`` with Kogan's real paths beneath, so a sandbox store's base URL
is ``{server}/sandbox/kogan`` and it calls ``{base}/api/marketplace/v2/products/`` etc.

Sandbox credentials after ``__emu/reset`` (fixed, fake, for the sandbox only)::

    SellerID:    sandbox-seller
    SellerToken: sandbox-kogan-token-not-a-secret

What it speaks:

* ``GET api/marketplace/v2/products/`` — ``size`` (default and maximum 100), ``cursor`` (taken
  from the ``next`` URL), filters ``sku``, ``enabled``, ``created_after``, ``created_before``,
  ``brand``, ``category``, ``search``; ``detail=true`` adds the full record. Pages are in SKU
  order (a keyset on the record key), so a stock change during a pull moves nothing.
* ``POST api/marketplace/v2/products/stockprice/`` — a top-level array of
  ``{"product_sku", "stock", "offer_data"?}``, at most 500 items. Answers
  ``AsyncResponsePending`` with a ``pending_url``; nothing changes until the task is polled.
* ``POST api/marketplace/v2/products/status/`` — ``[{"product_sku", "enabled"}]``, the same
  asynchronous way; 403 ``{"detail": "You do not have permission to perform this action."}``
  for a seller without the ``status_permission`` grant (seed it; the default seller has none).
* ``GET api/marketplace/v2/task/<id>/`` — the first ``task_polls`` polls (default 2) answer
  ``AsyncResponsePending``; the next applies the task and answers ``Complete`` or
  ``CompleteWithErrors`` with ``body.errors`` ``[{"product_sku", "message", "code"}]`` (unknown
  SKU, SKU over 45 characters, negative or non-integer stock, invalid price). Later polls repeat
  the terminal answer.
* Missing credentials → 401 ``{"detail": "Authentication credentials were not provided."}``;
  wrong ones → 401 ``{"detail": "Incorrect authentication credentials."}``.
* A bucket per SellerID (500 requests, refilling 500 a minute on the emulator clock), and two
  more for the sustained and daily limits (``hourly_limit`` 20,000 refilling over an hour,
  ``daily_limit`` 100,000 over a day); when one is empty → 429 ``{"detail": "Request was
  throttled. Expected available in N sec."}`` + ``Retry-After``.

* ``GET api/marketplace/v2/orders/?status=…`` — ``status`` required (400 ``Failed``
  envelope without it or with an unknown one); ``ReleasedForShipment`` is the to-do list
  (every released order with something left to send, including ``PartiallyShipped`` and
  ``PartiallyCanceled`` ones); other statuses match exactly. ``startDateUTC`` /
  ``endDateUTC`` filter on the order date; for ``Shipped`` and ``Canceled`` they may be at
  most 15 days apart (400) and default to the last 15 days. ``limit`` caps the answer; there is
  no paging; oldest first. Body: a list of §5.2 order objects. A seller seeded with an
  ``orders_error`` gets ``{"status": "Failed", "error": …}``.
* ``GET api/marketplace/v2/orders/<ID>/`` — one order (404 ``{"detail": "Not found."}``).
* ``POST api/marketplace/v2/orders/fulfill/`` — §6's array of ``{"ID", "Items": [...]}``;
  200 ``{"status": "Complete", "body": [{"ID", "Result": "Success" | "Fail", "Errors":
  [{"ID", "ErrorCode", "Message"}]}]}``. An order fails whole (and stays as it was) when an
  item names another order's item, a quantity of 0 or above what is left, a carrier outside
  the ``carrier_codes`` setting ("Invalid carrier code"; ``NA`` only for a seller seeded with
  ``no_carrier_permission``), no tracking number, or the order is not open. With the
  ``fulfil_async`` setting on, the answer is a task whose completed body is those results.

Control plane (``__emu/``, staff only): ``reset``, ``seed``, ``state`` (``?seller=`` narrows
it), ``faults``, ``clock``, ``rate-limit``, ``requests``, ``settings`` (``task_polls``,
``max_batch``, ``page_size``, ``release_delay_seconds``, ``fulfil_async``, ``hourly_limit``,
``daily_limit``, ``carrier_codes``), and:

* ``orders`` — POST places an order on Kogan: ``{"seller_id", "items": [{"product_sku",
  "quantity", "unit_price"?}], "shipping_address"?, "buyer_address"?, "currency"?,
  "shipping_price"?, "shipping_method"?, "order_id"?, "order_label"?,
  "special_instructions"?}``; the stock drops (409 when short or the SKU is unknown). An
  address takes Kogan's field names or ``name``, ``company``, ``line1``, ``line2``, ``city``,
  ``state``, ``postcode``, ``country``, ``phone``, ``email``. GET lists the seller's orders
  (``?seller=``) with their dispatches.
* ``orders/cancel`` — ``{"seller_id", "order_id", "items"?: [{"ID", "Quantity"}], "reason"?,
  "restock"?: true}`` cancels what is not yet sent (all of it without ``items``).
* ``dispatches?seller=…&order=…`` — the fulfil entries an order received, as sent.

Seed JSON (``__emu/seed``)::

    {"sellers": [{"seller_id": "S-2", "seller_token": "t-2", "name": "Second seller",
                  "status_permission": false,
                  "products": [{"product_sku": "A-1", "product_title": "Thing",
                                "product_gtin": "9300000000000", "stock": 5,
                                "brand": "Acme", "category": "kogan:1234", "enabled": true,
                                "price": "19.95", "currency": "AUD"}],
                  "generate": {"count": 10000, "sku_prefix": "GEN"},
                  "orders": [{"items": [{"product_sku": "A-1", "quantity": 1}]}]}]}

A seller without ``seller_token`` must exist already (products are added to it); ``generate``
adds numbered products quickly. Products replace those with the same SKU. ``orders`` are
placed after the products, as ``__emu/orders`` places them (the stock drops). Plain names are
accepted too: ``sku``, ``barcode`` or ``ean``, ``title``, ``quantity``.
"""
