from collections.abc import Callable
from typing import Any

import pytest

from kucun.accounts.models import User
from kucun.catalog.models import BundleComponent, Item
from kucun.core.models import AuditEntry
from tests.conftest import ApiClient
from tests.factories import BundleComponentFactory, ItemFactory

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    return (
        list(Item.objects.order_by("pk").values()),
        list(BundleComponent.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def beer() -> dict[str, Item]:
    bottle = ItemFactory(sku="BOTTLE", name="Beer bottle", barcode="9300001")
    dozen = ItemFactory(sku="DOZEN", name="Beer dozen", is_bundle=True)
    case = ItemFactory(sku="CASE", name="Beer case", is_bundle=True)
    BundleComponentFactory(bundle=dozen, component=bottle, quantity=12)
    BundleComponentFactory(bundle=case, component=dozen, quantity=4)
    return {"bottle": bottle, "dozen": dozen, "case": case}


# Role matrix --------------------------------------------------------------------------

READS = [
    ("get", "/api/v1/items", None),
    ("get", "/api/v1/items/{bottle}", None),
    ("get", "/api/v1/items/by-sku/bottle", None),
    ("get", "/api/v1/items/{case}/components", None),
    ("get", "/api/v1/items/by-sku/case/components", None),
]
WRITES = [
    ("post", "/api/v1/items", {"sku": "NEW-1", "name": "New"}, 201),
    ("patch", "/api/v1/items/{bottle}", {"name": "Renamed"}, 200),
    ("patch", "/api/v1/items/by-sku/bottle", {"name": "Renamed"}, 200),
    ("put", "/api/v1/items/{case}/components", [{"sku": "BOTTLE", "quantity": 24}], 200),
    ("put", "/api/v1/items/by-sku/case/components", [{"sku": "BOTTLE", "quantity": 2}], 200),
]


def fill(path: str, beer: dict[str, Item]) -> str:
    return path.format(**{name: item.pk for name, item in beer.items()})


@pytest.mark.parametrize("role", ["owner", "staff", "viewer", None])
@pytest.mark.parametrize(("method", "path", "body"), READS)
def test_every_role_reads_and_anonymous_gets_401(
    role: str | None,
    method: str,
    path: str,
    body: Any,
    beer: dict[str, Item],
    user_for_role: Callable[[str | None], User | None],
    api_client_for: Callable[[User | None], ApiClient],
) -> None:
    client = api_client_for(user_for_role(role))
    response = getattr(client, method)(fill(path, beer), body)
    assert response.status_code == (401 if role is None else 200)
    if role is None:
        assert response.json()["detail"].startswith("Authentication required")


@pytest.mark.parametrize(
    ("role", "allowed"), [("owner", True), ("staff", True), ("viewer", False), (None, False)]
)
@pytest.mark.parametrize(("method", "path", "body", "status"), WRITES)
def test_staff_and_owner_write_viewer_403_anonymous_401(
    role: str | None,
    allowed: bool,
    method: str,
    path: str,
    body: Any,
    status: int,
    beer: dict[str, Item],
    user_for_role: Callable[[str | None], User | None],
    api_client_for: Callable[[User | None], ApiClient],
) -> None:
    client = api_client_for(user_for_role(role))
    before = snapshot()
    response = getattr(client, method)(fill(path, beer), body)
    if allowed:
        assert response.status_code == status, response.json()
    else:
        assert response.status_code == (403 if role else 401)
        assert snapshot() == before


# List -----------------------------------------------------------------------------------


def test_list_filters_and_paginates(
    viewer_api: ApiClient, django_assert_max_num_queries: Any
) -> None:
    for n in range(55):
        ItemFactory(sku=f"A-{n:03d}", name=f"Widget {n}")
    ItemFactory(sku="B-OFF", name="Old", active=False)
    ItemFactory(sku="B-SET", name="Set", is_bundle=True)
    with django_assert_max_num_queries(4):
        response = viewer_api.get("/api/v1/items")
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 57
    assert len(body["items"]) == 50
    assert body["items"][0]["sku"] == "A-000"
    second = viewer_api.get("/api/v1/items", {"page": 2}).json()
    assert [row["sku"] for row in second["items"]] == [
        "A-050",
        "A-051",
        "A-052",
        "A-053",
        "A-054",
        "B-OFF",
        "B-SET",
    ]
    assert viewer_api.get("/api/v1/items", {"active": "false"}).json()["count"] == 1
    assert [
        r["sku"] for r in viewer_api.get("/api/v1/items", {"is_bundle": "true"}).json()["items"]
    ] == ["B-SET"]
    assert viewer_api.get("/api/v1/items", {"q": "widget 5"}).json()["count"] == 6
    assert [
        r["sku"] for r in viewer_api.get("/api/v1/items", {"sku": "b-set"}).json()["items"]
    ] == ["B-SET"]
    assert viewer_api.get("/api/v1/items", {"page": 99}).json() == {"items": [], "count": 57}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
        ({"page": 10**30}, "page"),
        ({"active": "maybe"}, "active"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_parameter(
    viewer_api: ApiClient, params: dict[str, Any], field: str
) -> None:
    response = viewer_api.get("/api/v1/items", params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_search_text_with_nul_is_refused_naming_the_parameter(
    viewer_api: ApiClient, beer: dict[str, Item]
) -> None:
    response = viewer_api.get("/api/v1/items", {"q": "BOT\x00TLE"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["q"]


# Create and change -----------------------------------------------------------------------


def test_create_returns_201_with_the_item(staff_api: ApiClient) -> None:
    response = staff_api.post(
        "/api/v1/items",
        {"sku": " Gift-1 ", "name": "Gift", "barcode": "", "weight_g": 250, "cost_price": "4.5"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["sku"] == "Gift-1"
    assert body["barcode"] is None
    assert body["weight_g"] == 250
    assert body["cost_price"] == "4.50"
    assert Item.objects.get(sku="Gift-1").name == "Gift"


def test_duplicate_sku_is_409_with_the_field(staff_api: ApiClient, beer: dict[str, Item]) -> None:
    before = snapshot()
    response = staff_api.post("/api/v1/items", {"sku": "bottle", "name": "Again"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "An item with SKU 'bottle' already exists (as 'BOTTLE').",
        "errors": [
            {"field": "sku", "message": "An item with SKU 'bottle' already exists (as 'BOTTLE')."}
        ],
    }
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"sku": "X", "name": "X", "weight_g": -1}, ["weight_g"]),
        ({"sku": "X", "name": "X", "weight_g": "heavy"}, ["weight_g"]),
        ({"sku": "X", "name": "X", "weight_g": 10**40}, ["weight_g"]),
        ({"sku": "X", "name": "X", "cost_price": "-0.01"}, ["cost_price"]),
        ({"sku": "X", "name": "X", "cost_price": "1e999"}, ["cost_price"]),
        ({"sku": "X", "name": "X", "cost_price": "NaN"}, ["cost_price"]),
        ({"sku": "X" * 100_000, "name": "X"}, ["sku"]),
        ({"sku": "X", "name": "N" * 100_000}, ["name"]),
        ({"sku": "A\x00B", "name": "X"}, ["sku"]),
        ({"sku": "X", "name": "X", "notes": "a\x00b"}, ["notes"]),
        ({"sku": 12, "name": "X"}, ["sku"]),
        ({"sku": "X"}, ["name"]),
        ({"sku": "X", "name": "X", "is_bundle": "perhaps"}, ["is_bundle"]),
        ({"sku": "X", "name": "X", "safety_stock": None}, ["safety_stock"]),
        ({"sku": "", "name": "", "reorder_point": -4}, ["sku", "name", "reorder_point"]),
    ],
)
def test_junk_is_422_naming_the_field_and_writes_nothing(
    staff_api: ApiClient, body: dict[str, Any], fields: list[str]
) -> None:
    before = snapshot()
    response = staff_api.post("/api/v1/items", body)
    assert response.status_code == 422, response.content
    payload = response.json()
    assert [e["field"] for e in payload["errors"]] == fields
    assert all(e["message"] for e in payload["errors"])
    assert snapshot() == before


def test_body_that_is_not_json_is_422(staff_api: ApiClient) -> None:
    response = staff_api.client.post(
        "/api/v1/items", "{not json", content_type="application/json", headers=staff_api.headers
    )
    assert response.status_code in {400, 422}
    assert "detail" in response.json()


def test_patch_changes_only_the_fields_sent(staff_api: ApiClient, beer: dict[str, Item]) -> None:
    bottle = beer["bottle"]
    response = staff_api.patch(f"/api/v1/items/{bottle.pk}", {"reorder_point": 7, "barcode": None})
    assert response.status_code == 200
    bottle.refresh_from_db()
    assert (bottle.reorder_point, bottle.barcode, bottle.name) == (7, None, "Beer bottle")


def test_patch_null_on_a_required_field_is_422(staff_api: ApiClient, beer: dict[str, Item]) -> None:
    before = snapshot()
    response = staff_api.patch("/api/v1/items/by-sku/BOTTLE", {"name": None, "safety_stock": -1})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["name", "safety_stock"]
    assert snapshot() == before


def test_bundle_with_components_cannot_stop_being_one(
    staff_api: ApiClient, beer: dict[str, Item]
) -> None:
    response = staff_api.patch("/api/v1/items/by-sku/DOZEN", {"is_bundle": False})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "is_bundle"


def test_by_sku_is_case_insensitive_and_404_names_the_sku(
    viewer_api: ApiClient, beer: dict[str, Item]
) -> None:
    assert viewer_api.get("/api/v1/items/by-sku/dOzEn").json()["id"] == beer["dozen"].pk
    response = viewer_api.get("/api/v1/items/by-sku/NOPE")
    assert response.status_code == 404
    assert response.json()["detail"] == "No item has SKU 'NOPE'."


@pytest.mark.parametrize("item_id", ["999999", "0", "-1", str(10**30), "abc"])
def test_unknown_or_junk_ids_are_4xx(viewer_api: ApiClient, item_id: str) -> None:
    response = viewer_api.get(f"/api/v1/items/{item_id}")
    assert response.status_code in {404, 422}
    assert "detail" in response.json()


# Components -----------------------------------------------------------------------------


def test_components_read(
    viewer_api: ApiClient, beer: dict[str, Item], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(4):
        response = viewer_api.get(f"/api/v1/items/{beer['case'].pk}/components")
    assert response.json() == [
        {
            "sku": "DOZEN",
            "quantity": 4,
            "item_id": beer["dozen"].pk,
            "name": "Beer dozen",
            "is_bundle": True,
        }
    ]


def test_components_put_replaces(staff_api: ApiClient, beer: dict[str, Item]) -> None:
    opener = ItemFactory(sku="OPENER", name="Opener")
    response = staff_api.put(
        "/api/v1/items/by-sku/case/components",
        [{"sku": "dozen", "quantity": 2}, {"sku": "opener", "quantity": 1}],
    )
    assert response.status_code == 200
    assert [(r["sku"], r["quantity"]) for r in response.json()] == [("DOZEN", 2), ("OPENER", 1)]
    assert opener.used_in.get().bundle == beer["case"]


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        (
            [{"sku": "CASE", "quantity": 1}],
            422,
            [("components.0.sku", "Adding CASE to DOZEN would make a loop: DOZEN → CASE → DOZEN")],
        ),
        (
            [{"sku": "DOZEN", "quantity": 1}],
            422,
            [("components.0.sku", "Row 1: a bundle cannot contain itself (DOZEN).")],
        ),
        (
            [{"sku": "GHOST", "quantity": 1}],
            422,
            [("components.0.sku", "Row 1: no item has SKU 'GHOST'.")],
        ),
        (
            [{"sku": "BOTTLE", "quantity": 0}],
            422,
            [("components.0.quantity", "Row 1 (BOTTLE): Quantity must be at least 1 (got 0).")],
        ),
        (
            [{"sku": "BOTTLE", "quantity": 10**12}],
            422,
            [
                (
                    "components.0.quantity",
                    "Row 1 (BOTTLE): Quantity is too large: use at most 2147483647.",
                )
            ],
        ),
        (
            [{"sku": "BOTTLE", "quantity": 1}, {"sku": "bottle", "quantity": 1}],
            422,
            [
                (
                    "components.1.sku",
                    "Row 2: bottle is already in row 1. "
                    "Give each component once, with the total quantity.",
                )
            ],
        ),
    ],
)
def test_components_refusals_name_the_row(
    staff_api: ApiClient,
    beer: dict[str, Item],
    body: Any,
    status: int,
    errors: list[tuple[str, str]],
) -> None:
    before = snapshot()
    response = staff_api.put("/api/v1/items/by-sku/DOZEN/components", body)
    assert response.status_code == status
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == errors
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"sku": "BOTTLE", "quantity": 1},
        [{"sku": "BOTTLE"}],
        [{"sku": "BOTTLE", "quantity": "lots"}],
        [{"sku": None, "quantity": 1}],
        '"BOTTLE"',
        [1, 2],
    ],
)
def test_components_wrong_shapes_are_422(
    staff_api: ApiClient, beer: dict[str, Item], body: Any
) -> None:
    before = snapshot()
    response = staff_api.put("/api/v1/items/by-sku/DOZEN/components", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"]
    assert snapshot() == before


def test_components_on_a_plain_item_are_refused(
    staff_api: ApiClient, beer: dict[str, Item]
) -> None:
    response = staff_api.put(
        "/api/v1/items/by-sku/BOTTLE/components", [{"sku": "DOZEN", "quantity": 1}]
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "BOTTLE is not a bundle: mark it as a bundle before giving it components."
    )


def test_a_sku_with_a_slash_is_reached_by_sku(staff_api: ApiClient) -> None:
    bundle = ItemFactory(sku="GIFT/1", name="Gift", is_bundle=True)
    ItemFactory(sku="MUG")
    assert staff_api.get("/api/v1/items/by-sku/gift%2F1").json()["id"] == bundle.pk
    response = staff_api.put(
        "/api/v1/items/by-sku/GIFT%2F1/components", [{"sku": "MUG", "quantity": 2}]
    )
    assert response.status_code == 200
    assert staff_api.get("/api/v1/items/by-sku/GIFT/1/components").json()[0]["sku"] == "MUG"


def test_every_items_operation_has_an_openapi_description() -> None:
    from kucun.catalog.api import router

    described = []
    for path, view in router.path_operations.items():
        for operation in view.operations:
            for model in operation.models:
                assert model.model_json_schema()
            described.append((tuple(operation.methods), path))

    assert sorted(described) == [
        (("GET",), "/items"),
        (("GET",), "/items/by-sku/{path:sku}"),
        (("GET",), "/items/by-sku/{path:sku}/components"),
        (("GET",), "/items/{item_id}"),
        (("GET",), "/items/{item_id}/components"),
        (("PATCH",), "/items/by-sku/{path:sku}"),
        (("PATCH",), "/items/{item_id}"),
        (("POST",), "/items"),
        (("PUT",), "/items/by-sku/{path:sku}/components"),
        (("PUT",), "/items/{item_id}/components"),
    ]
