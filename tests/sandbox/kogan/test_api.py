"""The emulated Kogan Seller API over real HTTP: auth, products paging, asynchronous stock
writes, throttling on the emulator clock, faults, and the control plane's access rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kucun.sandbox.kogan.state import DEFAULT_SELLER_ID
from tests.factories import UserFactory
from tests.sandbox.conftest import Sandbox
from tests.sandbox.kogan.conftest import SellerClient

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"


def golden(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def stock_of(sandbox: Sandbox, sku: str, seller: str = DEFAULT_SELLER_ID) -> int:
    state = sandbox.control.get(sandbox.url("kogan", "__emu/state"), params={"seller": seller})
    return int(state.json()["sellers"][seller]["products"][sku]["stock"])


def all_pages(client: httpx.Client, first: str) -> list[dict[str, Any]]:
    pages, url = [], first
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        url = response.json()["body"]["next"]
    return pages


# -- auth ---------------------------------------------------------------------------------
def test_missing_headers_are_refused_as_kogan_refuses_them(kogan: SellerClient) -> None:
    response = kogan(None, None).get("products/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize(
    ("seller_id", "token"),
    [(DEFAULT_SELLER_ID, "wrong-token"), ("no-such-seller", "sandbox-kogan-token-not-a-secret")],
)
def test_wrong_credentials_are_refused(kogan: SellerClient, seller_id: str, token: str) -> None:
    response = kogan(seller_id, token).get("products/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect authentication credentials."}


def test_a_refused_write_changes_nothing(kogan: SellerClient, sandbox: Sandbox) -> None:
    response = kogan(DEFAULT_SELLER_ID, "wrong").post(
        "products/stockprice/", json=[{"product_sku": "KG-MUG", "stock": 1}]
    )
    assert response.status_code == 401
    assert (
        sandbox.control.get(sandbox.url("kogan", "__emu/state")).json()["sellers"][
            DEFAULT_SELLER_ID
        ]["tasks"]
        == {}
    )


# -- products/ ----------------------------------------------------------------------------
def test_products_page_through_next_urls(kogan: SellerClient, sandbox: Sandbox) -> None:
    sandbox.emu(
        "kogan",
        "seed",
        {"sellers": [{"seller_id": "S-2", "seller_token": "t-2", "generate": {"count": 250}}]},
    )
    pages = all_pages(kogan("S-2", "t-2"), "products/?size=100")
    assert [len(page["body"]["results"]) for page in pages] == [100, 100, 50]
    skus = [item["product_sku"] for page in pages for item in page["body"]["results"]]
    assert skus == [f"GEN-{number:05d}" for number in range(1, 251)]
    next_url = urlsplit(pages[0]["body"]["next"])
    assert next_url.path.endswith("/sandbox/kogan/api/marketplace/v2/products/")
    assert parse_qs(next_url.query)["size"] == ["100"]
    assert pages[0]["body"]["previous"] is None
    assert pages[-1]["body"]["next"] is None


def test_previous_urls_lead_back_page_by_page(kogan: SellerClient, sandbox: Sandbox) -> None:
    sandbox.emu(
        "kogan",
        "seed",
        {"sellers": [{"seller_id": "S-2", "seller_token": "t-2", "generate": {"count": 25}}]},
    )
    client = kogan("S-2", "t-2")
    forwards = all_pages(client, "products/?size=10")
    backwards, url = [], forwards[-1]["body"]["previous"]
    while url:
        page = client.get(url).json()["body"]
        backwards.append([item["product_sku"] for item in page["results"]])
        url = page["previous"]
    assert backwards == [
        [item["product_sku"] for item in page["body"]["results"]] for page in forwards[-2::-1]
    ]
    # A page reached backwards links forwards again.
    first = client.get(forwards[1]["body"]["previous"]).json()["body"]
    assert client.get(first["next"]).json()["body"]["results"] == forwards[1]["body"]["results"]


def test_page_size_is_capped_at_the_server_maximum(kogan: SellerClient, sandbox: Sandbox) -> None:
    sandbox.emu(
        "kogan",
        "seed",
        {"sellers": [{"seller_id": "S-2", "seller_token": "t-2", "generate": {"count": 150}}]},
    )
    response = kogan("S-2", "t-2").get("products/", params={"size": 1000})
    assert len(response.json()["body"]["results"]) == 100


def test_a_full_pull_of_thousands_of_products_reads_each_once(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    sandbox.emu(
        "kogan",
        "seed",
        {"sellers": [{"seller_id": "BIG", "seller_token": "t", "generate": {"count": 2000}}]},
    )
    pages = all_pages(kogan("BIG", "t"), "products/?size=100")
    skus = [item["product_sku"] for page in pages for item in page["body"]["results"]]
    assert len(skus) == len(set(skus)) == 2000
    assert len(pages) == 20


def test_filters_sku_enabled_and_created_after(kogan: SellerClient, sandbox: Sandbox) -> None:
    client = kogan()
    by_sku = client.get("products/", params={"sku": "KG-MUG"}).json()["body"]["results"]
    assert [item["product_sku"] for item in by_sku] == ["KG-MUG"]
    disabled = client.get("products/", params={"enabled": "false"}).json()["body"]["results"]
    assert [item["product_sku"] for item in disabled] == ["KG-BOTTLE"]
    sandbox.emu("kogan", "clock", {"advance_seconds": 3600})
    now = sandbox.emu("kogan", "clock").json()["now"]
    sandbox.emu(
        "kogan",
        "seed",
        {"sellers": [{"seller_id": DEFAULT_SELLER_ID, "products": [{"product_sku": "NEW-1"}]}]},
    )
    recent = client.get("products/", params={"created_after": now}).json()["body"]["results"]
    assert [item["product_sku"] for item in recent] == ["NEW-1"]
    refused = client.get("products/", params={"created_after": "yesterday"})
    assert refused.status_code == 400
    assert refused.json() == {"created_after": ["Enter a valid date/time."]}


def test_detail_adds_the_full_record(kogan: SellerClient) -> None:
    client = kogan()
    summary = client.get("products/", params={"sku": "KG-MUG"}).json()["body"]["results"][0]
    full = client.get("products/", params={"sku": "KG-MUG", "detail": "true"}).json()
    assert "attributes" not in summary
    assert full["body"]["results"][0] == {
        **summary,
        "product_description": "",
        "images": [],
        "attributes": {},
    }


def test_an_unreadable_cursor_is_not_found(kogan: SellerClient) -> None:
    response = kogan().get("products/", params={"cursor": "%%%"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


# -- products/stockprice/ and task/ -------------------------------------------------------
def test_a_stock_write_applies_only_when_its_task_completes(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    client = kogan()
    accepted = client.post("products/stockprice/", json=[{"product_sku": "KG-MUG", "stock": 3}])
    assert accepted.status_code == 200
    pending_url = accepted.json()["pending_url"]
    assert accepted.json()["status"] == "AsyncResponsePending"
    assert stock_of(sandbox, "KG-MUG") == 30

    for _poll in range(2):  # task_polls defaults to 2
        polled = client.get(pending_url)
        assert polled.json() == {
            "status": "AsyncResponsePending",
            "error": None,
            "pending_url": pending_url,
            "body": None,
        }
        assert stock_of(sandbox, "KG-MUG") == 30

    done = client.get(pending_url)
    assert done.json() == {
        "status": "Complete",
        "error": None,
        "pending_url": None,
        "body": {"errors": [], "warnings": []},
    }
    assert stock_of(sandbox, "KG-MUG") == 3
    assert client.get(pending_url).json()["status"] == "Complete"  # terminal answers repeat


def test_unknown_sku_completes_with_errors_and_the_rest_applies(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    sandbox.emu("kogan", "settings", {"task_polls": 0})
    client = kogan()
    accepted = client.post(
        "products/stockprice/",
        json=[
            {"product_sku": "KG-MUG", "stock": 5, "offer_data": {"AUD": {"price": "12.50"}}},
            {"product_sku": "NOPE", "stock": 1},
            {"product_sku": "KG-TEE-S", "stock": -1},
        ],
    )
    done = client.get(accepted.json()["pending_url"]).json()
    assert done["status"] == "CompleteWithErrors"
    assert done["body"] == {
        "errors": [
            {
                "product_sku": "NOPE",
                "message": "Product with product_sku NOPE does not exist.",
                "code": "unknown_sku",
            },
            {
                "product_sku": "KG-TEE-S",
                "message": "stock must be a whole number of 0 or more.",
                "code": "invalid_stock",
            },
        ],
        "warnings": [],
    }
    assert stock_of(sandbox, "KG-MUG") == 5
    assert stock_of(sandbox, "KG-TEE-S") == 12
    mug = client.get("products/", params={"sku": "KG-MUG"}).json()["body"]["results"][0]
    assert mug["offer_data"]["AUD"]["price"] == "12.50"


def test_a_batch_over_the_limit_is_refused_whole(kogan: SellerClient, sandbox: Sandbox) -> None:
    items = [{"product_sku": "KG-MUG", "stock": 1}] * 501
    response = kogan().post("products/stockprice/", json=items)
    assert response.status_code == 400
    assert response.json() == {
        "status": "Failed",
        "error": "Ensure this list has no more than 500 items (it has 501).",
        "pending_url": None,
        "body": None,
    }
    state = sandbox.control.get(sandbox.url("kogan", "__emu/state")).json()
    assert state["sellers"][DEFAULT_SELLER_ID]["tasks"] == {}


def test_a_body_that_is_not_an_array_is_refused(kogan: SellerClient) -> None:
    response = kogan().post("products/stockprice/", json={"product_sku": "KG-MUG", "stock": 1})
    assert response.status_code == 400
    assert response.json()["error"] == "Expected a list of items but got something else."


def test_another_sellers_task_is_not_found(kogan: SellerClient, sandbox: Sandbox) -> None:
    sandbox.emu("kogan", "seed", {"sellers": [{"seller_id": "S-2", "seller_token": "t-2"}]})
    accepted = kogan().post("products/stockprice/", json=[{"product_sku": "KG-MUG", "stock": 1}])
    response = kogan("S-2", "t-2").get(accepted.json()["pending_url"])
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


# -- throttling ---------------------------------------------------------------------------
def test_throttled_answer_and_refill_on_the_emulator_clock(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    sandbox.emu("kogan", "clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    sandbox.emu("kogan", "rate-limit", {"capacity": 2, "refill_per_second": 0.5})
    client = kogan()
    assert [client.get("products/").status_code for _ in range(2)] == [200, 200]
    throttled = client.get("products/")
    assert throttled.status_code == 429
    assert throttled.json() == {"detail": "Request was throttled. Expected available in 2 sec."}
    assert throttled.headers["Retry-After"] == "2"
    sandbox.emu("kogan", "clock", {"advance_seconds": 2})
    assert client.get("products/").status_code == 200


@pytest.mark.parametrize(
    ("setting", "refilled_in"), [("hourly_limit", 1200), ("daily_limit", 28800)]
)
def test_the_sustained_and_daily_limits_throttle_too(
    kogan: SellerClient, sandbox: Sandbox, setting: str, refilled_in: int
) -> None:
    # Given a seller allowed 3 requests in the window (the burst limit is far away)
    sandbox.emu("kogan", "clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    sandbox.emu("kogan", "settings", {setting: 3})
    client = kogan()

    # When a fourth request comes
    assert [client.get("products/").status_code for _ in range(3)] == [200, 200, 200]
    throttled = client.get("products/")

    # Then it waits for one request's share of the window
    assert throttled.status_code == 429
    assert throttled.json() == {
        "detail": f"Request was throttled. Expected available in {refilled_in} sec."
    }
    assert throttled.headers["Retry-After"] == str(refilled_in)
    sandbox.emu("kogan", "clock", {"advance_seconds": refilled_in})
    assert client.get("products/").status_code == 200


def test_each_seller_has_its_own_bucket(kogan: SellerClient, sandbox: Sandbox) -> None:
    sandbox.emu("kogan", "seed", {"sellers": [{"seller_id": "S-2", "seller_token": "t-2"}]})
    sandbox.emu("kogan", "clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    sandbox.emu("kogan", "rate-limit", {"capacity": 1, "refill_per_second": 0.01})
    client = kogan()
    assert client.get("products/").status_code == 200
    assert client.get("products/").status_code == 429
    assert kogan("S-2", "t-2").get("products/").status_code == 200


# -- faults -------------------------------------------------------------------------------
def test_a_registered_fault_answers_then_clears(kogan: SellerClient, sandbox: Sandbox) -> None:
    sandbox.emu(
        "kogan",
        "faults",
        {
            "match": {"op": "products_get"},
            "response": {"status": 503, "body": {"detail": "Service unavailable"}},
            "times": 1,
        },
    )
    client = kogan()
    first = client.get("products/")
    assert first.status_code == 503
    assert first.json() == {"detail": "Service unavailable"}
    assert client.get("products/").status_code == 200


def test_a_lost_answer_still_leaves_the_task(kogan: SellerClient, sandbox: Sandbox) -> None:
    sandbox.emu(
        "kogan",
        "faults",
        {
            "match": {"op": "products_stock_price_update"},
            "response": {"status": 504, "body": "gateway timeout"},
            "after_apply": True,
        },
    )
    response = kogan().post("products/stockprice/", json=[{"product_sku": "KG-MUG", "stock": 9}])
    assert response.status_code == 504
    state = sandbox.control.get(sandbox.url("kogan", "__emu/state")).json()
    tasks = list(state["sellers"][DEFAULT_SELLER_ID]["tasks"].values())
    assert [task["items"] for task in tasks] == [[{"product_sku": "KG-MUG", "stock": 9}]]


# -- control plane ------------------------------------------------------------------------
def test_sale_lowers_stock_and_refuses_more_than_held(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    order = sandbox.emu(
        "kogan", "orders", {"items": [{"product_sku": "KG-TEE-M", "quantity": 2}]}
    ).json()
    assert order["OrderStatus"] == "ReleasedForShipment"
    assert order["Items"][0]["SellerSku"] == "KG-TEE-M"
    assert stock_of(sandbox, "KG-TEE-M") == 5
    refused = sandbox.control.post(
        sandbox.url("kogan", "__emu/orders"),
        json={"items": [{"product_sku": "KG-TEE-M", "quantity": 6}]},
    )
    assert refused.status_code == 409
    assert stock_of(sandbox, "KG-TEE-M") == 5


@pytest.mark.parametrize("name", ["reset", "seed", "state", "settings", "orders", "faults"])
def test_control_plane_is_refused_to_anonymous_and_viewers(
    kogan: SellerClient, sandbox: Sandbox, name: str
) -> None:
    from kucun.accounts.services import api_token_create

    _token, plain = api_token_create(user=UserFactory(role="viewer"), name="viewer")
    url = sandbox.url("kogan", f"__emu/{name}")
    assert httpx.post(url, json={}).status_code == 401
    viewer = httpx.post(url, json={}, headers={"Authorization": f"Bearer {plain}"})
    assert viewer.status_code == 403
    assert stock_of(sandbox, "KG-MUG") == 30


def test_sandbox_off_is_not_found(kogan: SellerClient, sandbox: Sandbox, settings: Any) -> None:
    settings.SANDBOX_ENABLED = False
    assert kogan().get("products/").status_code == 404
    assert sandbox.control.post(sandbox.url("kogan", "__emu/reset")).status_code == 404


# -- golden samples from kogan.md ---------------------------------------------------------
def test_products_answer_matches_the_documented_sample(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    sample = golden("products_get")
    product = sample["body"]["results"][0]
    sandbox.emu(
        "kogan",
        "seed",
        {
            "sellers": [
                {
                    "seller_id": "G",
                    "seller_token": "g",
                    "products": [product, {"product_sku": "ZZZ"}],
                }
            ]
        },
    )
    answer = kogan("G", "g").get("products/", params={"size": 1}).json()
    assert {name: answer[name] for name in ("status", "error", "pending_url")} == {
        name: sample[name] for name in ("status", "error", "pending_url")
    }
    assert answer["body"]["results"] == sample["body"]["results"]
    assert answer["body"]["previous"] == sample["body"]["previous"]
    next_url = urlsplit(answer["body"]["next"])
    assert next_url.path.endswith("/api/marketplace/v2/products/")
    assert sorted(parse_qs(next_url.query)) == sorted(
        parse_qs(urlsplit(sample["body"]["next"]).query)
    )


def test_stockprice_sample_is_accepted_with_the_documented_answer(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    sandbox.emu(
        "kogan",
        "seed",
        {
            "sellers": [
                {
                    "seller_id": DEFAULT_SELLER_ID,
                    "products": [{"product_sku": "ABC-123"}, {"product_sku": "ABC-456"}],
                }
            ]
        },
    )
    sample = golden("task_pending")
    answer = kogan().post("products/stockprice/", json=golden("products_stock_price_update"))
    body = answer.json()
    assert sorted(body) == sorted(sample)
    assert {name: body[name] for name in ("status", "error", "body")} == {
        name: sample[name] for name in ("status", "error", "body")
    }
    assert urlsplit(body["pending_url"]).path.startswith("/sandbox/kogan/api/marketplace/v2/task/")
    assert body["pending_url"].endswith("/")


def test_throttle_answer_matches_the_documented_sample(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    sandbox.emu("kogan", "clock", {"freeze": "2026-05-01T00:00:00+00:00"})
    sandbox.emu("kogan", "rate-limit", {"capacity": 1, "refill_per_second": 1 / 48})
    client = kogan()
    client.get("products/")
    assert client.get("products/").json() == golden("throttled")


# -- products/status/ ---------------------------------------------------------------------
def test_status_changes_need_the_account_permission(kogan: SellerClient, sandbox: Sandbox) -> None:
    refused = kogan().post("products/status/", json=[{"product_sku": "KG-MUG", "enabled": False}])
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You do not have permission to perform this action."}
    assert (
        sandbox.control.get(sandbox.url("kogan", "__emu/state")).json()["sellers"][
            DEFAULT_SELLER_ID
        ]["tasks"]
        == {}
    )


def test_status_changes_apply_when_their_task_completes(
    kogan: SellerClient, sandbox: Sandbox
) -> None:
    sandbox.emu(
        "kogan",
        "seed",
        {
            "sellers": [
                {
                    "seller_id": "S-3",
                    "seller_token": "t-3",
                    "status_permission": True,
                    "products": [{"product_sku": "A-1"}],
                }
            ]
        },
    )
    sandbox.emu("kogan", "settings", {"task_polls": 1})
    client = kogan("S-3", "t-3")
    accepted = client.post(
        "products/status/",
        json=[{"product_sku": "A-1", "enabled": False}, {"product_sku": "B-2", "enabled": True}],
    )
    pending_url = accepted.json()["pending_url"]
    assert client.get(pending_url).json()["status"] == "AsyncResponsePending"
    assert client.get("products/", params={"sku": "A-1"}).json()["body"]["results"][0]["enabled"]
    done = client.get(pending_url).json()
    assert done["status"] == "CompleteWithErrors"
    assert [error["product_sku"] for error in done["body"]["errors"]] == ["B-2"]
    product = client.get("products/", params={"sku": "A-1"}).json()["body"]["results"][0]
    assert product["enabled"] is False


def test_seed_takes_plain_names_too(kogan: SellerClient, sandbox: Sandbox) -> None:
    seed = {"sku": "PLAIN-1", "barcode": "9312345678907", "title": "Plain", "quantity": 4}
    sandbox.emu(
        "kogan", "seed", {"sellers": [{"seller_id": DEFAULT_SELLER_ID, "products": [seed]}]}
    )
    product = kogan().get("products/", params={"sku": "PLAIN-1"}).json()["body"]["results"][0]
    assert (product["product_gtin"], product["product_title"], product["stock"]) == (
        "9312345678907",
        "Plain",
        4,
    )


def test_seed_json_that_cannot_be_read_is_refused(kogan: SellerClient, sandbox: Sandbox) -> None:
    url = sandbox.url("kogan", "__emu/seed")
    missing = sandbox.control.post(url, json={"sellers": [{"products": []}]})
    assert missing.status_code == 400
    assert missing.json() == {"error": "every seller needs a seller_id"}
    unknown = sandbox.control.post(url, json={"sellers": [{"seller_id": "ghost"}]})
    assert unknown.status_code == 400
    assert unknown.json() == {"error": "seller ghost does not exist: give its seller_token"}
    too_long = {"seller_id": DEFAULT_SELLER_ID, "products": [{"product_sku": "X" * 46}]}
    refused = sandbox.control.post(url, json={"sellers": [too_long]})
    assert refused.status_code == 400
    assert refused.json() == {"error": f"product_sku {'X' * 46!r} must have 1 to 45 characters"}
    half = [{"seller_id": "NEW", "seller_token": "t", "products": [{"product_sku": ""}]}]
    assert sandbox.control.post(url, json={"sellers": half}).status_code == 400
    assert "NEW" not in sandbox.control.get(sandbox.url("kogan", "__emu/state")).json()["sellers"]
    assert (
        sandbox.control.post(
            url, json={"sellers": [{"seller_id": "x", "seller_token": "y", "products": [{}]}]}
        ).status_code
        == 400
    )
