"""Labels (fourpx.md §8.1): not ready right after the create, then a PDF URL whose file holds
the tracking number on one page per parcel; tracking (§8.2) advancing on the emulator clock;
the product list (§4) and the estimated cost (§5)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from tests.sandbox.fourpx.conftest import FourPX, golden, order

pytestmark = pytest.mark.django_db(transaction=True)

LABEL, TRACK = "ds.xms.label.get", "tr.order.tracking.get"
HOUR = 3600


def label_request(request_no: str, /, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = golden("label_request")
    body["request_no"] = request_no
    body.update(changes)
    return body


def pdf_pages(fourpx: FourPX, url: str) -> list[str]:
    response = fourpx.http.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


# -- labels ---------------------------------------------------------------------------------
def test_the_label_is_not_ready_on_the_first_call_then_is_a_pdf(fourpx: FourPX) -> None:
    created = fourpx.create("ORD-LBL")
    tracking_no = created["4px_tracking_no"]
    errors = fourpx.refused(LABEL, label_request(tracking_no))
    assert [(error["error_code"], error["reference_code"]) for error in errors] == [
        ("DS000046", tracking_no)
    ]
    data = fourpx.ok(LABEL, label_request(tracking_no))
    assert set(data) == {"label_barcode", "child_label_barcode", "label_url_info"}
    assert set(data["label_url_info"]) == {
        "logistics_label",
        "custom_label",
        "package_label",
        "invoice_label",
    }
    assert data["label_barcode"] == tracking_no
    assert data["child_label_barcode"] == []
    url = data["label_url_info"]["logistics_label"]
    assert url.startswith(fourpx.sandbox.url("fourpx", "label/"))
    pages = pdf_pages(fourpx, url)
    assert len(pages) == 1
    assert tracking_no in pages[0]
    assert "ORD-LBL" in pages[0]
    # Later calls, by ref_no too, name the same file.
    again = fourpx.ok(LABEL, label_request("ORD-LBL"))
    assert again["label_url_info"]["logistics_label"] == url
    assert fourpx.state()["shipments"][0]["label_calls"] == 3


def test_a_label_has_a_page_per_parcel_each_with_the_tracking_number(fourpx: FourPX) -> None:
    created = fourpx.create("ORD-LBL3", parcels=3)
    fourpx.refused(LABEL, label_request("ORD-LBL3"))
    data = fourpx.ok(LABEL, label_request("ORD-LBL3"))
    children = data["child_label_barcode"]
    assert len(children) == 3
    pages = pdf_pages(fourpx, data["label_url_info"]["logistics_label"])
    assert len(pages) == 3
    for page, child in zip(pages, children, strict=True):
        assert child in page
        assert created["4px_tracking_no"] in page


def test_the_calls_before_a_label_exists_are_a_setting(fourpx: FourPX) -> None:
    assert (
        fourpx.emu("seed", {"settings": {"label_not_ready_calls": 2}})["settings"][
            "label_not_ready_calls"
        ]
        == 2
    )
    fourpx.create("ORD-SLOW")
    assert fourpx.codes(LABEL, label_request("ORD-SLOW")) == ["DS000046"]
    assert fourpx.codes(LABEL, label_request("ORD-SLOW")) == ["DS000046"]
    fourpx.ok(LABEL, label_request("ORD-SLOW"))
    fourpx.emu("settings", {"label_not_ready_calls": 0})
    fourpx.create("ORD-FAST")
    fourpx.ok(LABEL, label_request("ORD-FAST"))


def test_a_declaration_list_is_printed_when_asked(fourpx: FourPX) -> None:
    fourpx.emu("settings", {"label_not_ready_calls": 0})
    fourpx.create("ORD-DECL")
    plain = fourpx.ok(LABEL, label_request("ORD-DECL"))
    assert plain["label_url_info"]["custom_label"] == ""
    data = fourpx.ok(LABEL, label_request("ORD-DECL", is_print_declaration_list="Y"))
    (page,) = pdf_pages(fourpx, data["label_url_info"]["custom_label"])
    assert "2 x BBQ tongs" in page


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"response_label_format": "ZPL"}, "DS000019"),
        ({"label_size": "label_4x6"}, "DS000004"),
        ({"request_no": ""}, "DS000005"),
        ({"request_no": "NOPE"}, "DS000017"),
    ],
)
def test_a_label_request_that_cannot_be_served(
    fourpx: FourPX, changes: dict[str, Any], code: str
) -> None:
    fourpx.create("ORD-BAD")
    assert fourpx.codes(LABEL, label_request("ORD-BAD", **changes)) == [code]


def test_a_cancelled_consignment_has_no_label(fourpx: FourPX) -> None:
    fourpx.create("ORD-NOLBL")
    fourpx.ok("ds.xms.order.cancel", {"request_no": "ORD-NOLBL", "cancel_reason": "x"})
    fourpx.emu("settings", {"label_not_ready_calls": 0})
    assert fourpx.codes(LABEL, label_request("ORD-NOLBL")) == ["DS000046"]


def test_an_unknown_label_file_is_404(fourpx: FourPX) -> None:
    assert fourpx.http.get(fourpx.sandbox.url("fourpx", "label/label/nope.pdf")).status_code == 404


# -- tracking -------------------------------------------------------------------------------
def test_tracking_answers_the_docs_shape_and_advances_with_the_clock(fourpx: FourPX) -> None:
    fourpx.emu("clock", {"freeze": "2026-03-01T00:00:00+00:00"})
    tracking_no = fourpx.create("ORD-TRK")["4px_tracking_no"]
    expected = golden("tracking_response")

    def track(hours: float) -> dict[str, Any]:
        fourpx.emu("clock", {"freeze": "2026-03-01T00:00:00+00:00"})
        fourpx.advance(hours * HOUR)
        answer = fourpx.call(TRACK, {"deliveryOrderNo": tracking_no}).json()
        assert answer["result"] == expected["result"]
        data: dict[str, Any] = answer["data"]
        assert set(expected["data"]) <= set(data)
        assert data["deliveryOrderNo"] == tracking_no
        assert data["destinationCountry"] == "AU"
        for scan in data["trackingList"]:
            assert set(expected["data"]["trackingList"][0]) <= set(scan)
        return data

    codes = {
        hours: [scan["businessLinkCode"] for scan in track(hours)["trackingList"]]
        for hours in (0, 5.9, 6, 24, 48, 59.9, 60, 100)
    }
    assert codes[0] == codes[5.9] == ["FPX_L_RPIF"]
    assert codes[6] == ["FPX_L_RPIF", "FPX_C_SPLS"]
    assert codes[24] == ["FPX_L_RPIF", "FPX_C_SPLS", "FPX_C_AAF"]
    assert codes[48][-1] == "FPX_D_SD"
    assert codes[59.9][-1] == "FPX_D_SD"
    assert codes[60][-1] == codes[100][-1] == "FPX_S_OK"
    delivered = track(60)["trackingList"]
    assert delivered[-1]["trackingContent"] == "Delivered"
    assert delivered[-1]["occurLocation"] == "SYDNEY"
    assert delivered[0]["occurLocation"] == "Shenzhen"
    # China Standard Time, oldest first: created at 00:00 UTC, delivered 60 h later.
    assert delivered[0]["occurDatetime"] == "2026-03-01 08:00:00"
    assert delivered[-1]["occurDatetime"] == "2026-03-03 20:00:00"
    assert all(scan["timeZone"] == "UTC+08:00" for scan in delivered)
    times = [scan["occurDatetime"] for scan in delivered]
    assert times == sorted(times)


def test_tracking_by_child_barcode_and_by_the_last_mile_number(fourpx: FourPX) -> None:
    fourpx.emu("clock", {"freeze": "2026-03-01T00:00:00+00:00"})
    fourpx.create("ORD-TRK2", parcels=2)
    found = fourpx.ok("ds.xms.order.get", {"request_no": "ORD-TRK2"})[0]["consignment_info"]
    child = found["child_label_barcode"][1]
    assert fourpx.ok(TRACK, {"deliveryOrderNo": child})["deliveryOrderNo"] == child
    fourpx.advance(HOUR)
    channel_no = fourpx.ok("ds.xms.order.get", {"request_no": "ORD-TRK2"})[0]["consignment_info"][
        "logistics_channel_no"
    ]
    scans = fourpx.ok(TRACK, {"deliveryOrderNo": channel_no})["trackingList"]
    assert [scan["businessLinkCode"] for scan in scans] == ["FPX_L_RPIF"]


def test_a_channel_number_is_not_tracked_before_4px_has_it(fourpx: FourPX) -> None:
    fourpx.emu("clock", {"freeze": "2026-03-01T00:00:00+00:00"})
    fourpx.create("ORD-EARLY")
    channel_no = fourpx.state()["shipments"][0]["4px_tracking_no"].replace("8009", "9009", 1)
    assert fourpx.codes(TRACK, {"deliveryOrderNo": channel_no}) == ["DS000017"]
    fourpx.advance(HOUR)
    fourpx.ok(TRACK, {"deliveryOrderNo": channel_no})


def test_an_unknown_number_and_our_own_reference_are_not_tracked(fourpx: FourPX) -> None:
    fourpx.create("ORD-MINE")
    for number in ("ZZ0", "ORD-MINE"):
        errors = fourpx.refused(TRACK, {"deliveryOrderNo": number})
        assert [(error["error_code"], error["reference_code"]) for error in errors] == [
            ("DS000017", number)
        ]
    assert fourpx.codes(TRACK, {}) == ["DS000005"]


def test_a_cancelled_consignment_has_no_scans(fourpx: FourPX) -> None:
    tracking_no = fourpx.create("ORD-CXT")["4px_tracking_no"]
    fourpx.ok("ds.xms.order.cancel", {"request_no": "ORD-CXT", "cancel_reason": "x"})
    fourpx.advance(100 * HOUR)
    assert fourpx.ok(TRACK, {"deliveryOrderNo": tracking_no})["trackingList"] == []


# -- products and quotes --------------------------------------------------------------------
def test_the_product_list_is_the_apps(fourpx: FourPX) -> None:
    products = fourpx.ok("ds.xms.logistics_product.getlist", {})
    assert [product["logistics_product_code"] for product in products] == ["F3", "PX"]
    assert {
        "logistics_product_code",
        "logistics_product_name_cn",
        "logistics_product_name_en",
        "transport_mode",
    } <= set(products[0])
    postal = fourpx.ok("ds.xms.logistics_product.getlist", {"transport_mode": "3"})
    assert [product["logistics_product_code"] for product in postal] == ["PX"]


def test_a_quote_prices_each_product_in_cny(fourpx: FourPX) -> None:
    quotes = fourpx.ok(
        "ds.xms.estimated_cost.get",
        {
            "country_code": "AU",
            "post_code": "2000",
            "weight": 1250,
            "length": 30,
            "width": 20,
            "height": 10,
            "logistics_product_code": ["F3", "PX"],
        },
    )
    by_code = {quote["logistics_product_code"]: quote for quote in quotes}
    assert set(by_code) == {"F3", "PX"}
    assert by_code["F3"]["charge_weight"] == 1250
    assert by_code["F3"]["lump_sum_fee"] == "105.50"  # 28.00 + 62.00 × 1.25 kg
    assert by_code["F3"]["currency"] == "CNY"
    assert by_code["F3"]["estimated_time"] == "8"
    assert by_code["PX"]["lump_sum_fee"] == "144.25"  # 38.00 + 85.00 × 1.25 kg


def test_a_bulky_parcel_is_charged_its_volumetric_weight(fourpx: FourPX) -> None:
    (quote,) = fourpx.ok(
        "ds.xms.estimated_cost.get",
        {
            "country_code": "AU",
            "weight": 500,
            "length": 60,
            "width": 40,
            "height": 30,
            "logistics_product_code": "F3",
        },
    )
    assert quote["charge_weight"] == 12000  # 72000 cm³ / 6000
    assert quote["is_volume_cargo"] == "Y"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"country_code": "AU", "weight": 1.25}, "DS000004"),
        ({"country_code": "Australia", "weight": 1250}, "DS000004"),
        ({"weight": 1250}, "DS000004"),
        ({"country_code": "AU", "weight": 1250, "logistics_product_code": ["ZZ"]}, "DS000110"),
    ],
)
def test_a_quote_refuses_what_a_create_would(
    fourpx: FourPX, body: dict[str, Any], code: str
) -> None:
    assert fourpx.codes("ds.xms.estimated_cost.get", body) == [code]


def test_a_create_body_is_not_a_quote_body(fourpx: FourPX) -> None:
    assert "DS000004" in fourpx.codes("ds.xms.estimated_cost.get", order("ORD-Q"))
