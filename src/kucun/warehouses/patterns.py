"""Bin codes from a pattern: aisles x racks x levels, e.g. A / 01-20 / 1-4 -> A-01-1 ... A-20-4."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

from django.utils.translation import gettext as _

from kucun.core.errors import FieldError, ValidationFailed
from kucun.warehouses.validation import clean_code, refuse

MAX_BINS_PER_PATTERN = 5000
BIN_CODE_MAX_LENGTH = 64
PREFIX_MAX_LENGTH = 32
SEPARATORS = ("-", "_", "")
SEGMENT_MAX_LENGTH = 200

TOKEN = re.compile(r"^[A-Z0-9]+$")
LETTER = re.compile(r"^[A-Z]$")
DIGITS = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Part:
    """One comma-separated piece of a segment: a single value or a range."""

    start: str
    end: str | None = None

    @property
    def count(self) -> int:
        if self.end is None:
            return 1
        if DIGITS.match(self.start):
            return int(self.end) - int(self.start) + 1
        return ord(self.end) - ord(self.start) + 1

    def values(self) -> Iterator[str]:
        if self.end is None:
            yield self.start
        elif DIGITS.match(self.start):
            # "01-20" keeps its zero padding; "1-20" has none.
            padded = self.start.startswith("0") or len(self.start) == len(self.end)
            width = len(self.start) if padded else 0
            for number in range(int(self.start), int(self.end) + 1):
                yield str(number).zfill(width)
        else:
            for point in range(ord(self.start), ord(self.end) + 1):
                yield chr(point)


def parse_segment(value: str, *, field: str) -> list[Part]:
    """'A', 'A-C', 'A,B,F', '01-20' or '1-4,7'; an empty segment is left out of the codes."""
    if not isinstance(value, str):
        raise refuse(field, _("Enter a value such as A, A-C, A,B or 01-20."))
    text = value.strip().upper()
    if not text:
        return []
    if len(text) > SEGMENT_MAX_LENGTH:
        raise refuse(field, _("Shorten this range; it is too long to read."))
    parts = []
    for raw in text.split(","):
        token = raw.strip()
        if not token:
            raise refuse(
                field, _("Remove the empty item between commas in %(value)s.") % {"value": text}
            )
        if "-" in token:
            start, _dash, end = (piece.strip() for piece in token.partition("-"))
            parts.append(parse_range(start, end, token=token, field=field))
        elif TOKEN.match(token):
            parts.append(Part(token))
        else:
            raise refuse(
                field,
                _(
                    "%(token)s is not allowed: use letters and digits, ranges such as A-C or "
                    "01-20, separated by commas."
                )
                % {"token": token},
            )
    return parts


def parse_range(start: str, end: str, *, token: str, field: str) -> Part:
    letters = bool(LETTER.match(start) and LETTER.match(end))
    numbers = bool(DIGITS.match(start) and DIGITS.match(end))
    if not (letters or numbers):
        raise refuse(
            field,
            _(
                "%(token)s is not a range: write single letters (A-C) or numbers (01-20) on both "
                "sides."
            )
            % {"token": token},
        )
    if len(start) > 9 or len(end) > 9:
        raise refuse(field, _("%(token)s: use numbers of at most 9 digits.") % {"token": token})
    part = Part(start, end)
    if part.count < 1:
        raise refuse(
            field,
            _("%(token)s runs backwards: write it from low to high, e.g. %(fixed)s.")
            % {"token": token, "fixed": f"{end}-{start}"},
        )
    return part


def segment_count(parts: list[Part]) -> int:
    return sum(part.count for part in parts)


def segment_values(parts: list[Part]) -> list[str]:
    return [value for part in parts for value in part.values()]


def clean_separator(separator: str) -> str:
    if separator not in SEPARATORS:
        raise refuse("separator", _("Choose '-', '_' or no separator."))
    return separator


def pattern_codes(
    *, prefix: str, aisles: str, racks: str, levels: str, separator: str
) -> list[str]:
    """Every code of the pattern in aisle, rack, level order (duplicates kept, for reporting)."""
    separator = clean_separator(separator)
    clean_prefix = ""
    if isinstance(prefix, str) and prefix.strip():
        clean_prefix = clean_code(prefix, field="prefix", max_length=PREFIX_MAX_LENGTH)
    elif not isinstance(prefix, str):
        raise refuse("prefix", _("Enter letters and digits, or leave it empty."))
    segments = {
        "aisles": parse_segment(aisles, field="aisles"),
        "racks": parse_segment(racks, field="racks"),
        "levels": parse_segment(levels, field="levels"),
    }
    used = [parts for parts in segments.values() if parts]
    if not used:
        raise refuse("aisles", _("Enter at least one of aisles, racks or levels."))
    total = 1
    for parts in used:
        total *= segment_count(parts)
    if total > MAX_BINS_PER_PATTERN:
        message = _(
            "This pattern makes %(total)s bins; at most %(max)s can be created at once. "
            "Narrow the aisle, rack or level ranges."
        ) % {"total": f"{total:,}", "max": f"{MAX_BINS_PER_PATTERN:,}"}
        raise ValidationFailed(detail=message, errors=[FieldError("pattern", message)])
    head = [clean_prefix] if clean_prefix else []
    codes = [
        separator.join([*head, *combination])
        for combination in product(*(segment_values(parts) for parts in used))
    ]
    too_long = [code for code in codes if len(code) > BIN_CODE_MAX_LENGTH]
    if too_long:
        message = _(
            "Codes would be longer than %(max)d characters (e.g. %(code)s); shorten the prefix "
            "or the values."
        ) % {"max": BIN_CODE_MAX_LENGTH, "code": too_long[0]}
        raise ValidationFailed(detail=message, errors=[FieldError("pattern", message)])
    return codes


def duplicated(codes: list[str]) -> list[str]:
    """Codes that appear more than once, in first-seen order."""
    seen: set[str] = set()
    repeated: dict[str, None] = {}
    for code in codes:
        if code in seen:
            repeated[code] = None
        seen.add(code)
    return list(repeated)
