"""`kucun export items|bundles|stock|stock_bins|moves FILE` (CSV or XLSX from the extension)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.core.dataio.registry import export_kinds
from kucun.core.dataio.services import export_to_path
from kucun.core.errors import DomainError


class Command(BaseCommand):
    help = "Export items, bundles, stock or movements to a .csv or .xlsx file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=export_kinds())
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a list filter, as in the console's URL (repeatable), e.g. warehouse=MEL",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        filters: dict[str, str] = {}
        for item in options["filter"]:
            name, separator, value = item.partition("=")
            if not separator:
                raise CommandError(f"filter {item!r}: write NAME=VALUE")
            filters[name.strip()] = value
        try:
            count = export_to_path(user=None, kind=options["kind"], path=path, filters=filters)
        except DomainError as error:
            raise CommandError(error.detail) from error
        self.stdout.write(f"{count} rows written to {path}")
