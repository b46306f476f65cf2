"""A sandbox shop reached over real HTTP, the way a client of Shopify reaches a shop."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import Sandbox

DOMAIN = "kucun-sandbox.myshopify.com"
CLIENT_ID = "sandbox-client-id-0000"
CLIENT_SECRET = "shpss_sandbox_client_secret_0000"
ADMIN_TOKEN = "shpat_sandbox_admin_token_0000"
VERSION = "2026-04"

VARIANTS_QUERY = """
query Variants($first: Int!, $after: String, $q: String, $location: ID!) {
  productVariants(first: $first, after: $after, query: $q, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId sku barcode title updatedAt inventoryQuantity
      product { id title }
      inventoryItem {
        id
        inventoryLevel(locationId: $location) { quantities(names: ["available"]) { name quantity } }
      }
    }
  }
}
"""

SET_QUANTITIES = """
mutation SetQty($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup {
      createdAt reason referenceDocumentUri
      changes { name delta quantityAfterChange item { id } location { id } }
    }
    userErrors { field message code }
  }
}
"""


@dataclass
class ShopClient:
    """One shop of the emulator, its control plane and a plain HTTP client."""

    sandbox: Sandbox
    domain: str
    http: httpx.Client

    @property
    def base_url(self) -> str:
        return self.sandbox.url("shopify", self.domain)

    def graphql_url(self, version: str = VERSION) -> str:
        return f"{self.base_url}/admin/api/{version}/graphql.json"

    def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = ADMIN_TOKEN,
        version: str = VERSION,
    ) -> httpx.Response:
        headers = {} if token is None else {"X-Shopify-Access-Token": token}
        return self.http.post(
            self.graphql_url(version),
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )

    def data(self, query: str, variables: dict[str, Any] | None = None, **options: Any) -> Any:
        answer = self.gql(query, variables, **options)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def emu(self, name: str, json: object = None) -> Any:
        return self.sandbox.emu("shopify", name, json).json()

    def state(self) -> dict[str, Any]:
        answer = self.sandbox.control.get(
            self.sandbox.url("shopify", "__emu/state"), params={"shop": self.domain}
        )
        answer.raise_for_status()
        shops: list[dict[str, Any]] = answer.json()["shops"]
        return shops[0]

    def location(self) -> str:
        return str(self.state()["locations"][0]["id"])

    def variants_by_sku(self) -> dict[str, dict[str, Any]]:
        return {variant["sku"]: variant for variant in self.state()["variants"]}

    def token(self) -> str:
        answer = self.http.post(
            f"{self.base_url}/admin/oauth/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


@pytest.fixture
def shop(sandbox: Sandbox) -> Iterator[ShopClient]:
    sandbox.emu("shopify", "reset")
    with httpx.Client(timeout=30) as http:
        yield ShopClient(sandbox=sandbox, domain=DOMAIN, http=http)


def numbered_products(count: int, *, prefix: str = "PG") -> list[dict[str, Any]]:
    return [
        {
            "title": f"Product {number}",
            "variants": [
                {
                    "sku": f"{prefix}-{number:05d}",
                    "barcode": f"93{number:011d}",
                    "quantity": number % 10,
                }
            ],
        }
        for number in range(1, count + 1)
    ]
