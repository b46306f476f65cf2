"""A full read of thousands of variants through the emulator, over HTTP, page by page (how
fast it is, is for `make bench ONLY=sync`)."""

from __future__ import annotations

import pytest

from tests.sandbox.shopify.conftest import VARIANTS_QUERY, ShopClient, numbered_products

pytestmark = pytest.mark.django_db(transaction=True)


def test_thousands_of_variants_are_read_once_each_page_by_page(shop: ShopClient) -> None:
    shop.emu("seed", {"shops": [{"domain": shop.domain, "products": numbered_products(2_000)}]})
    shop.emu("rate-limit", {"capacity": 10**7, "refill_per_second": 10**7})
    location = shop.location()

    skus: set[str] = set()
    after, pages = None, 0
    while True:
        # 199 variants a page: the most this selection allows under the 1,000-point limit.
        data = shop.data(VARIANTS_QUERY, {"first": 199, "after": after, "location": location})
        page = data["productVariants"]
        skus.update(node["sku"] for node in page["nodes"])
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(skus) == 2_006
    assert pages == 11
