"""Writes of the shipping app: accounts, rules, packaging, shipments, tracking, manifests."""
