"""Importing the postcode table: an upload becomes a recorded import run of kind "postcodes",
validated and written all or nothing by ``orders.dataio.PostcodeImporter`` in the worker, and
listed with every other import (Data → Imports)."""

from __future__ import annotations

from typing import IO, Any

from kucun.core.dataio.importing import ImportOptions
from kucun.core.dataio.services import import_run_create
from kucun.core.models import ImportRun
from kucun.orders.dataio import PostcodeImporter


def postcodes_import(*, user: Any, upload: IO[bytes], original_name: str, size: int) -> ImportRun:
    """Store the file and queue its import; the run reports the outcome (GET
    /api/v1/imports/{id}). Oversized, empty or unreadable files are refused here."""
    return import_run_create(
        user=user,
        kind=PostcodeImporter.kind,
        upload=upload,
        original_name=original_name,
        size=size,
        options=ImportOptions(),
    )
