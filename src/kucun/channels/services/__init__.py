"""Writes of the channels app: stores, listings, webhooks (and the stock sync beside them)."""
