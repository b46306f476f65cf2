"""The rules engine: first match wins, each earlier rule says which condition failed, and the
compiled rules decide as a plain reading of the conditions does (a property over 200 rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kucun.core.errors import ValidationFailed
from kucun.shipping.rules import (
    CONDITION_KEYS,
    RuleFacts,
    clean_conditions,
    compile_rules,
    evaluate,
    parse_postcodes,
)


@dataclass
class Row:
    pk: int
    name: str
    position: int
    conditions: dict[str, Any] = field(default_factory=dict)
    action: str = "carrier"
    enabled: bool = True
    is_default: bool = False
    carrier_account_id: int | None = 1
    service_code: str = "T28"
    box_preset_id: int | None = None


def default_row(pk: int = 999, position: int = 999) -> Row:
    return Row(pk, "Hold", position, {}, "hold", is_default=True, carrier_account_id=None)


def facts(**values: Any) -> RuleFacts:
    values.setdefault("country", "AU")
    return RuleFacts(**values)


# --- first match, explanations --------------------------------------------------------------------


def test_the_first_matching_rule_wins_even_when_a_later_one_matches_too() -> None:
    rows = [
        Row(1, "Melbourne", 1, {"postcodes": "3000-3999"}, "local_delivery"),
        Row(2, "Victoria", 2, {"states": ["VIC"]}, "carrier"),
        default_row(),
    ]
    decision = evaluate(compile_rules(rows), facts(state="VIC", postcode="3121"))

    assert decision.rule is not None
    assert (decision.rule.rule_id, decision.action) == (1, "local_delivery")
    assert decision.failures == ()


def test_each_earlier_rule_names_its_first_failed_condition() -> None:
    rows = [
        Row(1, "Melbourne", 1, {"countries": ["AU"], "postcodes": "3000-3999"}),
        Row(2, "Heavy", 2, {"weight_min_kg": "5", "shipping_method_contains": "express"}),
        Row(3, "Express", 3, {"shipping_method_contains": "Express"}, "pickup"),
        default_row(),
    ]
    decision = evaluate(
        compile_rules(rows),
        facts(postcode="2000", weight_kg=Decimal("1.5"), shipping_method="Overnight EXPRESS"),
    )

    assert decision.rule is not None
    assert decision.rule.rule_id == 3
    assert [(f.rule.rule_id, f.condition, f.explanation) for f in decision.failures] == [
        (1, "postcodes", "postcode 2000 is not in 3000-3999"),
        (2, "weight_min_kg", "weight 1.5 kg is below the minimum of 5 kg"),
    ]


def test_every_kind_of_condition_explains_itself() -> None:
    rows = [
        Row(1, "Stores", 1, {"stores": [1, 2]}),
        Row(2, "Countries", 2, {"countries": ["NZ"]}),
        Row(3, "States", 3, {"states": ["VIC", "TAS"]}),
        Row(4, "Light", 4, {"weight_max_kg": "2"}),
        Row(5, "Cheap", 5, {"value_max": "50"}),
        Row(6, "Dear", 6, {"value_min": "500"}),
        Row(7, "Method", 7, {"shipping_method_contains": "express"}),
        Row(8, "Skus", 8, {"skus": ["TEA-1", "TEA-2"]}),
        Row(9, "From", 9, {"warehouses": [4]}),
        default_row(),
    ]
    compiled = compile_rules(rows, store_names={3: "Shopify AU"}, warehouse_names={4: "SYD"})
    decision = evaluate(
        compiled,
        facts(
            store_id=3,
            warehouse_id=5,
            state="nsw",
            weight_kg=Decimal("2.500"),
            value=Decimal("120.00"),
            shipping_method="Standard",
            skus=frozenset({"COFFEE"}),
        ),
    )

    assert decision.rule is not None
    assert decision.rule.is_default
    assert [f.explanation for f in decision.failures] == [
        "store Shopify AU is not one of #1, #2",
        "country AU is not one of NZ",
        "state NSW is not one of VIC, TAS",
        "weight 2.5 kg is above the maximum of 2 kg",
        "order value 120 is above the maximum of 50",
        "order value 120 is below the minimum of 500",
        "shipping method “Standard” does not contain “express”",
        "the parcel contains none of TEA-1, TEA-2",
        "warehouse #5 is not one of SYD",
    ]


def test_missing_facts_are_said_to_be_missing() -> None:
    rows = [
        Row(1, "Postcode", 1, {"postcodes": "3000"}),
        Row(2, "Store", 2, {"stores": [1]}),
        Row(3, "Method", 3, {"shipping_method_contains": "express"}),
        default_row(),
    ]
    decision = evaluate(compile_rules(rows, store_names={1: "eBay"}), RuleFacts())

    assert [f.explanation for f in decision.failures] == [
        "no postcode given; the rule needs 3000",
        "no store given; the rule needs eBay",
        "no shipping method given; the rule needs one containing “express”",
    ]


def test_disabled_rules_are_skipped_and_the_default_is_always_last_and_on() -> None:
    rows = [
        default_row(pk=5, position=1),
        Row(1, "Off", 2, {}, "pickup", enabled=False),
        Row(2, "Nowhere", 3, {"countries": ["US"]}),
    ]
    rows[0].enabled = False
    compiled = compile_rules(rows)

    assert [rule.rule_id for rule in compiled.rules] == [2, 5]
    decision = evaluate(compiled, facts())
    assert decision.rule is not None
    assert decision.rule.rule_id == 5
    assert [f.rule.rule_id for f in decision.failures] == [2]


def test_without_any_matching_rule_the_parcel_is_held() -> None:
    decision = evaluate(compile_rules([Row(1, "NZ", 1, {"countries": ["NZ"]})]), facts())

    assert decision.rule is None
    assert decision.action == "hold"
    assert [f.condition for f in decision.failures] == ["countries"]


def test_limits_are_inclusive_and_skus_and_methods_ignore_case() -> None:
    rows = [
        Row(
            1,
            "Band",
            1,
            {
                "weight_min_kg": "1",
                "weight_max_kg": "2.5",
                "value_min": "10",
                "value_max": "10",
                "skus": ["tea-green"],
                "shipping_method_contains": "EXPRESS",
            },
        ),
        default_row(),
    ]
    compiled = compile_rules(rows)
    for weight in ("1", "2.500"):
        decision = evaluate(
            compiled,
            facts(
                weight_kg=Decimal(weight),
                value=Decimal("10.00"),
                skus=frozenset({"TEA-GREEN", "X"}),
                shipping_method="express post",
            ),
        )
        assert decision.rule is not None, weight
        assert decision.rule.rule_id == 1, weight
    decision = evaluate(compiled, facts(weight_kg=Decimal("2.501"), value=Decimal(10)))
    assert [f.condition for f in decision.failures] == ["weight_max_kg"]


def test_a_stored_condition_that_no_longer_reads_never_matches_and_says_why() -> None:
    rows = [Row(1, "Broken", 1, {"postcodes": "30x0"}), default_row()]
    decision = evaluate(compile_rules(rows), facts(postcode="3000"))

    assert decision.rule is not None
    assert decision.rule.is_default
    assert decision.failures[0].condition == "postcodes"
    assert decision.failures[0].explanation.startswith("the condition Postcodes cannot be read:")


# --- cleaning conditions ---------------------------------------------------------------------


def test_postcodes_parse_into_merged_ranges_compared_as_numbers() -> None:
    postcodes = parse_postcodes(" 3000 - 3999, 2000;2600-2620\n0800-0899 ")

    assert postcodes.text == "3000-3999, 2000, 2600-2620, 0800-0899"
    assert postcodes.starts == (800, 2000, 2600, 3000)
    assert all(number in postcodes for number in (3000, 3999, 2000, 2610, 800))
    assert not any(n in postcodes for n in (2999, 4000, 2001, 2621, 900))
    assert None not in postcodes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3000-3999, 2x00", "'2x00' is not a postcode or a range of postcodes"),
        ("3999-3000", "'3999-3000' runs backwards: write the lower postcode first (3000-3999)."),
        ("3000--3999", "'3000--3999' is not a postcode"),
    ],
)
def test_a_bad_postcode_part_is_named(text: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_conditions({"postcodes": text})

    assert refused.value.errors[0].field == "conditions.postcodes"
    assert refused.value.errors[0].message.startswith(message)


def test_conditions_are_normalised_and_only_the_set_ones_kept() -> None:
    cleaned = clean_conditions(
        {
            "warehouses": ["2", 1, 2],
            "skus": "TEA-1, tea-1 COFFEE",
            "countries": "au nz",
            "states": ["vic"],
            "weight_max_kg": "2.50",
            "value_min": 10,
            "shipping_method_contains": "  Express ",
            "stores": [],
            "postcodes": "",
        }
    )

    assert cleaned == {
        "countries": ["AU", "NZ"],
        "states": ["VIC"],
        "weight_max_kg": "2.5",
        "value_min": "10",
        "shipping_method_contains": "Express",
        "skus": ["TEA-1", "COFFEE"],
        "warehouses": [1, 2],
    }
    assert list(cleaned) == [key for key in CONDITION_KEYS if key in cleaned]


def test_every_bad_condition_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_conditions(
            {
                "countries": ["Australia"],
                "weight_min_kg": "heavy",
                "value_min": "100",
                "value_max": "50",
                "stores": [0],
                "colour": "red",
            }
        )

    assert sorted(error.field for error in refused.value.errors) == [
        "conditions.colour",
        "conditions.countries",
        "conditions.stores",
        "conditions.value_max",
        "conditions.weight_min_kg",
    ]
    messages = {error.field: error.message for error in refused.value.errors}
    assert messages["conditions.value_max"] == "The maximum (50) is below the minimum (100)."
    assert "'Australia' is not a two-letter country code" in messages["conditions.countries"]


# --- the compiled rules decide as the conditions read ---------------------------------------------


def reference_holds(key: str, value: Any, f: RuleFacts) -> bool:
    """Each condition read plainly, as a person would, with no precomputation."""
    if key == "stores":
        return f.store_id in value
    if key == "warehouses":
        return f.warehouse_id in value
    if key == "countries":
        return f.country.strip().upper() in value
    if key == "states":
        return f.state.strip().upper() in value
    if key == "postcodes":
        code = f.postcode.strip()
        if not code.isdigit():
            return False
        for part in value.split(","):
            low, _dash, high = part.strip().partition("-")
            if int(low) <= int(code) <= int(high or low):
                return True
        return False
    if key == "weight_min_kg":
        return f.weight_kg >= Decimal(value)
    if key == "weight_max_kg":
        return f.weight_kg <= Decimal(value)
    if key == "value_min":
        return f.value >= Decimal(value)
    if key == "value_max":
        return f.value <= Decimal(value)
    if key == "shipping_method_contains":
        return value.lower() in f.shipping_method.lower()
    if key == "skus":
        return any(sku.lower() in {s.lower() for s in f.skus} for sku in value)
    raise AssertionError(key)


def reference_decision(rows: list[Row], f: RuleFacts) -> tuple[int | None, list[tuple[int, str]]]:
    ordered = sorted(
        (row for row in rows if row.enabled or row.is_default),
        key=lambda row: (row.is_default, row.position),
    )
    failed = []
    for row in ordered:
        failing = [
            key
            for key in CONDITION_KEYS
            if key in row.conditions and not reference_holds(key, row.conditions[key], f)
        ]
        if not failing:
            return row.pk, failed
        failed.append((row.pk, failing[0]))
    return None, failed


STATES = ["VIC", "NSW", "QLD", "TAS"]
SKUS = ["A", "B", "C", "D", "E"]
METHODS = ["Standard", "Express post", "Click and collect", ""]


@st.composite
def postcode_texts(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        low = draw(st.integers(1000, 1040))
        if draw(st.booleans()):
            parts.append(f"{low}-{low + draw(st.integers(0, 20))}")
        else:
            parts.append(str(low))
    return ", ".join(parts)


def halves(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Coarse steps, so that parcels often sit exactly on a rule's limit."""
    return st.integers(low, high).map(lambda n: Decimal(n) / 2)


def decimal_text(low: int, high: int) -> st.SearchStrategy[str]:
    return halves(low, high).map(str)


CONDITIONS: dict[str, st.SearchStrategy[Any]] = {
    "stores": st.lists(st.integers(1, 4), min_size=1, max_size=2, unique=True).map(sorted),
    "countries": st.lists(st.sampled_from(["AU", "NZ"]), min_size=1, max_size=2, unique=True),
    "states": st.lists(st.sampled_from(STATES), min_size=1, max_size=2, unique=True),
    "postcodes": postcode_texts(),
    "weight_min_kg": decimal_text(0, 10),
    "weight_max_kg": decimal_text(10, 20),  # never below a minimum: services refuse that
    "value_min": decimal_text(0, 80).map(lambda text: str(Decimal(text) * 10)),
    "value_max": decimal_text(80, 200).map(lambda text: str(Decimal(text) * 10)),
    "shipping_method_contains": st.sampled_from(["express", "POST", "collect", "standard"]),
    "skus": st.lists(st.sampled_from(SKUS), min_size=1, max_size=2, unique=True),
    "warehouses": st.lists(st.integers(1, 3), min_size=1, max_size=2, unique=True).map(sorted),
}


@st.composite
def rule_sets(draw: st.DrawFn) -> list[Row]:
    rows = []
    for number in range(1, 201):
        keys = draw(
            st.lists(st.sampled_from(sorted(CONDITIONS)), min_size=2, max_size=4, unique=True)
        )
        conditions = {key: draw(CONDITIONS[key]) for key in keys}
        rows.append(Row(number, f"Rule {number}", number, conditions, enabled=draw(st.booleans())))
    rows.append(default_row(pk=1000, position=201))
    return rows


parcel_facts = st.builds(
    RuleFacts,
    store_id=st.one_of(st.none(), st.integers(1, 4)),
    warehouse_id=st.one_of(st.none(), st.integers(1, 3)),
    country=st.sampled_from(["AU", "au", "NZ", ""]),
    state=st.sampled_from([*STATES, "vic", ""]),
    postcode=st.one_of(st.integers(995, 1065).map(str), st.just("")),
    weight_kg=halves(0, 22),
    value=halves(0, 220).map(lambda half: half * 10),
    shipping_method=st.sampled_from(METHODS),
    skus=st.frozensets(st.sampled_from([*SKUS, "a", "Z"]), max_size=3),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rule_sets(), parcels=st.lists(parcel_facts, min_size=10, max_size=50))
def test_the_compiled_rules_decide_as_a_plain_reading_does(
    rows: list[Row], parcels: list[RuleFacts]
) -> None:
    compiled = compile_rules(rows)
    for parcel in parcels:
        decision = evaluate(compiled, parcel)
        matched, failed = reference_decision(rows, parcel)
        assert (decision.rule.rule_id if decision.rule else None) == matched
        assert [(rule.rule_id, rule.checks[index].key) for rule, index in decision.failed] == failed
