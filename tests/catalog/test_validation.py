from decimal import Decimal

import pytest

from kucun.catalog.validation import (
    bundle_cycle,
    clean_barcode,
    clean_cost_price,
    clean_name,
    clean_non_negative_int,
    clean_notes,
    clean_quantity,
    clean_sku,
)
from kucun.core.errors import ValidationFailed


def refusal(call, *args, **kwargs) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    [error] = caught.value.errors
    return error.field, error.message


def test_sku_is_trimmed_and_keeps_its_case() -> None:
    assert clean_sku("  Beer-Dozen ") == "Beer-Dozen"


@pytest.mark.parametrize("value", ["", "   ", None])
def test_sku_is_required(value: object) -> None:
    assert refusal(clean_sku, value) == (
        "sku",
        "SKU is required: enter the item's stock-keeping code.",
    )


def test_sku_of_64_characters_is_accepted_and_65_refused() -> None:
    assert clean_sku("A" * 64) == "A" * 64
    assert refusal(clean_sku, "A" * 65) == (
        "sku",
        "SKU is 65 characters long: use at most 64.",
    )


@pytest.mark.parametrize("value", ["AB\tC", "AB\nC", "AB\x00C", "AB\x7fC"])
def test_sku_with_a_control_character_is_refused(value: str) -> None:
    field, message = refusal(clean_sku, value)
    assert field == "sku"
    assert message == "SKU 'AB?C' has a control character (a tab or line break): remove it."


def test_sku_that_is_not_text_is_refused_under_the_given_field_name() -> None:
    assert refusal(clean_sku, 12, field="components.0.sku") == (
        "components.0.sku",
        "SKU must be text.",
    )


def test_blank_barcode_means_none_and_a_barcode_is_trimmed() -> None:
    assert clean_barcode("") is None
    assert clean_barcode("   ") is None
    assert clean_barcode(None) is None
    assert clean_barcode(" 9300000000017 ") == "9300000000017"
    assert refusal(clean_barcode, "9" * 65) == (
        "barcode",
        "Barcode is 65 characters long: use at most 64.",
    )


def test_name_is_required_and_limited() -> None:
    assert clean_name(" Beer ") == "Beer"
    assert refusal(clean_name, "") == ("name", "Name is required: enter what the item is called.")
    assert refusal(clean_name, "x" * 256)[1] == "Name is 256 characters long: use at most 255."


def test_notes_keep_line_breaks_but_refuse_nul() -> None:
    assert clean_notes("line one\nline two") == "line one\nline two"
    assert refusal(clean_notes, "bad\x00") == (
        "notes",
        "Notes contain a control character: remove it.",
    )


def test_non_negative_numbers_name_their_field() -> None:
    assert clean_non_negative_int("12", field="weight_g", label="Weight (g)") == 12
    assert clean_non_negative_int(0, field="weight_g", label="Weight (g)") == 0
    assert clean_non_negative_int("", field="weight_g", label="Weight (g)", allow_none=True) is None
    assert refusal(clean_non_negative_int, -1, field="weight_g", label="Weight (g)") == (
        "weight_g",
        "Weight (g) cannot be negative (got -1): enter 0 or more.",
    )
    assert refusal(clean_non_negative_int, "1.5", field="reorder_point", label="Reorder point") == (
        "reorder_point",
        "Reorder point must be a whole number.",
    )
    assert refusal(clean_non_negative_int, True, field="reorder_point", label="Reorder point") == (
        "reorder_point",
        "Reorder point must be a whole number.",
    )
    assert refusal(clean_non_negative_int, None, field="safety_stock", label="Safety stock") == (
        "safety_stock",
        "Safety stock is required: enter 0 or more.",
    )
    assert refusal(clean_non_negative_int, 2**31, field="weight_g", label="Weight (g)") == (
        "weight_g",
        "Weight (g) is too large: use at most 2147483647.",
    )


def test_quantity_must_be_at_least_one() -> None:
    assert clean_quantity("4") == 4
    assert refusal(clean_quantity, 0) == ("quantity", "Quantity must be at least 1 (got 0).")
    assert refusal(clean_quantity, -3)[1] == "Quantity must be at least 1 (got -3)."
    assert refusal(clean_quantity, "four")[1] == "Quantity must be a whole number."


def test_cost_price() -> None:
    assert clean_cost_price("12.5") == Decimal("12.50")
    assert clean_cost_price("") == Decimal("0.00")
    assert clean_cost_price(3) == Decimal("3.00")
    assert refusal(clean_cost_price, "-1") == (
        "cost_price",
        "Cost price cannot be negative: enter 0 or more.",
    )
    assert refusal(clean_cost_price, "abc")[1] == "Cost price must be a number such as 12.50."
    assert refusal(clean_cost_price, "NaN")[1] == "Cost price must be a number such as 12.50."
    assert refusal(clean_cost_price, "1.005")[1] == (
        "Cost price has more than two decimal places: round it to cents."
    )
    assert refusal(clean_cost_price, "1e20")[1] == (
        "Cost price is too large: use at most 9999999999.99."
    )


def test_no_cycle_for_a_tree() -> None:
    # 1 = case, 2 = dozen, 3 = bottle; the case contains dozens, a dozen bottles.
    edges = {2: [3]}
    assert bundle_cycle(edges, 1, [2]) is None


def test_a_bundle_containing_itself_is_a_loop() -> None:
    assert bundle_cycle({}, 1, [1]) == [1, 1]


def test_indirect_loop_is_returned_as_a_path_back_to_the_bundle() -> None:
    # dozen (2) is being given case (1); case already contains pack (4) which contains dozen.
    edges = {1: [4], 4: [2, 3]}
    assert bundle_cycle(edges, 2, [3, 1]) == [2, 1, 4, 2]


def test_the_bundles_own_current_components_are_not_followed() -> None:
    # The bundle's outgoing edges are being replaced; only paths back to it count.
    edges = {1: [2], 2: [5]}
    assert bundle_cycle(edges, 1, [2]) is None
