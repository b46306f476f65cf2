"""Access tokens (shopify.md §1): the client-credentials grant, the legacy admin token, and
the 401 every refusal answers."""

from __future__ import annotations

import pytest

from tests.sandbox.shopify.conftest import (
    ADMIN_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    ShopClient,
)

pytestmark = pytest.mark.django_db(transaction=True)

SHOP_NAME = "{ shop { name myshopifyDomain } }"
INVALID = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def test_the_client_credentials_grant_issues_a_token_that_works(shop: ShopClient) -> None:
    answer = shop.http.post(
        f"{shop.base_url}/admin/oauth/access_token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "scope", "expires_in"}
    assert body["access_token"].startswith("shpat_")
    assert body["expires_in"] == 86399
    assert (
        body["scope"] == "read_products,read_inventory,write_inventory,read_locations,read_orders,"
        "write_fulfillments,write_merchant_managed_fulfillment_orders"
    )
    data = shop.data(SHOP_NAME, token=body["access_token"])
    assert data == {"shop": {"name": "Kucun Sandbox", "myshopifyDomain": shop.domain}}


def test_the_grant_also_takes_json(shop: ShopClient) -> None:
    answer = shop.http.post(
        f"{shop.base_url}/admin/oauth/access_token",
        json={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert answer.status_code == 200
    assert answer.json()["access_token"].startswith("shpat_")


def test_a_wrong_secret_gets_no_token(shop: ShopClient) -> None:
    answer = shop.http.post(
        f"{shop.base_url}/admin/oauth/access_token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": "shpss_wrong",
        },
    )
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "invalid_client",
        "error_description": "Client credentials are invalid.",
    }
    assert "shpss" not in answer.text


def test_another_grant_type_is_refused(shop: ShopClient) -> None:
    answer = shop.http.post(
        f"{shop.base_url}/admin/oauth/access_token",
        data={"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": "x"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("token", [None, "", "shpat_not_a_token"])
def test_a_missing_or_unknown_token_is_refused_with_shopifys_body(
    shop: ShopClient, token: str | None
) -> None:
    answer = shop.gql(SHOP_NAME, token=token)
    assert answer.status_code == 401
    assert answer.json() == INVALID


def test_the_legacy_admin_token_never_expires(shop: ShopClient) -> None:
    shop.emu("clock", {"advance_seconds": 400 * 86400})
    assert shop.data(SHOP_NAME, token=ADMIN_TOKEN)["shop"]["name"] == "Kucun Sandbox"


def test_an_issued_token_expires_on_the_emulator_clock(shop: ShopClient) -> None:
    shop.emu("settings", {"token_ttl_seconds": 60})
    token = shop.token()
    shop.emu("clock", {"advance_seconds": 59})
    assert shop.gql(SHOP_NAME, token=token).status_code == 200
    shop.emu("clock", {"advance_seconds": 1})
    answer = shop.gql(SHOP_NAME, token=token)
    assert answer.status_code == 401
    assert answer.json() == INVALID
    fresh = shop.token()
    assert shop.gql(SHOP_NAME, token=fresh).status_code == 200


def test_a_token_of_one_shop_does_not_open_another(shop: ShopClient) -> None:
    shop.emu(
        "seed",
        {"shops": [{"domain": "other-shop.myshopify.com", "client_id": "o", "client_secret": "s"}]},
    )
    answer = shop.http.post(
        shop.sandbox.url("shopify", "other-shop.myshopify.com/admin/api/2026-04/graphql.json"),
        json={"query": SHOP_NAME},
        headers={"X-Shopify-Access-Token": ADMIN_TOKEN},
    )
    assert answer.status_code == 401
    assert answer.json() == INVALID


def test_an_unknown_shop_or_version_is_not_found(shop: ShopClient) -> None:
    unknown_shop = shop.http.post(
        shop.sandbox.url("shopify", "nobody.myshopify.com/admin/api/2026-04/graphql.json"),
        json={"query": SHOP_NAME},
        headers={"X-Shopify-Access-Token": ADMIN_TOKEN},
    )
    assert unknown_shop.status_code == 404
    assert shop.gql(SHOP_NAME, version="2026-02").status_code == 404
    assert shop.gql(SHOP_NAME, version="2031-01").status_code == 404


def test_an_old_version_falls_forward_to_the_oldest_supported(shop: ShopClient) -> None:
    answer = shop.gql(SHOP_NAME, version="2023-04")
    assert answer.status_code == 200
    assert answer.headers["X-Shopify-API-Version"] == "2025-07"
    assert shop.gql(SHOP_NAME).headers["X-Shopify-API-Version"] == "2026-04"


def test_a_field_outside_the_apps_scopes_is_access_denied(shop: ShopClient) -> None:
    shop.emu(
        "seed",
        {
            "shops": [
                {
                    "domain": "reader.myshopify.com",
                    "access_token": "shpat_reader",
                    "scopes": ["read_products", "read_locations"],
                }
            ]
        },
    )
    answer = shop.http.post(
        shop.sandbox.url("shopify", "reader.myshopify.com/admin/api/2026-04/graphql.json"),
        json={
            "query": 'mutation { inventorySetQuantities(input: {name: "available", '
            'reason: "correction", quantities: []}) { userErrors { message } } }'
        },
        headers={"X-Shopify-Access-Token": "shpat_reader"},
    ).json()
    assert answer["data"] == {"inventorySetQuantities": None}
    assert answer["errors"][0]["message"] == (
        "Access denied for inventorySetQuantities field. "
        "Required access: `write_inventory` access scope."
    )
    assert answer["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert answer["errors"][0]["path"] == ["inventorySetQuantities"]
    allowed = shop.http.post(
        shop.sandbox.url("shopify", "reader.myshopify.com/admin/api/2026-04/graphql.json"),
        json={"query": "{ locations(first: 1) { nodes { name } } }"},
        headers={"X-Shopify-Access-Token": "shpat_reader"},
    ).json()
    assert "errors" not in allowed
