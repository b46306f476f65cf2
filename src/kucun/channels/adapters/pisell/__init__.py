"""Pisell, through the generic REST channel contract of integrations/pisell.md §2.

Pisell publishes no API; the contract (bearer API key, ``/products`` with ``updated_since`` and
a cursor, ``PUT /inventory/levels`` with an ``Idempotency-Key`` and per-item results, signed
webhooks, 429 + Retry-After, RFC 7807 errors) is Kucun's own design, and the store's API base
URL is configuration.
"""
