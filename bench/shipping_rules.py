"""Shipping rules: how many parcels per second the engine routes through 200 rules.

A child process (``django.setup()``, no database: the engine reads none) builds 200 random
enabled rules above the default rule, with the conditions a merchant writes (stores,
countries, states, postcode ranges, weight and value bands, shipping method, SKUs,
warehouses), compiles them once, and evaluates random parcels for a few seconds:

* ``shipping.rules_evaluate_per_s``: ``evaluate`` alone (the decision, with the failed
  condition of every rule above the match recorded, as order routing uses it), for parcels
  that no rule but the default matches: every one of the 200 rules is tried (the worst case).
* ``shipping.rules_evaluate_explained_per_s``: the same parcels, with every earlier rule's
  explanation worded (what the console's "Test rules" and the API's evaluate show).
* ``shipping.rules_evaluate_mixed_per_s``: random parcels, wherever their match falls.
* ``shipping.rules_compile_ms``: compiling the 200 rules.
* ``shipping.rules_matched_at_mean``: where the match fell on average (rule number), so that
  the rate is read against how many rules each parcel went through.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

RULES = int(os.environ.get("KUCUN_BENCH_RULES", "200"))
SECONDS = float(os.environ.get("KUCUN_BENCH_SECONDS", "3"))
SEED = 20260101
STATES = ("VIC", "NSW", "QLD", "SA", "WA", "TAS", "NT", "ACT")
COUNTRIES = ("AU", "NZ", "US", "GB", "CN", "SG")
METHODS = ("Standard", "Express", "Free shipping", "Click and collect", "Overnight express")


@dataclass
class Row:
    pk: int
    name: str
    position: int
    enabled: bool
    is_default: bool
    conditions: dict[str, Any]
    action: str
    carrier_account_id: int | None
    service_code: str
    box_preset_id: int | None


def random_conditions(rng: random.Random) -> dict[str, Any]:
    makers = {
        "stores": lambda: rng.sample(range(1, 9), rng.randint(1, 3)),
        "countries": lambda: rng.sample(COUNTRIES, rng.randint(1, 2)),
        "states": lambda: rng.sample(STATES, rng.randint(1, 3)),
        "postcodes": lambda: ", ".join(
            f"{low}-{low + rng.randint(0, 400)}"
            for low in (rng.randint(800, 7900) for _ in range(rng.randint(1, 3)))
        ),
        "weight_min_kg": lambda: str(rng.randint(0, 20)),
        "weight_max_kg": lambda: str(rng.randint(20, 40)),
        "value_min": lambda: str(rng.randint(0, 100)),
        "value_max": lambda: str(rng.randint(100, 500)),
        "shipping_method_contains": lambda: rng.choice(("express", "standard", "collect")),
        "skus": lambda: [f"SKU-{rng.randint(1, 500):04d}" for _ in range(rng.randint(1, 4))],
        "warehouses": lambda: rng.sample(range(1, 4), 1),
    }
    keys = rng.sample(sorted(makers), rng.randint(2, 4))
    return {key: makers[key]() for key in keys}


def rule_rows(rng: random.Random) -> list[Row]:
    rows = [
        Row(
            pk=number,
            name=f"Rule {number}",
            position=number,
            enabled=True,
            is_default=False,
            conditions=random_conditions(rng),
            action=rng.choice(("carrier", "local_delivery", "pickup", "hold")),
            carrier_account_id=1,
            service_code="T28",
            box_preset_id=None,
        )
        for number in range(1, RULES + 1)
    ]
    rows.append(Row(RULES + 1, "Default", RULES + 1, True, True, {}, "hold", None, "", None))
    return rows


def random_facts(rng: random.Random) -> Any:
    from kucun.shipping.rules import RuleFacts

    return RuleFacts(
        store_id=rng.randint(1, 8),
        warehouse_id=rng.randint(1, 3),
        country=rng.choice(COUNTRIES),
        state=rng.choice(STATES),
        postcode=f"{rng.randint(800, 7999):04d}",
        weight_kg=Decimal(rng.randint(1, 40_000)) / 1000,
        value=Decimal(rng.randint(1, 60_000)) / 100,
        shipping_method=rng.choice(METHODS),
        skus=frozenset(f"SKU-{rng.randint(1, 500):04d}" for _ in range(rng.randint(1, 5))),
    )


def rate(work: Any, facts: list[Any]) -> float:
    done = 0
    started = time.perf_counter()
    while True:
        for one in facts:
            work(one)
        done += len(facts)
        elapsed = time.perf_counter() - started
        if elapsed >= SECONDS:
            return done / elapsed


def child() -> None:
    import django

    django.setup()
    from kucun.shipping.rules import compile_rules, evaluate

    rng = random.Random(SEED)
    rows = rule_rows(rng)
    started = time.perf_counter()
    compiled = compile_rules(rows)
    compile_ms = (time.perf_counter() - started) * 1000
    mixed = [random_facts(rng) for _ in range(2000)]
    unmatched: list[Any] = []
    while len(unmatched) < 500:
        one = random_facts(rng)
        if evaluate(compiled, one).rule is rows_default(compiled):
            unmatched.append(one)

    def explained(one: Any) -> None:
        for failure in evaluate(compiled, one).failures:
            failure.explanation  # noqa: B018 -- worded as the console words it

    matched_at = [len(evaluate(compiled, one).failed) + 1 for one in mixed]
    emit("shipping.rules_evaluate_per_s", round(rate(lambda f: evaluate(compiled, f), unmatched)))
    emit("shipping.rules_evaluate_explained_per_s", round(rate(explained, unmatched)))
    emit("shipping.rules_evaluate_mixed_per_s", round(rate(lambda f: evaluate(compiled, f), mixed)))
    emit("shipping.rules_compile_ms", round(compile_ms, 1), "ms")
    emit("shipping.rules_matched_at_mean", round(sum(matched_at) / len(matched_at), 1), "rule")


def rows_default(compiled: Any) -> Any:
    return compiled.rules[-1]


def emit(name: str, value: float, unit: str = "evaluations/s") -> None:
    print(f"{name}\t{value}\t{unit}", flush=True)


def run() -> Iterator[tuple[str, float, str]]:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "kucun.settings"}
    answer = subprocess.run(
        [sys.executable, "-m", "bench.shipping_rules", "child"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in answer.stdout.splitlines():
        name, value, unit = line.split("\t")
        yield name, float(value), unit


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        child()
    else:
        for figure in run():
            print(f"{figure[0]}: {figure[1]} {figure[2]}")
