"""The 4PX Open Platform (FOP) gateway, emulated (integrations/fourpx.md).

Served under ``/sandbox/fourpx/`` with 4PX's path beneath, so a sandbox account's base URL is
``{server}/sandbox/fourpx`` and it calls ``POST {base}/router/api/service?method=…``.

Sandbox credentials after ``__emu/reset`` (fixed, fake, for the sandbox only)::

    app_key:    sandbox-4px-app-key
    app_secret: sandbox-4px-app-secret
    products:   F3 (4PX Standard Line), PX (4PX Priority Post)

The gateway (every answer HTTP 200 with ``{"result", "msg", "errors", "data"}``, §3):

* Public parameters in the query string: ``method``, ``app_key``, ``v``, ``timestamp`` (epoch
  ms), ``format`` (json), ``sign``; ``access_token`` is accepted and ignored (a direct
  customer's app), ``language`` ``cn``/``en`` picks the messages' language (English when
  absent). ``v`` must be present; every version of a method is served alike. The body is
  JSON (a JSON value that is not an object → ``DS000004``).
* Checked in this order: a missing parameter, a format other than json or a timestamp that is
  not digits → ``000014``; unknown app_key → ``000013``; unknown method → ``000011``; a sign
  other than the MD5 of §1.2 over the exact bytes received → ``000012``; an app that emptied
  its bucket (20 requests, refilling 5 a second on the emulator clock) → ``000017`` for the
  next 60 s; a body that is not JSON → ``000004``. The timestamp is not compared with the
  clock (the doc sets no limit).
* ``ds.xms.logistics_product.getlist`` — the app's products (``transport_mode`` filter).
* ``ds.xms.estimated_cost.get`` — ``{country_code, weight (g), length, width, height,
  logistics_product_code: [..]}`` → per product ``charge_weight`` (g, volumetric at
  6000 cm³/kg), ``estimated_time`` (days) and ``lump_sum_fee`` (CNY).
* ``ds.xms.order.create`` — required fields, ISO-2 countries, the app's product codes
  (``DS000110``), weights in whole grams (decimals, and under 10 g — kilograms sent as grams
  — refused), customs lines for a cross-border parcel: ``DS000004`` per field, ``DS000005``
  without ``ref_no``. A ``ref_no`` already used on the app → ``DS000007``. Answers
  ``ds_consignment_no`` (``DS`` + 12 digits), ``4px_tracking_no`` (12 digits) and
  ``logistics_channel_no``, empty for F3 until ``channel_no_after_seconds`` (default 1 h) have
  passed on the emulator clock. A consignment of several parcels has one child barcode per
  parcel (the 4PX number + two digits), given by ``ds.xms.label.get`` and ``order.get``.
* ``ds.xms.order.get`` — ``{request_no}`` (ref_no, DS number, 4PX number, child barcode or a
  visible channel number; unknown → ``DS000017``) or a creation window in epoch ms, both ends
  inclusive, at most 7 days (``DS000023``; a missing end ``DS000021``/``DS000022``), with an
  optional ``consignment_status``.
* ``ds.xms.order.cancel`` — ``{request_no, cancel_reason}``: only while the status is ``P``
  (the first 6 h), else ``DS000014``.
* ``ds.xms.label.get`` — ``DS000046`` for the first ``label_not_ready_calls`` calls (default
  1) after the create, then ``label_url_info.logistics_label``, the URL of a PDF served at
  ``label/label/<token>.pdf``: one page per parcel holding the 4PX tracking number.
  ``is_print_declaration_list: "Y"`` adds ``custom_label``, a declaration list.
* ``tr.order.tracking.get`` — ``{deliveryOrderNo}`` (4PX number, child barcode or visible
  channel number) → scans oldest first, written in China Standard Time (``timeZone``
  ``UTC+08:00``): FPX_L_RPIF at creation, FPX_C_SPLS at 6 h (status V), FPX_C_AAF at 24 h
  (H), FPX_C_ADFF at 26 h (C), FPX_C_AAF at 36 h, FPX_D_SD at 48 h, FPX_S_OK "Delivered" at
  60 h (F). A cancelled consignment has no scans; an unknown number → ``DS000017``.

Control plane (``__emu/``, staff only): ``reset``, ``seed``, ``state`` (``?account=<app_key>``
narrows it), ``faults`` (``match.op`` is the ``method`` parameter), ``clock``, ``rate-limit``,
``requests`` and ``settings``. Seed JSON::

    {"accounts": [{"app_key": "k-2", "app_secret": "s-2", "name": "Second app",
                   "services": ["F3", {"logistics_product_code": "A1",
                                       "logistics_product_name_en": "DHL Express",
                                       "channel_no_at_create": true}]}],
     "settings": {"label_not_ready_calls": 2, "channel_no_after_seconds": 0}}
"""
