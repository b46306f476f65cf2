"""The Australia Post Shipping and Tracking API (v1), emulated (integrations/auspost.md).

Served under ``/sandbox/auspost/`` with the vendor's paths beneath, so a sandbox carrier
account's base URL is ``{server}/sandbox/auspost`` and it calls ``{base}/shipping/v1/…``.

Sandbox credentials after ``__emu/reset`` (fixed, fake, for the sandbox only)::

    Account-Number: 0001234567
    API key:        sandbox-auspost-key
    Password:       sandbox-auspost-password
    Products:       T28 (Parcel Post), E34 (Express Post)

Every call sends ``Authorization: Basic base64(<api key>:<password>)`` and ``Account-Number``.
A missing or wrong key/password → 401 ``API_001``; a missing account number, or one the key
does not hold → 403 ``41001 CUSTOMER_NOT_FOUND``. Errors use the envelope
``{"errors": [{"code", "name", "message", "field"?}]}`` (see ``errors.py`` for the codes).
A bucket per account on the emulator clock; when empty → 429 ``API_002`` + ``Retry-After``.

What it speaks (all under ``shipping/v1/``):

* ``GET accounts/{account_number}`` — account details and its postage products (not in the
  doc; modelled on the vendor's "get account details", used to test a connection).
* ``POST prices/items`` — prices per item for ``product_ids`` (all contract products when
  left out), per-item ``errors`` with HTTP 200; ``POST prices/shipments`` — the create body
  priced with the fuel surcharge. The tariff is deterministic (``pricing.py``).
* ``POST shipments`` → 201 — validation per auspost.md §10, a 400 entry per problem with its
  ``field``; a ``shipment_reference`` already used by a live shipment of the account is refused.
  Allocates ``shipment_id``, ``item_id``, ``article_id`` and ``consignment_id``.
* ``GET shipments?shipment_ids=a,b``; ``GET shipments?shipment_reference=R`` (with
  ``offset``/``number_of_shipments`` paging: the emulator's guess, see ``views.shipments_get``).
* ``PUT shipments/{id}/items`` — items naming an ``item_id`` are replaced (ids and tracking
  details kept), the others added with new article ids; 400 once the shipment is in an order.
  (``PUT shipments/{id}``, unverified in the doc, is not emulated: 405.)
* ``DELETE shipments/{id}`` → 200 without a body; 400 once the shipment is in an order, 404
  when unknown or already deleted.
* ``POST labels`` — ``wait_for_label_url: true`` answers AVAILABLE with ``url``; otherwise
  PENDING, and ``GET labels/{request_id}`` answers PENDING ``label_polls`` times (default 1)
  before AVAILABLE. The URL (``files/labels/{request_id}.pdf``) serves a PDF with a page per
  item holding its article id.
* ``PUT orders`` (from created shipments) and ``POST orders`` (shipments and order at once)
  → 201 ``{"order": …}``; the shipments are then sealed (no delete, no labels, no second order).
  ``GET accounts/{account_number}/orders/{order_id}/summary`` → ``application/pdf``.
* ``GET track?tracking_ids=…`` — at most ``track_batch`` (10) ids, article or consignment ids;
  unknown or deleted ones → per-result ``errors`` ``ESB-10001``. The timeline moves with the
  emulator clock (``tracking.py``).

Control plane (``__emu/``, staff only): ``reset``, ``seed``, ``state`` (``?account=``
narrows it), ``faults`` (``match.op`` is one of the operation names in ``urls.py``, e.g.
``create_shipments``, ``track_items``), ``clock``, ``rate-limit``, ``requests`` and
``settings`` (``label_polls``, ``track_batch``, ``max_items``).

Seed JSON (``__emu/seed``)::

    {"accounts": [{"account_number": "0009876543", "api_key": "k-2", "password": "p-2",
                   "name": "Second merchant", "services": ["T28", "E34", "3D55"]}],
     "settings": {"label_polls": 2}}
"""
