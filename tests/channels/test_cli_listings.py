"""`kucun stores`, `kucun listings pull STORE [--full]` and `kucun listings match STORE`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kucun.channels.adapters.base import ListingRef, Unavailable
from kucun.channels.choices import ListingStatus
from kucun.channels.models import Listing, Store
from kucun.channels.platforms import register_platform
from kucun.channels.services.stores import store_update
from tests.channels.memory_channel import SPEC, MemoryChannel, MemoryPlatform
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_stores_lists_each_store_with_its_switches_and_last_pull(
    store: Store, memory: MemoryPlatform
) -> None:
    store_update(actor=None, store=store, inventory_sync=False)
    # The id column is as wide as its widest id (PostgreSQL does not restart its sequences).
    width = max(len("ID"), len(str(store.pk)))
    assert run("stores")[1].splitlines() == [
        f"{'ID':<{width}}  NAME         PLATFORM  SANDBOX  SYNC  LAST PULL",
        f"{store.pk:<{width}}  Memory shop  memory    no       off   never",
    ]

    run("listings", "pull", "Memory shop")
    code, out, _err = run("stores")
    assert code == 0
    assert out.splitlines()[1].split()[-3] == "succeeded"


def test_stores_says_when_there_is_none(db: None) -> None:
    assert run("stores") == (0, "No store is bound yet.\n", "")


def test_a_pull_by_id_or_name_reports_its_counts(store: Store, memory: MemoryPlatform) -> None:
    memory.add("CLI-1")
    memory.add("CLI-2")

    assert run("listings", "pull", str(store.pk), "--full") == (
        0,
        "Memory shop: full pull: 2 new, 0 updated, 0 gone\n",
        "",
    )
    assert run("listings", "pull", "memory SHOP") == (
        0,
        "Memory shop: incremental pull: 0 new, 0 updated, 0 gone\n",
        "",
    )
    assert Listing.objects.count() == 2


class DownChannel(MemoryChannel):
    def fetch_products(self, since: datetime | None) -> Iterator[ListingRef]:
        raise Unavailable("503: the platform is down for maintenance", status=503)


def test_a_failed_pull_exits_1_with_the_platforms_words(
    store: Store, memory: MemoryPlatform
) -> None:
    register_platform(dataclasses.replace(SPEC, build=DownChannel))

    code, out, err = run("listings", "pull", "Memory shop")

    assert (code, out) == (1, "")
    assert err == (
        "Memory shop: the incremental pull failed: 503: the platform is down for maintenance\n"
    )


def test_match_exits_0_when_nothing_conflicts_and_1_naming_each_conflict(
    store: Store,
) -> None:
    ItemFactory(sku="OK")
    ItemFactory(sku="DUP")
    Listing.objects.create(store=store, inventory_ref="r1", sku="OK")
    assert run("listings", "match", "Memory shop") == (
        0,
        "Memory shop: 1 linked (1 by SKU, 0 by barcode), 0 without a match, 0 in conflict\n",
        "",
    )

    first = Listing.objects.create(store=store, inventory_ref="r2", sku="DUP")
    second = Listing.objects.create(store=store, inventory_ref="r3", sku="DUP")
    code, out, err = run("listings", "match", "Memory shop")

    assert code == 1
    assert (
        out == "Memory shop: 0 linked (0 by SKU, 0 by barcode), 0 without a match, 2 in conflict\n"
    )
    reason = (
        "SKU 'DUP' is on more than one listing of this store: give each its own SKU on the "
        "platform, or link them by hand."
    )
    assert err.splitlines() == [f"listing {first.pk}: {reason}", f"listing {second.pk}: {reason}"]
    assert Listing.objects.filter(status=ListingStatus.CONFLICT).count() == 2


def test_an_unknown_store_is_a_command_error(db: None) -> None:
    with pytest.raises(CommandError, match=r"^No store is named 'Nowhere'\.$"):
        call_command("listings", "pull", "Nowhere")
    with pytest.raises(CommandError, match=r"^No store has id 42\.$"):
        call_command("listings", "match", "42")
