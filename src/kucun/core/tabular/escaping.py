"""Formula-injection escaping for cells written to CSV and XLSX.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return would be run as a
formula by Excel or LibreOffice, so it is written with a leading apostrophe. The rule is also
applied to text that already starts with apostrophes before such a character, which makes
`unescape_cell` its exact inverse: export followed by import gives back the original text.
"""

from __future__ import annotations

FORMULA_STARTS = frozenset("=+-@\t\r")


def needs_escape(value: str) -> bool:
    return value.lstrip("'")[:1] in FORMULA_STARTS and value != ""


def escape_cell(value: str) -> str:
    return "'" + value if needs_escape(value) else value


def unescape_cell(value: str) -> str:
    if value.startswith("'") and needs_escape(value[1:]):
        return value[1:]
    return value
