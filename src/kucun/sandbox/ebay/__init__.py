"""The eBay emulator: the Sell APIs of integrations/ebay.md for the ``EBAY_AU`` marketplace.

A sandbox store's base URL is ``{server}/sandbox/ebay``; the API paths and the consent page
are beneath it as on eBay's hosts:

- ``POST /identity/v1/oauth2/token``: ``client_credentials`` (scope
  ``https://api.ebay.com/oauth/api_scope``), ``authorization_code`` and ``refresh_token``
  grants, Basic auth of ``client_id:client_secret``; errors ``{"error", "error_description"}``.
  Access tokens live ``access_token_seconds`` (7200) on the emulator clock; refresh tokens are
  not rotated; codes are single use for 299 seconds.
- ``GET /oauth2/authorize?client_id&redirect_uri&response_type=code&scope&state``: a page where
  a person picks a seller and clicks Agree; it redirects to the RuName's accept URL (or to
  ``redirect_uri`` itself when that is an http(s) URL, a sandbox convenience) with ``state``,
  ``code`` and ``expires_in``. The default RuName's accept URL is ``/sandbox/ebay/oauth2/accepted``.
- Inventory API ``/sell/inventory/v1``: ``inventory_item`` (``limit`` 1–200, default 25;
  ``offset`` a page number as documented, follow ``next``), ``inventory_item/{sku}``,
  ``bulk_get_inventory_item`` and ``bulk_update_price_quantity`` (1–25 entries, one answer per
  offer, 200 or 207; a listing takes 250 revisions a calendar day), ``offer?sku=`` and
  ``offer/{offerId}``. User tokens only, scope
  ``sell.inventory`` (``.readonly`` for reads).
- Fulfillment API ``/sell/fulfillment/v1/order``: ``getOrders`` (``filter`` of
  ``creationdate``/``lastmodifieddate`` ranges and ``orderfulfillmentstatus``, percent-encoded;
  ``limit`` 1–200, item ``offset``; ``orderIds``), ``getOrder``, and
  ``order/{orderId}/shipping_fulfillment`` (POST one package: 201 + ``Location``; GET the list
  or one). Scope ``sell.fulfillment`` (``.readonly`` for reads). See ``fulfillment.py``.
- Notification API ``/commerce/notification/v1``: ``public_key/{kid}`` (application token),
  ``destination`` (validated by the ``challenge_code`` handshake) and ``subscription``.
  Deliveries are signed with the emulator's P-256 key (``X-EBAY-SIGNATURE``).
- Identity API ``GET /commerce/identity/v1/user/`` (scope ``commerce.identity.readonly``):
  the token's ``username``, ``userId``, ``accountType`` and ``registrationMarketplaceId``.
- Developer Analytics ``GET /developer/analytics/v1_beta/rate_limit/`` (application token) and
  ``user_rate_limit/`` (user token): the caller's bucket as ``rateLimits[].resources[].rates[]``.
- Every call: 401 errorId 1001 for a missing or expired token, 403 errorId 1100 for a missing
  scope, 429 errorId 2001 when the caller's bucket (per seller; per application for application
  tokens) is empty.

Default credentials after ``__emu/reset`` (fake, sandbox only):

- application ``client_id`` ``KucunSan-Sandbox-SBX-0a1b2c3d4-5e6f7a8b``, ``client_secret``
  ``SBX-kucun-sandbox-client-secret-not-real``, RuName ``Kucun_Sandbox-KucunSan-Sandbo-kucun``;
- seller ``kucun_sandbox_seller`` with refresh token
  ``v^1.1#i^1#r^1#p^3#I^3#f^0#t^KUCUN-SANDBOX-REFRESH-TOKEN-NOT-REAL`` holding every scope the
  notes name, and five items (``EB-MUG-01`` …) each with a published offer.

``POST __emu/seed`` (all or nothing; a SKU the seller already holds is left as it is)::

    {"settings": {"access_token_seconds": 7200,            # optional
                  "inventory_offset": "page" | "item",
                  "bulk_update_one_sku_per_call": false},
     "applications": [{"client_id": "…", "client_secret": "…",
                       "ru_names": {"RuName": "https://accept/url"}}],
     "sellers": [{"username": "seller_2",
                  "client_id": "…", "client_secret": "…",  # default: the default application
                  "refresh_token": "…",                    # needed for a new seller
                  "scopes": ["https://api.ebay.com/oauth/api_scope/sell.inventory", …],
                  "items": [{"sku": "A-1", "title": "…", "ean": "9300000000001",
                             "upc": "…", "quantity": 5, "price": "19.95",
                             "offer": true, "offer_quantity": 5,
                             "status": "PUBLISHED"}]}]}

``GET __emu/state[?seller=]``: per seller ``quantities`` (SKU → item quantity),
``listing_quantities`` (SKU → what a buyer sees: the lower of the item's and its published
offers' quantities), ``offers``, ``notifications`` and ``orders``. Extras:
``POST __emu/webhooks/fire`` ``{"seller", "topic": "LISTING", "sku", "action", "data",
"deliver"}`` answers the signed notification's headers and exact body (an
AUTHORIZATION_REVOCATION also ends the seller's refresh tokens unless ``"revoke": false``);
``POST __emu/orders`` — a buyer checks out: ``{"seller", "buyer": {"username"}, "shipTo": {…},
"lineItems": [{"sku", "quantity", "lineItemId"?, "legacyItemId"?, "lineItemCost"?}], …}`` or the
one-line ``{"seller", "sku", "quantity"}`` (quantities drop; ORDER_CONFIRMATION and LISTING
notifications go to subscribers); ``POST __emu/orders/cancel`` ``{"seller", "orderId",
"initiator"?, "reason"?}`` (ORDER_CANCELLATION_ACTIVITY); ``GET __emu/orders/fulfillments
?seller=&orderId=`` lists the packages marked shipped (each also sends ITEM_MARKED_SHIPPED).
The notes name these order topics but not their payloads: ``data`` carries the ``orderId``.
"""
