"""Pure checks of item and bundle input, shared by the services, the console and bulk import.

Each ``clean_*`` function returns the value as it will be stored or raises ValidationFailed
naming the field and saying what to do. No function here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from kucun.catalog.models import SKU_MAX_LENGTH
from kucun.core.errors import FieldError, ValidationFailed

BARCODE_MAX_LENGTH = 64
NAME_MAX_LENGTH = 255
UNIT_MAX_LENGTH = 16
NOTES_MAX_LENGTH = 10_000
# The largest value a PositiveIntegerField holds on every supported database.
INTEGER_MAX = 2_147_483_647
COST_PRICE_MAX = Decimal("9999999999.99")

# C0 and C1 control characters, DEL included. Notes may keep tabs and line breaks.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(detail=message, errors=[FieldError(field, message)])


def _text(value: Any, *, field: str, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise refuse(field, _("%(label)s must be text.") % {"label": label})
    return value


def clean_sku(value: Any, *, field: str = "sku") -> str:
    """Trimmed, case preserved; not empty, at most 64 characters, no control characters."""
    sku = _text(value, field=field, label=_("SKU")).strip()
    if not sku:
        raise refuse(field, _("SKU is required: enter the item's stock-keeping code."))
    if CONTROL_CHARACTERS.search(sku):
        raise refuse(
            field,
            _("SKU '%(sku)s' has a control character (a tab or line break): remove it.")
            % {"sku": CONTROL_CHARACTERS.sub("?", sku)[:SKU_MAX_LENGTH]},
        )
    if len(sku) > SKU_MAX_LENGTH:
        raise refuse(
            field,
            _("SKU is %(length)d characters long: use at most %(max)d.")
            % {"length": len(sku), "max": SKU_MAX_LENGTH},
        )
    return sku


def clean_barcode(value: Any, *, field: str = "barcode") -> str | None:
    """Trimmed; blank means no barcode (stored as NULL so several items may have none)."""
    barcode = _text(value, field=field, label=_("Barcode")).strip()
    if not barcode:
        return None
    if CONTROL_CHARACTERS.search(barcode):
        raise refuse(
            field,
            _("Barcode contains a control character (such as a tab or line break): remove it."),
        )
    if len(barcode) > BARCODE_MAX_LENGTH:
        raise refuse(
            field,
            _("Barcode is %(length)d characters long: use at most %(max)d.")
            % {"length": len(barcode), "max": BARCODE_MAX_LENGTH},
        )
    return barcode


def clean_name(value: Any, *, field: str = "name") -> str:
    name = _text(value, field=field, label=_("Name")).strip()
    if not name:
        raise refuse(field, _("Name is required: enter what the item is called."))
    if CONTROL_CHARACTERS.search(name):
        raise refuse(
            field, _("Name contains a control character (such as a tab or line break): remove it.")
        )
    if len(name) > NAME_MAX_LENGTH:
        raise refuse(
            field,
            _("Name is %(length)d characters long: use at most %(max)d.")
            % {"length": len(name), "max": NAME_MAX_LENGTH},
        )
    return name


def clean_unit(value: Any, *, field: str = "unit") -> str:
    unit = _text(value, field=field, label=_("Unit")).strip()
    if not unit:
        raise refuse(field, _("Unit is required: for example 'each', 'box' or 'kg'."))
    if CONTROL_CHARACTERS.search(unit):
        raise refuse(field, _("Unit contains a control character: remove it."))
    if len(unit) > UNIT_MAX_LENGTH:
        raise refuse(
            field,
            _("Unit is %(length)d characters long: use at most %(max)d.")
            % {"length": len(unit), "max": UNIT_MAX_LENGTH},
        )
    return unit


def clean_notes(value: Any, *, field: str = "notes") -> str:
    notes = _text(value, field=field, label=_("Notes")).strip()
    if CONTROL_CHARACTERS_EXCEPT_LINES.search(notes):
        raise refuse(field, _("Notes contain a control character: remove it."))
    if len(notes) > NOTES_MAX_LENGTH:
        raise refuse(
            field,
            _("Notes are %(length)d characters long: use at most %(max)d.")
            % {"length": len(notes), "max": NOTES_MAX_LENGTH},
        )
    return notes


def _whole_number(value: Any, *, field: str, label: str) -> int:
    if isinstance(value, bool):
        raise refuse(field, _("%(label)s must be a whole number.") % {"label": label})
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,30}\s*", value):
        return int(value)
    if isinstance(value, float | Decimal):
        try:
            if value % 1 == 0:
                return int(value)
        except (ArithmeticError, ValueError):
            pass
    raise refuse(field, _("%(label)s must be a whole number.") % {"label": label})


def clean_non_negative_int(
    value: Any, *, field: str, label: str, allow_none: bool = False
) -> int | None:
    """A whole number from 0 up; None (or blank) only where the field is optional."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_none:
            return None
        raise refuse(field, _("%(label)s is required: enter 0 or more.") % {"label": label})
    number = _whole_number(value, field=field, label=label)
    if number < 0:
        raise refuse(
            field,
            _("%(label)s cannot be negative (got %(value)d): enter 0 or more.")
            % {"label": label, "value": number},
        )
    if number > INTEGER_MAX:
        raise refuse(
            field,
            _("%(label)s is too large: use at most %(max)d.")
            % {"label": label, "max": INTEGER_MAX},
        )
    return number


def clean_quantity(value: Any, *, field: str = "quantity", label: str | None = None) -> int:
    """A whole number of at least 1 (a bundle component's quantity)."""
    label = label or _("Quantity")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise refuse(field, _("%(label)s is required: enter 1 or more.") % {"label": label})
    number = _whole_number(value, field=field, label=label)
    if number < 1:
        raise refuse(
            field,
            _("%(label)s must be at least 1 (got %(value)d).") % {"label": label, "value": number},
        )
    if number > INTEGER_MAX:
        raise refuse(
            field,
            _("%(label)s is too large: use at most %(max)d.")
            % {"label": label, "max": INTEGER_MAX},
        )
    return number


def clean_cost_price(value: Any, *, field: str = "cost_price") -> Decimal:
    """A non-negative amount with at most two decimal places; blank means 0."""
    label = _("Cost price")
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0.00")
    if isinstance(value, bool):
        raise refuse(field, _("%(label)s must be a number such as 12.50.") % {"label": label})
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise refuse(
            field, _("%(label)s must be a number such as 12.50.") % {"label": label}
        ) from None
    if not amount.is_finite():
        raise refuse(field, _("%(label)s must be a number such as 12.50.") % {"label": label})
    if amount < 0:
        raise refuse(field, _("%(label)s cannot be negative: enter 0 or more.") % {"label": label})
    if amount > COST_PRICE_MAX:
        raise refuse(
            field,
            _("%(label)s is too large: use at most %(max)s.")
            % {"label": label, "max": COST_PRICE_MAX},
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise refuse(
            field,
            _("%(label)s has more than two decimal places: round it to cents.") % {"label": label},
        )
    return amount.quantize(Decimal("0.01"))


def clean_flag(value: Any, *, field: str, label: str) -> bool:
    if isinstance(value, bool):
        return value
    raise refuse(field, _("%(label)s must be true or false.") % {"label": label})


def bundle_cycle(
    edges: Mapping[int, Iterable[int]], bundle_id: int, component_ids: Iterable[int]
) -> list[int] | None:
    """The loop that giving ``bundle_id`` these components would make, or None.

    ``edges`` maps each bundle to the items it directly contains (the bundle's own current
    components are ignored: they are being replaced). The loop is returned as item ids from the
    bundle back to itself, e.g. [dozen, case, dozen] when a case is added to a dozen that a case
    already contains.
    """
    for component_id in component_ids:
        if component_id == bundle_id:
            return [bundle_id, bundle_id]
        # Depth-first search from the component for a path that leads back to the bundle.
        stack: list[tuple[int, list[int]]] = [(component_id, [bundle_id, component_id])]
        seen: set[int] = set()
        while stack:
            node, path = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            for child in edges.get(node, ()) if node != bundle_id else ():
                if child == bundle_id:
                    return [*path, bundle_id]
                if child not in seen:
                    stack.append((child, [*path, child]))
    return None
