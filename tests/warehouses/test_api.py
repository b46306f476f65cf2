from collections.abc import Callable
from typing import Any

import pytest

from kucun.accounts.models import User
from kucun.core.models import AuditEntry
from kucun.warehouses.models import Location, Warehouse, Zone
from tests.conftest import ApiClient
from tests.factories import BinFactory, WarehouseFactory, ZoneFactory

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], ApiClient]


def counts() -> tuple[int, int, int, int]:
    return (
        Warehouse.objects.count(),
        Zone.objects.count(),
        Location.objects.count(),
        AuditEntry.objects.count(),
    )


# --- role matrix -------------------------------------------------------------------------------


def write_requests(zone: Zone, location: Location) -> list[tuple[str, str, dict[str, Any], int]]:
    warehouse = zone.warehouse
    return [
        ("post", "/api/v1/warehouses", {"code": "NEW", "name": "New"}, 201),
        ("patch", f"/api/v1/warehouses/{warehouse.pk}", {"name": "Renamed"}, 200),
        (
            "post",
            "/api/v1/zones",
            {"warehouse_id": warehouse.pk, "code": "NZ", "name": "N", "kind": "picking"},
            201,
        ),
        ("patch", f"/api/v1/zones/{zone.pk}", {"name": "Renamed"}, 200),
        ("post", "/api/v1/bins", {"zone_id": zone.pk, "code": "NEW-BIN"}, 201),
        ("patch", f"/api/v1/bins/{location.pk}", {"active": False}, 200),
        (
            "post",
            "/api/v1/bins/pattern",
            {"zone_id": zone.pk, "aisles": "P", "racks": "1-2", "preview": True},
            200,
        ),
        ("post", "/api/v1/bins/pattern", {"zone_id": zone.pk, "aisles": "Q", "racks": "1-2"}, 201),
    ]


def read_paths(zone: Zone, location: Location) -> list[str]:
    return [
        "/api/v1/warehouses",
        f"/api/v1/warehouses/{zone.warehouse_id}",
        f"/api/v1/warehouses/by-code/{zone.warehouse.code.lower()}",
        "/api/v1/zones",
        f"/api/v1/zones/{zone.pk}",
        "/api/v1/bins",
        f"/api/v1/bins/{location.pk}",
    ]


@pytest.mark.parametrize(
    ("role", "read_status"),
    [(None, 401), ("viewer", 200), ("staff", 200), ("owner", 200)],
)
def test_every_role_reads_except_anonymous(
    user_for_role: Callable[[str | None], User | None],
    api_client_for: ClientFor,
    role: str | None,
    read_status: int,
) -> None:
    location = BinFactory()
    api = api_client_for(user_for_role(role))

    statuses = {path: api.get(path).status_code for path in read_paths(location.zone, location)}

    assert statuses == dict.fromkeys(statuses, read_status)


@pytest.mark.parametrize(
    ("role", "allowed"), [(None, False), ("viewer", False), ("staff", True), ("owner", True)]
)
def test_only_staff_and_owner_write(
    user_for_role: Callable[[str | None], User | None],
    api_client_for: ClientFor,
    role: str | None,
    allowed: bool,
) -> None:
    location = BinFactory()
    api = api_client_for(user_for_role(role))
    before = counts()

    for method, path, body, success in write_requests(location.zone, location):
        response = getattr(api, method)(path, body)
        if allowed:
            assert response.status_code == success, (path, response.json())
        else:
            assert response.status_code == (401 if role is None else 403), path
            assert response.json()["detail"]

    if not allowed:
        assert counts() == before
        location.refresh_from_db()
        assert location.active is True


# --- warehouses --------------------------------------------------------------------------------


def test_warehouse_create_returns_it_with_its_receiving_bin(staff_api: ApiClient) -> None:
    response = staff_api.post(
        "/api/v1/warehouses",
        {"code": " syd ", "name": "Sydney", "latitude": -33.8688, "longitude": "151.2093"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "SYD"
    assert body["latitude"] == pytest.approx(-33.8688)
    assert body["bins_count"] == 1
    receiving = Location.objects.get(warehouse_id=body["id"])
    assert (receiving.code, receiving.is_default_receiving) == ("RECEIVING", True)


def test_duplicate_warehouse_is_409_naming_the_code(staff_api: ApiClient) -> None:
    WarehouseFactory(code="SYD")
    before = counts()

    response = staff_api.post("/api/v1/warehouses", {"code": "syd", "name": "Again"})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "A warehouse with code SYD already exists.",
        "errors": [{"field": "code", "message": "A warehouse with code SYD already exists."}],
    }
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "A", "name": "x", "latitude": 95}, "latitude"),
        ({"code": "A", "name": "x", "longitude": -181}, "longitude"),
        ({"code": "A", "name": "x", "latitude": "north"}, "latitude"),
        ({"code": "A", "name": "x", "latitude": "Infinity"}, "latitude"),
        ({"code": "A", "name": "x", "email": "nope"}, "email"),
        ({"code": "A B", "name": "x"}, "code"),
        ({"code": "A" * 500, "name": "x"}, "code"),
        ({"code": "A", "name": "x" * 201}, "name"),
        ({"code": "A", "name": "x\x00y"}, "name"),
        ({"code": "A", "name": "x", "priority": 10**30}, "priority"),
        ({"code": "A", "name": "x", "priority": "soon"}, "priority"),
        ({"code": "A", "name": "x", "active": "perhaps"}, "active"),
        ({"code": 5, "name": "x"}, "code"),
        ({"name": "x"}, "code"),
        ({"code": "A", "name": "x", "postcode": "9" * 30}, "postcode"),
    ],
)
def test_bad_warehouse_input_is_422_naming_the_field(
    staff_api: ApiClient, body: dict[str, Any], field: str
) -> None:
    before = counts()

    response = staff_api.post("/api/v1/warehouses", body)

    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert counts() == before


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', "null", "", "\x00"])
def test_junk_bodies_are_4xx_not_500(staff_api: ApiClient, raw: str) -> None:
    response = staff_api.client.post(
        "/api/v1/warehouses", raw, content_type="application/json", headers=staff_api.headers
    )

    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/warehouses/99999999999999999999999",
        "/api/v1/warehouses/0",
        "/api/v1/warehouses/by-code/NOPE",
        "/api/v1/zones/123456",
        "/api/v1/bins/123456",
    ],
)
def test_missing_objects_are_404(viewer_api: ApiClient, path: str) -> None:
    response = viewer_api.get(path)

    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/warehouses/abc",
        "/api/v1/warehouses?page=0",
        "/api/v1/warehouses?page=99999999999999999999",
        "/api/v1/warehouses?active=maybe",
        "/api/v1/bins?zone=-3",
        "/api/v1/bins?zone=99999999999999999999999",
        "/api/v1/bins?sellable=x",
        "/api/v1/zones?warehouse_id=abc",
    ],
)
def test_bad_query_parameters_are_422(viewer_api: ApiClient, path: str) -> None:
    assert viewer_api.get(path).status_code == 422


def test_warehouse_list_filters_and_paginates_fifty_a_page(
    viewer_api: ApiClient, django_assert_max_num_queries: Any
) -> None:
    for number in range(55):
        Warehouse.objects.create(
            code=f"W{number:02d}", name=f"Warehouse {number}", active=number % 5 != 0
        )

    with django_assert_max_num_queries(4):
        first = viewer_api.get("/api/v1/warehouses").json()
    second = viewer_api.get("/api/v1/warehouses", {"page": 2}).json()
    inactive = viewer_api.get("/api/v1/warehouses", {"active": "false"}).json()
    searched = viewer_api.get("/api/v1/warehouses", {"q": "warehouse 1"}).json()

    assert (first["count"], len(first["items"]), len(second["items"])) == (55, 50, 5)
    assert inactive["count"] == 11
    assert {item["code"] for item in searched["items"]} == {f"W{n}" for n in range(10, 20)} | {
        "W01"
    }


def test_warehouse_get_by_id_and_code(viewer_api: ApiClient) -> None:
    warehouse = WarehouseFactory(code="MEL", name="Melbourne")

    by_id = viewer_api.get(f"/api/v1/warehouses/{warehouse.pk}").json()
    by_code = viewer_api.get("/api/v1/warehouses/by-code/mel").json()

    assert by_id == by_code
    assert (by_id["code"], by_id["name"], by_id["bins_count"]) == ("MEL", "Melbourne", 1)


def test_warehouse_patch_changes_only_given_fields(staff_api: ApiClient) -> None:
    warehouse = WarehouseFactory(code="MEL", name="Melbourne", city="Melbourne")

    response = staff_api.patch(
        f"/api/v1/warehouses/{warehouse.pk}", {"latitude": -37.81, "priority": 3}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["city"], body["priority"]) == ("Melbourne", "Melbourne", 3)
    assert body["latitude"] == pytest.approx(-37.81)


def test_warehouse_patch_refusal_changes_nothing(staff_api: ApiClient) -> None:
    warehouse = WarehouseFactory(code="MEL", name="Melbourne")

    response = staff_api.patch(
        f"/api/v1/warehouses/{warehouse.pk}", {"name": "New name", "latitude": 100}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "latitude"
    warehouse.refresh_from_db()
    assert warehouse.name == "Melbourne"


# --- zones -------------------------------------------------------------------------------------


def test_zone_create_by_warehouse_code_and_list_filters(staff_api: ApiClient) -> None:
    melbourne = WarehouseFactory(code="MEL")
    WarehouseFactory(code="SYD")

    response = staff_api.post(
        "/api/v1/zones", {"warehouse": "mel", "code": "pick", "name": "Pick", "kind": "picking"}
    )

    assert response.status_code == 201
    assert response.json()["warehouse"] == "MEL"
    assert response.json()["code"] == "PICK"
    picking = staff_api.get("/api/v1/zones", {"kind": "picking"}).json()
    assert [z["code"] for z in picking["items"]] == ["PICK"]
    in_melbourne = staff_api.get("/api/v1/zones", {"warehouse": "MEL"}).json()
    assert {z["code"] for z in in_melbourne["items"]} == {"PICK", "RECEIVING"}
    by_id = staff_api.get("/api/v1/zones", {"warehouse_id": melbourne.pk}).json()
    assert by_id["count"] == 2


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"code": "A", "name": "A", "kind": "picking"}, 422, "warehouse"),
        ({"warehouse": "NOPE", "code": "A", "name": "A", "kind": "picking"}, 422, "warehouse"),
        ({"warehouse": "MEL", "code": "A", "name": "A", "kind": "attic"}, 422, "kind"),
        ({"warehouse": "MEL", "code": "RECEIVING", "name": "A", "kind": "storage"}, 409, "code"),
    ],
)
def test_zone_create_refusals(
    staff_api: ApiClient, body: dict[str, Any], status: int, field: str
) -> None:
    WarehouseFactory(code="MEL")
    before = counts()

    response = staff_api.post("/api/v1/zones", body)

    assert response.status_code == status
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert counts() == before


def test_zone_patch(staff_api: ApiClient) -> None:
    zone = ZoneFactory(code="A", kind="picking")

    response = staff_api.patch(f"/api/v1/zones/{zone.pk}", {"kind": "storage", "code": "a2"})

    assert response.status_code == 200
    assert (response.json()["kind"], response.json()["code"]) == ("storage", "A2")


# --- bins --------------------------------------------------------------------------------------


def test_bin_create_by_codes_and_filters(staff_api: ApiClient) -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="MEL"), code="PICK", kind="picking")

    response = staff_api.post(
        "/api/v1/bins", {"warehouse": "mel", "zone": "pick", "code": "a-01", "sellable": False}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["code"], body["zone"], body["zone_kind"], body["sellable"]) == (
        "A-01",
        "PICK",
        "picking",
        False,
    )
    assert body["zone_id"] == zone.pk
    listing = staff_api.get("/api/v1/bins", {"warehouse": "MEL", "sellable": "false"}).json()
    assert [b["code"] for b in listing["items"]] == ["A-01"]
    storage = staff_api.get("/api/v1/bins", {"kind": "storage"}).json()
    assert [b["code"] for b in storage["items"]] == ["RECEIVING"]
    searched = staff_api.get("/api/v1/bins", {"q": "a-0", "zone": zone.pk}).json()
    assert searched["count"] == 1


def test_bin_create_duplicate_is_409(staff_api: ApiClient) -> None:
    location = BinFactory(code="A-1")
    before = counts()

    response = staff_api.post("/api/v1/bins", {"zone_id": location.zone_id, "code": "a-1"})

    assert response.status_code == 409
    assert response.json()["errors"] == [
        {
            "field": "code",
            "message": f"Warehouse {location.warehouse.code} already has a bin with code A-1.",
        }
    ]
    assert counts() == before


def test_bin_patch_and_null_refusal(staff_api: ApiClient) -> None:
    location = BinFactory(code="A-1")

    renamed = staff_api.patch(f"/api/v1/bins/{location.pk}", {"code": "b-1", "active": False})
    refused = staff_api.patch(f"/api/v1/bins/{location.pk}", {"code": None})

    assert renamed.status_code == 200
    assert (renamed.json()["code"], renamed.json()["active"]) == ("B-1", False)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "code"


def test_bin_list_paginates_with_a_fixed_number_of_queries(
    viewer_api: ApiClient, django_assert_max_num_queries: Any
) -> None:
    zone = ZoneFactory()
    Location.objects.bulk_create(
        Location(kind="internal", warehouse=zone.warehouse, zone=zone, code=f"X-{n:03d}")
        for n in range(120)
    )

    with django_assert_max_num_queries(4):
        body = viewer_api.get("/api/v1/bins").json()

    assert body["count"] == 121
    assert len(body["items"]) == 50


# --- bins by pattern ---------------------------------------------------------------------------


def test_pattern_preview_lists_codes_and_creates_nothing(staff_api: ApiClient) -> None:
    location = BinFactory(code="A-01-2")
    before = counts()

    response = staff_api.post(
        "/api/v1/bins/pattern",
        {
            "zone_id": location.zone_id,
            "aisles": "A",
            "racks": "01-20",
            "levels": "1-4",
            "preview": True,
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 80
    assert body["codes"][:2] == ["A-01-1", "A-01-2"]
    assert body["existing"] == ["A-01-2"]
    assert body["repeated"] == []
    assert counts() == before


def test_pattern_creates_eighty_bins(staff_api: ApiClient) -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"), code="PICK")

    response = staff_api.post(
        "/api/v1/bins/pattern",
        {"warehouse": "SYD", "zone": "PICK", "aisles": "A", "racks": "01-20", "levels": "1-4"},
    )

    assert response.status_code == 201
    assert response.json()["count"] == 80
    assert Location.objects.filter(zone=zone).count() == 80


def test_pattern_clash_is_409_and_creates_nothing(staff_api: ApiClient) -> None:
    location = BinFactory(code="A-03-1")
    before = counts()

    response = staff_api.post(
        "/api/v1/bins/pattern",
        {"zone_id": location.zone_id, "aisles": "A", "racks": "01-20", "levels": "1-4"},
    )

    assert response.status_code == 409
    assert "A-03-1" in response.json()["detail"]
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"aisles": "A", "racks": "20-01"}, "racks"),
        ({"aisles": "A-Z", "racks": "001-999"}, "pattern"),
        ({"aisles": "", "racks": "", "levels": ""}, "aisles"),
        ({"aisles": "A", "separator": "/"}, "separator"),
        ({"aisles": "A", "prefix": "a b"}, "prefix"),
        ({"aisles": ["A"]}, "aisles"),
    ],
)
def test_bad_patterns_are_422(staff_api: ApiClient, body: dict[str, Any], field: str) -> None:
    zone = ZoneFactory()
    before = counts()

    response = staff_api.post("/api/v1/bins/pattern", {"zone_id": zone.pk, **body})

    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert counts() == before


def test_pattern_without_a_zone_names_the_field(staff_api: ApiClient) -> None:
    response = staff_api.post("/api/v1/bins/pattern", {"aisles": "A"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "zone_id"


def test_every_operation_has_an_openapi_description() -> None:
    from kucun.warehouses.api import router

    described = []
    for path, view in router.path_operations.items():
        for operation in view.operations:
            for model in operation.models:
                assert model.model_json_schema()
            described.append((tuple(operation.methods), path))

    assert (("POST",), "/bins/pattern") in described
    assert len(described) == 14
