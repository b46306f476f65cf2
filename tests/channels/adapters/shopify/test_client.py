"""Unit tests of the Shopify HTTP client on a scripted httpx.MockTransport (passed through
HttpClient's ``transport`` parameter): tokens, 401 refresh, throttling, retries, timeouts. They
are not integration tests; the client against the emulator is the contract suite's."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kucun.channels.adapters.base import (
    AuthenticationFailed,
    ChannelError,
    Throttled,
    Unavailable,
)
from kucun.channels.adapters.base.http import TokenCache
from kucun.channels.adapters.shopify.client import (
    CostBucket,
    GraphQLError,
    QueryTooCostly,
    ShopifyClient,
    throttle_wait_seconds,
)
from tests.channels.adapters.shopify.conftest import ScriptedShopify, config, golden, ok

QUERY = "query Shop { shop { name } }"
SHOP = {"data": {"shop": {"name": "Kucun test"}}}


def client_for(shopify: ScriptedShopify, **changes: Any) -> ShopifyClient:
    return ShopifyClient(
        config(**changes),
        transport=httpx.MockTransport(shopify.handle),
        sleep=shopify.sleeps.append,
        tokens=TokenCache(),
        bucket=CostBucket(100_000, 100_000),
    )


def ask(client: ShopifyClient) -> dict[str, Any]:
    return client.graphql(QUERY, {}, operation="Shop", estimated_cost=1)


def test_a_client_credentials_token_is_requested_once_and_sent_in_the_header(
    shopify: ScriptedShopify,
) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(ok(SHOP), ok(SHOP))
    client = client_for(shopify)

    assert ask(client) == {"shop": {"name": "Kucun test"}}
    ask(client)

    [token_request] = shopify.to("https://kucun-test.myshopify.com/admin/oauth/access_token")
    assert token_request.method == "POST"
    assert token_request.form == {
        "grant_type": "client_credentials",
        "client_id": "kucun-client-id",
        "client_secret": "kucun-client-secret",
    }
    assert [sent.headers["X-Shopify-Access-Token"] for sent in shopify.graphql_sent] == [
        "shpat_sandbox_token_1",
        "shpat_sandbox_token_1",
    ]
    assert shopify.graphql_sent[0].json == {
        "query": QUERY,
        "variables": {},
        "operationName": "Shop",
    }


def test_a_token_about_to_expire_is_requested_again_before_the_call(
    shopify: ScriptedShopify,
) -> None:
    short = {"access_token": "shpat_short", "expires_in": 30}  # inside the 60 s margin
    shopify.token(ok(short), ok({"access_token": "shpat_next", "expires_in": 86399}))
    shopify.graphql(ok(SHOP), ok(SHOP))
    client = client_for(shopify)

    ask(client)
    ask(client)

    assert [sent.headers["X-Shopify-Access-Token"] for sent in shopify.graphql_sent] == [
        "shpat_short",
        "shpat_next",
    ]


def test_a_401_requests_a_new_token_once_and_repeats_the_call(shopify: ScriptedShopify) -> None:
    shopify.token(ok({"access_token": "shpat_old", "expires_in": 86399}))
    shopify.token(ok({"access_token": "shpat_new", "expires_in": 86399}))
    shopify.graphql(ok(golden("unauthorized.json"), 401), ok(SHOP))
    client = client_for(shopify)

    assert ask(client) == SHOP["data"]

    assert [sent.headers["X-Shopify-Access-Token"] for sent in shopify.graphql_sent] == [
        "shpat_old",
        "shpat_new",
    ]


def test_a_second_401_is_refused_with_shopifys_words_and_no_secret(
    shopify: ScriptedShopify,
) -> None:
    shopify.token(ok({"access_token": "shpat_a", "expires_in": 86399}))
    shopify.token(ok({"access_token": "shpat_b", "expires_in": 86399}))
    shopify.graphql(ok(golden("unauthorized.json"), 401), ok(golden("unauthorized.json"), 401))
    client = client_for(shopify)

    with pytest.raises(AuthenticationFailed) as refused:
        ask(client)

    assert refused.value.status == 401
    assert "Invalid API key or access token" in refused.value.message
    assert len(shopify.graphql_sent) == 2
    assert "kucun-client-secret" not in str(refused.value)


def test_refused_client_credentials_say_so_without_the_credentials(
    shopify: ScriptedShopify,
) -> None:
    echo = {
        "error": "invalid_client",
        "error_description": "Client kucun-client-id / kucun-client-secret is unknown",
    }
    shopify.token(ok(echo, 400))
    client = client_for(shopify)

    with pytest.raises(AuthenticationFailed) as refused:
        ask(client)

    message = str(refused.value)
    assert "invalid_client" in message
    assert "kucun-client-secret" not in message
    assert "kucun-client-id" not in message
    assert shopify.graphql_sent == []


def test_an_admin_token_is_sent_as_it_is_and_a_401_is_final(shopify: ScriptedShopify) -> None:
    shopify.graphql(ok(SHOP), ok(golden("unauthorized.json"), 401))
    client = client_for(
        shopify,
        credentials={"client_id": "", "client_secret": "", "access_token": "shpat_legacy_admin"},
    )

    ask(client)
    with pytest.raises(AuthenticationFailed):
        ask(client)

    assert shopify.to("https://kucun-test.myshopify.com/admin/oauth/access_token") == []
    assert [sent.headers["X-Shopify-Access-Token"] for sent in shopify.graphql_sent] == [
        "shpat_legacy_admin",
        "shpat_legacy_admin",
    ]


def test_a_throttled_answer_is_waited_out_for_the_points_it_lacked(
    shopify: ScriptedShopify,
) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(ok(golden("throttled.json")), ok(SHOP))
    client = client_for(shopify)

    assert ask(client) == SHOP["data"]

    # (requestedQueryCost 752 - currentlyAvailable 152) / restoreRate 50
    assert shopify.sleeps[0] == 12.0
    assert shopify.graphql_sent[0].content == shopify.graphql_sent[1].content


def test_a_429_with_a_cost_body_is_waited_out_the_same_way(shopify: ScriptedShopify) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(ok(golden("throttled.json"), 429), ok(SHOP))
    client = client_for(shopify)

    assert ask(client) == SHOP["data"]
    assert shopify.sleeps[0] == 12.0


def test_throttling_that_outlasts_the_attempts_raises_throttled(shopify: ScriptedShopify) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(*[ok(golden("throttled.json")) for _ in range(4)])
    client = client_for(shopify)

    with pytest.raises(Throttled) as throttled:
        ask(client)

    assert throttled.value.retry_after == 12.0
    assert len(shopify.graphql_sent) == 4


def test_the_wait_without_numbers_falls_back_to_a_second() -> None:
    assert throttle_wait_seconds({"errors": [{"extensions": {"code": "THROTTLED"}}]}) == 1.0


def test_the_bucket_follows_shopifys_numbers(shopify: ScriptedShopify) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(ok(golden("locations.json")))
    client = client_for(shopify)

    client.graphql(QUERY, {}, operation="Locations", estimated_cost=52)

    assert (client.bucket.capacity, client.bucket.rate) == (2000.0, 100.0)
    # The next call of the operation waits for what Shopify said it requested.
    assert client._requested_costs == {"Locations": 52.0}


def test_a_server_error_is_retried(shopify: ScriptedShopify) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(httpx.Response(503, text="Service Unavailable"), ok(SHOP))
    client = client_for(shopify)

    assert ask(client) == SHOP["data"]
    assert len(shopify.graphql_sent) == 2
    assert len(shopify.sleeps) == 1


def test_timeouts_are_retried_then_reported_unavailable(shopify: ScriptedShopify) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(*[httpx.ReadTimeout("slow") for _ in range(4)])
    client = client_for(shopify)

    with pytest.raises(Unavailable) as unavailable:
        ask(client)

    # Every operation sent is a read or an @idempotent write: a timeout is not an unknown outcome.
    assert type(unavailable.value) is Unavailable
    assert unavailable.value.retryable is True
    assert len(shopify.graphql_sent) == 4


def test_graphql_errors_are_raised_with_shopifys_words(shopify: ScriptedShopify) -> None:
    denied = {
        "errors": [
            {
                "message": "Access denied for productVariants field.",
                "extensions": {"code": "ACCESS_DENIED"},
            }
        ]
    }
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(ok(denied))
    client = client_for(shopify)

    with pytest.raises(GraphQLError) as refused:
        ask(client)

    assert refused.value.message == "Shop: Access denied for productVariants field."
    assert refused.value.codes == ("ACCESS_DENIED",)


def test_a_query_above_the_cost_cap_is_told_apart(shopify: ScriptedShopify) -> None:
    costly = {
        "errors": [
            {
                "message": "Query cost is 1252, which exceeds the single query max cost limit.",
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": 1252, "maxCost": 1000},
            }
        ]
    }
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(ok(costly))
    client = client_for(shopify)

    with pytest.raises(QueryTooCostly):
        ask(client)


def test_an_unknown_api_version_names_the_version(shopify: ScriptedShopify) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.answer(
        "https://kucun-test.myshopify.com/admin/api/2026-04/graphql.json",
        httpx.Response(404, text="Not Found"),
    )
    client = client_for(
        shopify,
        options={"shop_domain": "kucun-test.myshopify.com", "api_version": "2026-04"},
    )

    with pytest.raises(ChannelError) as refused:
        ask(client)

    assert refused.value.status == 404
    assert "2026-04" in refused.value.message


def test_a_body_that_is_not_json_is_unavailable(shopify: ScriptedShopify) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(httpx.Response(200, text="<html>maintenance</html>"))
    client = client_for(shopify)

    with pytest.raises(Unavailable):
        ask(client)


def test_answers_without_numbers_leave_the_bucket_as_it_was(shopify: ScriptedShopify) -> None:
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(ok(SHOP), ok(SHOP), ok(SHOP))
    client = ShopifyClient(
        config(),
        transport=httpx.MockTransport(shopify.handle),
        sleep=shopify.sleeps.append,
        tokens=TokenCache(),
        bucket=CostBucket(1000, 50),
    )

    for _ in range(3):
        client.graphql(QUERY, {}, operation="Shop", estimated_cost=1000)

    assert shopify.sleeps == []


def test_a_request_waits_for_the_points_shopify_said_it_lacks(shopify: ScriptedShopify) -> None:
    low = golden("locations.json")
    low["extensions"]["cost"]["throttleStatus"] = {
        "maximumAvailable": 1000.0,
        "currentlyAvailable": 0,
        "restoreRate": 50.0,
    }
    shopify.token(ok(golden("access_token.json")))
    shopify.graphql(ok(low), ok(low))
    client = ShopifyClient(
        config(),
        transport=httpx.MockTransport(shopify.handle),
        sleep=shopify.sleeps.append,
        tokens=TokenCache(),
        bucket=CostBucket(1000, 50),
    )

    client.graphql(QUERY, {}, operation="Locations", estimated_cost=52)
    client.graphql(QUERY, {}, operation="Locations", estimated_cost=52)

    # 52 points requested, none available, 50 restored a second: 1.04 s less the time since.
    [waited] = shopify.sleeps
    assert 0.5 < waited <= 1.04
