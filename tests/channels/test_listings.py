"""Pulling listings, quick match, manual links and items made from listings."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from kucun.catalog.models import Item
from kucun.channels.adapters.base import ListingRef, Unavailable
from kucun.channels.choices import LinkMethod, ListingStatus, SyncRunKind, SyncRunStatus
from kucun.channels.models import Listing, ListingChange, Store, SyncRun
from kucun.channels.platforms import register_platform
from kucun.channels.selectors import listings_of_item, listings_query
from kucun.channels.services.listings import (
    items_create_from_listings,
    listing_link,
    listing_unlink,
    listings_match,
    listings_pull,
    listings_pull_enqueue,
    pull_runs_settle,
)
from kucun.core.choices import JobStatus
from kucun.core.errors import Conflict, NotFound, ValidationFailed
from kucun.core.models import Job
from tests.channels.memory_channel import SPEC, MemoryChannel, MemoryPlatform
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def seed(memory: MemoryPlatform, *skus: str, at: datetime = T0) -> list[str]:
    refs = []
    for sku in skus:
        ref = memory.add(sku, quantity=3, barcode=f"bc-{sku}", title=f"Title {sku}")
        memory.variants[ref] = dataclasses.replace(memory.variants[ref], updated_at=at)
        refs.append(ref)
    return refs


def touch(memory: MemoryPlatform, ref: str, at: datetime, **changes: Any) -> None:
    memory.variants[ref] = dataclasses.replace(memory.variants[ref], updated_at=at, **changes)


def listing(store: Store, sku: str, barcode: str = "", **fields: Any) -> Listing:
    return Listing.objects.create(
        store=store, inventory_ref=f"ref-{sku}-{barcode}", sku=sku, barcode=barcode, **fields
    )


def statuses(store: Store) -> dict[str, tuple[str, str | None, str]]:
    return {
        row.inventory_ref: (row.status, row.item.sku if row.item else None, row.link_method)
        for row in Listing.objects.filter(store=store).select_related("item")
    }


# --- pull -----------------------------------------------------------------------------------------


def test_a_full_pull_creates_a_listing_per_variant_and_moves_the_watermark(
    store: Store, memory: MemoryPlatform
) -> None:
    refs = seed(memory, "A-1", "A-2")
    touch(memory, refs[1], T0 + timedelta(minutes=5))
    memory.quantities[refs[0]] = 7

    run = listings_pull(store=store, mode="full", trigger="manual")

    assert (run.kind, run.status, run.error) == (SyncRunKind.PULL_FULL, SyncRunStatus.SUCCEEDED, "")
    assert (run.new_count, run.updated_count, run.gone_count) == (2, 0, 0)
    first = Listing.objects.get(store=store, inventory_ref=refs[0])
    assert (first.sku, first.barcode, first.title, first.product_ref) == (
        "A-1",
        "bc-A-1",
        "Title A-1",
        f"p-{refs[0]}",
    )
    assert first.status == ListingStatus.UNLINKED
    assert first.platform_quantity == 7
    assert first.platform_quantity_at is not None
    assert first.platform_updated_at == T0
    store.refresh_from_db()
    assert store.products_watermark == T0 + timedelta(minutes=5)


def test_an_incremental_pull_asks_from_the_watermark_and_counts_what_changed(
    store: Store, memory: MemoryPlatform
) -> None:
    refs = seed(memory, "A-1", "A-2", "A-3")
    listings_pull(store=store, mode="full", trigger="manual")
    touch(memory, refs[2], T0 + timedelta(hours=1), title="Renamed")
    seed(memory, "A-4", at=T0 + timedelta(hours=2))

    run = listings_pull(store=store, mode="incremental", trigger="automatic")

    assert run.kind == SyncRunKind.PULL_INCREMENTAL
    assert (run.new_count, run.updated_count, run.gone_count) == (1, 1, 0)
    assert run.details["since"] == T0.isoformat()
    assert Listing.objects.get(inventory_ref=refs[2]).title == "Renamed"
    store.refresh_from_db()
    assert store.products_watermark == T0 + timedelta(hours=2)


def test_a_full_pull_marks_what_the_platform_no_longer_has_as_gone_and_unlinked(
    store: Store, memory: MemoryPlatform
) -> None:
    refs = seed(memory, "A-1", "A-2")
    listings_pull(store=store, mode="full", trigger="manual")
    listing_link(listing=Listing.objects.get(inventory_ref=refs[1]), item=ItemFactory(sku="A-2"))
    del memory.variants[refs[1]]

    run = listings_pull(store=store, mode="full", trigger="manual")

    assert (run.new_count, run.updated_count, run.gone_count) == (0, 0, 1)
    assert statuses(store) == {
        refs[0]: (ListingStatus.UNLINKED, None, ""),
        refs[1]: (ListingStatus.GONE, None, ""),
    }
    # An incremental pull never decides that something is gone.
    memory.variants.clear()
    assert listings_pull(store=store, mode="incremental", trigger="manual").gone_count == 0
    assert Listing.objects.get(inventory_ref=refs[0]).status == ListingStatus.UNLINKED


def test_a_gone_listing_that_comes_back_is_unlinked_again(
    store: Store, memory: MemoryPlatform
) -> None:
    refs = seed(memory, "A-1")
    listings_pull(store=store, mode="full", trigger="manual")
    variant = memory.variants.pop(refs[0])
    listings_pull(store=store, mode="full", trigger="manual")
    memory.variants[refs[0]] = variant

    run = listings_pull(store=store, mode="full", trigger="manual")

    assert (run.new_count, run.updated_count) == (0, 1)
    assert statuses(store) == {refs[0]: (ListingStatus.UNLINKED, None, "")}


class BreakingChannel(MemoryChannel):
    """A platform that fails after its first page."""

    def fetch_products(self, since: datetime | None) -> Iterator[ListingRef]:
        for number, ref in enumerate(super().fetch_products(since)):
            if number == 2:
                raise Unavailable("503: Service Unavailable, try again", status=503)
            yield ref


def test_a_failed_pull_keeps_the_platforms_words_and_the_watermark(
    store: Store, memory: MemoryPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(memory, "A-1")
    listings_pull(store=store, mode="full", trigger="manual")
    store.refresh_from_db()
    watermark = store.products_watermark
    seed(memory, *[f"B-{n}" for n in range(5)], at=T0 + timedelta(days=1))
    register_platform(dataclasses.replace(SPEC, build=BreakingChannel))
    monkeypatch.setattr("kucun.channels.services.listings.BATCH_SIZE", 1)

    run = listings_pull(store=store, mode="full", trigger="manual")

    assert run.status == SyncRunStatus.FAILED
    assert run.error == "503: Service Unavailable, try again"
    assert run.gone_count == 0
    assert run.finished_at is not None
    store.refresh_from_db()
    assert store.products_watermark == watermark
    assert Listing.objects.filter(status=ListingStatus.GONE).count() == 0


def test_a_queued_pull_reports_its_progress_and_outcome_on_its_job(
    store: Store, memory: MemoryPlatform, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seed(memory, "A-1", "A-2", "A-3")

    with django_capture_on_commit_callbacks(execute=True):
        job = listings_pull_enqueue(store=store, mode="full", actor=staff)

    job.refresh_from_db()
    assert job.kind == "channels.pull.full"
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.SUCCEEDED, 3, 3)
    assert job.message == "3 new, 0 updated, 0 gone"
    assert job.created_by == staff
    run = SyncRun.objects.get(job=job)
    assert (run.status, run.new_count) == (SyncRunStatus.SUCCEEDED, 3)


def test_a_pull_whose_worker_died_is_failed_with_the_jobs_reason(store: Store) -> None:
    job = Job.objects.create(kind="channels.pull.full", status=JobStatus.RUNNING)
    run = SyncRun.objects.create(store=store, kind=SyncRunKind.PULL_FULL, trigger="manual", job=job)
    Job.objects.filter(pk=job.pk).update(lease_until=T0)  # lapsed long ago

    assert pull_runs_settle() == 1

    run.refresh_from_db()
    assert run.status == SyncRunStatus.FAILED
    assert run.error == "The worker stopped while running this job: retry it."
    assert run.finished_at is not None


def test_a_pull_mode_other_than_incremental_or_full_is_refused(store: Store) -> None:
    with pytest.raises(ValidationFailed):
        listings_pull_enqueue(store=store, mode="everything")
    assert not Job.objects.exists()


def test_thousands_of_variants_are_pulled_and_only_changed_rows_rewritten(
    store: Store, memory: MemoryPlatform
) -> None:
    for number in range(3_000):
        ref = f"mem-{number}"
        memory.variants[ref] = ListingRef(
            inventory_ref=ref,
            sku=f"SKU-{number:05d}",
            barcode=f"93{number:011d}",
            title=f"Product {number}",
            updated_at=T0,
            quantity=number % 10,
            weight_kg=Decimal("0.250"),
        )
        memory.quantities[ref] = number % 10

    first = listings_pull(store=store, mode="full", trigger="manual")
    memory.quantities["mem-1"] = 99
    again = listings_pull(store=store, mode="full", trigger="manual")

    assert (first.new_count, first.status) == (3_000, SyncRunStatus.SUCCEEDED)
    assert (again.new_count, again.updated_count, again.gone_count) == (0, 0, 0)
    assert Listing.objects.get(inventory_ref="mem-1").platform_quantity == 99
    for ref, variant in list(memory.variants.items()):
        memory.variants[ref] = dataclasses.replace(variant, title=f"{variant.title} v2")
    renamed = listings_pull(store=store, mode="full", trigger="manual")
    assert (renamed.new_count, renamed.updated_count) == (0, 3_000)


# --- match ----------------------------------------------------------------------------------------


def test_quick_match_links_by_sku_ignoring_case_and_spaces_then_by_barcode(
    store: Store, django_capture_on_commit_callbacks: Any
) -> None:
    ItemFactory(sku="ABC-1")
    ItemFactory(sku="XYZ", barcode="9300001")
    ItemFactory(sku="CASE", is_bundle=True)
    by_sku = listing(store, " abc-1 ")
    by_barcode = listing(store, "platform-only-sku", "9300001")
    bundle = listing(store, "case")
    nothing = listing(store, "NOPE", "000")
    blank = listing(store, "")

    with django_capture_on_commit_callbacks(execute=True):
        run = listings_match(store=store)

    assert (run.kind, run.status, run.linked_count, run.conflict_count) == (
        SyncRunKind.MATCH,
        SyncRunStatus.SUCCEEDED,
        3,
        0,
    )
    assert run.details == {
        "candidates": 5,
        "linked_by_sku": 2,
        "linked_by_barcode": 1,
        "unmatched": 2,
        "conflicts": [],
    }
    assert statuses(store) == {
        by_sku.inventory_ref: (ListingStatus.LINKED, "ABC-1", LinkMethod.SKU),
        by_barcode.inventory_ref: (ListingStatus.LINKED, "XYZ", LinkMethod.BARCODE),
        bundle.inventory_ref: (ListingStatus.LINKED, "CASE", LinkMethod.SKU),
        nothing.inventory_ref: (ListingStatus.UNLINKED, None, ""),
        blank.inventory_ref: (ListingStatus.UNLINKED, None, ""),
    }
    pushed = set(ListingChange.objects.values_list("listing_id", flat=True))
    assert pushed == {by_sku.pk, by_barcode.pk, bundle.pk}


def conflict_of(row: Listing) -> tuple[str, str]:
    row.refresh_from_db()
    return row.status, row.conflict_reason


def test_a_sku_on_two_listings_of_the_store_is_a_conflict(store: Store) -> None:
    ItemFactory(sku="DUP")
    first, second = listing(store, "DUP"), listing(store, "dup ", "x")

    run = listings_match(store=store)

    reason = (
        "SKU 'DUP' is on more than one listing of this store: give each its own SKU on the "
        "platform, or link them by hand."
    )
    assert conflict_of(first) == (ListingStatus.CONFLICT, reason)
    assert conflict_of(second)[0] == ListingStatus.CONFLICT
    assert (run.linked_count, run.conflict_count) == (0, 2)
    assert run.details["conflicts"] == [
        {"listing": first.pk, "reason": reason},
        {
            "listing": second.pk,
            "reason": "SKU 'dup' is on more than one listing of this store: "
            "give each its own SKU on the platform, or link them by hand.",
        },
    ]


def test_a_barcode_on_two_listings_of_the_store_is_a_conflict(store: Store) -> None:
    ItemFactory(sku="ITEM", barcode="9300002")
    first, second = listing(store, "S-1", "9300002"), listing(store, "S-2", "9300002")

    listings_match(store=store)

    reason = "Barcode '9300002' is on more than one listing of this store: link them by hand."
    assert conflict_of(first) == (ListingStatus.CONFLICT, reason)
    assert conflict_of(second) == (ListingStatus.CONFLICT, reason)


def test_a_sku_and_a_barcode_naming_two_items_is_a_conflict(store: Store) -> None:
    ItemFactory(sku="RED")
    ItemFactory(sku="BLUE", barcode="9300003")
    row = listing(store, "red", "9300003")

    listings_match(store=store)

    assert conflict_of(row) == (
        ListingStatus.CONFLICT,
        "SKU 'red' and barcode '9300003' match different items: BLUE, RED. "
        "Link the right one by hand.",
    )


def test_an_item_already_linked_in_the_store_is_not_linked_twice(store: Store) -> None:
    item = ItemFactory(sku="ONE")
    listing(store, "one-manual", status=ListingStatus.LINKED, item=item)
    row = listing(store, "ONE")

    listings_match(store=store)

    assert conflict_of(row) == (
        ListingStatus.CONFLICT,
        "Item ONE is already linked to listing 'one-manual' of this store: unlink it first.",
    )


def test_an_item_found_by_two_listings_links_neither(store: Store) -> None:
    ItemFactory(sku="TWO", barcode="9300004")
    by_sku, by_barcode = listing(store, "TWO"), listing(store, "OTHER", "9300004")

    run = listings_match(store=store)

    reason = "Item TWO is matched by 2 listings of this store: link one by hand."
    assert conflict_of(by_sku) == (ListingStatus.CONFLICT, reason)
    assert conflict_of(by_barcode) == (ListingStatus.CONFLICT, reason)
    assert run.linked_count == 0


def test_a_resolved_conflict_is_linked_by_the_next_match(store: Store) -> None:
    ItemFactory(sku="DUP")
    first, second = listing(store, "DUP"), listing(store, "DUP", "b")
    listings_match(store=store)
    second.delete()

    run = listings_match(store=store)

    assert statuses(store) == {first.inventory_ref: (ListingStatus.LINKED, "DUP", LinkMethod.SKU)}
    assert (run.linked_count, run.conflict_count) == (1, 0)


def test_inactive_items_and_gone_listings_are_not_matched(store: Store) -> None:
    ItemFactory(sku="OLD", active=False)
    ItemFactory(sku="GONE")
    old = listing(store, "OLD")
    gone = listing(store, "GONE", status=ListingStatus.GONE)

    run = listings_match(store=store)

    assert run.details["candidates"] == 1
    assert conflict_of(old) == (ListingStatus.UNLINKED, "")
    assert conflict_of(gone) == (ListingStatus.GONE, "")


# --- link, unlink ---------------------------------------------------------------------------------


def test_a_manual_link_and_unlink_each_queue_a_push(
    store: Store, django_capture_on_commit_callbacks: Any
) -> None:
    item = ItemFactory(sku="MAN")
    row = listing(store, "platform-sku")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        listing_link(listing=row, item=item)
    assert len(callbacks) == 1
    assert statuses(store) == {row.inventory_ref: (ListingStatus.LINKED, "MAN", LinkMethod.MANUAL)}
    assert listings_of_item(item) == [row]

    with django_capture_on_commit_callbacks(execute=True):
        listing_unlink(listing=row)
    assert statuses(store) == {row.inventory_ref: (ListingStatus.UNLINKED, None, "")}
    assert list(ListingChange.objects.values_list("listing_id", flat=True)) == [row.pk, row.pk]


def test_an_item_links_to_one_listing_per_store_and_gone_listings_not_at_all(
    store: Store,
) -> None:
    item = ItemFactory(sku="ONE")
    first, second = listing(store, "a"), listing(store, "b")
    listing_link(listing=first, item=item)

    with pytest.raises(Conflict) as refused:
        listing_link(listing=second, item=item)
    assert refused.value.detail == (
        "Item ONE is already linked to listing 'a' of this store: unlink it first."
    )
    gone = listing(store, "c", status=ListingStatus.GONE)
    with pytest.raises(Conflict):
        listing_link(listing=gone, item=ItemFactory(sku="OTHER"))
    assert statuses(store)[second.inventory_ref] == (ListingStatus.UNLINKED, None, "")


# --- items from listings --------------------------------------------------------------------------


def test_many_links_in_one_transaction_are_announced_once(
    store: Store, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [listing(store, f"MANY-{number}") for number in range(3)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        items_create_from_listings(listing_ids=[row.pk for row in rows])
    assert len(callbacks) == 1
    assert ListingChange.objects.count() == 3


def test_items_are_made_from_listings_and_linked(store: Store) -> None:
    row = listing(
        store,
        " NEW-1 ",
        "9311111",
        title="Blue mug",
        variant_title="Large",
        weight_kg=Decimal("0.350"),
    )

    items = items_create_from_listings(listing_ids=[row.pk])

    item = Item.objects.get()
    assert items == [item]
    assert (item.sku, item.name, item.barcode, item.weight_g) == (
        "NEW-1",
        "Blue mug - Large",
        "9311111",
        350,
    )
    assert statuses(store) == {row.inventory_ref: (ListingStatus.LINKED, "NEW-1", "manual")}


def test_listings_without_a_sku_are_named_and_nothing_is_created(store: Store) -> None:
    fine = listing(store, "FINE")
    no_sku = listing(store, "", "", title="Mystery box")
    linked = listing(store, "L", status=ListingStatus.LINKED, item=ItemFactory(sku="L"))

    with pytest.raises(ValidationFailed) as refused:
        items_create_from_listings(listing_ids=[fine.pk, no_sku.pk, linked.pk])

    assert [error.message for error in refused.value.errors] == [
        f"Listing 'Mystery box' (id {no_sku.pk}) has no SKU: give it one on the platform and "
        "pull again, or link it to an item by hand.",
        "Listing 'L' is linked: only unlinked listings make items.",
    ]
    assert list(Item.objects.values_list("sku", flat=True)) == ["L"]


def test_an_existing_sku_refuses_the_whole_batch(store: Store) -> None:
    ItemFactory(sku="TAKEN")
    fine, taken = listing(store, "FINE"), listing(store, "taken")

    with pytest.raises(ValidationFailed) as refused:
        items_create_from_listings(listing_ids=[fine.pk, taken.pk])

    assert refused.value.errors[0].message == (
        "Listing taken: An item with SKU 'taken' already exists (as 'TAKEN')."
    )
    assert sorted(Item.objects.values_list("sku", flat=True)) == ["TAKEN"]
    assert statuses(store)[fine.inventory_ref] == (ListingStatus.UNLINKED, None, "")


def test_unknown_listing_ids_are_named(store: Store) -> None:
    with pytest.raises(NotFound) as refused:
        items_create_from_listings(listing_ids=[424242])
    assert refused.value.detail == "No listing has id 424242."


# --- selectors ------------------------------------------------------------------------------------


def test_listings_are_filtered_by_store_status_sku_text_and_item(store: Store) -> None:
    item = ItemFactory(sku="LNK")
    linked = listing(store, "LNK", status=ListingStatus.LINKED, item=item, title="Linked mug")
    free = listing(store, "FREE-1", "93000")

    assert list(listings_query(store=store)) == [free, linked]
    assert list(listings_query(status="linked")) == [linked]
    assert list(listings_query(sku="free-1")) == [free]
    assert list(listings_query(search="mug")) == [linked]
    assert list(listings_query(search="930")) == [free]
    assert list(listings_query(item=item)) == [linked]
    with pytest.raises(ValidationFailed):
        listings_query(status="lost")
