"""``GET products``: cursor paging in (updated_at, id) order, the inclusive ``updated_since``
filter, and the golden sample of pisell.md §2.2."""

from __future__ import annotations

from tests.sandbox.pisell.conftest import Pisell, golden

BIG_TENANT = {"id": "big", "name": "Big Store", "api_key": "psk_test_big"}


def all_pages(pisell: Pisell, api_key: str, **params: object) -> list[dict[str, object]]:
    pages = []
    with pisell.client(api_key) as client:
        cursor = None
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            response = client.get("/products", params=query)
            assert response.status_code == 200, response.text
            pages.append(response.json())
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return pages


def test_products_page_through_three_pages_with_every_variant_once(pisell: Pisell) -> None:
    # Given a tenant with 300 single-variant products
    pisell.emu("seed", {"tenants": [BIG_TENANT], "generate": {"tenant": "big", "count": 300}})

    # When a client follows next_cursor with limit=100
    pages = all_pages(pisell, "psk_test_big", limit=100)

    # Then there are exactly three full pages, the last one saying so, and every SKU once
    assert [len(page["data"]) for page in pages] == [100, 100, 100]
    assert pages[-1]["next_cursor"] is None
    skus = [p["variants"][0]["sku"] for page in pages for p in page["data"]]
    assert sorted(skus) == [f"GEN-{n:05d}" for n in range(1, 301)]
    stamps = [p["updated_at"] for page in pages for p in page["data"]]
    assert stamps == sorted(stamps)


def test_limit_and_cursor_are_validated_as_problems(pisell: Pisell) -> None:
    for params in ({"limit": 0}, {"limit": 251}, {"limit": "ten"}):
        response = pisell.api.get("/products", params=params)
        assert response.status_code == 400
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["errors"] == [{"field": "limit", "code": "out_of_range"}]
    response = pisell.api.get("/products", params={"cursor": "not-ours"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "cursor", "code": "invalid_cursor"}]
    response = pisell.api.get("/products", params={"updated_since": "yesterday"})
    assert response.json()["errors"] == [{"field": "updated_since", "code": "invalid_datetime"}]


def test_default_page_is_100_and_the_default_tenant_holds_its_handful(pisell: Pisell) -> None:
    body = pisell.api.get("/products").json()
    assert [p["title"] for p in body["data"]] == [
        "Dog Treats",
        "Cat Scratcher",
        "Leather Lead",
        "Fish Flakes",
    ]
    assert body["next_cursor"] is None
    scratcher = body["data"][1]["variants"][0]
    assert (scratcher["sku"], scratcher["stock_quantity"]) == ("SCRATCH-S", 10)  # 4 + 6


def test_updated_since_is_inclusive_and_a_stock_change_bumps_product_and_variant(
    pisell: Pisell,
) -> None:
    # Given two products seeded a minute apart on a frozen clock
    pisell.emu("clock", {"freeze": "2026-04-01T00:00:00+00:00"})
    pisell.emu(
        "seed",
        {
            "tenants": [
                {
                    **BIG_TENANT,
                    "products": [
                        {
                            "id": "p_old",
                            "title": "Old",
                            "variants": [{"sku": "OLD-1", "stock_quantity": 1}],
                        }
                    ],
                }
            ]
        },
    )
    pisell.emu("clock", {"advance_seconds": 60})
    pisell.emu(
        "seed",
        {
            "products": {
                "tenant": "big",
                "items": [
                    {
                        "id": "p_new",
                        "title": "New",
                        "variants": [{"sku": "NEW-1", "stock_quantity": 1}],
                    }
                ],
            }
        },
    )

    with pisell.client("psk_test_big") as client:
        # When filtering from exactly the newer product's time, then from one second later
        at_new = client.get("/products", params={"updated_since": "2026-04-01T00:01:00Z"})
        after_new = client.get("/products", params={"updated_since": "2026-04-01T00:01:01Z"})
        # Then the bound is inclusive
        assert [p["id"] for p in at_new.json()["data"]] == ["p_new"]
        assert after_new.json()["data"] == []

        # When the older product's stock changes a minute later
        pisell.emu("clock", {"advance_seconds": 60})
        put = client.put(
            "/inventory/levels",
            json={"items": [{"sku": "OLD-1", "quantity": 5}]},
            headers={"Idempotency-Key": "bump-1"},
        )
        assert put.status_code == 200
        changed = client.get("/products", params={"updated_since": "2026-04-01T00:02:00Z"})

    # Then it comes back with both its own and its variant's time moved, and the new stock
    [product] = changed.json()["data"]
    assert product["id"] == "p_old"
    assert product["updated_at"] == "2026-04-01T00:02:00Z"
    assert product["variants"][0]["updated_at"] == "2026-04-01T00:02:00Z"
    assert product["variants"][0]["stock_quantity"] == 5


def test_golden_products_listing_field_for_field(pisell: Pisell) -> None:
    # Given the product of pisell.md §2.2, stamped at its time, and a later one
    sample = golden("products_list.response.json")
    pisell.emu("clock", {"freeze": "2025-05-01T02:03:04+00:00"})
    product = sample["data"][0]
    variant = product["variants"][0]
    pisell.emu(
        "seed",
        {
            "tenants": [
                {
                    **BIG_TENANT,
                    "products": [
                        {
                            "id": product["id"],
                            "title": product["title"],
                            "status": product["status"],
                            "variants": [
                                {
                                    key: variant[key]
                                    for key in (
                                        "id",
                                        "sku",
                                        "barcode",
                                        "title",
                                        "price",
                                        "stock_quantity",
                                    )
                                }
                            ],
                        }
                    ],
                }
            ]
        },
    )
    pisell.emu("clock", {"advance_seconds": 10})
    pisell.emu(
        "seed",
        {
            "products": {
                "tenant": "big",
                "items": [{"id": "p_1002", "title": "Later", "variants": [{"sku": "LATER"}]}],
            }
        },
    )

    # When the first page of one is read
    with pisell.client("psk_test_big") as client:
        response = client.get("/products", params={"limit": 1})

    # Then it is the sample, field for field, with an opaque cursor to the next page
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["data"] == sample["data"]
    assert set(body) == set(sample)
    assert isinstance(body["next_cursor"], str)
    assert body["next_cursor"]


def test_local_time_string_mode_writes_the_merchants_wall_clock(pisell: Pisell) -> None:
    pisell.emu("clock", {"freeze": "2026-05-02T05:18:51+00:00"})
    local = {**BIG_TENANT, "local_time_zone": "Australia/Melbourne"}
    local["products"] = [{"title": "T", "variants": [{"sku": "T-1"}]}]
    pisell.emu("seed", {"tenants": [local]})
    with pisell.client("psk_test_big") as client:
        [product] = client.get("/products").json()["data"]
    assert product["updated_at"] == "02/May/2026 15:18:51"
    assert product["variants"][0]["updated_at"] == "02/May/2026 15:18:51"


def test_golden_locations_listing(pisell: Pisell) -> None:
    pisell.emu(
        "seed",
        {
            "tenants": [
                {**BIG_TENANT, "locations": [{"id": "loc_main", "name": "Shop", "default": True}]}
            ]
        },
    )
    with pisell.client("psk_test_big") as client:
        assert client.get("/locations").json() == golden("locations_list.response.json")


def test_thousands_of_variants_seed_in_bulk_and_pull_page_by_page(pisell: Pisell) -> None:
    # Given 2,000 variants seeded in bulk (how fast is for `make bench`)
    pisell.emu("seed", {"tenants": [BIG_TENANT], "generate": {"tenant": "big", "count": 2_000}})

    # When the whole catalogue is pulled in pages of 250
    pages = all_pages(pisell, "psk_test_big", limit=250)

    # Then every variant came, once
    assert sum(len(page["data"]) for page in pages) == 2_000
    assert len(pages) == 8
