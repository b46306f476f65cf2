"""Row errors, and the parsing of cells every kind shares."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

INTEGER = re.compile(r"[+-]?\d{1,18}(?:\.0*)?")
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "active", "是", "启用", "有效", "正常"})
FALSE_WORDS = frozenset(
    {"0", "false", "no", "n", "off", "inactive", "否", "停用", "禁用", "无效", "draft", "archived"}
)


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (or one row): row as numbered in the spreadsheet."""

    row: int
    column: str
    message: str
    value: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "value": self.value,
        }

    def __str__(self) -> str:
        return _("Row %(row)d, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class CellError(ValueError):
    """A cell that cannot be used; the message says what to write instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_positive_quantity(text: str) -> int:
    """A whole number above zero (receipt lines, bundle components)."""
    if not text:
        raise CellError(_("Quantity is required: enter a whole number above zero."))
    if not INTEGER.fullmatch(text):
        raise CellError(
            _("Quantity must be a whole number above zero, not “%(value)s”.") % {"value": text}
        )
    number = int(float(text)) if "." in text else int(text)
    if number <= 0:
        raise CellError(
            _("Quantity must be a whole number above zero, not “%(value)s”.") % {"value": text}
        )
    if number > 2_147_483_647:
        raise CellError(_("Quantity “%(value)s” is too large.") % {"value": text})
    return number


def parse_count(text: str) -> int:
    """A counted quantity: a whole number of zero or more."""
    if not text:
        raise CellError(_("Counted quantity is required: enter 0 or more."))
    if not INTEGER.fullmatch(text):
        raise CellError(
            _("Counted quantity must be a whole number of 0 or more, not “%(value)s”.")
            % {"value": text}
        )
    number = int(float(text)) if "." in text else int(text)
    if number < 0:
        raise CellError(
            _("Counted quantity must be a whole number of 0 or more, not “%(value)s”.")
            % {"value": text}
        )
    if number > 2_147_483_647:
        raise CellError(_("Counted quantity “%(value)s” is too large.") % {"value": text})
    return number


def parse_flag(text: str) -> bool:
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(
        _("Write yes or no (true/false, 1/0, 是/否), not “%(value)s”.") % {"value": text}
    )
