"""/api/v1/geocoding/postcodes: the postcode table routing locates destinations with.

POST takes a CSV or XLSX file as multipart form data (``file``) with the columns country,
postcode, place, state, latitude, longitude. It is imported in the worker, all or nothing, as
an import of kind "postcodes": the answer links to GET /api/v1/imports/{id}, which reports the
outcome and every bad cell by row and column. Staff and owners import; everyone reads.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.core.models import ImportRun
from kucun.core.pagination import FiftyPerPage
from kucun.orders.selectors_postcodes import postcode_location_list
from kucun.orders.services.postcodes import postcodes_import

router = Router(tags=["geocoding"])


class PostcodeLocationOut(Schema):
    id: int
    country: str
    postcode: str
    place: str
    state: str
    latitude: float
    longitude: float


class PostcodeFilters(Schema):
    q: str = ""
    country: str = ""


class PostcodeImportOut(Schema):
    id: int
    kind: str
    status: str
    file: str
    created_at: datetime
    status_url: str


def import_out(run: ImportRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "kind": run.kind,
        "status": run.status,
        "file": run.original_name,
        "created_at": run.created_at,
        "status_url": reverse("api:imports_get", args=[run.pk]),
    }


@router.post(
    "/geocoding/postcodes",
    response={202: PostcodeImportOut},
    summary="Import postcode locations (CSV or XLSX, all or nothing)",
)
def postcodes_import_create(request: HttpRequest, file: File[UploadedFile]) -> Any:
    require_role(request, Role.STAFF)
    run = postcodes_import(
        user=request.user,
        upload=file,
        original_name=file.name or "postcodes",
        size=file.size or 0,
    )
    return Status(202, import_out(run))


@router.get(
    "/geocoding/postcodes",
    response=list[PostcodeLocationOut],
    summary="Postcode locations (q: postcode start, place or state; country)",
)
@paginate(FiftyPerPage)
def postcodes_list(request: HttpRequest, filters: Query[PostcodeFilters]) -> Any:
    return postcode_location_list(q=filters.q, country=filters.country)
