"""Plain-text columns for the command-line listings (``kucun stores``, ``kucun carriers``)."""

from __future__ import annotations

from collections.abc import Sequence


def column_lines(rows: Sequence[Sequence[str]]) -> list[str]:
    """Each row as one line, every column as wide as its widest value."""
    if not rows:
        return []
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
