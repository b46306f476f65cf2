"""The import form: the fields every import has, then the options the kinds' importers declare."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kucun.core.dataio.services import clean_options
from kucun.web.data.forms import ImportForm
from tests.factories import WarehouseFactory

pytestmark = pytest.mark.django_db


def test_option_fields_come_from_the_importers_in_order() -> None:
    WarehouseFactory(code="MEL", name="Melbourne")

    form = ImportForm()

    assert list(form.fields) == [
        "kind",
        "file",
        "valid_rows_only",
        "warehouse",
        "receipt_kind",
        "post",
        "reference",
    ]
    assert form.option_kinds == {
        "warehouse": ["receipt", "stocktake"],
        "receipt_kind": ["receipt"],
        "post": ["receipt", "stocktake"],
        "reference": ["receipt", "stocktake"],
    }
    assert [value for value, _label in form.fields["kind"].choices] == [  # type: ignore[attr-defined]
        "items",
        "bundles",
        "receipt",
        "stocktake",
        "postcodes",
    ]
    assert ("MEL", "MEL Melbourne") in form.fields["warehouse"].choices  # type: ignore[attr-defined]
    assert "form-select" in form.fields["receipt_kind"].widget.attrs["class"]


def test_options_keep_only_what_was_given() -> None:
    form = ImportForm(
        {"kind": "receipt", "warehouse": "", "receipt_kind": "", "post": "on", "reference": " R1 "},
        {"file": SimpleUploadedFile("receipt.csv", b"sku,qty\nTEA,1\n")},
    )
    assert form.is_valid(), form.errors

    options = form.options()

    assert options.as_dict() == {"valid_rows_only": False, "post": True, "reference": "R1"}
    # The receipt importer fills in the options it declares and was not given.
    assert clean_options("receipt", options).as_dict() == {
        "valid_rows_only": False,
        "warehouse": "",
        "post": True,
        "receipt_kind": "other",
        "reference": "R1",
    }


def test_the_page_tells_its_script_which_kinds_use_each_option(staff_client: Client) -> None:
    html = staff_client.get("/data/imports/new/").content.decode()

    assert '<script id="import-option-kinds" type="application/json">' in html
    assert '"receipt_kind": ["receipt"]' in html
