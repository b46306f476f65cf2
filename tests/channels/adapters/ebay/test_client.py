"""The eBay client's behaviour on the wire: tokens, headers, throttling, retries, timeouts.

These are unit tests of the client, answered by httpx.MockTransport (passed to HttpClient as
its ``transport``); they are not integration tests. The adapter against Kucun's eBay emulator
over real HTTP is covered by the shared contract suite.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from kucun.channels.adapters.base import (
    AuthenticationFailed,
    ChannelConfig,
    ChannelError,
    PushStatus,
    StockLevel,
    Throttled,
    Unavailable,
)
from kucun.channels.adapters.base.http import TokenCache
from kucun.channels.adapters.ebay.client import SCOPES
from tests.channels.adapters.ebay.fakes import (
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    TOKEN_PATH,
    FakeEbay,
    ebay_json,
    fixture,
    form,
    make_channel,
    make_config,
)

ITEMS = "/sell/inventory/v1/inventory_item"
BULK = "/sell/inventory/v1/bulk_update_price_quantity"
OFFERS = "/sell/inventory/v1/offer"
ONE_ITEM_PAGE = {"total": 3, "size": 1, "limit": 1, "inventoryItems": [{"sku": "A-1"}]}
NO_OFFERS = {"total": 0, "offers": []}


def _ok_bulk(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    return ebay_json(
        200,
        {
            "responses": [
                {"statusCode": 200, "sku": e["sku"], "errors": []} for e in body["requests"]
            ]
        },
    )


def test_the_user_token_comes_from_the_refresh_token_with_basic_client_credentials() -> None:
    fake = FakeEbay().on("GET", ITEMS, ebay_json(200, ONE_ITEM_PAGE))
    channel = make_channel(fake)

    channel.test_connection()

    (token_request,) = fake.calls("POST", TOKEN_PATH)
    expected_basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert token_request.headers["Authorization"] == f"Basic {expected_basic}"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(token_request) == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "scope": " ".join(SCOPES),
    }
    (api_request,) = fake.calls("GET", ITEMS)
    assert api_request.headers["Authorization"] == "Bearer v^1.1#user-token-1"
    assert api_request.headers["X-EBAY-C-MARKETPLACE-ID"] == "EBAY_AU"
    assert api_request.url.params["limit"] == "1"


def test_the_token_is_cached_across_calls_and_adapters_of_one_seller() -> None:
    fake = FakeEbay().on("GET", ITEMS, ebay_json(200, ONE_ITEM_PAGE))
    tokens = TokenCache()

    make_channel(fake, tokens=tokens).test_connection()
    make_channel(fake, tokens=tokens).test_connection()

    assert len(fake.calls("POST", TOKEN_PATH)) == 1
    assert len(fake.calls("GET", ITEMS)) == 2


def test_a_token_about_to_expire_is_refreshed_before_it_is_used() -> None:
    fake = FakeEbay().on("GET", ITEMS, ebay_json(200, ONE_ITEM_PAGE))
    fake.token_lifetime = 30  # inside the cache's 60-second margin
    channel = make_channel(fake)

    channel.test_connection()
    channel.test_connection()

    assert len(fake.calls("POST", TOKEN_PATH)) == 2
    assert [r.headers["Authorization"] for r in fake.calls("GET", ITEMS)] == [
        "Bearer v^1.1#user-token-1",
        "Bearer v^1.1#user-token-2",
    ]


def test_a_401_refreshes_the_token_once_and_retries() -> None:
    fake = FakeEbay().on(
        "GET",
        ITEMS,
        ebay_json(401, fixture("error.invalid_access_token.json")),
        ebay_json(200, ONE_ITEM_PAGE),
    )
    channel = make_channel(fake)

    info = channel.test_connection()

    assert info.details["inventory_items"] == "3"
    assert len(fake.calls("POST", TOKEN_PATH)) == 2
    assert [r.headers["Authorization"] for r in fake.calls("GET", ITEMS)] == [
        "Bearer v^1.1#user-token-1",
        "Bearer v^1.1#user-token-2",
    ]


def test_a_second_401_is_an_authentication_failure_without_a_secret() -> None:
    fake = FakeEbay().on("GET", ITEMS, ebay_json(401, fixture("error.invalid_access_token.json")))
    channel = make_channel(fake)

    with pytest.raises(AuthenticationFailed) as raised:
        channel.test_connection()

    assert raised.value.status == 401
    assert "Invalid access token" in raised.value.message
    assert len(fake.calls("GET", ITEMS)) == 2
    assert len(fake.calls("POST", TOKEN_PATH)) == 2
    for secret in (CLIENT_SECRET, REFRESH_TOKEN, "user-token"):
        assert secret not in str(raised.value)


def test_a_revoked_refresh_token_asks_for_consent_and_never_repeats_the_secret() -> None:
    fake = FakeEbay().on(
        "POST",
        TOKEN_PATH,
        ebay_json(
            400,
            {
                "error": "invalid_grant",
                "error_description": f"the refresh token {REFRESH_TOKEN} is invalid or was "
                "issued to another client",
            },
        ),
    )
    channel = make_channel(fake)

    with pytest.raises(AuthenticationFailed) as raised:
        channel.test_connection()

    assert str(raised.value) == (
        "eBay refused the token request (invalid_grant: the refresh token *** is invalid or "
        "was issued to another client); if the seller's access was revoked, grant it again on "
        "the consent page"
    )
    assert fake.calls("GET", ITEMS) == []


def test_a_store_without_a_refresh_token_is_told_to_grant_access() -> None:
    config = ChannelConfig(
        platform="ebay",
        base_url="https://api.ebay.com",
        credentials={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    fake = FakeEbay()

    with pytest.raises(AuthenticationFailed, match="has not granted access yet"):
        make_channel(fake, config=config).test_connection()
    assert fake.requests == []


def test_missing_scope_is_an_authentication_failure_naming_the_permission() -> None:
    fake = FakeEbay().on(
        "GET", ITEMS, ebay_json(403, fixture("error.insufficient_permissions.json"))
    )

    with pytest.raises(AuthenticationFailed) as raised:
        make_channel(fake).test_connection()

    assert raised.value.message == (
        "eBay inventory items: errorId 1100: Insufficient permissions to fulfill the request. "
        "(the seller must grant the missing permission again)"
    )


def test_throttled_2001_waits_the_retry_after_and_tries_again() -> None:
    fake = FakeEbay().on(
        "GET",
        ITEMS,
        ebay_json(429, fixture("error.too_many_requests.json"), headers={"Retry-After": "7"}),
        ebay_json(200, ONE_ITEM_PAGE),
    )
    sleeps: list[float] = []

    make_channel(fake, sleeps=sleeps).test_connection()

    assert sleeps == [7.0]
    assert len(fake.calls("GET", ITEMS)) == 2


def test_throttled_without_retry_after_backs_off_then_raises_throttled() -> None:
    fake = FakeEbay().on("GET", ITEMS, ebay_json(429, fixture("error.too_many_requests.json")))
    sleeps: list[float] = []

    with pytest.raises(Throttled) as raised:
        make_channel(fake, sleeps=sleeps).test_connection()

    # Three rounds of ChannelConfig.max_attempts, the backoff cap apart.
    assert len(fake.calls("GET", ITEMS)) == 3 * 4
    assert len(sleeps) == 3 * 3 + 2
    assert 0.25 <= sleeps[0] <= 0.5
    assert 0.5 <= sleeps[1] <= 1.0
    assert 1.0 <= sleeps[2] <= 2.0
    assert (sleeps[3], sleeps[7]) == (30.0, 30.0)
    assert raised.value.status == 429
    assert "2001" in raised.value.message


def test_a_throttle_lasting_beyond_the_attempts_is_waited_out() -> None:
    throttled = ebay_json(429, fixture("error.too_many_requests.json"))
    fake = FakeEbay().on("GET", ITEMS, *([throttled] * 5), ebay_json(200, ONE_ITEM_PAGE))
    sleeps: list[float] = []

    info = make_channel(fake, sleeps=sleeps).test_connection()

    assert info.details["inventory_items"] == "3"
    assert len(fake.calls("GET", ITEMS)) == 6
    assert sleeps[3] == 30.0  # after four throttled attempts, the backoff cap
    assert len(sleeps) == 5


def test_a_throttled_push_is_repeated_and_answered() -> None:
    fake = FakeEbay().on("GET", OFFERS, ebay_json(200, NO_OFFERS))
    fake.on(
        "POST",
        BULK,
        ebay_json(429, fixture("error.too_many_requests.json"), headers={"Retry-After": "2"}),
        _ok_bulk,
    )
    sleeps: list[float] = []

    results = make_channel(fake, sleeps=sleeps).push_stock([StockLevel("A-1", "A-1", 4)])

    assert [r.status for r in results] == [PushStatus.SUCCEEDED]
    assert sleeps == [2.0]
    assert len(fake.calls("POST", BULK)) == 2


def test_a_5xx_on_a_push_is_retried_because_absolute_quantities_are_idempotent() -> None:
    fake = FakeEbay().on("GET", OFFERS, ebay_json(200, NO_OFFERS))
    fake.on("POST", BULK, ebay_json(503, {"errors": []}), ebay_json(502, {}), _ok_bulk)
    sleeps: list[float] = []

    results = make_channel(fake, sleeps=sleeps).push_stock([StockLevel("A-1", "A-1", 4)])

    assert [r.status for r in results] == [PushStatus.SUCCEEDED]
    assert len(fake.calls("POST", BULK)) == 3
    assert len(sleeps) == 2


def test_a_push_failing_with_5xx_every_time_raises_unavailable() -> None:
    fake = FakeEbay().on("GET", OFFERS, ebay_json(200, NO_OFFERS))
    fake.on("POST", BULK, ebay_json(500, {"errors": [{"errorId": 25001, "message": "System"}]}))

    with pytest.raises(Unavailable) as raised:
        make_channel(fake).push_stock([StockLevel("A-1", "A-1", 4)])

    assert raised.value.status == 500
    assert raised.value.retryable is True
    assert len(fake.calls("POST", BULK)) == 4


def test_a_read_timeout_is_retried_then_answered() -> None:
    attempts = []

    def slow_then_fine(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return ebay_json(200, ONE_ITEM_PAGE)

    fake = FakeEbay().on("GET", ITEMS, slow_then_fine)
    sleeps: list[float] = []

    info = make_channel(fake, sleeps=sleeps).test_connection()

    assert info.details["inventory_items"] == "3"
    assert len(attempts) == 2
    assert len(sleeps) == 1


def test_a_push_that_always_times_out_is_unavailable_not_unknown() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    fake = FakeEbay().on("GET", OFFERS, ebay_json(200, NO_OFFERS)).on("POST", BULK, timeout)

    with pytest.raises(Unavailable) as raised:
        make_channel(fake).push_stock([StockLevel("A-1", "A-1", 4)])

    assert type(raised.value) is Unavailable  # an absolute set may be repeated: not "unknown"
    assert raised.value.message == (
        "POST /sell/inventory/v1/bulk_update_price_quantity timed out after 4 attempt(s)"
    )


def test_a_write_carries_content_language_and_json_and_the_marketplace() -> None:
    fake = FakeEbay().on("GET", OFFERS, ebay_json(200, NO_OFFERS)).on("POST", BULK, _ok_bulk)

    make_channel(fake).push_stock([StockLevel("A-1", "A-1", 4)])

    (request,) = fake.calls("POST", BULK)
    assert request.headers["Content-Language"] == "en-AU"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-EBAY-C-MARKETPLACE-ID"] == "EBAY_AU"
    (offers,) = fake.calls("GET", OFFERS)
    assert dict(offers.url.params) == {"sku": "A-1", "marketplace_id": "EBAY_AU"}


def test_another_marketplace_speaks_its_language() -> None:
    fake = FakeEbay().on("GET", OFFERS, ebay_json(200, NO_OFFERS)).on("POST", BULK, _ok_bulk)

    make_channel(fake, config=make_config(marketplace_id="EBAY_GB")).push_stock(
        [StockLevel("A-1", "A-1", 4)]
    )

    (request,) = fake.calls("POST", BULK)
    assert request.headers["Content-Language"] == "en-GB"
    assert request.headers["X-EBAY-C-MARKETPLACE-ID"] == "EBAY_GB"


def test_an_unexpected_4xx_keeps_ebays_words() -> None:
    fake = FakeEbay().on(
        "GET",
        ITEMS,
        ebay_json(
            400,
            {"errors": [{"errorId": 25707, "message": "This is an invalid value for a SKU."}]},
        ),
    )

    with pytest.raises(ChannelError) as raised:
        make_channel(fake).test_connection()

    assert raised.value.message == (
        "eBay inventory items: errorId 25707: This is an invalid value for a SKU."
    )
    assert raised.value.status == 400


def test_refused_client_credentials_are_not_repeated_in_the_error() -> None:
    fake = FakeEbay().on(
        "POST",
        TOKEN_PATH,
        ebay_json(
            401,
            {
                "error": "invalid_client",
                "error_description": f"client authentication failed for {CLIENT_ID} "
                f"with {CLIENT_SECRET}",
            },
        ),
    )

    with pytest.raises(AuthenticationFailed) as raised:
        make_channel(fake).test_connection()

    assert raised.value.status == 401
    assert "invalid_client" in raised.value.message
    assert CLIENT_ID not in str(raised.value)
    assert CLIENT_SECRET not in str(raised.value)
    assert len(fake.calls("POST", TOKEN_PATH)) == 1
