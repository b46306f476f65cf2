"""Unit tests of the Kogan client and adapter: Kogan is played by an httpx.MockTransport given
to HttpClient as its ``transport`` (no network, no emulator). Against the emulator over real
HTTP the shared contract suite runs the same adapter."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kucun.channels.adapters.base import (
    AuthenticationFailed,
    ChannelConfig,
    ChannelError,
    Fulfilment,
    OrderStatus,
    PushResult,
    PushStatus,
    ShipLine,
    ShipResult,
    StockLevel,
    Throttled,
    Unavailable,
    WebhookRejected,
)
from kucun.channels.adapters.kogan.adapter import PLATFORM, KoganChannel
from kucun.channels.adapters.kogan.mappers import task_ref
from tests.channels.adapters.kogan.test_mappers import golden

BASE = "https://nimda.kogan.com"
API = f"{BASE}/api/marketplace/v2/"
TOKEN = "seller-token-value-not-for-logs"


@dataclass
class FakeKogan:
    """Answers in turn from ``answers`` per path (the last one repeats) and keeps requests."""

    answers: dict[str, list[httpx.Response]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, path: str, *answers: httpx.Response) -> None:
        self.answers[path] = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/marketplace/v2/")
        queue = self.answers.get(path)
        if not queue:
            return httpx.Response(404, json={"detail": "Not found."})
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def bodies(self, path: str) -> list[Any]:
        return [
            json.loads(r.content)
            for r in self.requests
            if r.url.path.endswith(path) and r.method == "POST"
        ]


def envelope(body: Any, status: str = "Complete") -> dict[str, Any]:
    return {"status": status, "error": None, "pending_url": None, "body": body}


def page(results: list[dict[str, Any]], next_url: str | None) -> httpx.Response:
    return httpx.Response(
        200, json=envelope({"next": next_url, "previous": None, "results": results})
    )


def product(sku: str, stock: int = 1) -> dict[str, Any]:
    return {"product_sku": sku, "product_title": sku, "product_gtin": "", "stock": stock}


def pending_answer(task: str) -> httpx.Response:
    return httpx.Response(
        202,
        json={
            "status": "AsyncResponsePending",
            "pending_url": f"{API}task/{task}/",
            "error": None,
            "body": None,
        },
    )


@pytest.fixture
def kogan() -> FakeKogan:
    return FakeKogan()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def channel(kogan: FakeKogan, sleeps: list[float]) -> KoganChannel:
    config = ChannelConfig(
        platform="kogan",
        base_url=BASE,
        credentials={"seller_id": "SELLER-1", "seller_token": TOKEN},
        options={"environment": "production"},
        store_key="kogan-unit",
        max_attempts=3,
    )
    return KoganChannel(config, transport=httpx.MockTransport(kogan), sleep=sleeps.append)


def test_every_request_carries_the_seller_headers(kogan: FakeKogan, channel: KoganChannel) -> None:
    kogan.on("products/", page([], None))
    info = channel.test_connection()
    [request] = kogan.requests
    assert request.headers["SellerID"] == "SELLER-1"
    assert request.headers["SellerToken"] == TOKEN
    assert str(request.url) == f"{API}products/?size=1"
    assert info.account_name == "Kogan seller SELLER-1"


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_raise_without_the_token(
    kogan: FakeKogan, channel: KoganChannel, status: int
) -> None:
    kogan.on("products/", httpx.Response(status, json={"detail": "Invalid seller token."}))
    with pytest.raises(AuthenticationFailed) as raised:
        channel.test_connection()
    assert raised.value.status == status
    assert "Invalid seller token." in raised.value.message
    assert TOKEN not in raised.value.message


def test_products_follow_the_cursor_in_next_across_three_pages(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on(
        "products/",
        page([product("A-1", 3)], f"{API}products/?cursor=c2&size=100"),
        page([product("A-2", 0)], f"{API}products/?cursor=c3&size=100"),
        page([product("A-3", 9)], None),
    )
    listings = list(channel.fetch_products(None))
    assert [(x.inventory_ref, x.quantity) for x in listings] == [("A-1", 3), ("A-2", 0), ("A-3", 9)]
    assert [str(r.url) for r in kogan.requests] == [
        f"{API}products/?size=100&detail=true",
        f"{API}products/?cursor=c2&size=100",
        f"{API}products/?cursor=c3&size=100",
    ]


def test_a_watermark_reads_everything_and_keeps_what_may_have_changed(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on(
        "products/",
        page(
            [
                {**product("OLD"), "updated_at": "2026-05-01T11:49:59Z"},
                {**product("EDGE"), "updated_at": "2026-05-01T11:50:00Z"},
                product("UNDATED"),
            ],
            None,
        ),
    )
    since = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert [x.sku for x in channel.fetch_products(since)] == ["EDGE", "UNDATED"]
    assert str(kogan.requests[0].url) == f"{API}products/?size=100&detail=true"


def test_a_next_url_on_another_host_is_read_from_the_stores_host(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on(
        "products/",
        page([product("A-1")], "https://elsewhere.example/api/marketplace/v2/products/?cursor=z"),
        page([], None),
    )
    list(channel.fetch_products(None))
    assert str(kogan.requests[1].url) == f"{API}products/?cursor=z"


def test_a_failed_envelope_is_an_error_with_kogans_words(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on("products/", httpx.Response(200, json={**envelope(None, "Failed"), "error": "Nope"}))
    with pytest.raises(ChannelError, match=r"^Nope$"):
        list(channel.fetch_products(None))


def test_fetch_stock_asks_sku_by_sku_for_a_few(kogan: FakeKogan, channel: KoganChannel) -> None:
    kogan.on("products/", page([product("A-1", 4)], None), page([], None))
    assert channel.fetch_stock(["A-1", "GONE"]) == {"A-1": 4}
    assert [parse_qs(urlsplit(str(r.url)).query)["sku"] for r in kogan.requests] == [
        ["A-1"],
        ["GONE"],
    ]


def test_fetch_stock_reads_the_catalogue_for_many(kogan: FakeKogan, channel: KoganChannel) -> None:
    kogan.on("products/", page([product(f"S-{n}", n) for n in range(30)], None))
    wanted = [f"S-{n}" for n in range(25)]
    assert channel.fetch_stock(wanted) == {f"S-{n}": n for n in range(25)}
    assert len(kogan.requests) == 1


def levels(count: int, prefix: str = "SKU") -> list[StockLevel]:
    return [StockLevel(f"{prefix}-{n}", f"{prefix}-{n}", n % 7) for n in range(count)]


def test_a_push_is_sent_in_batches_of_500_and_answered_pending(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on(
        "products/stockprice/", pending_answer("t1"), pending_answer("t2"), pending_answer("t3")
    )
    sent = levels(1001)
    results = channel.push_stock(sent)
    bodies = kogan.bodies("products/stockprice/")
    assert [len(body) for body in bodies] == [500, 500, 1]
    assert bodies[0][:2] == [
        {"product_sku": "SKU-0", "stock": 0},
        {"product_sku": "SKU-1", "stock": 1},
    ]
    assert [r.status for r in results] == [PushStatus.PENDING] * 1001
    assert results[0] == PushResult(
        "SKU-0", "SKU-0", PushStatus.PENDING, task_ref=task_ref(f"{API}task/t1/", sent[0])
    )
    assert results[1000].task_ref == task_ref(f"{API}task/t3/", sent[1000])


def test_a_push_answered_at_once_is_settled_at_once(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on(
        "products/stockprice/",
        httpx.Response(200, json=golden("task_get.complete_with_errors.response.json")),
    )
    results = channel.push_stock(
        [StockLevel("ABC-123", "ABC-123", 7), StockLevel("ABC-456", "ABC-456", 0)]
    )
    assert results == [
        PushResult("ABC-123", "ABC-123", PushStatus.SUCCEEDED, current_quantity=7),
        PushResult("ABC-456", "ABC-456", PushStatus.FAILED, error="Unknown product (unknown_sku)"),
    ]


def test_a_refused_batch_fails_the_named_sku_and_sends_the_rest_again(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    refusal = {
        "status": "Failed",
        "error": "Validation failed",
        "pending_url": None,
        "body": {"errors": [{"product_sku": "BAD", "message": "Unknown SKU"}]},
    }
    kogan.on("products/stockprice/", httpx.Response(400, json=refusal), pending_answer("t9"))
    results = channel.push_stock(
        [StockLevel("OK-1", "OK-1", 1), StockLevel("BAD", "BAD", 2), StockLevel("OK-2", "OK-2", 3)]
    )
    assert [(r.inventory_ref, r.status, r.error) for r in results] == [
        ("OK-1", PushStatus.PENDING, ""),
        ("BAD", PushStatus.FAILED, "Unknown SKU"),
        ("OK-2", PushStatus.PENDING, ""),
    ]
    assert kogan.bodies("products/stockprice/")[1] == [
        {"product_sku": "OK-1", "stock": 1},
        {"product_sku": "OK-2", "stock": 3},
    ]


def test_a_garbled_answer_to_a_push_fails_retryable(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on("products/stockprice/", httpx.Response(200, content=b"<html>gateway</html>"))
    [result] = channel.push_stock([StockLevel("A", "A", 1)])
    assert (result.status, result.retryable) == (PushStatus.FAILED, True)
    assert result.error == "Kogan answered 200 with a body that is not JSON"


def test_a_level_kogan_would_refuse_is_failed_without_a_request(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    [result] = channel.push_stock([StockLevel("X" * 46, "X", 1)])
    assert (result.status, result.retryable) == (PushStatus.FAILED, False)
    assert kogan.requests == []


def test_a_server_error_on_a_push_is_retried_since_stock_is_absolute(
    kogan: FakeKogan, channel: KoganChannel, sleeps: list[float]
) -> None:
    kogan.on("products/stockprice/", httpx.Response(503), pending_answer("t1"))
    [result] = channel.push_stock([StockLevel("A", "A", 5)])
    assert result.status == PushStatus.PENDING
    assert len(kogan.bodies("products/stockprice/")) == 2
    assert len(sleeps) == 1


def test_throttling_waits_the_figure_kogan_gives(
    kogan: FakeKogan, channel: KoganChannel, sleeps: list[float]
) -> None:
    kogan.on(
        "products/",
        httpx.Response(429, json=golden("throttled.response.json")),
        page([product("A-1")], None),
    )
    assert [x.sku for x in channel.fetch_products(None)] == ["A-1"]
    assert sleeps == [30.0]  # 48 s, capped at the configured backoff cap


def test_retry_after_wins_over_the_figure(
    kogan: FakeKogan, channel: KoganChannel, sleeps: list[float]
) -> None:
    kogan.on(
        "products/",
        httpx.Response(429, json=golden("throttled.response.json"), headers={"Retry-After": "3"}),
        page([], None),
    )
    list(channel.fetch_products(None))
    assert sleeps == [3.0]


def test_throttled_beyond_the_retries_raises_with_the_wait(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on("products/", httpx.Response(429, json=golden("throttled.response.json")))
    with pytest.raises(Throttled) as raised:
        list(channel.fetch_products(None))
    assert raised.value.retry_after == 48.0
    assert len(kogan.requests) == 3


def test_a_throttled_push_fails_retryable_and_sends_no_more_batches(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on("products/stockprice/", httpx.Response(429, json=golden("throttled.response.json")))
    channel.stock_batch = 2
    results = channel.push_stock(levels(4))
    assert [(r.status, r.retryable) for r in results] == [(PushStatus.FAILED, True)] * 4
    assert len(kogan.requests) == 3  # the first batch's attempts only


def refs_for(task: str, *skus: str) -> list[str]:
    return [task_ref(f"{API}task/{task}/", StockLevel(sku, sku, 5)) for sku in skus]


def test_polling_a_finished_task_settles_each_listing(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on(
        "task/t1/", httpx.Response(200, json=golden("task_get.complete_with_errors.response.json"))
    )
    kogan.on("task/t2/", httpx.Response(200, json=envelope({"errors": [], "warnings": []})))
    refs = refs_for("t1", "ABC-123", "ABC-456") + refs_for("t2", "Z-1")
    results = channel.poll_pushes(refs)
    assert results == [
        PushResult(
            "ABC-123", "ABC-123", PushStatus.SUCCEEDED, current_quantity=5, task_ref=refs[0]
        ),
        PushResult(
            "ABC-456",
            "ABC-456",
            PushStatus.FAILED,
            error="Unknown product (unknown_sku)",
            task_ref=refs[1],
        ),
        PushResult("Z-1", "Z-1", PushStatus.SUCCEEDED, current_quantity=5, task_ref=refs[2]),
    ]
    # One request per task, never with the fragment
    assert [str(r.url) for r in kogan.requests] == [f"{API}task/t1/", f"{API}task/t2/"]


def test_a_polled_result_names_our_sku_and_kogans_product_sku(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on(
        "task/t1/", httpx.Response(200, json=golden("task_get.complete_with_errors.response.json"))
    )
    ref = task_ref(f"{API}task/t1/", StockLevel("ABC-456", "OUR-456", 2))
    assert channel.poll_pushes([ref]) == [
        PushResult(
            "ABC-456",
            "OUR-456",
            PushStatus.FAILED,
            error="Unknown product (unknown_sku)",
            task_ref=ref,
        )
    ]


def test_polling_a_running_task_stays_pending(kogan: FakeKogan, channel: KoganChannel) -> None:
    kogan.on("task/t1/", pending_answer("t1"))
    refs = refs_for("t1", "A", "B")
    assert [(r.inventory_ref, r.status, r.task_ref) for r in channel.poll_pushes(refs)] == [
        ("A", PushStatus.PENDING, refs[0]),
        ("B", PushStatus.PENDING, refs[1]),
    ]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            httpx.Response(200, json={**envelope(None, "Failed"), "error": "Task crashed"}),
            (PushStatus.FAILED, True, "Task crashed"),
        ),
        (
            httpx.Response(404, json={"detail": "Not found."}),
            (
                PushStatus.FAILED,
                True,
                "Kogan no longer knows this task (unknown or expired); push again.",
            ),
        ),
        (httpx.Response(503), (PushStatus.PENDING, False, "")),
    ],
    ids=["failed task", "unknown task", "server down"],
)
def test_polling_a_task_that_failed_or_vanished(
    kogan: FakeKogan, channel: KoganChannel, answer: httpx.Response, expected: tuple[Any, ...]
) -> None:
    kogan.on("task/t1/", answer)
    [result] = channel.poll_pushes(refs_for("t1", "A"))
    assert (result.status, result.retryable, result.error) == expected


def test_a_pending_url_on_another_host_is_polled_on_the_stores_host(
    kogan: FakeKogan, channel: KoganChannel
) -> None:
    kogan.on("task/t7/", pending_answer("t7"))
    ref = task_ref("https://elsewhere.example/api/marketplace/v2/task/t7/", StockLevel("A", "A", 1))
    channel.poll_pushes([ref])
    assert str(kogan.requests[0].url) == f"{API}task/t7/"


def test_webhooks_are_refused(channel: KoganChannel) -> None:
    with pytest.raises(WebhookRejected):
        channel.parse_webhook({}, b"{}")


def test_the_platform_spec() -> None:
    assert (PLATFORM.code, PLATFORM.label, PLATFORM.account_field) == (
        "kogan",
        "Kogan",
        "seller_id",
    )
    assert [(f.name, f.secret) for f in PLATFORM.credential_fields] == [
        ("seller_id", False),
        ("seller_token", True),
    ]
    environment, carriers = PLATFORM.option_fields
    assert (environment.name, environment.default) == ("environment", "production")
    assert (carriers.name, carriers.required) == ("carrier_codes", False)
    assert PLATFORM.production_base_url({"environment": "production"}) == BASE
    assert PLATFORM.production_base_url({"environment": "uat"}) == (
        "https://nimda-marketplace.aws.kgn.io"
    )
    assert PLATFORM.sandbox_base_url("http://127.0.0.1:8000", {}) == (
        "http://127.0.0.1:8000/sandbox/kogan"
    )
    capabilities = PLATFORM.capabilities
    assert (capabilities.async_writes, capabilities.max_stock_batch, capabilities.webhooks) == (
        True,
        500,
        False,
    )
    assert capabilities.incremental_products is False
    assert (capabilities.order_webhooks, capabilities.partial_fulfilment) == (False, True)


# -- orders (kogan.md §5–§6) -----------------------------------------------------------------
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
ORDER_PATH = "orders/KGN-1234567/"


@pytest.fixture
def orders_channel(kogan: FakeKogan, sleeps: list[float]) -> KoganChannel:
    config = ChannelConfig(
        platform="kogan",
        base_url=BASE,
        credentials={"seller_id": "SELLER-1", "seller_token": TOKEN},
        options={"carrier_codes": "fastway=FWY"},
        store_key="kogan-unit-orders",
        max_attempts=3,
        backoff_cap_seconds=10.0,
    )
    return KoganChannel(
        config, transport=httpx.MockTransport(kogan), sleep=sleeps.append, clock=lambda: NOW
    )


def kogan_order(order_id: str = "KGN-1234567", **changes: Any) -> dict[str, Any]:
    [order] = golden("orders_list.response.json")["body"]
    return {**order, "ID": order_id, **changes}


def orders_answer(*orders: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=envelope(list(orders)))


def ship(*lines: tuple[str, int], carrier: str = "auspost") -> Fulfilment:
    return Fulfilment(
        order_ref="KGN-1234567",
        lines=tuple(ShipLine(ref, quantity) for ref, quantity in lines),
        tracking_number="ABC000128B4C5",
        carrier=carrier,
        carrier_name="",
        shipped_at=datetime(2025, 5, 1, 3, 15, tzinfo=UTC),
        key="order:1:KGN-1234567:1",
    )


def posts(kogan: FakeKogan) -> list[httpx.Request]:
    return [request for request in kogan.requests if request.method == "POST"]


def test_orders_read_the_open_queue_since_the_watermark_and_15_days_of_cancellations(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    since = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)
    partly_cancelled = [{"ID": "987655", "SellerSku": "ABC-456", "Quantity": 1}]
    kogan.on(
        "orders/",
        orders_answer(
            # Placed before the watermark less the overlap and the release lag: left out.
            kogan_order("KGN-OLD", OrderDateUtc="2026-05-20T08:19:59Z"),
            # Within the release lag: an order Kogan released after the last read.
            kogan_order("KGN-LATE", OrderDateUtc="2026-05-20T08:20:00Z"),
            kogan_order("KGN-NEW", OrderDateUtc="2026-05-20T11:00:00Z"),
            # Old, but with a cancellation Kogan may not date: kept.
            kogan_order(
                "KGN-CUT", OrderDateUtc="2026-05-01T00:00:00Z", CancelledItems=partly_cancelled
            ),
        ),
        orders_answer(kogan_order("KGN-GONE", OrderStatus="Canceled")),
        orders_answer(),
    )
    orders = list(orders_channel.fetch_orders(since))
    assert [(o.order_ref, o.status) for o in orders] == [
        ("KGN-GONE", OrderStatus.CANCELLED),  # placed 2025: the oldest change comes first
        ("KGN-CUT", OrderStatus.OPEN),
        ("KGN-LATE", OrderStatus.OPEN),
        ("KGN-NEW", OrderStatus.OPEN),
    ]
    window = {"startDateUTC": "2026-05-05T13:01:00Z", "endDateUTC": "2026-05-20T13:00:00Z"}
    assert [dict(r.url.params) for r in kogan.requests] == [
        {"status": "ReleasedForShipment"},
        {"status": "Canceled", **window},
        {"status": "PartiallyCanceled", **window},
    ]
    assert all(r.url.path == "/api/marketplace/v2/orders/" for r in kogan.requests)
    assert all(r.headers["SellerToken"] == TOKEN for r in kogan.requests)


def test_the_cancellation_window_ends_after_a_watermark_ahead_of_our_clock(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    kogan.on("orders/", orders_answer())
    list(orders_channel.fetch_orders(NOW + timedelta(hours=5)))
    assert dict(kogan.requests[1].url.params) == {
        "status": "Canceled",
        "startDateUTC": "2026-05-05T18:01:00Z",
        "endDateUTC": "2026-05-20T18:00:00Z",
    }


def test_an_order_in_two_lists_is_answered_once_as_the_later_list_says(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    cancelled = [{"ID": "987655", "SellerSku": "ABC-456", "Quantity": 1}]
    kogan.on(
        "orders/",
        orders_answer(kogan_order(OrderDateUtc="2026-05-20T11:00:00Z")),
        orders_answer(),
        orders_answer(kogan_order(OrderStatus="PartiallyCanceled", CancelledItems=cancelled)),
    )
    [order] = orders_channel.fetch_orders(NOW)
    assert order.channel_status == "PartiallyCanceled"
    assert [line.quantity for line in order.lines] == [2, 0]


def test_a_failed_order_list_is_an_error_with_kogans_words(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    failed_envelope = {**envelope(None, "Failed"), "error": "Seller account suspended"}
    kogan.on("orders/", httpx.Response(200, json=failed_envelope))
    with pytest.raises(ChannelError, match=r"^Seller account suspended$"):
        list(orders_channel.fetch_orders(NOW))


def test_fetch_order_reads_one_order_and_none_when_kogan_does_not_know_it(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    order = orders_channel.fetch_order("KGN-1234567")
    assert order is not None
    assert (order.order_ref, len(order.lines)) == ("KGN-1234567", 2)
    assert orders_channel.fetch_order("KGN-404") is None
    assert str(kogan.requests[1].url) == f"{API}orders/KGN-404/"
    assert orders_channel.fetch_order("A/B") is None
    assert kogan.requests[2].url.raw_path == b"/api/marketplace/v2/orders/A%2FB/"


def test_mark_shipped_reads_the_order_then_sends_the_dispatch(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    kogan.on("orders/fulfill/", httpx.Response(200, json=golden("orders_fulfill.response.json")))
    result = orders_channel.mark_shipped(ship(("987654", 1)))
    assert result == ShipResult(fulfilment_ref="ABC000128B4C5", already_done=False)
    assert [(r.method, r.url.path) for r in kogan.requests] == [
        ("GET", "/api/marketplace/v2/orders/KGN-1234567/"),
        ("POST", "/api/marketplace/v2/orders/fulfill/"),
    ]
    assert kogan.bodies("orders/fulfill/") == [golden("orders_fulfill.request.json")]


def test_a_dispatch_kogan_already_shows_is_answered_without_sending(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    shown = [
        {"ID": "987654", "SellerSku": "ABC-123", "Quantity": 1, "TrackingNumber": "ABC000128B4C5"}
    ]
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order(DispatchedItems=shown))))
    result = orders_channel.mark_shipped(ship(("987654", 1)))
    assert result == ShipResult(fulfilment_ref="ABC000128B4C5", already_done=True)
    assert posts(kogan) == []


def test_a_carrier_kogan_has_no_code_for_is_refused_before_any_request(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    with pytest.raises(ChannelError, match="No Kogan carrier code for fourpx"):
        orders_channel.mark_shipped(ship(("987654", 1), carrier="fourpx"))
    assert kogan.requests == []


def test_a_configured_carrier_code_is_sent(kogan: FakeKogan, orders_channel: KoganChannel) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    kogan.on("orders/fulfill/", httpx.Response(200, json=golden("orders_fulfill.response.json")))
    orders_channel.mark_shipped(ship(("987654", 2), carrier="fastway"))
    [[sent]] = kogan.bodies("orders/fulfill/")
    assert [(item["ShippingCarrier"], item["Quantity"]) for item in sent["Items"]] == [("FWY", 2)]


def test_a_fail_result_is_an_error_with_kogans_words_although_http_said_200(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    kogan.on(
        "orders/fulfill/", httpx.Response(200, json=golden("orders_fulfill.fail.response.json"))
    )
    with pytest.raises(ChannelError) as raised:
        orders_channel.mark_shipped(ship(("987654", 1)))
    assert raised.value.message == (
        "Kogan refused the dispatch of KGN-1234567: Invalid carrier code (InvalidCarrier)"
    )
    assert raised.value.retryable is False


def test_a_refused_request_names_kogans_reason(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    kogan.on(
        "orders/fulfill/",
        httpx.Response(400, json={**envelope(None, "Failed"), "error": "Quantity exceeds"}),
    )
    with pytest.raises(ChannelError, match=r"^Quantity exceeds$") as raised:
        orders_channel.mark_shipped(ship(("987654", 1)))
    assert (raised.value.status, raised.value.retryable) == (400, False)


def test_more_than_is_left_is_refused_without_sending(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    with pytest.raises(ChannelError, match="3 to dispatch but 2 left undispatched"):
        orders_channel.mark_shipped(ship(("987654", 3)))
    assert posts(kogan) == []


def test_shipping_an_order_kogan_does_not_know_is_a_404(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    with pytest.raises(ChannelError, match="Kogan does not know order KGN-1234567") as raised:
        orders_channel.mark_shipped(ship(("987654", 1)))
    assert raised.value.status == 404


def test_a_send_that_failed_is_tried_again_after_reading_the_order(
    kogan: FakeKogan, orders_channel: KoganChannel, sleeps: list[float]
) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    kogan.on(
        "orders/fulfill/",
        httpx.Response(503, text="busy"),
        httpx.Response(200, json=golden("orders_fulfill.response.json")),
    )
    result = orders_channel.mark_shipped(ship(("987654", 1)))
    assert result == ShipResult(fulfilment_ref="ABC000128B4C5", already_done=False)
    assert [
        (r.method, r.url.path.removeprefix("/api/marketplace/v2/")) for r in kogan.requests
    ] == [
        ("GET", ORDER_PATH),
        ("POST", "orders/fulfill/"),  # 503: not repeated by the HTTP client
        ("GET", ORDER_PATH),
        ("POST", "orders/fulfill/"),
    ]
    assert sleeps == [2.0]


def test_a_dispatch_whose_answer_was_lost_is_found_on_the_order_and_not_sent_again(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    shown = [
        {"ID": "987654", "SellerSku": "ABC-123", "Quantity": 1, "TrackingNumber": "ABC000128B4C5"}
    ]
    kogan.on(
        ORDER_PATH,
        httpx.Response(200, json=envelope(kogan_order())),
        httpx.Response(200, json=envelope(kogan_order(DispatchedItems=shown))),
    )
    kogan.on("orders/fulfill/", httpx.Response(502, text="bad gateway"))
    result = orders_channel.mark_shipped(ship(("987654", 1)))
    assert result == ShipResult(fulfilment_ref="ABC000128B4C5", already_done=False)
    assert len(posts(kogan)) == 1


def test_a_dispatch_that_keeps_failing_raises_retryable_after_the_attempts(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    kogan.on("orders/fulfill/", httpx.Response(503, text="busy"))
    with pytest.raises(Unavailable) as raised:
        orders_channel.mark_shipped(ship(("987654", 1)))
    assert raised.value.retryable is True
    assert len(posts(kogan)) == 3  # the config's max_attempts


def test_an_asynchronous_dispatch_is_polled_to_its_end(
    kogan: FakeKogan, orders_channel: KoganChannel, sleeps: list[float]
) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    kogan.on("orders/fulfill/", pending_answer("t-9"))
    kogan.on(
        "task/t-9/",
        httpx.Response(200, json={"status": "AsyncResponsePending", "pending_url": None}),
        httpx.Response(200, json=golden("orders_fulfill.response.json")),
    )
    result = orders_channel.mark_shipped(ship(("987654", 1)))
    assert result.already_done is False
    assert [r.url.path for r in kogan.requests if "task" in r.url.path] == [
        "/api/marketplace/v2/task/t-9/",
        "/api/marketplace/v2/task/t-9/",
    ]
    assert sleeps == [1.0, 2.0]


def test_an_asynchronous_dispatch_that_ends_with_errors_is_refused(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    kogan.on("orders/fulfill/", pending_answer("t-9"))
    errors = {"errors": [{"SellerSku": "ABC-123", "message": "Invalid tracking", "code": "T1"}]}
    kogan.on("task/t-9/", httpx.Response(200, json=envelope(errors, "CompleteWithErrors")))
    with pytest.raises(ChannelError, match=r"Invalid tracking \(T1\)$"):
        orders_channel.mark_shipped(ship(("987654", 1)))


def test_a_dispatch_still_running_is_retryable_and_the_retry_sends_nothing_twice(
    kogan: FakeKogan, orders_channel: KoganChannel, sleeps: list[float]
) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    kogan.on("orders/fulfill/", pending_answer("t-9"))
    kogan.on("task/t-9/", httpx.Response(200, json={"status": "AsyncResponsePending"}))
    with pytest.raises(Unavailable, match="nothing is dispatched twice") as raised:
        orders_channel.mark_shipped(ship(("987654", 1)))
    assert raised.value.retryable is True
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]  # capped by backoff_cap_seconds
    # Kogan finished later: the retry finds the dispatch on the order and sends nothing.
    shown = [
        {"ID": "987654", "SellerSku": "ABC-123", "Quantity": 1, "TrackingNumber": "ABC000128B4C5"}
    ]
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order(DispatchedItems=shown))))
    assert orders_channel.mark_shipped(ship(("987654", 1))).already_done is True
    assert len(posts(kogan)) == 1


def test_a_dispatch_task_poll_that_is_throttled_or_down_is_asked_again_not_resent(
    kogan: FakeKogan, orders_channel: KoganChannel
) -> None:
    kogan.on(ORDER_PATH, httpx.Response(200, json=envelope(kogan_order())))
    kogan.on("orders/fulfill/", pending_answer("t-9"))
    busy = httpx.Response(503, text="busy")
    kogan.on("task/t-9/", busy, busy, busy, httpx.Response(200, json=envelope(None, "Complete")))
    assert orders_channel.mark_shipped(ship(("987654", 1))).already_done is False
    assert len(posts(kogan)) == 1
    assert len([r for r in kogan.requests if "task" in r.url.path]) == 4
