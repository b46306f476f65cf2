"""A receiver's address checked before a carrier sees it: the fields the carrier requires
(``CarrierSpec.address_rules``), an Australian state that agrees with its postcode, a phone and
an email that look like ones. Every problem names its field (``receiver.postcode``) so that the
form and the API show it where it belongs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from kucun.core.credentials import Problems
from kucun.shipping.carriers.base import Address, AddressRules

# Australian postcodes by state or territory (inclusive ranges, as four-digit numbers).
AUSTRALIAN_POSTCODES: dict[str, tuple[tuple[int, int], ...]] = {
    "NSW": ((1000, 2599), (2619, 2899), (2921, 2999)),
    "ACT": ((200, 299), (2600, 2618), (2900, 2920)),
    "VIC": ((3000, 3999), (8000, 8999)),
    "QLD": ((4000, 4999), (9000, 9999)),
    "SA": ((5000, 5999),),
    "WA": ((6000, 6999),),
    "TAS": ((7000, 7999),),
    "NT": ((800, 999),),
}
PHONE_PATTERN = re.compile(r"^\+?[0-9(][0-9 ()\-]{4,24}$")
PHONE_DIGITS = (6, 15)
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
TEXT_MAX = 100
LINE_FIELDS = ("line1", "line2", "line3")


def australian_states() -> tuple[str, ...]:
    return tuple(AUSTRALIAN_POSTCODES)


def state_of_postcode(postcode: str) -> str | None:
    """The state or territory an Australian postcode belongs to; None when it is none's."""
    if not re.fullmatch(r"[0-9]{4}", postcode):
        return None
    number = int(postcode)
    for state, ranges in AUSTRALIAN_POSTCODES.items():
        if any(low <= number <= high for low, high in ranges):
            return state
    return None


def text_of(receiver: Mapping[str, Any], name: str) -> str:
    value = receiver.get(name)
    if value is None:
        return ""
    return str(value).strip()


def lines_of(receiver: Mapping[str, Any]) -> list[str]:
    """The street lines: ``lines`` (a list) or ``line1``..``line3``, blanks left out."""
    given = receiver.get("lines")
    if isinstance(given, str):
        given = [given]
    if isinstance(given, Iterable):
        return [str(line).strip() for line in given if str(line or "").strip()]
    return [text_of(receiver, name) for name in LINE_FIELDS if text_of(receiver, name)]


class ReceiverCheck:
    """One receiver's checks, collecting every problem before raising."""

    def __init__(self, receiver: Mapping[str, Any], rules: AddressRules, prefix: str) -> None:
        self.receiver = receiver
        self.rules = rules
        self.prefix = prefix
        self.problems = Problems()

    def field(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def add(self, name: str, message: str) -> None:
        self.problems.add(self.field(name), message)

    def required(self, name: str) -> bool:
        return name in self.rules.required

    def text(self, name: str, label: str, *, limit: int = TEXT_MAX, required: bool = False) -> str:
        value = text_of(self.receiver, name)
        if not value:
            if required:
                self.add(name, _("%(label)s is required.") % {"label": label})
        elif len(value) > limit:
            self.add(
                name,
                _("%(label)s is at most %(max)d characters for this carrier.")
                % {"label": label, "max": limit},
            )
        return value

    def lines(self) -> tuple[str, ...]:
        lines = lines_of(self.receiver)
        if not lines and self.required("lines"):
            self.add("line1", _("The street address is required."))
        if len(lines) > self.rules.max_lines:
            self.add(
                "lines",
                _("At most %(max)d address lines for this carrier.")
                % {"max": self.rules.max_lines},
            )
        for number, line in enumerate(lines, start=1):
            if len(line) > self.rules.line_max:
                self.add(
                    f"line{number}",
                    _("Address line %(number)d is at most %(max)d characters for this carrier.")
                    % {"number": number, "max": self.rules.line_max},
                )
        return tuple(lines)

    def country(self) -> str:
        country = (text_of(self.receiver, "country") or "AU").upper()
        if not COUNTRY_PATTERN.match(country):
            self.add("country", _("Country is a two-letter code such as AU."))
        elif self.rules.countries and country not in self.rules.countries:
            self.add(
                "country",
                _("This carrier delivers only to %(countries)s.")
                % {"countries": ", ".join(self.rules.countries)},
            )
        return country

    def state_and_postcode(self, country: str) -> tuple[str, str]:
        state = text_of(self.receiver, "state").upper()
        postcode = text_of(self.receiver, "postcode")
        if not postcode:
            if self.required("postcode"):
                self.add("postcode", _("Postcode is required."))
        elif len(postcode) > 20:
            self.add("postcode", _("Postcode is at most 20 characters."))
        if country != "AU":
            return state, postcode
        if not state:
            self.add("state", _("State is required for an Australian address (such as NSW)."))
        elif state not in AUSTRALIAN_POSTCODES:
            self.add(
                "state",
                _("State must be one of %(states)s.") % {"states": ", ".join(AUSTRALIAN_POSTCODES)},
            )
        if postcode and not re.fullmatch(r"[0-9]{4}", postcode):
            self.add("postcode", _("An Australian postcode is four digits."))
        elif postcode and state in AUSTRALIAN_POSTCODES:
            expected = state_of_postcode(postcode)
            if expected is None:
                self.add(
                    "postcode",
                    _("%(postcode)s is not an Australian postcode.") % {"postcode": postcode},
                )
            elif expected != state:
                self.add(
                    "postcode",
                    _("Postcode %(postcode)s is in %(expected)s, not %(state)s.")
                    % {"postcode": postcode, "expected": expected, "state": state},
                )
        return state, postcode

    def phone(self) -> str:
        phone = text_of(self.receiver, "phone")
        if not phone:
            if self.rules.phone_required:
                self.add("phone", _("Phone is required by this carrier."))
            return phone
        digits = sum(character.isdigit() for character in phone)
        low, high = PHONE_DIGITS
        if not PHONE_PATTERN.match(phone) or not low <= digits <= high:
            self.add(
                "phone",
                _(
                    "Phone must be digits (with spaces, brackets, dashes or a leading +), "
                    "such as 0412 345 678."
                ),
            )
        return phone

    def email(self) -> str:
        email = text_of(self.receiver, "email")
        if not email:
            if self.rules.email_required:
                self.add("email", _("Email is required by this carrier."))
            return email
        try:
            validate_email(email)
        except ValidationError:
            self.add("email", _("Email is not a valid address, such as ann@example.com."))
        return email

    def address(self) -> Address:
        name = self.text(
            "name", _("Name"), limit=self.rules.name_max, required=self.required("name")
        )
        company = self.text("company", _("Company"), limit=self.rules.name_max)
        lines = self.lines()
        suburb = self.text("suburb", _("Suburb"), required=self.required("suburb"))
        country = self.country()
        state, postcode = self.state_and_postcode(country)
        phone = self.phone()
        email = self.email()
        self.problems.raise_any()
        return Address(
            name=name,
            lines=lines,
            suburb=suburb.upper(),
            state=state,
            postcode=postcode,
            country=country,
            company=company,
            phone=phone,
            email=email,
        )


def receiver_clean(
    receiver: Mapping[str, Any], rules: AddressRules, *, prefix: str = "receiver"
) -> Address:
    """The receiver as the carrier will get it, or ValidationFailed naming every field that is
    wrong. Accepts ``lines`` or ``line1``..``line3``; ``suburb`` or ``city``."""
    if not isinstance(receiver, Mapping):
        problems = Problems()
        problems.add(prefix or "receiver", _("The receiver must be an address object."))
        problems.raise_any()
    values = dict(receiver)
    if not values.get("suburb") and values.get("city"):
        values["suburb"] = values["city"]
    return ReceiverCheck(values, rules, prefix).address()
