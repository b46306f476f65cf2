"""Reading and writing spreadsheets: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) and XLSX.

Readers refuse what is not a table (binary files, old .xls, corrupted or oversized files,
decompression bombs) with a message a person can act on. Writers escape cells that a
spreadsheet would run as a formula.
"""

from kucun.core.tabular.escaping import escape_cell, unescape_cell
from kucun.core.tabular.readers import Table, TabularError, check_size, open_table, sniff_format
from kucun.core.tabular.writers import TableWriter, open_writer, write_table

__all__ = [
    "Table",
    "TableWriter",
    "TabularError",
    "check_size",
    "escape_cell",
    "open_table",
    "open_writer",
    "sniff_format",
    "unescape_cell",
    "write_table",
]
