"""Unit tests of the Pisell client and adapter: the HTTP it sends and how it reads answers,
with httpx.MockTransport standing in for the platform (pisell.md §2). Talking to the Pisell
emulator over real HTTP is the contract suite's part."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pytest

from kucun.channels.adapters.base import (
    AuthenticationFailed,
    ChannelConfig,
    ChannelError,
    EventKind,
    Fulfilment,
    OrderStatus,
    PushStatus,
    ShipLine,
    ShipResult,
    StockLevel,
    WebhookRejected,
)
from kucun.channels.adapters.pisell import mappers
from kucun.channels.adapters.pisell.adapter import PLATFORM, PisellChannel

FIXTURES = Path(__file__).parent / "fixtures"
API_KEY = "pk_test_do_not_leak"
WEBHOOK_SECRET = "whsec_test"
NOW = 1_770_000_000.0
_stores = count()

Handler = Callable[[httpx.Request], httpx.Response]


def golden(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def make_channel(
    handler: Handler, *, options: dict[str, str] | None = None
) -> tuple[PisellChannel, list[float]]:
    slept: list[float] = []
    config = ChannelConfig(
        platform="pisell",
        base_url="https://api.pisell.test/v1",
        credentials={"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET},
        options=options or {},
        store_key=f"pisell-unit-{next(_stores)}",
    )
    channel = PisellChannel(
        config, transport=httpx.MockTransport(handler), sleep=slept.append, clock=lambda: NOW
    )
    return channel, slept


def levels(number: int) -> list[StockLevel]:
    return [StockLevel(f"v_{n}", f"SKU-{n}", n) for n in range(number)]


def all_ok(request: httpx.Request) -> httpx.Response:
    items = json.loads(request.content)["items"]
    results = [{"sku": item["sku"], "status": "ok", "quantity": item["quantity"]} for item in items]
    return httpx.Response(200, json={"results": results})


# -- products -----------------------------------------------------------------------------
def test_fetch_products_pages_from_the_watermark_minus_the_overlap() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "cursor" not in request.url.params:
            return httpx.Response(200, json=golden("products_list"))
        second = {
            "data": [
                {
                    **golden("products_list")["data"][0],
                    "id": "p_2",
                    "variants": [{"id": "v_2", "sku": "B", "stock_quantity": 1}],
                }
            ],
            "next_cursor": None,
        }
        return httpx.Response(200, json=second)

    channel, _slept = make_channel(handler)
    listings = list(channel.fetch_products(datetime(2025, 5, 1, 0, 10, tzinfo=UTC)))
    assert [listing.inventory_ref for listing in listings] == ["v_5001", "v_2"]
    assert [request.url.path for request in seen] == ["/v1/products", "/v1/products"]
    assert dict(seen[0].url.params) == {"limit": "250", "updated_since": "2025-05-01T00:00:00Z"}
    assert dict(seen[1].url.params) == {
        "limit": "250",
        "updated_since": "2025-05-01T00:00:00Z",
        "cursor": "eyJpZCI6InBfMTAwMSJ9",
    }
    assert seen[0].headers["Authorization"] == f"Bearer {API_KEY}"
    assert "X-Store-Domain" not in seen[0].headers


def test_a_full_pull_sends_no_watermark_and_names_the_store() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [], "next_cursor": None})

    channel, _slept = make_channel(handler, options={"store_domain": "shop.mypisell.com"})
    assert list(channel.fetch_products(None)) == []
    assert dict(seen[0].url.params) == {"limit": "250"}
    assert seen[0].headers["X-Store-Domain"] == "shop.mypisell.com"


def test_fetch_stock_reads_the_asked_variants() -> None:
    channel, _slept = make_channel(
        lambda request: httpx.Response(200, json=golden("products_list") | {"next_cursor": None})
    )
    assert channel.fetch_stock(["v_5001", "v_missing"]) == {"v_5001": 12}
    assert channel.fetch_stock([]) == {}


def test_a_throttled_read_waits_as_told_then_succeeds() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "7"}, json={"title": "Too Many Requests"}),
            httpx.Response(200, json={"data": [], "next_cursor": None}),
        ]
    )
    channel, slept = make_channel(lambda request: next(answers))
    assert list(channel.fetch_products(None)) == []
    assert slept == [7.0]


def test_signed_header_authentication_when_configured() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [], "next_cursor": None})

    config = ChannelConfig(
        platform="pisell",
        base_url="https://api.pisell.test/v1",
        credentials={"api_key": "access-1", "client_secret": "s3cret"},
        options={"auth_scheme": "signed", "client_id": "client-1"},
        store_key="pisell-unit-signed",
    )
    channel = PisellChannel(config, transport=httpx.MockTransport(handler), clock=lambda: NOW)
    list(channel.fetch_products(None))
    material = "&".join(sorted([str(int(NOW)), "client-1", "s3cret"])).encode()
    expected_sign = hashlib.md5(material, usedforsecurity=False).hexdigest().upper()
    headers = seen[0].headers
    assert (headers["Client-Id"], headers["Access-Token"]) == ("client-1", "access-1")
    assert (headers["Timestamp"], headers["Sign"]) == (str(int(NOW)), expected_sign)
    assert "Authorization" not in headers


def test_an_answer_that_is_not_an_object_is_an_error() -> None:
    channel, _slept = make_channel(lambda request: httpx.Response(200, json=[1, 2]))
    with pytest.raises(ChannelError, match="not a JSON object"):
        list(channel.fetch_products(None))


def test_refused_credentials_raise_without_the_key() -> None:
    problem = {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "bad key"}
    channel, _slept = make_channel(lambda request: httpx.Response(401, json=problem))
    with pytest.raises(AuthenticationFailed) as refused:
        list(channel.fetch_products(None))
    assert "Unauthorized" in refused.value.message
    assert API_KEY not in refused.value.message


def test_connection_lists_active_locations() -> None:
    channel, _slept = make_channel(
        lambda request: httpx.Response(200, json=golden("locations_list"))
    )
    info = channel.test_connection()
    assert info.account_name == "api.pisell.test"
    assert [(location.ref, location.name) for location in info.locations] == [("loc_main", "Shop")]


# -- stock --------------------------------------------------------------------------------
def test_push_stock_chunks_to_one_hundred_with_an_idempotency_key_each() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return all_ok(request)

    channel, _slept = make_channel(handler, options={"location_ref": "loc_main"})
    results = channel.push_stock(levels(250))
    assert [len(json.loads(request.content)["items"]) for request in seen] == [100, 100, 50]
    assert {request.method for request in seen} == {"PUT"}
    assert {request.url.path for request in seen} == {"/v1/inventory/levels"}
    assert len({request.headers["Idempotency-Key"] for request in seen}) == 3
    assert json.loads(seen[0].content)["items"][1] == {
        "sku": "SKU-1",
        "quantity": 1,
        "location_id": "loc_main",
    }
    assert [result.status for result in results] == [PushStatus.SUCCEEDED] * 250
    assert [result.inventory_ref for result in results] == [f"v_{n}" for n in range(250)]


def test_a_failed_write_is_retried_with_the_same_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(503, json={"title": "Service Unavailable", "status": 503})
        return all_ok(request)

    channel, slept = make_channel(handler)
    results = channel.push_stock(levels(2))
    assert [result.status for result in results] == [PushStatus.SUCCEEDED] * 2
    assert len(seen) == 2
    assert seen[0].headers["Idempotency-Key"] == seen[1].headers["Idempotency-Key"]
    assert seen[0].content == seen[1].content
    assert len(slept) == 1


def test_one_unknown_sku_fails_alone() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=golden("inventory_levels_set_response"))

    channel, _slept = make_channel(handler)
    results = channel.push_stock(
        [StockLevel("v_5001", "TREAT-43G", 7, location_ref="loc_main"), StockLevel("v_x", "X", 1)]
    )
    assert [(result.inventory_ref, result.status, result.error) for result in results] == [
        ("v_5001", PushStatus.SUCCEEDED, ""),
        ("v_x", PushStatus.FAILED, "unknown_sku: …"),
    ]


def test_a_refused_request_fails_each_level_with_the_problem_words() -> None:
    channel, _slept = make_channel(lambda request: httpx.Response(422, json=golden("problem")))
    results = channel.push_stock(levels(2))
    assert [(result.status, result.retryable) for result in results] == [
        (PushStatus.FAILED, False)
    ] * 2
    assert results[0].error == "422: Unknown SKU; …; items[3].sku: unknown_sku"


def test_an_unavailable_platform_fails_each_level_as_retryable_without_raising() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, json={"title": "Service Unavailable"})

    channel, _slept = make_channel(handler)
    results = channel.push_stock(levels(101))
    assert len(seen) == 8  # two chunks, four attempts each
    assert {(result.status, result.retryable) for result in results} == {(PushStatus.FAILED, True)}
    assert len(results) == 101


def test_a_stale_quantity_is_reported_stale() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content)["items"] == [
            {"sku": "A", "quantity": 5, "expected_quantity": 4}
        ]
        return httpx.Response(
            200,
            json={
                "results": [
                    {
                        "sku": "A",
                        "status": "error",
                        "code": "stale_quantity",
                        "message": "holds 6",
                        "quantity": 6,
                    }
                ]
            },
        )

    channel, _slept = make_channel(handler)
    [result] = channel.push_stock([StockLevel("v_1", "A", 5, expected_previous=4)])
    assert (result.status, result.current_quantity) == (PushStatus.STALE, 6)


def test_a_variant_without_a_sku_fails_without_being_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return all_ok(request)

    channel, _slept = make_channel(handler)
    results = channel.push_stock(
        [StockLevel("v_1", "A", 1), StockLevel("v_2", "", 2), StockLevel("v_3", "C", 3)]
    )
    assert [(result.inventory_ref, result.status) for result in results] == [
        ("v_1", PushStatus.SUCCEEDED),
        ("v_2", PushStatus.FAILED),
        ("v_3", PushStatus.SUCCEEDED),
    ]
    assert results[1].error == "the variant has no SKU on Pisell, and Pisell sets stock by SKU"
    assert [item["sku"] for item in json.loads(seen[0].content)["items"]] == ["A", "C"]


def test_poll_pushes_has_nothing_to_resolve() -> None:
    channel, _slept = make_channel(all_ok)
    assert channel.poll_pushes(["anything"]) == []


# -- webhooks -----------------------------------------------------------------------------
def signed(body: bytes, *, at: int = int(NOW), secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Signature": f"t={at},v1={digest}",
        "X-Event-Type": "product.updated",
        "X-Delivery-Id": "d_1",
    }


PRODUCT_BODY = (
    b'{"id": "p_1001",  "title": "Dog Treats", "updated_at": "2025-05-01T02:03:04Z",'
    b' "variants": [{"id": "v_5001", "sku": "TREAT-43G", "stock_quantity": 11}]}'
)


def test_a_signed_delivery_is_parsed_from_its_raw_bytes() -> None:
    channel, _slept = make_channel(all_ok)
    [event] = channel.parse_webhook(signed(PRODUCT_BODY), PRODUCT_BODY)
    assert event.kind == EventKind.PRODUCT_UPDATED
    assert event.event_id == "d_1"
    assert event.topic == "product.updated"
    assert event.refs == ("v_5001",)
    assert event.occurred_at == datetime(2025, 5, 1, 2, 3, 4, tzinfo=UTC)


def test_header_names_are_read_in_any_case() -> None:
    channel, _slept = make_channel(all_ok)
    headers = {name.lower(): value for name, value in signed(PRODUCT_BODY).items()}
    assert channel.parse_webhook(headers, PRODUCT_BODY)[0].event_id == "d_1"


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (signed(PRODUCT_BODY), PRODUCT_BODY.replace(b"11", b"99")),  # body changed
        (signed(PRODUCT_BODY, secret="another"), PRODUCT_BODY),
        (signed(PRODUCT_BODY, at=int(NOW) - 301), PRODUCT_BODY),  # too old
        ({"X-Signature": "v1=abc", "X-Delivery-Id": "d"}, PRODUCT_BODY),
        ({"X-Delivery-Id": "d"}, PRODUCT_BODY),
        ({**signed(b"not json"), "X-Delivery-Id": "d"}, b"not json"),
        (
            {key: value for key, value in signed(PRODUCT_BODY).items() if key != "X-Delivery-Id"},
            PRODUCT_BODY,
        ),
    ],
)
def test_a_delivery_that_does_not_verify_is_rejected(headers: dict[str, str], body: bytes) -> None:
    channel, _slept = make_channel(all_ok)
    with pytest.raises(WebhookRejected):
        channel.parse_webhook(headers, body)


def test_without_a_webhook_secret_every_delivery_is_rejected() -> None:
    config = ChannelConfig(
        platform="pisell", base_url="https://x.test", credentials={"api_key": "k"}
    )
    channel = PisellChannel(config, transport=httpx.MockTransport(all_ok), clock=lambda: NOW)
    with pytest.raises(WebhookRejected, match="no webhook secret"):
        channel.parse_webhook(signed(PRODUCT_BODY), PRODUCT_BODY)


def test_inventory_and_order_deliveries_name_their_variant_and_order() -> None:
    channel, _slept = make_channel(all_ok)
    inventory = (
        b'{"sku": "TREAT-43G", "variant_id": "v_5001", "location_id": "loc_main", "quantity": 3}'
    )
    headers = {**signed(inventory), "X-Event-Type": "inventory.updated"}
    [event] = channel.parse_webhook(headers, inventory)
    assert (event.kind, event.refs) == (EventKind.INVENTORY_UPDATED, ("v_5001",))
    assert event.occurred_at == datetime.fromtimestamp(NOW, tz=UTC).replace(microsecond=0)
    order = b'{"data": {"id": "o_9001", "status": "paid"}}'
    [event] = channel.parse_webhook({**signed(order), "X-Event-Type": "order.created"}, order)
    assert (event.kind, event.refs) == (EventKind.ORDER_CREATED, ("o_9001",))


# -- the platform ---------------------------------------------------------------------------
def test_a_store_without_an_api_address_is_told_so() -> None:
    config = ChannelConfig(platform="pisell", base_url="", credentials={"api_key": "k"})
    channel = PisellChannel(config, transport=httpx.MockTransport(all_ok))
    with pytest.raises(ChannelError, match="no Pisell API base URL"):
        channel.test_connection()
    [result] = channel.push_stock([StockLevel("v_1", "A", 1)])
    assert (result.status, result.retryable) == (PushStatus.FAILED, False)
    assert "no Pisell API base URL" in result.error


def test_platform_spec() -> None:
    assert (PLATFORM.code, PLATFORM.label, PLATFORM.account_field) == (
        "pisell",
        "Pisell",
        "api_base_url",
    )
    assert [(field.name, field.secret, field.required) for field in PLATFORM.credential_fields] == [
        ("api_key", True, True),
        ("webhook_secret", True, False),
        ("client_secret", True, False),
    ]
    assert [field.name for field in PLATFORM.option_fields] == [
        "api_base_url",
        "auth_scheme",
        "client_id",
        "store_domain",
        "timezone",
    ]
    assert (
        PLATFORM.production_base_url({"api_base_url": "https://h.example/v1/"})
        == "https://h.example/v1"
    )
    assert (
        PLATFORM.sandbox_base_url("http://127.0.0.1:8000/", {})
        == "http://127.0.0.1:8000/sandbox/pisell"
    )
    assert (PLATFORM.capabilities.max_stock_batch, PLATFORM.capabilities.webhooks) == (100, True)
    assert PLATFORM.capabilities.async_writes is False
    assert (PLATFORM.capabilities.order_webhooks, PLATFORM.capabilities.partial_fulfilment) == (
        True,
        True,
    )


# -- orders (pisell.md §2.4–§2.5) -------------------------------------------------------------
def pisell_order(**changes: Any) -> dict[str, Any]:
    return {**golden("orders_list")["data"][0], **changes}


def shipment() -> Fulfilment:
    return Fulfilment(
        order_ref="o_9001",
        lines=(ShipLine("li_1", 2),),
        tracking_number="ABC000128B4C5",
        carrier="auspost",
        carrier_name="Australia Post",
        shipped_at=datetime(2025, 5, 2, 1, 0, tzinfo=UTC),
        key="order:1:o_9001:1",
        tracking_url="https://tracking.example/ABC000128B4C5",
    )


class FakePisell:
    """Answers ``GET /orders/o_9001`` with ``order`` (404 when None), its fulfilments' list
    with ``listed`` (404 when None: a platform without the list), and each fulfilment POST
    with the next of ``answers``; keeps every request."""

    def __init__(self, order: dict[str, Any] | None, *answers: httpx.Response) -> None:
        self.order = order
        self.listed: list[dict[str, Any]] | None = None
        self.answers = list(answers) or [httpx.Response(201, json=golden("fulfillment_response"))]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET" and request.url.path.endswith("/fulfillments"):
            if self.listed is None:
                return httpx.Response(404, json={"title": "Not found", "status": 404})
            return httpx.Response(200, json={"data": self.listed})
        if request.method == "GET":
            if self.order is None:
                return httpx.Response(404, json={"title": "Not found", "status": 404})
            return httpx.Response(200, json=self.order)
        return self.answers.pop(0)

    def posts(self) -> list[httpx.Request]:
        return [request for request in self.requests if request.method == "POST"]


def test_fetch_orders_pages_every_status_from_the_watermark_minus_the_overlap() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "cursor" not in request.url.params:
            return httpx.Response(200, json={**golden("orders_list"), "next_cursor": "c2"})
        cancelled = pisell_order(id="o_9002", status="cancelled")
        return httpx.Response(200, json={"data": [cancelled], "next_cursor": None})

    channel, _slept = make_channel(handler)
    orders = list(channel.fetch_orders(datetime(2025, 5, 1, 0, 10, tzinfo=UTC)))
    assert [(order.order_ref, order.status) for order in orders] == [
        ("o_9001", OrderStatus.OPEN),
        ("o_9002", OrderStatus.CANCELLED),
    ]
    assert [request.url.path for request in seen] == ["/v1/orders", "/v1/orders"]
    assert dict(seen[0].url.params) == {"updated_since": "2025-05-01T00:00:00Z", "limit": "100"}
    assert dict(seen[1].url.params) == {
        "updated_since": "2025-05-01T00:00:00Z",
        "limit": "100",
        "cursor": "c2",
    }
    assert seen[0].headers["Authorization"] == f"Bearer {API_KEY}"


def test_orders_are_read_in_the_stores_time_zone() -> None:
    local = pisell_order(created_at="02/May/2026 15:18:51", updated_at="02/May/2026 15:20:00")
    channel, _slept = make_channel(
        lambda request: httpx.Response(200, json={"data": [local], "next_cursor": None}),
        options={"timezone": "Australia/Melbourne"},
    )
    [order] = channel.fetch_orders(datetime(2026, 5, 1, tzinfo=UTC))
    assert order.updated_at == datetime(2026, 5, 2, 5, 20, tzinfo=UTC)


def test_an_order_without_its_time_is_an_error_naming_the_field() -> None:
    broken = pisell_order(created_at=None)
    channel, _slept = make_channel(
        lambda request: httpx.Response(200, json={"data": [broken], "next_cursor": None})
    )
    with pytest.raises(ChannelError, match="Pisell order o_9001: created_at is missing"):
        list(channel.fetch_orders(datetime(2026, 5, 1, tzinfo=UTC)))


@pytest.mark.parametrize("wrapped", [False, True])
def test_fetch_order_reads_one_order_bare_or_wrapped(wrapped: bool) -> None:
    fake = FakePisell({"data": pisell_order()} if wrapped else pisell_order())
    channel, _slept = make_channel(fake)
    order = channel.fetch_order("o_9001")
    assert order is not None
    assert (order.order_ref, order.number) == ("o_9001", "#1042")
    assert fake.requests[0].url.path == "/v1/orders/o_9001"


def test_fetch_order_of_an_unknown_order_is_none() -> None:
    channel, _slept = make_channel(FakePisell(None))
    assert channel.fetch_order("o_404") is None


def test_mark_shipped_reads_the_order_then_posts_the_fulfilment_with_a_key() -> None:
    fake = FakePisell(pisell_order())
    channel, _slept = make_channel(fake)
    assert channel.mark_shipped(shipment()) == ShipResult(fulfilment_ref="f_1")
    get, listed, post = fake.requests
    assert (get.method, get.url.path) == ("GET", "/v1/orders/o_9001")
    assert (listed.method, listed.url.path) == ("GET", "/v1/orders/o_9001/fulfillments")
    assert (post.method, post.url.path) == ("POST", "/v1/orders/o_9001/fulfillments")
    assert json.loads(post.content) == golden("fulfillment_request")
    assert post.headers["Idempotency-Key"] == mappers.fulfilment_idempotency_key(shipment())


def test_a_fulfilment_retried_after_a_server_error_keeps_its_key() -> None:
    fake = FakePisell(
        pisell_order(),
        httpx.Response(503, json={"title": "Unavailable", "status": 503}),
        httpx.Response(201, json=golden("fulfillment_response")),
    )
    channel, slept = make_channel(fake)
    assert channel.mark_shipped(shipment()).fulfilment_ref == "f_1"
    first, second = fake.posts()
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert len(slept) == 1


def test_an_over_fulfilment_is_refused_with_the_platforms_words() -> None:
    problem = {
        "type": "https://errors.example/over_fulfilment",
        "title": "Over fulfilment",
        "status": 422,
        "detail": "li_1 has 1 left",
        "errors": [{"field": "line_items[0].quantity", "code": "over_fulfilment"}],
    }
    channel, _slept = make_channel(FakePisell(pisell_order(), httpx.Response(422, json=problem)))
    with pytest.raises(ChannelError) as raised:
        channel.mark_shipped(shipment())
    assert raised.value.message == (
        "422: Over fulfilment; li_1 has 1 left; line_items[0].quantity: over_fulfilment"
    )
    assert (raised.value.status, raised.value.retryable) == (422, False)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "cancelled"}, "Pisell order o_9001 is cancelled: there is nothing to ship"),
        (
            {"channel": "pos", "fulfillment_status": "collected"},
            "Pisell order o_9001 was collected in the shop: it is never shipped",
        ),
    ],
)
def test_an_order_that_must_not_ship_is_refused_without_a_post(
    changes: dict[str, str], reason: str
) -> None:
    fake = FakePisell(pisell_order(**changes))
    channel, _slept = make_channel(fake)
    with pytest.raises(ChannelError) as raised:
        channel.mark_shipped(shipment())
    assert raised.value.message == reason
    assert fake.posts() == []


def test_a_fulfilment_the_order_already_lists_is_answered_without_a_post() -> None:
    listed = [{"id": "f_7", "tracking_number": "ABC000128B4C5", "status": "shipped"}]
    fake = FakePisell(pisell_order(fulfillments=listed))
    channel, _slept = make_channel(fake)
    assert channel.mark_shipped(shipment()) == ShipResult(fulfilment_ref="f_7", already_done=True)
    assert [request.url.path for request in fake.requests] == ["/v1/orders/o_9001"]


def test_a_fulfilment_the_platform_lists_is_answered_without_a_post() -> None:
    fake = FakePisell(pisell_order())
    fake.listed = [
        {"id": "f_6", "tracking_number": "OTHER"},
        {"id": "f_7", "tracking_number": "ABC000128B4C5"},
    ]
    channel, _slept = make_channel(fake)
    assert channel.mark_shipped(shipment()) == ShipResult(fulfilment_ref="f_7", already_done=True)
    assert fake.posts() == []
    fake.listed = [{"id": "f_6", "tracking_number": "OTHER"}]
    assert channel.mark_shipped(shipment()) == ShipResult(fulfilment_ref="f_1")


def test_shipping_an_unknown_order_is_a_404_without_a_post() -> None:
    fake = FakePisell(None)
    channel, _slept = make_channel(fake)
    with pytest.raises(ChannelError, match="Pisell does not know order o_9001") as raised:
        channel.mark_shipped(shipment())
    assert raised.value.status == 404
    assert fake.posts() == []
