"""``PUT inventory/levels``: per-item results, the batch limit, compare-and-set, the
Idempotency-Key store, and reads that reflect writes (pisell.md §2.3)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.pisell.conftest import Pisell, golden


def put_levels(pisell: Pisell, body: Any, key: str = "key-1") -> httpx.Response:
    return pisell.api.put("/inventory/levels", json=body, headers={"Idempotency-Key": key})


def quantities(pisell: Pisell) -> dict[str, dict[str, int]]:
    return {sku: v["stock"] for sku, v in pisell.state()["variants"].items()}


def test_golden_stock_write_answers_per_item_results(pisell: Pisell) -> None:
    # Given the request of pisell.md §2.3 plus an unknown SKU
    request = golden("inventory_levels_put.request.json")
    expected = golden("inventory_levels_put.response.json")
    request["items"].append({"sku": "X", "quantity": 1})

    # When it is sent
    response = put_levels(pisell, request)

    # Then the answer is a 200 whose results are the sample's, field for field
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == expected["results"][0]
    assert set(results[1]) == set(expected["results"][1])
    assert {k: v for k, v in results[1].items() if k != "message"} == {
        k: v for k, v in expected["results"][1].items() if k != "message"
    }
    assert results[1]["message"] == "No variant has the SKU 'X'."
    assert quantities(pisell)["TREAT-43G"] == {"loc_main": 7}


def test_stale_quantity_and_unknown_location_fail_only_their_item(pisell: Pisell) -> None:
    response = put_levels(
        pisell,
        {
            "items": [
                {"sku": "TREAT-43G", "quantity": 5, "expected_quantity": 11},
                {"sku": "TREAT-100G", "quantity": 3, "location_id": "loc_nowhere"},
                {"sku": "SCRATCH-S", "quantity": 9, "location_id": "loc_backroom"},
            ]
        },
    )
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "sku": "TREAT-43G",
            "status": "error",
            "code": "stale_quantity",
            "message": "The quantity is 12, not the expected 11.",
            "location_id": "loc_main",
            "quantity": 12,
        },
        {
            "sku": "TREAT-100G",
            "status": "error",
            "code": "unknown_location",
            "message": "No active location has the id 'loc_nowhere'.",
            "location_id": "loc_nowhere",
        },
        {"sku": "SCRATCH-S", "location_id": "loc_backroom", "status": "ok", "quantity": 9},
    ]
    held = quantities(pisell)
    assert held["TREAT-43G"] == {"loc_main": 12}
    assert held["TREAT-100G"] == {"loc_main": 30}
    assert held["SCRATCH-S"] == {"loc_main": 4, "loc_backroom": 9}


def test_a_write_is_seen_by_the_next_read(pisell: Pisell) -> None:
    put_levels(pisell, {"items": [{"sku": "LEAD-BLK", "quantity": 8}]})
    products = pisell.api.get("/products").json()["data"]
    lead = next(p for p in products if p["title"] == "Leather Lead")
    assert [(v["sku"], v["stock_quantity"]) for v in lead["variants"]] == [
        ("LEAD-RED", 7),
        ("LEAD-BLK", 8),
    ]


def test_more_than_100_items_is_refused_whole(pisell: Pisell) -> None:
    items = [{"sku": "TREAT-43G", "quantity": n} for n in range(101)]
    response = put_levels(pisell, {"items": items})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://errors.example/too_many_items",
        "title": "Too many items",
        "status": 422,
        "detail": "A request holds at most 100 items; this one holds 101.",
        "errors": [{"field": "items", "code": "too_many_items"}],
    }
    assert quantities(pisell)["TREAT-43G"] == {"loc_main": 12}
    exactly_100 = put_levels(pisell, {"items": items[:100]}, key="key-100")
    assert exactly_100.status_code == 200
    assert len(exactly_100.json()["results"]) == 100


def test_structural_mistakes_are_a_problem_naming_each_field(pisell: Pisell) -> None:
    sample = golden("problem.response.json")
    response = put_levels(
        pisell,
        {"items": [{"sku": "TREAT-43G", "quantity": -1}, {"quantity": 2}, "x"]},
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == set(sample)
    assert body["type"].startswith("https://errors.example/")
    assert body["errors"] == [
        {"field": "items[0].quantity", "code": "invalid_quantity"},
        {"field": "items[1].sku", "code": "required"},
        {"field": "items[2]", "code": "invalid_item"},
    ]
    malformed = pisell.api.put(
        "/inventory/levels", content=b"{not json", headers={"Idempotency-Key": "k-bad"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["type"] == "https://errors.example/malformed_json"
    assert quantities(pisell)["TREAT-43G"] == {"loc_main": 12}


def test_idempotency_key_is_required_replayed_and_bound_to_its_body(pisell: Pisell) -> None:
    missing = pisell.api.put(
        "/inventory/levels", json={"items": [{"sku": "TREAT-43G", "quantity": 1}]}
    )
    assert missing.status_code == 400
    assert missing.json()["errors"] == [{"field": "Idempotency-Key", "code": "required"}]

    body = {"items": [{"sku": "TREAT-43G", "quantity": 3}]}
    first = put_levels(pisell, body, key="same")
    put_levels(pisell, {"items": [{"sku": "TREAT-43G", "quantity": 20}]}, key="other")
    replay = put_levels(pisell, body, key="same")
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert quantities(pisell)["TREAT-43G"] == {"loc_main": 20}  # the replay applied nothing

    conflict = put_levels(pisell, {"items": [{"sku": "TREAT-43G", "quantity": 4}]}, key="same")
    assert conflict.status_code == 409
    assert conflict.json()["type"] == "https://errors.example/idempotency_key_reused"
    assert quantities(pisell)["TREAT-43G"] == {"loc_main": 20}
