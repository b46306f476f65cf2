"""Rule writers at the same moment, with real threads on their own connections: every rule
added lands, positions stay 1…n with the default rule last, whatever the interleaving."""

from __future__ import annotations

from typing import Any

import pytest

from kucun.shipping.models import ShippingRule
from kucun.shipping.services.rules import rule_create, rule_move, rules_ensure_default
from tests.inventory.test_races import run_together

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]

WRITERS = 6


def test_rules_added_and_moved_at_once_keep_one_numbered_list() -> None:
    rules_ensure_default()
    first = rule_create(user=None, name="First", action="pickup")

    def adder(number: int) -> Any:
        for round_ in range(3):
            rule_create(user=None, name=f"W{number}-{round_}", action="pickup")
        return number

    def mover() -> Any:
        for _round in range(6):
            rule_move(user=None, rule_id=first.pk, direction="down")
        return "moved"

    results = run_together([*(lambda n=n: adder(n) for n in range(WRITERS)), mover])

    assert [error for error in results if isinstance(error, Exception)] == []
    rules = list(ShippingRule.objects.order_by("position"))
    assert [rule.position for rule in rules] == list(range(1, WRITERS * 3 + 3))
    assert rules[-1].is_default
    assert ShippingRule.objects.filter(is_default=True).count() == 1
    assert {rule.name for rule in rules} >= {f"W{n}-{r}" for n in range(WRITERS) for r in range(3)}
