"""API: POST /imports (multipart) → job; GET /imports/{id}; exports list/create/download."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kucun.catalog.models import Item
from kucun.core.models import ExportRun, ImportRun
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def post_file(api: Any, text: str, **data: Any) -> Any:
    return api.client.post(
        "/api/v1/imports",
        {"kind": "items", "file": SimpleUploadedFile("items.csv", text.encode()), **data},
        headers=api.headers,
    )


def test_import_job_flow(staff_api: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(
            staff_api, "sku,name\nA,Apple\nB,\n", options='{"valid_rows_only": true}'
        )

    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["file"], body["valid_rows_only"]) == ("items", "items.csv", True)
    run_id = body["id"]

    status = staff_api.get(f"/api/v1/imports/{run_id}").json()

    assert {
        key: status[key]
        for key in (
            "status",
            "progress",
            "rows",
            "created",
            "updated",
            "failed",
            "error_count",
            "created_by",
        )
    } == {
        "status": "succeeded",
        "progress": 100,
        "rows": 2,
        "created": 1,
        "updated": 0,
        "failed": 1,
        "error_count": 1,
        "created_by": "sam",
    }
    assert status["errors"] == [
        {
            "row": 3,
            "column": "name",
            "value": "",
            "message": "Name is required for a new item: enter what it is called.",
        }
    ]
    report = staff_api.get(status["error_report_url"])
    assert report.status_code == 200
    assert list(Item.objects.values_list("sku", flat=True)) == ["A"]


def test_queued_import_reports_its_state_before_the_worker_runs(staff_api: Any) -> None:
    response = post_file(staff_api, "sku,name\nA,Apple\n")

    assert response.status_code == 202
    assert (response.json()["status"], response.json()["progress"]) == ("queued", 0)
    assert not Item.objects.exists()


def test_import_refusals_are_422_with_field_errors(staff_api: Any) -> None:
    bad_kind = post_file(staff_api, "sku,name\n", kind="widgets")
    pdf = staff_api.client.post(
        "/api/v1/imports",
        {"kind": "items", "file": SimpleUploadedFile("x.csv", b"%PDF-1.4")},
        headers=staff_api.headers,
    )
    options = post_file(staff_api, "sku,name\n", options="[1]")
    warehouse = staff_api.client.post(
        "/api/v1/imports",
        {
            "kind": "receipt",
            "file": SimpleUploadedFile("r.csv", b"sku,qty\nA,1\n"),
            "options": '{"warehouse": "NOPE"}',
        },
        headers=staff_api.headers,
    )

    assert bad_kind.status_code == 422
    assert bad_kind.json()["errors"][0]["field"] == "kind"
    assert pdf.status_code == 422
    assert pdf.json() == {
        "detail": "This is not a spreadsheet (it looks like a PDF): upload CSV or XLSX.",
        "errors": [
            {
                "field": "file",
                "message": "This is not a spreadsheet (it looks like a PDF): upload CSV or XLSX.",
            }
        ],
    }
    assert options.status_code == 422
    assert options.json()["errors"][0]["field"] == "options"
    assert warehouse.status_code == 422
    assert warehouse.json()["errors"] == [
        {"field": "warehouse", "message": "Unknown warehouse NOPE."}
    ]
    assert not ImportRun.objects.exists()


def test_viewer_cannot_import_but_can_export(viewer_api: Any) -> None:
    assert post_file(viewer_api, "sku,name\nA,B\n").status_code == 403
    ItemFactory(sku="A")

    response = viewer_api.post("/api/v1/exports", {"kind": "items", "format": "csv"})

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["rows"], body["created_by"]) == ("succeeded", 1, "vic")
    download = viewer_api.get(body["download_url"])
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[1][0] == "A"


def test_export_validation(viewer_api: Any) -> None:
    response = viewer_api.post("/api/v1/exports", {"kind": "items", "format": "pdf"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "format", "message": "Unknown file format “pdf”: choose csv or xlsx."}
    ]
    assert not ExportRun.objects.exists()


def test_history_lists(staff_api: Any, django_assert_max_num_queries: Any) -> None:
    for number in range(3):
        ImportRun.objects.create(kind="items", original_name=f"f{number}.csv")
        ExportRun.objects.create(kind="stock", file_format="xlsx")

    with django_assert_max_num_queries(6):
        imports = staff_api.get("/api/v1/imports", {"kind": "items"}).json()
    exports = staff_api.get("/api/v1/exports").json()

    assert imports["count"] == 3
    assert [run["file"] for run in imports["items"]] == ["f2.csv", "f1.csv", "f0.csv"]
    assert exports["count"] == 3


def test_unknown_ids_are_404(staff_api: Any) -> None:
    assert staff_api.get("/api/v1/imports/999").status_code == 404
    assert staff_api.get("/api/v1/exports/999").json() == {
        "detail": "No export has id 999.",
        "errors": [],
    }


def test_templates_over_the_api(viewer_api: Any) -> None:
    response = viewer_api.get("/api/v1/imports/templates/bundles", {"format": "csv"})

    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines() == [
        "bundle_sku,component_sku,qty",
        "BEER-CASE,BEER-DOZEN,4",
    ]
    assert viewer_api.get("/api/v1/imports/templates/widgets").status_code == 404
    assert viewer_api.get("/api/v1/imports/templates/items", {"format": "ods"}).status_code == 422
