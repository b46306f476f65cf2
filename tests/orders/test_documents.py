"""Pick lists and packing slips: the PDFs' text, read back with pypdf."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from kucun.core.errors import ValidationFailed
from kucun.inventory.models import Allocation
from kucun.inventory.services import DocumentLineInput, receipt_create
from kucun.orders.documents import (
    packing_slip_lines,
    packing_slip_pdf,
    pick_list_lines,
    pick_list_pdf,
)
from kucun.orders.models import Order
from kucun.warehouses.choices import ZoneKind
from kucun.warehouses.services import bin_create, warehouse_create, zone_create
from tests.orders import fixtures_documents as fixtures
from tests.orders.fixtures_documents import DocumentsWorld

pytestmark = pytest.mark.django_db

documents_world = fixtures.documents_world


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def picks(world: DocumentsWorld, *numbers: str) -> list[tuple[str, str, int, list[str]]]:
    lines = pick_list_lines([world.orders[number] for number in numbers])
    return [
        (line.bin.code if line.bin else "", line.item.sku, line.quantity, line.orders)
        for line in lines
    ]


def test_the_pick_list_walks_picking_bins_first_then_by_code(
    documents_world: DocumentsWorld,
) -> None:
    assert picks(documents_world, "1002", "1001") == [
        ("B-01", "APRON", 2, ["1002"]),
        ("B-01", "WRENCH", 1, ["1001"]),
        ("C-02", "TONGS", 3, ["1001", "1002"]),
        ("A-00", "TONGS", 2, ["1002"]),
    ]


def test_a_posted_issue_is_picked_from_the_bins_it_took(documents_world: DocumentsWorld) -> None:
    assert not Allocation.objects.filter(
        reference__startswith=documents_world.orders["1003"].reference_prefix
    ).exists()

    assert picks(documents_world, "1003") == [("B-01", "APRON", 1, ["1003"])]


def test_allocated_stock_beyond_the_bins_is_listed_as_not_in_a_bin(
    documents_world: DocumentsWorld,
) -> None:
    # The bins hold less than the allocation (as after a miscount): nothing goes missing.
    allocation = Allocation.objects.get(
        reference=f"{documents_world.orders['1001'].reference_prefix}:2"
    )
    Allocation.objects.filter(pk=allocation.pk).update(qty=7)

    assert ("", "WRENCH", 2, ["1001"]) in picks(documents_world, "1001")
    assert ("B-01", "WRENCH", 5, ["1001"]) in picks(documents_world, "1001")


def test_a_batch_over_two_warehouses_has_a_table_for_each(
    documents_world: DocumentsWorld,
) -> None:
    sydney = warehouse_create(user=None, code="SYD", name="Sydney DC")
    zone = zone_create(
        user=None, warehouse_id=sydney.pk, code="PICK", name="Pick face", kind=ZoneKind.PICKING
    )
    bin_create(user=None, zone_id=zone.pk, code="Z-09")
    receipt_create(
        user=None,
        warehouse="SYD",
        kind="purchase",
        lines=[DocumentLineInput(sku="APRON", qty=4, bin="Z-09")],
        post=True,
    )
    order = fixtures.make_order(documents_world.store, "2001", [("APRON", "Apron", 4)], "SYD")

    lines = pick_list_lines([order, documents_world.orders["1001"]])
    text = squeezed(pdf_text(pick_list_pdf([order, documents_world.orders["1001"]], language="en")))

    assert [(line.warehouse.code, line.bin.code if line.bin else "") for line in lines] == [
        ("MEL", "B-01"),
        ("MEL", "C-02"),
        ("SYD", "Z-09"),
    ]
    assert text.index("Warehouse MEL") < text.index("Warehouse SYD") < text.index("Z-09 APRON")


def test_the_pick_list_pdf_in_english(documents_world: DocumentsWorld) -> None:
    text = pdf_text(pick_list_pdf(list(documents_world.orders.values()), language="en"))

    assert "Pick list" in text
    assert "Warehouse MEL, Melbourne DC" in text
    assert "3 orders: 1001, 1002, 1003" in squeezed(text)
    rows = squeezed(text)
    assert "B-01 APRON Apron 3 1002, 1003" in rows
    assert "WRENCH 扳手 1 1001" in rows
    assert "C-02 TONGS BBQ tongs 3 1001, 1002" in rows
    assert "A-00 TONGS BBQ tongs 2 1002" in rows
    assert rows.index("B-01") < rows.index("C-02") < rows.index("A-00")


def test_the_pick_list_pdf_in_chinese(documents_world: DocumentsWorld) -> None:
    with translation.override("zh-hans"):
        heading, quantity = gettext("Pick list"), gettext("Quantity")

    text = pdf_text(pick_list_pdf([documents_world.orders["1001"]], language="zh-hans"))

    assert heading in text
    assert quantity in text
    assert "扳手" in text
    assert "B-01" in text


def test_a_pick_list_needs_orders_and_a_known_language(documents_world: DocumentsWorld) -> None:
    with pytest.raises(ValidationFailed) as empty:
        pick_list_pdf(Order.objects.none(), language="en")
    with pytest.raises(ValidationFailed) as language:
        pick_list_pdf([documents_world.orders["1001"]], language="fr")

    assert empty.value.errors[0].field == "orders"
    assert language.value.errors[0].field == "language"


def test_the_packing_slip_expands_bundles(documents_world: DocumentsWorld) -> None:
    lines = packing_slip_lines(documents_world.orders["1002"])

    assert [(line.sku, line.title, line.quantity) for line in lines] == [
        ("TONGS", "Tongs", 2),
        ("BBQ-SET", "BBQ set", 1),
    ]
    assert lines[0].components == ()
    assert [(part.sku, part.name, part.quantity) for part in lines[1].components] == [
        ("APRON", "Apron", 2),
        ("TONGS", "BBQ tongs", 1),
    ]


def test_the_packing_slip_pdf_in_english(documents_world: DocumentsWorld) -> None:
    text = squeezed(pdf_text(packing_slip_pdf(documents_world.orders["1002"], language="en")))

    assert "Packing slip" in text
    assert "Store: Harbour BBQ" in text
    assert "Order: 1002" in text
    assert "Date: March 14, 2026" in text
    assert "Ann Lee Harbour Kitchens 1 George Street Level 2 Sydney NSW 2000 AU" in text
    assert "TONGS Tongs 2 BBQ-SET BBQ set 1" in text
    assert "APRON contains: Apron 2" in text
    assert "TONGS contains: BBQ tongs 1" in text


def test_the_packing_slip_pdf_in_chinese(documents_world: DocumentsWorld) -> None:
    with translation.override("zh-hans"):
        heading = gettext("Packing slip")
        store = gettext("Store: %(store)s") % {"store": "Harbour BBQ"}

    text = pdf_text(packing_slip_pdf(documents_world.orders["1001"], language="zh-hans"))

    assert heading in text
    assert store in squeezed(text)
    assert "2026年3月14日" in text
    assert "扳手 wrench" in text
