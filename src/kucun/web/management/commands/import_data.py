"""`kucun import items|bundles|stocktake FILE` and `kucun import receipt FILE --warehouse CODE`.

Exit status 0 only when every row was written; the error report goes to standard error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kucun.accounts.models import User
from kucun.core.dataio.importing import ImportOptions
from kucun.core.dataio.registry import import_kinds
from kucun.core.dataio.services import import_path
from kucun.core.errors import DomainError


class Command(BaseCommand):
    help = "Import items, bundles, a receipt or stocktake counts from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=import_kinds())
        parser.add_argument("file", type=Path)
        parser.add_argument("--warehouse", default="", help="warehouse code (receipt, stocktake)")
        parser.add_argument("--post", action="store_true", help="post the receipt / stocktake")
        parser.add_argument(
            "--receipt-kind", default="other", help="purchase, sales_return or other"
        )
        parser.add_argument("--reference", default="", help="reference for the document")
        parser.add_argument("--stocktake", type=int, default=None, help="add counts to this one")
        parser.add_argument(
            "--valid-rows-only",
            action="store_true",
            help="write the valid rows even when some rows have errors",
        )
        parser.add_argument("--user", default="", help="username recorded as the importer")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
        import_options = ImportOptions(
            valid_rows_only=options["valid_rows_only"],
            warehouse=options["warehouse"],
            post=options["post"],
            receipt_kind=options["receipt_kind"],
            reference=options["reference"],
            stocktake_id=options["stocktake"],
        )
        try:
            _run, result = import_path(
                user=user, kind=options["kind"], path=path, options=import_options
            )
        except DomainError as error:
            raise CommandError(error.detail) from error
        for row_error in result.errors:
            self.stderr.write(f"{path.name}: {row_error}")
        if result.message:
            stream = self.stdout if result.complete else self.stderr
            stream.write(result.message)
        if not result.complete:
            sys.exit(1)
