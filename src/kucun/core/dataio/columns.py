"""Columns of an import file and how a header row maps onto them.

A header cell matches a column by its key (``weight_g``), its English label (``Weight (g)``)
or any alias, Chinese included (``重量(克)``). Matching ignores case, spaces, underscores,
hyphens, brackets (ASCII or full width) and a trailing ``*`` that marks required columns.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kucun.core.tabular import TabularError

IGNORED_IN_HEADERS = re.compile(r"[\s_\-()\[\]*:：/]")


def normalise_header(text: str) -> str:
    return IGNORED_IN_HEADERS.sub("", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Column:
    key: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""

    def names(self) -> set[str]:
        return {normalise_header(self.key), *(normalise_header(alias) for alias in self.aliases)}


@dataclass(frozen=True)
class HeaderMap:
    """Where each known column is in the file, and the header text the person wrote."""

    positions: dict[str, int]
    labels: dict[str, str]

    def has(self, key: str) -> bool:
        return key in self.positions


def map_header(header: Sequence[str], columns: Sequence[Column]) -> HeaderMap:
    """Match header cells to columns; refuse missing required columns and doubled ones."""
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in column.names():
            lookup.setdefault(name, column)
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, text in enumerate(header):
        found = lookup.get(normalise_header(text))
        if found is None:
            continue
        column = found
        if column.key in positions:
            raise TabularError.about_file(
                _("Columns “%(first)s” and “%(second)s” both mean %(key)s: keep one of them.")
                % {"first": labels[column.key], "second": text.strip(), "key": column.key}
            )
        positions[column.key] = index
        labels[column.key] = text.strip()
    missing = [column.key for column in columns if column.required and column.key not in positions]
    if missing:
        raise TabularError.about_file(
            _(
                "The header row has no %(missing)s column. The first row must name the columns, "
                "as in the template: %(expected)s."
            )
            % {
                "missing": ", ".join(missing),
                "expected": ", ".join(column.key for column in columns),
            }
        )
    return HeaderMap(positions=positions, labels=labels)
