"""Carrier adapters: one package per carrier (``client.py`` HTTP only, ``mappers.py`` the
carrier's payloads ↔ the canonical types, ``adapter.py`` the Carrier interface and ``CARRIER``).
They import no Django model and no Kucun module but ``carriers.base`` and ``core.vendor``."""
