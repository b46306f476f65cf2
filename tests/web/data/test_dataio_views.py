"""Data screens: upload through the worker with progress, error report, templates, history
pages (query counts), exports from list filters, roles."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kucun.catalog.models import Item
from kucun.core.choices import JobStatus
from kucun.core.models import ExportRun, ImportRun, Job
from tests.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def post_import(client: Client, capture: Any, text: str, **fields: Any) -> Any:
    with capture(execute=True):
        return client.post(
            reverse("data:import_create"),
            {"kind": "items", "file": upload("items.csv", text), **fields},
        )


def test_import_runs_in_the_worker_and_the_page_shows_the_result(
    staff_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    response = post_import(
        staff_client, django_capture_on_commit_callbacks, "sku,name\nA,Apple\nB,Banana\n"
    )

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("data:import_detail", args=[run.pk])
    assert (run.status, run.created_count, run.created_by.username) == (
        JobStatus.SUCCEEDED,
        2,
        "sam",
    )
    job = Job.objects.get()
    assert (job.status, job.progress_done, job.progress_total, job.percent) == (
        JobStatus.SUCCEEDED,
        2,
        2,
        100,
    )
    page = staff_client.get(response["Location"]).content.decode()
    assert 'id="import-progress"' in page
    assert 'aria-valuenow="100"' in page
    assert 'data-count="created">2<' in page
    assert "hx-trigger" not in page
    assert Item.objects.count() == 2


def test_progress_fragment_polls_while_queued(staff_client: Client) -> None:
    with_job = Job.objects.create(kind="import.items", progress_done=30, progress_total=120)
    run = ImportRun.objects.create(kind="items", job=with_job, original_name="x.csv")

    fragment = staff_client.get(reverse("data:import_progress", args=[run.pk])).content.decode()

    assert 'hx-trigger="every 1s"' in fragment
    assert f'hx-get="{reverse("data:import_progress", args=[run.pk])}"' in fragment
    assert 'aria-valuenow="25"' in fragment


def test_bad_row_gives_a_downloadable_error_report_and_writes_nothing(
    staff_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    post_import(
        staff_client, django_capture_on_commit_callbacks, "sku,name\nA,Apple\nA,Again\n,None\n"
    )

    run = ImportRun.objects.get()
    assert (run.status, run.failed_count, run.error_count) == (JobStatus.FAILED, 2, 2)
    assert Item.objects.count() == 0
    page = staff_client.get(reverse("data:import_detail", args=[run.pk])).content.decode()
    assert 'id="error-report"' in page
    report = staff_client.get(reverse("data:import_errors", args=[run.pk]))
    assert report["Content-Disposition"] == 'attachment; filename="items-errors.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows == [
        ["row", "column", "value", "message"],
        ["3", "sku", "A", "SKU A appears again: it is already on row 2."],
        ["4", "sku", "", "SKU is required: enter the item's stock-keeping code."],
    ]


def test_valid_rows_only_option_from_the_form(
    staff_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    post_import(
        staff_client,
        django_capture_on_commit_callbacks,
        "sku,name\nA,Apple\n,None\n",
        valid_rows_only="on",
    )

    run = ImportRun.objects.get()
    assert (run.status, run.created_count, run.failed_count) == (JobStatus.SUCCEEDED, 1, 1)


def test_refused_file_is_reported_on_the_form_and_not_recorded(staff_client: Client) -> None:
    response = staff_client.post(
        reverse("data:import_create"),
        {"kind": "items", "file": SimpleUploadedFile("x.csv", b"%PDF-1.5 ...")},
    )

    assert response.status_code == 200
    assert "This is not a spreadsheet (it looks like a PDF): upload CSV or XLSX." in (
        response.content.decode()
    )
    assert not ImportRun.objects.exists()


def test_oversized_upload_is_refused(staff_client: Client, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 100
    response = staff_client.post(
        reverse("data:import_create"),
        {"kind": "items", "file": upload("big.csv", "sku,name\n" + "A,B\n" * 100)},
    )

    assert "the largest file accepted is 0.0 MB." in response.content.decode()
    assert not ImportRun.objects.exists()


def test_viewer_may_not_import(viewer_client: Client) -> None:
    response = viewer_client.post(
        reverse("data:import_create"), {"kind": "items", "file": upload("a.csv", "sku,name\n")}
    )
    assert response.status_code == 403
    assert viewer_client.get(reverse("data:import_create")).status_code == 403
    assert not ImportRun.objects.exists()


def test_import_form_shows_template_links(staff_client: Client) -> None:
    page = staff_client.get(reverse("data:import_create") + "?kind=receipt").content.decode()
    for element in (
        'id="template-items-csv"',
        'id="template-receipt-xlsx"',
        'id="id_file"',
        'id="import-submit"',
    ):
        assert element in page


@pytest.mark.parametrize(
    ("kind", "header", "example"),
    [
        (
            "items",
            [
                "sku",
                "name",
                "barcode",
                "unit",
                "weight_g",
                "length_mm",
                "width_mm",
                "height_mm",
                "cost_price",
                "safety_stock",
                "reorder_point",
                "active",
                "notes",
            ],
            [
                "BEER-DOZEN",
                "Pale ale, dozen",
                "9300000000017",
                "each",
                "4200",
                "400",
                "270",
                "250",
                "38.50",
                "2",
                "10",
                "yes",
                "",
            ],
        ),
        ("bundles", ["bundle_sku", "component_sku", "qty"], ["BEER-CASE", "BEER-DOZEN", "4"]),
        ("receipt", ["warehouse", "sku", "qty", "bin"], ["MEL", "BEER-DOZEN", "24", "A-01-1"]),
        ("stocktake", ["bin", "sku", "counted"], ["A-01-1", "BEER-DOZEN", "23"]),
    ],
)
def test_templates_download_as_csv_and_xlsx(
    viewer_client: Client, kind: str, header: list[str], example: list[str]
) -> None:
    response = viewer_client.get(reverse("data:import_template", args=[kind, "csv"]))
    assert response["Content-Disposition"] == f'attachment; filename="kucun-{kind}-template.csv"'
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [header, example]
    response = viewer_client.get(reverse("data:import_template", args=[kind, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)] == [
        header,
        example,
    ]


def test_import_history_lists_runs_in_few_queries(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    for number in range(60):
        user = UserFactory(username=f"importer{number % 5}")
        ImportRun.objects.create(
            kind="items",
            original_name=f"file-{number}.csv",
            created_by=user,
            status=JobStatus.SUCCEEDED,
            created_count=number,
            job=Job.objects.create(kind="import.items"),
        )

    with django_assert_max_num_queries(8):
        response = viewer_client.get(reverse("data:import_list") + "?kind=items&sort=-rows")

    page = response.content.decode()
    assert 'data-count="60"' in page
    assert page.index("file-59.csv") < page.index("file-58.csv")
    assert "file-9.csv" not in page


def test_import_history_search_and_empty_state(viewer_client: Client) -> None:
    ImportRun.objects.create(kind="items", original_name="shopify.csv")
    page = viewer_client.get(reverse("data:import_list") + "?q=ebay").content.decode()
    assert "No import matches these filters." in page


def test_export_from_a_list_downloads_small_sets_directly(viewer_client: Client) -> None:
    ItemFactory(sku="A", name="=cmd", active=True)
    ItemFactory(sku="B", name="Off", active=False)

    response = viewer_client.post(
        reverse("data:export_create"),
        {"kind": "items", "format": "csv", "active": "yes", "page": "2"},
    )

    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert content.splitlines()[1:] == ["A,'=cmd,,each,,,,,0.00,0,0,yes,"]
    run = ExportRun.objects.get()
    assert (run.kind, run.filters, run.row_count, run.created_by.username) == (
        "items",
        {"active": "yes"},
        1,
        "vic",
    )
    assert response["Content-Disposition"] == f'attachment; filename="{run.file_name}"'


def test_export_without_a_format_offers_both(viewer_client: Client) -> None:
    page = viewer_client.get(
        reverse("data:export_create") + "?kind=stock&warehouse=MEL"
    ).content.decode()
    assert 'id="export-csv"' in page
    assert '<input type="hidden" name="warehouse" value="MEL">' in page
    assert not ExportRun.objects.exists()


def test_a_get_with_a_format_asks_and_creates_nothing(viewer_client: Client) -> None:
    ItemFactory(sku="A")

    response = viewer_client.get(reverse("data:export_create") + "?kind=items&format=csv&q=A")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<form method="post" action="/data/exports/new/"' in page
    assert '<input type="hidden" name="kind" value="items">' in page
    assert '<input type="hidden" name="q" value="A">' in page
    assert 'name="format" value="csv" id="export-csv"' in page
    assert not ExportRun.objects.exists()


def test_a_post_without_the_csrf_token_creates_nothing(viewer: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)

    response = client.post(reverse("data:export_create"), {"kind": "items", "format": "csv"})

    assert response.status_code == 403
    assert not ExportRun.objects.exists()


def test_the_confirmation_page_posts_one_export_with_its_token(viewer: Any) -> None:
    ItemFactory(sku="A", active=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    page = client.get(reverse("data:export_create") + "?kind=items&active=yes")
    token = page.cookies["csrftoken"].value

    response = client.post(
        reverse("data:export_create"),
        {"kind": "items", "active": "yes", "format": "xlsx", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 200
    run = ExportRun.objects.get()
    assert (run.kind, run.file_format, run.filters, run.row_count) == (
        "items",
        "xlsx",
        {"active": "yes"},
        1,
    )


def test_large_export_goes_to_the_worker(
    viewer_client: Client, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from kucun.core.dataio import services

    monkeypatch.setattr(services, "INLINE_EXPORT_ROWS", 1)
    ItemFactory(sku="A")
    ItemFactory(sku="B")

    with django_capture_on_commit_callbacks(execute=True):
        response = viewer_client.post(
            reverse("data:export_create"), {"kind": "items", "format": "xlsx"}
        )

    run = ExportRun.objects.get()
    assert response["Location"] == reverse("data:export_detail", args=[run.pk])
    run.refresh_from_db()
    assert (run.status, run.row_count) == (JobStatus.SUCCEEDED, 2)
    page = viewer_client.get(response["Location"]).content.decode()
    assert 'id="export-download"' in page
    download = viewer_client.get(reverse("data:export_download", args=[run.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["sku", "A", "B"]


def test_export_history_in_few_queries(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    for number in range(55):
        ExportRun.objects.create(
            kind="items",
            file_format="csv",
            filters={"q": f"n{number}"},
            created_by=UserFactory(username=f"exporter{number % 3}"),
            job=Job.objects.create(kind="export.items"),
        )

    with django_assert_max_num_queries(8):
        response = viewer_client.get(reverse("data:export_list"))

    assert 'data-count="55"' in response.content.decode()


def test_bad_export_filter_is_explained(viewer_client: Client) -> None:
    response = viewer_client.post(
        reverse("data:export_create"), {"kind": "items", "format": "csv", "active": "perhaps"}
    )
    assert response.status_code == 422
    assert "Filter active must be yes or no, not “perhaps”." in response.content.decode()
    assert not ExportRun.objects.exists()


def test_pages_speak_chinese(staff: Any) -> None:
    staff.language = "zh-hans"
    staff.save(update_fields=["language"])
    client = Client()
    client.force_login(staff)

    form = client.get(reverse("data:import_create")).content.decode()
    history = client.get(reverse("data:export_list")).content.decode()

    assert "上传并导入" in form
    assert "导出文件保留 30 天。" in history


def test_oversized_upload_is_not_stored_and_csrf_still_applies(
    staff: Any, settings: Any, tmp_path: Any
) -> None:
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    settings.MEDIA_ROOT = tmp_path
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    big = SimpleUploadedFile("big.csv", b"sku,name\n" + b"A,B\n" * 400_000)

    refused_without_token = client.post(
        reverse("data:import_create"), {"kind": "items", "file": big}
    )
    page = client.get(reverse("data:import_create"))
    token = page.cookies["csrftoken"].value
    big.seek(0)
    response = client.post(
        reverse("data:import_create"), {"csrfmiddlewaretoken": token, "kind": "items", "file": big}
    )

    assert refused_without_token.status_code == 403
    assert response.status_code == 200
    assert "the largest file accepted is 1.0 MB." in response.content.decode()
    assert not ImportRun.objects.exists()
    assert not list(tmp_path.rglob("*.upload"))


def test_an_uploads_text_fields_and_file_name_lose_their_nul(
    staff_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    """A multipart form is read by the upload view, not by the NUL middleware: it drops NUL
    from what was typed too, so nothing holding one reaches the database."""
    with django_capture_on_commit_callbacks(execute=False):
        response = staff_client.post(
            reverse("data:import_create"),
            {
                "kind": "receipt",
                "warehouse": "MEL\x00",
                "reference": "PO-\x0042",
                "file": upload("receipt\x00.csv", "sku,qty\nA,1\n"),
            },
        )
    assert response.status_code in {200, 302}
    for run in ImportRun.objects.all():
        assert "\x00" not in run.original_name
        assert "\x00" not in str(run.options)
    if response.status_code == 200:
        assert "\x00" not in response.content.decode()
