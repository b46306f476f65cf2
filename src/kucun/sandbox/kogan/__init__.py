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
* A bucket per SellerID (500 requests, refilling 500 a minute on the emulator clock); when empty
  → 429 ``{"detail": "Request was throttled. Expected available in N sec."}`` + ``Retry-After``.

Control plane (``__emu/``, staff only): ``reset``, ``seed``, ``state`` (``?seller=`` narrows
it), ``faults``, ``clock``, ``rate-limit``, ``requests``, ``settings`` (``task_polls``,
``max_batch``, ``page_size``) and ``orders`` (a sale on Kogan: ``{"seller_id", "items":
[{"product_sku", "quantity"}]}`` lowers the stock and records an order).

Seed JSON (``__emu/seed``)::

    {"sellers": [{"seller_id": "S-2", "seller_token": "t-2", "name": "Second seller",
                  "status_permission": false,
                  "products": [{"product_sku": "A-1", "product_title": "Thing",
                                "product_gtin": "9300000000000", "stock": 5,
                                "brand": "Acme", "category": "kogan:1234", "enabled": true,
                                "price": "19.95", "currency": "AUD"}],
                  "generate": {"count": 10000, "sku_prefix": "GEN"}}]}

A seller without ``seller_token`` must exist already (products are added to it); ``generate``
adds numbered products quickly. Products replace those with the same SKU. Plain names are
accepted too: ``sku``, ``barcode`` or ``ean``, ``title``, ``quantity``.
"""
