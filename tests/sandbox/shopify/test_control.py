"""The control plane and the pages: who may use them, what they hold, and the gate."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

from kucun.accounts.services import api_token_create
from tests.factories import UserFactory
from tests.sandbox.conftest import Sandbox
from tests.sandbox.shopify.conftest import ADMIN_TOKEN, ShopClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("name", ["reset", "seed", "state", "faults", "orders", "webhooks/fire"])
def test_the_control_plane_refuses_anonymous_and_viewers(sandbox: Sandbox, name: str) -> None:
    url = sandbox.url("shopify", f"__emu/{name}")
    anonymous = httpx.post(url, json={})
    assert anonymous.status_code == 401
    viewer = UserFactory(role="viewer")
    _token, plain = api_token_create(user=viewer, name="viewer")
    refused = httpx.post(url, json={}, headers={"Authorization": f"Bearer {plain}"})
    assert refused.status_code == 403
    assert refused.json() == {"error": "the staff role is required"}


def test_reset_seeds_the_default_shop(shop: ShopClient) -> None:
    held = shop.state()
    assert held["domain"] == "kucun-sandbox.myshopify.com"
    assert [location["name"] for location in held["locations"]] == ["Sandbox Warehouse"]
    assert {variant["sku"]: variant["available"] for variant in held["variants"]} == {
        "SBX-TEE-S": 10,
        "SBX-TEE-M": 12,
        "SBX-TEE-L": 8,
        "SBX-MUG": 25,
        "SBX-CAP": 0,
        "SBX-TOTE": 40,
    }
    # Secrets are kept encrypted, tokens as digests: the database never holds them in clear.
    from kucun.sandbox.models import EmulatorRecord

    stored = " ".join(str(record.data) + record.key for record in EmulatorRecord.objects.all())
    assert "shpss_sandbox_client_secret_0000" not in stored
    assert ADMIN_TOKEN not in stored


def test_seed_adds_a_shop_with_locations_and_quantities(shop: ShopClient) -> None:
    answer = shop.emu(
        "seed",
        {
            "shops": [
                {
                    "domain": "acme.myshopify.com",
                    "name": "Acme",
                    "access_token": "shpat_acme",
                    "locations": [{"name": "Main"}, {"name": "Overflow"}],
                    "products": [
                        {
                            "title": "Jar",
                            "variants": [
                                {"sku": "JAR-1", "quantities": {"Main": 4, "Overflow": 2}}
                            ],
                        }
                    ],
                }
            ]
        },
    )
    [acme] = answer["shops"]
    assert [location["name"] for location in acme["locations"]] == ["Main", "Overflow"]
    assert acme["variant_count"] == 1
    main, overflow = (location["id"] for location in acme["locations"])
    held = shop.sandbox.control.get(
        shop.sandbox.url("shopify", "__emu/state"), params={"shop": "acme.myshopify.com"}
    ).json()["shops"][0]
    assert held["variants"][0]["quantities"] == {
        main: {"available": 4, "on_hand": 4, "committed": 0},
        overflow: {"available": 2, "on_hand": 2, "committed": 0},
    }
    answer = shop.http.post(
        shop.sandbox.url("shopify", "acme.myshopify.com/admin/api/2026-04/graphql.json"),
        json={"query": "{ productVariants(first: 1) { nodes { sku inventoryQuantity } } }"},
        headers={"X-Shopify-Access-Token": "shpat_acme"},
    )
    assert answer.json()["data"]["productVariants"]["nodes"] == [
        {"sku": "JAR-1", "inventoryQuantity": 6}
    ]


def test_a_sale_lowers_available_and_commits_stock(shop: ShopClient) -> None:
    answer = shop.emu("orders", {"shop": shop.domain, "sku": "SBX-MUG", "quantity": 3})
    assert answer["available"] == 22
    assert answer["order"].startswith("gid://shopify/Order/")
    mug = shop.variants_by_sku()["SBX-MUG"]
    assert next(iter(mug["quantities"].values())) == {
        "available": 22,
        "on_hand": 25,
        "committed": 3,
    }
    assert shop.state()["mutations"][0]["operation"] == "order"


def test_the_pages_show_shops_and_variants_to_viewers(
    sandbox: Sandbox, viewer_client: Client
) -> None:
    sandbox.emu("shopify", "reset")
    shops = viewer_client.get("/sandbox/shopify/")
    assert shops.status_code == 200
    assert b"kucun-sandbox.myshopify.com" in shops.content
    assert b"sandbox-client-id-0000" in shops.content
    account = viewer_client.get("/sandbox/shopify/accounts/kucun-sandbox.myshopify.com/")
    assert account.status_code == 200
    for text in (b"SBX-MUG", b"9300000000048", b"Sandbox Warehouse", b"seed"):
        assert text in account.content
    assert viewer_client.get("/sandbox/shopify/accounts/nobody.myshopify.com/").status_code == 404


def test_the_pages_send_visitors_to_log_in(sandbox: Sandbox) -> None:
    answer = Client().get("/sandbox/shopify/")
    assert answer.status_code == 302
    assert "login" in answer["Location"]


def test_everything_is_not_found_when_the_sandbox_is_off(
    shop: ShopClient, settings: object
) -> None:
    settings.SANDBOX_ENABLED = False  # type: ignore[attr-defined]
    assert shop.gql("{ shop { name } }").status_code == 404
    token = shop.http.post(
        f"{shop.base_url}/admin/oauth/access_token", data={"grant_type": "client_credentials"}
    )
    assert token.status_code == 404
    assert shop.sandbox.control.post(shop.sandbox.url("shopify", "__emu/reset")).status_code == 404
