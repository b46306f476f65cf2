"""``kucun push`` and ``kucun reconcile``: they run here, print what happened, and succeed only
when everything did."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kucun.channels.choices import PushTrigger
from kucun.channels.models import Listing, StockSyncRecord
from tests.channels.conftest import Shop, add_listing
from tests.inventory.conftest import Site, build_item, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def listings(site: Site, shop: Shop) -> dict[str, Listing]:
    """MUG (10) and LID (4) listed; the platform holds 1 of each."""
    found = {}
    for sku, quantity in (("MUG", 10), ("LID", 4)):
        item = build_item(sku)
        receive(site, sku, quantity)
        found[sku] = add_listing(shop.store, item, quantity=1)
    return found


def run(*args: str) -> str:
    output = StringIO()
    call_command(*args, stdout=output)
    return output.getvalue()


def test_push_skus_prints_a_summary(shop: Shop, listings: dict[str, Listing]) -> None:
    output = run("push", "MUG", "--store", "memory shop")

    assert output == "Pushed to Memory shop (1): 1 succeeded.\n"
    assert shop.platform.quantities[listings["MUG"].inventory_ref] == 10
    assert shop.platform.quantities[listings["LID"].inventory_ref] == 1
    assert StockSyncRecord.objects.get().trigger == PushTrigger.MANUAL


def test_push_all_fails_when_a_push_fails(shop: Shop, listings: dict[str, Listing]) -> None:
    del shop.platform.quantities[listings["LID"].inventory_ref]
    output = StringIO()

    with pytest.raises(CommandError, match="1 of 2 pushes did not succeed"):
        call_command("push", "--all", stdout=output)

    assert output.getvalue() == (
        "Pushed to Memory shop (2): 1 failed, 1 succeeded.\n"
        "  Memory shop LID → 4: failed (unknown variant)\n"
    )
    assert shop.platform.quantities[listings["MUG"].inventory_ref] == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("push",), "Give the SKUs to push, or ask for all items."),
        (("push", "MUG", "--all"), "Give SKUs or --all, not both."),
        (("push", "NOPE"), "No item has SKU NOPE."),
        (("push", "MUG", "--store", "Elsewhere"), "No store is named or numbered 'Elsewhere'."),
    ],
)
def test_push_refuses_a_bad_request(
    shop: Shop, listings: dict[str, Listing], args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert StockSyncRecord.objects.count() == 0


def test_reconcile_fixes_and_succeeds(shop: Shop, listings: dict[str, Listing]) -> None:
    output = run("reconcile")

    assert output == (
        "Memory shop: 2 listings checked, 2 differences, 2 fixed\n"
        "  MUG: platform 1, Kucun 10 → succeeded\n"
        "  LID: platform 1, Kucun 4 → succeeded\n"
    )
    assert run("reconcile", "--store", str(shop.store.pk)) == (
        "Memory shop: 2 listings checked, 0 differences, 0 fixed\n"
    )


def test_reconcile_fails_while_a_difference_remains(
    shop: Shop, listings: dict[str, Listing]
) -> None:
    del shop.platform.quantities[listings["LID"].inventory_ref]
    output = StringIO()

    with pytest.raises(CommandError, match="2 differences or failures remain"):
        call_command("reconcile", "--store", "Memory shop", stdout=output)

    assert output.getvalue() == (
        "Memory shop: 2 listings checked, 2 differences, 1 fixed"
        " — 1 differences could not be fixed.\n"
        "  MUG: platform 1, Kucun 10 → succeeded\n"
        "  LID: platform None, Kucun 4 → failed\n"
    )
