"""A receiver checked before a carrier sees it."""

from __future__ import annotations

from typing import Any

import pytest

from kucun.core.errors import ValidationFailed
from kucun.shipping.addresses import receiver_clean, state_of_postcode
from kucun.shipping.carriers.base import AddressRules

RULES = AddressRules()
GOOD: dict[str, Any] = {
    "name": "Ann Lee",
    "line1": "1 George Street",
    "suburb": "Sydney",
    "state": "nsw",
    "postcode": "2000",
    "phone": "+61 412 345 678",
    "email": "ann@example.com",
}


def fields(receiver: dict[str, Any], rules: AddressRules = RULES) -> set[str]:
    with pytest.raises(ValidationFailed) as refused:
        receiver_clean(receiver, rules)
    return {error.field for error in refused.value.errors}


@pytest.mark.parametrize(
    ("postcode", "state"),
    [
        ("2000", "NSW"),
        ("2600", "ACT"),
        ("2618", "ACT"),
        ("2619", "NSW"),
        ("2900", "ACT"),
        ("2921", "NSW"),
        ("0200", "ACT"),
        ("0800", "NT"),
        ("3000", "VIC"),
        ("8001", "VIC"),
        ("4000", "QLD"),
        ("9726", "QLD"),
        ("5000", "SA"),
        ("6000", "WA"),
        ("7000", "TAS"),
    ],
)
def test_postcodes_belong_to_their_state(postcode: str, state: str) -> None:
    assert state_of_postcode(postcode) == state


def test_a_good_address_is_cleaned() -> None:
    address = receiver_clean({**GOOD, "line2": "Level 2"}, RULES)
    assert address.state == "NSW"
    assert address.suburb == "SYDNEY"
    assert address.lines == ("1 George Street", "Level 2")
    assert address.country == "AU"


def test_a_state_that_disagrees_with_the_postcode_names_the_postcode() -> None:
    assert fields({**GOOD, "state": "VIC"}) == {"receiver.postcode"}
    assert fields({**GOOD, "postcode": "20000"}) == {"receiver.postcode"}
    assert fields({**GOOD, "state": "XX"}) == {"receiver.state"}
    assert fields({**GOOD, "state": ""}) == {"receiver.state"}


def test_required_fields_and_lengths_follow_the_carriers_rules() -> None:
    rules = AddressRules(name_max=10, line_max=12, phone_required=True, email_required=True)
    assert fields({"country": "AU"}, rules) == {
        "receiver.name",
        "receiver.line1",
        "receiver.suburb",
        "receiver.state",
        "receiver.postcode",
        "receiver.phone",
        "receiver.email",
    }
    assert fields({**GOOD, "name": "A very long name"}, AddressRules(name_max=10)) == {
        "receiver.name"
    }
    assert fields(GOOD, AddressRules(line_max=12)) == {"receiver.line1"}


def test_phone_and_email_formats() -> None:
    assert fields({**GOOD, "phone": "call me"}) == {"receiver.phone"}
    assert fields({**GOOD, "phone": "12"}) == {"receiver.phone"}
    assert fields({**GOOD, "email": "ann@"}) == {"receiver.email"}
    assert receiver_clean({**GOOD, "phone": "(02) 9999-1234"}, RULES).phone == "(02) 9999-1234"


def test_countries_outside_the_carriers_are_refused() -> None:
    rules = AddressRules(countries=("AU",))
    overseas = {**GOOD, "country": "NZ", "state": "", "postcode": "6011"}
    assert fields(overseas, rules) == {"receiver.country"}
    assert receiver_clean(overseas, RULES).country == "NZ"
