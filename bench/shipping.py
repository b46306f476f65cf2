"""Shipping: rules evaluated in process, and shipments created and tracked with the sandbox
Australia Post over real HTTP (``bench/shipping_rules.py``, ``bench/shipping_shipments.py``)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

Figure = tuple[str, float, str]
PARTS = ("bench.shipping_rules", "bench.shipping_shipments")


def run() -> Iterator[Figure]:
    for name in PARTS:
        yield from importlib.import_module(name).run()
