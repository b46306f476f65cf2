"""Pure checks for warehouse, zone and bin input; each error names its field and the fix."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from kucun.core.errors import FieldError, ValidationFailed

CODE_PATTERN = re.compile(r"^[A-Z0-9_-]+$")
PRIORITY_MIN = -1_000_000
PRIORITY_MAX = 1_000_000


def refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(detail=f"{field}: {message}", errors=[FieldError(field, message)])


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in value)


def clean_code(value: Any, *, field: str = "code", max_length: int) -> str:
    """Trim and upper-case; letters, digits, '-' and '_' only."""
    if not isinstance(value, str):
        raise refuse(field, _("Enter a code made of letters, digits, '-' or '_'."))
    code = value.strip().upper()
    if not code:
        raise refuse(field, _("Enter a code, for example SYD or A-01-1."))
    if len(code) > max_length:
        raise refuse(
            field,
            _("Use at most %(max)d characters (this one has %(length)d).")
            % {"max": max_length, "length": len(code)},
        )
    if not CODE_PATTERN.match(code):
        raise refuse(
            field,
            _("Use only letters A–Z, digits, '-' and '_' (no spaces): %(code)s is not allowed.")
            % {"code": code},
        )
    return code


def clean_text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    """Trimmed single-line text without control characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise refuse(field, _("Enter text."))
    text = value.strip()
    if required and not text:
        raise refuse(field, _("This field is required."))
    if len(text) > max_length:
        raise refuse(
            field,
            _("Use at most %(max)d characters (this one has %(length)d).")
            % {"max": max_length, "length": len(text)},
        )
    if has_control_characters(text):
        raise refuse(field, _("Remove control characters (such as tabs or line breaks)."))
    return text


def clean_country(value: Any) -> str:
    country = clean_text(value, field="country", max_length=2, required=True).upper()
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        raise refuse("country", _("Enter a two-letter country code such as AU or CN."))
    return country


def clean_email(value: Any) -> str:
    email = clean_text(value, field="email", max_length=254)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise refuse(
                "email", _("Enter a valid email address, such as store@example.com.")
            ) from None
    return email


def clean_coordinate(value: Any, *, field: str, limit: int) -> Decimal | None:
    """A latitude (limit 90) or longitude (limit 180) in degrees, or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise refuse(field, _("Enter a number of degrees."))
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise refuse(field, _("Enter a number of degrees.")) from None
    if not number.is_finite() or number < -limit or number > limit:
        raise refuse(
            field,
            _("Enter a value between -%(limit)d and %(limit)d degrees.") % {"limit": limit},
        )
    return number.quantize(Decimal("0.000001"))


def clean_priority(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse("priority", _("Enter a whole number."))
    if value < PRIORITY_MIN or value > PRIORITY_MAX:
        raise refuse(
            "priority",
            _("Enter a whole number between %(low)d and %(high)d.")
            % {"low": PRIORITY_MIN, "high": PRIORITY_MAX},
        )
    return value


def clean_flag(value: Any, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise refuse(field, _("Enter true or false."))
    return value
