"""The myFastway API of Aramex Australia (formerly Fastway Couriers), emulated
(integrations/fastway.md).

Served under ``/sandbox/fastway/``: the identity host's token endpoint at
``identity/connect/token`` and the API under ``api/``, so an account's API base is
``{server}/sandbox/fastway`` and its token URL ``{server}/sandbox/fastway/identity/connect/token``.

Sandbox credentials after ``__emu/reset`` (fixed, fake, for the sandbox only)::

    client_id:     sandbox-fastway-client
    client_secret: sandbox-fastway-secret
    scope:         fw-fl2-api-au           services: Parcel, Satchel

What it speaks:

* ``POST identity/connect/token`` — form-encoded ``grant_type=client_credentials`` with
  ``client_id``/``client_secret`` (or HTTP Basic) and ``scope``; answers ``{"access_token",
  "expires_in", "token_type": "Bearer", "scope"}``. Errors are OAuth2's with 400:
  ``invalid_client``, ``invalid_scope``, ``unsupported_grant_type``, ``invalid_request``.
  Tokens expire after ``token_ttl_seconds`` (3600) on the emulator clock.
* Every ``api/`` call needs ``Accept: application/json; api-version=1.0`` (or ``?api-version=``
  or an ``api-version`` header): none → 400 ``ApiVersionUnspecified`` (unless the
  ``require_api_version`` setting is off), another version → 400 ``UnsupportedApiVersion``; then
  the method (405 with ``Allow``), ``Authorization: Bearer`` (401 without a body when missing,
  unknown or expired, the reason in ``WWW-Authenticate``) and a bucket per client (429 with
  ``Retry-After``).
* Answers are ``{"data": …}``; refusals ``{"errors": [{"code", "message", "suggestedValues"}]}``
  with 400 (a field error's code is the field's path, e.g. ``items[0].weightDead``), 403 (what
  the account may not do: a product it lacks, ``from``/``conTypeId`` unless seeded as a
  ``reseller``, assigned labels) or 404.
* ``POST api/addresses/validate``, ``GET api/addresses/localities?term=``,
  ``GET api/addresses/serviced-by?locality=&postalCode=`` — a small locality table
  (``localities.py``; more can be seeded); suburb, state and postcode must agree, otherwise
  400 with ``suggestedValues`` such as ``KATOOMBA NSW 2780``.
* ``POST api/consignments/quote`` and ``POST api/consignments`` (201) — deterministic prices
  (parcel $7.50 + $1.00 a chargeable kg, dead or cubic at 250 kg/m³; satchels flat; signature
  $3.00; GST 10 %); one label number per piece (two letters and ten digits, sequential); a live
  consignment's ``externalRef1`` cannot be used again (400, code ``externalRef1``).
* ``GET api/consignments?from=&to=&pageNumber=`` (1000 rows a page, zero-based;
  ``externalRef1=`` narrows it — the emulator's best guess at a filter), ``GET
  api/consignments/pending``, ``GET api/consignments/{conId}``, ``GET
  api/consignments/deleted-reasons``, ``DELETE api/consignments/{conId}/reason/{id}`` (refused
  once picked up: six hours after creation), ``PUT api/consignments/{conId}/undelete``,
  ``POST api/consignments/{conId}/pickup-details``, ``GET api/consignment-services``.
* ``GET api/consignments/{conId}/labels[/{label}]`` — ``application/pdf``, a page per label.
* ``GET api/track/label/{label}`` — scans oldest first on the emulator clock: ``P`` pickup at
  6 h, ``T`` transit at 24 h and 30 h, ``O`` on board for delivery at 48 h, ``D`` delivered at
  60 h; ``data: []`` before the first and for a deleted consignment; 404 for a label never
  issued.

Control plane (``__emu/``, staff only): ``reset``, ``seed``, ``state`` (``?account=<client
id>``), ``faults`` (``match.op`` = the operation names in ``views.py``, ``token`` for the token
endpoint), ``clock``, ``rate-limit``, ``requests``, and ``settings``, ``scans`` (add a scan:
``{"label", "scanType", "scanTypeDescription", "description", "at"?}``) and ``tokens/expire``.

Seed JSON (``__emu/seed``)::

    {"accounts": [{"client_id": "c-2", "client_secret": "s-2", "scope": "fw-fl2-api-au",
                   "name": "Second shipper", "services": ["Parcel"], "label_prefix": "BD",
                   "reseller": false, "generate_consignments": 2500}],
     "settings": {"token_ttl_seconds": 600, "require_api_version": true, "page_size": 1000},
     "localities": [{"locality": "Ballarat", "state": "VIC", "postcode": "3350",
                     "franchise_code": "BAL", "franchise_name": "Ballarat"}]}
"""
