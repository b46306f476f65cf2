"""Labels as PDFs (fastway.md §7) and scans on the emulator clock (§8)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.sandbox.fastway.conftest import Fastway, consignment, parcel

pytestmark = pytest.mark.django_db(transaction=True)

TRACK_SAMPLE = json.loads((Path(__file__).parent / "fixtures" / "track_response.json").read_text())
HOUR = 3600


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


# -- labels -----------------------------------------------------------------------------------
def test_labels_are_a_pdf_with_a_page_per_label_number(fastway: Fastway) -> None:
    api = fastway.api()
    created = api.post("consignments", json=consignment(items=[parcel(quantity=3)])).json()["data"]
    numbers = [item["label"] for item in created["items"]]
    response = api.get(f"consignments/{created['conId']}/labels")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    texts = pages_text(response.content)
    assert len(texts) == 3
    for number, text in zip(numbers, texts, strict=True):
        assert number in text
        assert "ORD-1042" in text
        assert "KATOOMBA NSW 2780" in text
        assert "Leave at back door" in text


def test_one_label_by_its_number(fastway: Fastway) -> None:
    api = fastway.api()
    created = api.post("consignments", json=consignment(items=[parcel(quantity=2)])).json()["data"]
    second = created["items"][1]["label"]
    response = api.get(f"consignments/{created['conId']}/labels/{second}")
    [text] = pages_text(response.content)
    assert second in text
    assert created["items"][0]["label"] not in text
    missing = api.get(f"consignments/{created['conId']}/labels/MP9999999999")
    assert missing.status_code == 404
    assert api.get("consignments/999/labels").status_code == 404


# -- tracking ---------------------------------------------------------------------------------
def test_a_label_is_unscanned_until_pickup_then_advances_with_the_clock(fastway: Fastway) -> None:
    fastway.emu("clock", {"freeze": "2026-05-01T00:00:00+00:00"})  # 10:00 in Sydney
    created = fastway.api().post("consignments", json=consignment()).json()["data"]
    label = created["items"][0]["label"]
    assert fastway.api().get(f"track/label/{label}").json() == {"data": []}

    fastway.advance(6 * HOUR)
    [pickup] = fastway.api().get(f"track/label/{label}").json()["data"]
    assert set(pickup) == set(TRACK_SAMPLE["data"][0])
    assert (pickup["labelNo"], pickup["scanType"], pickup["scanTypeDescription"]) == (
        label,
        "P",
        "Pickup",
    )
    assert pickup["scannedDateTime"] == "2026-05-01T16:00:00"
    assert (pickup["franchiseCode"], pickup["franchiseName"]) == ("MEL", "Melbourne")

    fastway.advance(18 * HOUR)
    assert [
        scan["scanType"] for scan in fastway.api().get(f"track/label/{label}").json()["data"]
    ] == [
        "P",
        "T",
    ]
    fastway.advance(60 * HOUR)
    scans = fastway.api().get(f"track/label/{label}").json()["data"]
    assert [scan["scanType"] for scan in scans] == ["P", "T", "T", "O", "D"]
    assert [scan["scannedDateTime"] for scan in scans] == sorted(
        scan["scannedDateTime"] for scan in scans
    )
    assert "out for delivery" in scans[3]["description"].lower()
    assert scans[-1]["description"] == TRACK_SAMPLE["data"][1]["description"]
    assert (scans[-1]["franchiseCode"], scans[-1]["franchiseName"]) == ("BMT", "Blue Mountains")
    assert scans[-1]["scannedDateTime"] == "2026-05-03T22:00:00"


def test_signature_deliveries_say_so_and_deleted_consignments_have_no_scans(
    fastway: Fastway,
) -> None:
    api = fastway.api()
    signed = api.post(
        "consignments",
        json=consignment("ORD-S", services=[{"serviceCode": "DELOPT", "serviceItemCode": "SGR"}]),
    ).json()["data"]
    cancelled = api.post("consignments", json=consignment("ORD-C")).json()["data"]
    api.delete(f"consignments/{cancelled['conId']}/reason/1")
    fastway.advance(3 * 24 * HOUR)
    api = fastway.api()
    signed_scans = api.get(f"track/label/{signed['items'][0]['label']}").json()["data"]
    assert signed_scans[-1]["description"] == "Delivered - Signature obtained"
    assert api.get(f"track/label/{cancelled['items'][0]['label']}").json() == {"data": []}


def test_unknown_and_malformed_labels(fastway: Fastway) -> None:
    api = fastway.api()
    unknown = api.get("track/label/MP0000009999")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["code"] == "LabelNotFound"
    malformed = api.get("track/label/ZZ0")
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["code"] == "labelNumber"


def test_the_control_plane_adds_scans_in_time_order(fastway: Fastway) -> None:
    fastway.emu("clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    created = fastway.api().post("consignments", json=consignment()).json()["data"]
    label = created["items"][0]["label"]
    fastway.advance(50 * HOUR)
    added = fastway.emu(
        "scans",
        {
            "label": label,
            "scanType": "C",
            "scanTypeDescription": "Card left",
            "description": "Card left - nobody home",
            "at": "2026-05-02T20:00:00+00:00",
        },
    )
    assert added["scannedDateTime"] == "2026-05-03T06:00:00"
    scans = fastway.api().get(f"track/label/{label}").json()["data"]
    assert [scan["scanType"] for scan in scans] == ["P", "T", "T", "C", "O"]


def test_tracking_faults_and_any_accounts_labels(fastway: Fastway) -> None:
    created = fastway.api().post("consignments", json=consignment()).json()["data"]
    label = created["items"][0]["label"]
    fastway.emu("seed", {"accounts": [{"client_id": "other", "client_secret": "o-secret"}]})
    other = fastway.api(fastway.token("other", "o-secret"))
    assert other.get(f"track/label/{label}").status_code == 200
    fastway.emu("faults", {"match": {"op": "track"}, "response": {"status": 503}})
    assert other.get(f"track/label/{label}").status_code == 503
    assert other.get(f"track/label/{label}").status_code == 200
