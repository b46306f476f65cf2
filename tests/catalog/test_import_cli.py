"""`kucun import` exit codes and the error report on standard error."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from kucun.catalog.models import Item
from kucun.core.models import ImportRun

pytestmark = pytest.mark.django_db


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_everything_written_exits_zero(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("sku,name\nA,Apple\nB,Banana\n")

    code, out, err = run_cli("items", str(path))

    assert (code, out, err) == (0, "2 created, 0 updated.\n", "")
    assert Item.objects.count() == 2
    assert ImportRun.objects.get().created_count == 2


def test_a_bad_row_exits_one_with_the_report_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("sku,name\nA,Apple\n,Banana\n")

    code, out, err = run_cli("items", str(path))

    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "items.csv: Row 3, sku: SKU is required: enter the item's stock-keeping code.",
        "1 of 2 rows have errors: nothing was written. Correct them and upload the file "
        "again, or choose to import only the valid rows.",
    ]
    assert Item.objects.count() == 0


def test_valid_rows_only_still_exits_one_when_a_row_failed(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("sku,name\nA,Apple\n,Banana\n")

    code, _out, _err = run_cli("items", str(path), "--valid-rows-only")

    assert code == 1
    assert list(Item.objects.values_list("sku", flat=True)) == ["A"]


def test_refused_file_exits_one(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes(b"%PDF-1.4 binary")

    code, _out, err = run_cli("items", str(path))

    assert code == 1
    assert err == "This is not a spreadsheet (it looks like a PDF): upload CSV or XLSX.\n"


def test_missing_file_is_a_command_error(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("import_data", "items", str(tmp_path / "nope.csv"))
