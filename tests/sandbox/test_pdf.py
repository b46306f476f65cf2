import io

from pypdf import PdfReader

from kucun.sandbox.pdf import LabelPage, label_pdf, summary_pdf


def test_a_label_holds_each_tracking_number_on_its_own_page() -> None:
    pdf = label_pdf(
        [
            LabelPage("Australia Post", "ABC000128B4C5", "T28", ["MEL"], ["Ann", "1 Rd"], "S-1"),
            LabelPage("Australia Post", "ABC000128B4C6"),
        ]
    )
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    assert "ABC000128B4C5" in reader.pages[0].extract_text()
    assert "ABC000128B4C6" in reader.pages[1].extract_text()
    assert "ABC000128B4C6" not in reader.pages[0].extract_text()


def test_a_summary_runs_onto_more_pages_when_long() -> None:
    lines = [f"shipment {number}" for number in range(120)]
    reader = PdfReader(io.BytesIO(summary_pdf("Manifest EOD-1", lines)))
    assert len(reader.pages) >= 2
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Manifest EOD-1" in text
    assert "shipment 119" in text
