import pytest

from kucun.core.errors import ValidationFailed
from kucun.warehouses.patterns import MAX_BINS_PER_PATTERN, duplicated
from kucun.warehouses.services import bin_pattern_codes


def test_aisle_racks_levels_make_eighty_codes_in_order() -> None:
    codes = bin_pattern_codes(aisles="A", racks="01-20", levels="1-4")

    assert len(codes) == 80
    assert codes[:5] == ["A-01-1", "A-01-2", "A-01-3", "A-01-4", "A-02-1"]
    assert codes[-1] == "A-20-4"
    assert len(set(codes)) == 80


def test_letter_ranges_and_lists_with_prefix_and_separator() -> None:
    codes = bin_pattern_codes(prefix="m1", aisles="a-c,f", racks="1", levels="", separator="_")

    assert codes == ["M1_A_1", "M1_B_1", "M1_C_1", "M1_F_1"]


def test_zero_padding_is_kept_only_when_written() -> None:
    assert bin_pattern_codes(aisles="", racks="8-10", levels="") == ["8", "9", "10"]
    assert bin_pattern_codes(aisles="", racks="08-10", levels="") == ["08", "09", "10"]
    assert bin_pattern_codes(aisles="", racks="001-002", levels="") == ["001", "002"]


def test_no_separator_joins_parts() -> None:
    assert bin_pattern_codes(aisles="A", racks="1-2", levels="", separator="") == ["A1", "A2"]


@pytest.mark.parametrize(
    ("field", "kwargs", "fragment"),
    [
        ("racks", {"racks": "20-01"}, "runs backwards"),
        ("aisles", {"aisles": "A-5"}, "is not a range"),
        ("aisles", {"aisles": "AA-AC"}, "is not a range"),
        ("levels", {"levels": "1,,2"}, "empty item"),
        ("levels", {"levels": "1 2"}, "is not allowed"),
        ("prefix", {"prefix": "B 1"}, "no spaces"),
        ("separator", {"separator": "/"}, "Choose"),
        ("aisles", {"aisles": "", "racks": "", "levels": ""}, "at least one"),
        ("racks", {"racks": "1-9999999999"}, "at most 9 digits"),
    ],
)
def test_bad_patterns_name_the_field(field: str, kwargs: dict[str, str], fragment: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        bin_pattern_codes(**kwargs)

    assert [error.field for error in caught.value.errors] == [field]
    assert fragment in caught.value.errors[0].message


def test_more_than_the_cap_is_refused_with_the_count() -> None:
    with pytest.raises(ValidationFailed) as caught:
        bin_pattern_codes(aisles="A-Z", racks="001-100", levels="1-4")

    assert caught.value.errors[0].field == "pattern"
    assert "10,400 bins" in caught.value.detail
    assert f"{MAX_BINS_PER_PATTERN:,}" in caught.value.detail


def test_the_cap_itself_is_allowed() -> None:
    assert len(bin_pattern_codes(aisles="A-E", racks="0001-1000", levels="")) == 5000


def test_huge_numeric_ranges_are_refused_without_generating_them() -> None:
    with pytest.raises(ValidationFailed):
        bin_pattern_codes(aisles="", racks="1-999999999", levels="")


def test_codes_longer_than_a_bin_code_are_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        bin_pattern_codes(prefix="P" * 32, aisles="A", racks="1", levels="X" * 40)

    assert caught.value.errors[0].field == "pattern"
    assert "longer than 64 characters" in caught.value.detail


def test_duplicated_lists_repeated_codes_once_in_order() -> None:
    assert duplicated(["A", "B", "A", "C", "B", "A"]) == ["A", "B"]
