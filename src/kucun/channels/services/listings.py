"""A store's listings: pulled from the platform, matched to items, linked and unlinked.

Pull. ``listings_pull`` reads the platform's variants (all of them, or those changed since the
store's watermark) and upserts one Listing per inventory ref, a batch at a time. The watermark
moves to the newest ``updated_at`` seen, and only when the pull succeeds. A full pull marks
every listing it did not see as ``gone``: a gone listing is unlinked (the database holds that a
listing without the ``linked`` status has no item) and is never pushed; if it comes back in a
later pull it is ``unlinked`` again and the next quick match links it anew.

Match. ``listings_match`` links the unlinked and conflicting listings of a store by SKU
(trimmed, ignoring case), then by barcode, one listing to one item within a store. Whatever is
ambiguous is left unlinked with the status ``conflict`` and a reason a person can act on.

Every link or unlink writes a ``ListingChange`` for the stock sync (when the store syncs) in the
same transaction; ``signals.listings_changed`` announces it after commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.catalog.models import Item
from kucun.catalog.selectors import items_matching_skus
from kucun.catalog.services import item_create
from kucun.channels.adapters.base import ChannelError, ListingRef
from kucun.channels.choices import (
    LinkMethod,
    ListingStatus,
    PushTrigger,
    SyncRunKind,
    SyncRunStatus,
)
from kucun.channels.connect import store_channel
from kucun.channels.models import Listing, Store, SyncRun
from kucun.channels.services.rows import plan_each_statement, update_rows
from kucun.channels.services.stores import listings_changes_queue, pending_announcement
from kucun.core.audit import audit_record
from kucun.core.choices import JobStatus
from kucun.core.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed
from kucun.core.jobs import Heartbeat, job_start, jobs_settle
from kucun.core.models import Job

logger = logging.getLogger(__name__)

PULL_MODES = {"incremental": SyncRunKind.PULL_INCREMENTAL, "full": SyncRunKind.PULL_FULL}
BATCH_SIZE = 500
# The platform's data a pull copies onto a listing.
PULLED_FIELDS = (
    "product_ref",
    "variant_ref",
    "sku",
    "barcode",
    "title",
    "variant_title",
    "weight_kg",
    "active_on_platform",
    "platform_updated_at",
)
CONFLICTS_KEPT = 200


# --- pull ---------------------------------------------------------------------------------------


def clean_mode(mode: Any) -> SyncRunKind:
    if mode not in PULL_MODES:
        raise ValidationFailed.for_field(
            "mode", _("The mode of a pull is 'incremental' or 'full'.")
        )
    return PULL_MODES[mode]


def pulled_values(ref: ListingRef) -> dict[str, Any]:
    """A variant as the listing stores it (cut to the columns' lengths)."""
    return {
        "product_ref": ref.product_ref[:200],
        "variant_ref": ref.variant_ref[:200],
        "sku": ref.sku.strip()[:200],
        "barcode": ref.barcode.strip()[:64],
        "title": ref.title[:500],
        "variant_title": ref.variant_title[:255],
        "weight_kg": ref.weight_kg.quantize(Decimal("0.001"))
        if ref.weight_kg is not None
        else None,
        "active_on_platform": ref.active,
        "platform_updated_at": ref.updated_at,
    }


@dataclass
class PullCounts:
    new: int = 0
    updated: int = 0
    seen: int = 0
    newest: datetime | None = None
    seen_refs: set[str] = field(default_factory=set)


def batches(refs: Iterable[ListingRef], size: int) -> Iterator[list[ListingRef]]:
    batch: dict[str, ListingRef] = {}
    for ref in refs:
        # A ref repeated within the overlap of two pages: the later answer wins.
        batch[ref.inventory_ref] = ref
        if len(batch) >= size:
            yield list(batch.values())
            batch = {}
    if batch:
        yield list(batch.values())


def upsert_batch(
    store: Store, refs: list[ListingRef], counts: PullCounts, job_id: int | None
) -> None:
    """Create the new listings and refresh the known ones of one batch, in one transaction
    that holds the store's row (two pulls of one store write one after the other). Only rows
    whose platform data changed are rewritten whole; quantities are set per distinct value
    and the pull time in one statement, so pulling an unchanged store is cheap."""
    now = timezone.now()
    with transaction.atomic():
        plan_each_statement()
        Store.objects.select_for_update().filter(pk=store.pk).values_list("pk").first()
        existing = {
            listing.inventory_ref: listing
            for listing in Listing.objects.filter(
                store=store, inventory_ref__in=[ref.inventory_ref[:200] for ref in refs]
            )
        }
        created: list[Listing] = []
        rewritten: list[Listing] = []
        by_quantity: dict[int, list[int]] = defaultdict(list)
        seen_ids: list[int] = []
        for ref in refs:
            values = pulled_values(ref)
            listing = existing.get(ref.inventory_ref[:200])
            if listing is None:
                created.append(new_listing(store, ref, values, now))
                continue
            seen_ids.append(listing.pk)
            if ref.quantity is not None and ref.quantity != listing.platform_quantity:
                by_quantity[ref.quantity].append(listing.pk)
            if listing.status == ListingStatus.GONE or any(
                getattr(listing, name) != value for name, value in values.items()
            ):
                for name, value in values.items():
                    setattr(listing, name, value)
                if listing.status == ListingStatus.GONE:
                    listing.status = ListingStatus.UNLINKED
                listing.updated_at = now
                rewritten.append(listing)
        Listing.objects.bulk_create(created, batch_size=BATCH_SIZE)
        update_rows(Listing, [*PULLED_FIELDS, "status", "updated_at"], rewritten)
        for quantity, listing_ids in by_quantity.items():
            Listing.objects.filter(pk__in=listing_ids).update(platform_quantity=quantity)
        with_quantity = {ref.inventory_ref[:200] for ref in refs if ref.quantity is not None}
        Listing.objects.filter(pk__in=seen_ids).update(last_pulled_at=now)
        Listing.objects.filter(
            pk__in=[listing.pk for ref, listing in existing.items() if ref in with_quantity]
        ).update(platform_quantity_at=now)
    counts.new += len(created)
    counts.updated += len(rewritten)
    for ref in refs:
        counts.seen_refs.add(ref.inventory_ref[:200])
        if ref.updated_at is not None and (counts.newest is None or ref.updated_at > counts.newest):
            counts.newest = ref.updated_at
    counts.seen += len(refs)


def new_listing(store: Store, ref: ListingRef, values: dict[str, Any], now: datetime) -> Listing:
    listing = Listing(store=store, inventory_ref=ref.inventory_ref[:200], last_pulled_at=now)
    for name, value in values.items():
        setattr(listing, name, value)
    if ref.quantity is not None:
        listing.platform_quantity, listing.platform_quantity_at = ref.quantity, now
    return listing


def mark_gone(store: Store, seen: set[str]) -> int:
    """Listings a full pull did not see: gone, and so no longer linked."""
    present = Listing.objects.filter(store=store).exclude(status=ListingStatus.GONE)
    missing = [pk for pk, ref in present.values_list("pk", "inventory_ref") if ref not in seen]
    gone = 0
    for start in range(0, len(missing), BATCH_SIZE):
        gone += Listing.objects.filter(pk__in=missing[start : start + BATCH_SIZE]).update(
            status=ListingStatus.GONE,
            item=None,
            link_method="",
            conflict_reason="",
            updated_at=timezone.now(),
        )
    return gone


def job_report(job_id: int | None, heartbeat: Heartbeat, done: int, total: int) -> None:
    if job_id:
        Job.objects.filter(pk=job_id).update(
            progress_done=done, progress_total=max(total, done), **heartbeat.fields()
        )


def listings_pull(
    *, store: Store, mode: str, trigger: str = PushTrigger.MANUAL, job: Job | None = None
) -> SyncRun:
    """Pull the store's variants into its listings; the run records the outcome (a failure
    carries the platform's message and leaves the watermark where it was)."""
    kind = clean_mode(mode)
    job_id = job.pk if job is not None else None
    run = SyncRun.objects.create(store=store, kind=kind, trigger=trigger, job=job)
    if job_id:
        job_start(job_id=job_id)
    since = store.products_watermark if kind == SyncRunKind.PULL_INCREMENTAL else None
    counts = PullCounts()
    heartbeat = Heartbeat(job_id)
    estimate = Listing.objects.filter(store=store).exclude(status=ListingStatus.GONE).count()
    channel = store_channel(store)
    try:
        for batch in batches(channel.fetch_products(since), BATCH_SIZE):
            upsert_batch(store, batch, counts, job_id)
            job_report(job_id, heartbeat, counts.seen, estimate)
        with transaction.atomic():
            plan_each_statement()
            if kind == SyncRunKind.PULL_FULL:
                run.gone_count = mark_gone(store, counts.seen_refs)
            watermark_advance(store, counts.newest)
    except ChannelError as error:
        run.status = SyncRunStatus.FAILED
        run.error = error.message
        logger.warning("pull of store %s failed: %s", store.pk, error.message)
    else:
        run.status = SyncRunStatus.SUCCEEDED
    finally:
        channel.close()
    run.new_count, run.updated_count = counts.new, counts.updated
    run.details = {"seen": counts.seen, "since": since.isoformat() if since else None}
    run_finish(run, job_id)
    return run


def watermark_advance(store: Store, newest: datetime | None) -> None:
    if newest is None:
        return
    current = Store.objects.filter(pk=store.pk).values_list("products_watermark", flat=True).first()
    if current is None or newest > current:
        Store.objects.filter(pk=store.pk).update(products_watermark=newest)
        store.products_watermark = newest


def run_finish(run: SyncRun, job_id: int | None) -> None:
    run.finished_at = timezone.now()
    run.save()
    if job_id:
        done = run.details.get("seen", 0) if isinstance(run.details, dict) else 0
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.SUCCEEDED
            if run.status == SyncRunStatus.SUCCEEDED
            else JobStatus.FAILED,
            progress_done=max(done, 1),
            progress_total=max(done, 1),
            message=(run.error or pull_summary(run))[:1000],
            finished_at=run.finished_at,
        )


def pull_summary(run: SyncRun) -> str:
    return _("%(new)d new, %(updated)d updated, %(gone)d gone") % {
        "new": run.new_count,
        "updated": run.updated_count,
        "gone": run.gone_count,
    }


PULL_JOB_KIND = "channels.pull"


def listings_pull_enqueue(
    *, store: Store, mode: str, actor: Any = None, trigger: str = PushTrigger.MANUAL
) -> Job:
    """Queue a pull for the worker; the job shows its progress and outcome."""
    clean_mode(mode)
    with transaction.atomic():
        job = Job.objects.create(
            kind=f"{PULL_JOB_KIND}.{mode}",
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            # Until the job runs, its message names its store (see pull_queued).
            message=pull_job_tag(store.pk),
        )
        job_id, store_id = job.pk, store.pk
        transaction.on_commit(lambda: enqueue_pull(store_id, mode, str(trigger), job_id))
    return job


# A pull queued longer ago than this is not counted on (its queue may have lost it).
QUEUED_PULL_TRUSTED = timedelta(hours=1)


def pull_queued(store: Store) -> bool:
    """A pull of this store waits in the queue (a webhook burst needs no second one)."""
    return Job.objects.filter(
        kind__startswith=f"{PULL_JOB_KIND}.",
        status=JobStatus.QUEUED,
        message=pull_job_tag(store.pk),
        created_at__gte=timezone.now() - QUEUED_PULL_TRUSTED,
    ).exists()


def pull_runs_settle() -> int:
    """Runs still "running" whose job was marked failed (its worker died) are failed too, with
    the job's reason; for the screens and the API before they show runs."""
    jobs_settle()
    reason = Job.objects.filter(pk=OuterRef("job_id")).values("message")[:1]
    return SyncRun.objects.filter(
        status=SyncRunStatus.RUNNING, job__status=JobStatus.FAILED
    ).update(status=SyncRunStatus.FAILED, error=Subquery(reason), finished_at=timezone.now())


def pull_job_tag(store_id: int) -> str:
    return f"store:{store_id}"


def enqueue_pull(store_id: int, mode: str, trigger: str, job_id: int) -> None:
    from kucun.channels.tasks_listings import listings_pull_task

    listings_pull_task(store_id, mode, trigger, job_id)


def listings_pull_run_job(*, store_id: int, mode: str, trigger: str, job_id: int) -> SyncRun | None:
    """The worker's side of ``listings_pull_enqueue``."""
    job = Job.objects.filter(pk=job_id).first()
    store = Store.objects.filter(pk=store_id).first()
    if job is None or job.status != JobStatus.QUEUED:
        return None
    if store is None:
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            message=_("The store was deleted before its pull ran."),
            finished_at=timezone.now(),
        )
        return None
    try:
        return listings_pull(store=store, mode=mode, trigger=trigger, job=job)
    except Exception:
        logger.exception("pull of store %s stopped", store_id)
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            message=_("The pull stopped on an unexpected error."),
            finished_at=timezone.now(),
        )
        raise


# --- match --------------------------------------------------------------------------------------


def normal_sku(sku: str) -> str:
    return sku.strip().casefold()


@dataclass
class MatchPlan:
    """What quick match decided for each candidate listing."""

    links: dict[int, tuple[int, str]] = field(default_factory=dict)  # listing → (item, method)
    conflicts: dict[int, str] = field(default_factory=dict)  # listing → reason


def items_by_sku(skus: set[str]) -> dict[str, list[Item]]:
    found: dict[str, list[Item]] = defaultdict(list)
    wanted = sorted(skus)
    for start in range(0, len(wanted), BATCH_SIZE):
        for item in items_matching_skus(wanted[start : start + BATCH_SIZE]).filter(active=True):
            found[normal_sku(item.sku)].append(item)
    return found


def items_by_barcode(barcodes: set[str]) -> dict[str, list[Item]]:
    found: dict[str, list[Item]] = defaultdict(list)
    wanted = sorted(barcodes)
    for start in range(0, len(wanted), BATCH_SIZE):
        for item in Item.objects.filter(
            barcode__in=wanted[start : start + BATCH_SIZE], active=True
        ):
            found[str(item.barcode)].append(item)
    return found


def duplicates(values: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for value in values:
        if value in seen:
            repeated.add(value)
        seen.add(value)
    return repeated


def plan_match(store: Store, candidates: list[Listing]) -> MatchPlan:
    plan = MatchPlan()
    present = Listing.objects.filter(store=store).exclude(status=ListingStatus.GONE)
    sku_repeated = duplicates(
        normal_sku(sku) for sku in present.exclude(sku="").values_list("sku", flat=True)
    )
    barcode_repeated = duplicates(
        barcode.strip() for barcode in present.exclude(barcode="").values_list("barcode", flat=True)
    )
    by_sku = items_by_sku({normal_sku(listing.sku) for listing in candidates} - {""})
    by_barcode = items_by_barcode({listing.barcode.strip() for listing in candidates} - {""})
    for listing in candidates:
        sku_items = by_sku.get(normal_sku(listing.sku), []) if listing.sku.strip() else []
        barcode_items = by_barcode.get(listing.barcode.strip(), []) if listing.barcode else []
        if sku_items:
            decide_by_sku(listing, sku_items, barcode_items, sku_repeated, plan)
        elif barcode_items:
            decide_by_barcode(listing, barcode_items, barcode_repeated, plan)
    plan_one_to_one(store, candidates, plan)
    return plan


def item_list_text(items: Iterable[Item]) -> str:
    return ", ".join(sorted({item.sku for item in items}))


def decide_by_sku(
    listing: Listing,
    sku_items: list[Item],
    barcode_items: list[Item],
    sku_repeated: set[str],
    plan: MatchPlan,
) -> None:
    sku = listing.sku.strip()
    others = [item for item in barcode_items if item not in sku_items]
    if normal_sku(sku) in sku_repeated:
        plan.conflicts[listing.pk] = _(
            "SKU '%(sku)s' is on more than one listing of this store: give each its own SKU on "
            "the platform, or link them by hand."
        ) % {"sku": sku}
    elif len(sku_items) > 1 or others:
        plan.conflicts[listing.pk] = _(
            "SKU '%(sku)s' and barcode '%(barcode)s' match different items: %(items)s. Link "
            "the right one by hand."
        ) % {
            "sku": sku,
            "barcode": listing.barcode.strip(),
            "items": item_list_text([*sku_items, *others]),
        }
    else:
        plan.links[listing.pk] = (sku_items[0].pk, LinkMethod.SKU)


def decide_by_barcode(
    listing: Listing, barcode_items: list[Item], barcode_repeated: set[str], plan: MatchPlan
) -> None:
    barcode = listing.barcode.strip()
    if barcode in barcode_repeated:
        plan.conflicts[listing.pk] = _(
            "Barcode '%(barcode)s' is on more than one listing of this store: link them by hand."
        ) % {"barcode": barcode}
    elif len(barcode_items) > 1:
        plan.conflicts[listing.pk] = _(
            "Barcode '%(barcode)s' matches several items: %(items)s."
        ) % {
            "barcode": barcode,
            "items": item_list_text(barcode_items),
        }
    else:
        plan.links[listing.pk] = (barcode_items[0].pk, LinkMethod.BARCODE)


def plan_one_to_one(store: Store, candidates: list[Listing], plan: MatchPlan) -> None:
    """One listing per item in a store: an item already linked, or found by two listings,
    links none of them."""
    by_item: dict[int, list[int]] = defaultdict(list)
    for listing_id, (item_id, _method) in plan.links.items():
        by_item[item_id].append(listing_id)
    taken = dict(
        Listing.objects.filter(
            store=store, status=ListingStatus.LINKED, item_id__in=list(by_item)
        ).values_list("item_id", "sku")
    )
    skus = dict(Item.objects.filter(pk__in=list(by_item)).values_list("pk", "sku"))
    for item_id, listing_ids in by_item.items():
        if item_id in taken:
            reason = _(
                "Item %(item)s is already linked to listing '%(listing)s' of this store: unlink "
                "it first."
            ) % {"item": skus[item_id], "listing": taken[item_id] or "-"}
        elif len(listing_ids) > 1:
            reason = _(
                "Item %(item)s is matched by %(count)d listings of this store: link one by hand."
            ) % {"item": skus[item_id], "count": len(listing_ids)}
        else:
            continue
        for listing_id in listing_ids:
            del plan.links[listing_id]
            plan.conflicts[listing_id] = reason


def listings_match(*, store: Store, actor: Any = None) -> SyncRun:
    """Quick match: link by SKU, then barcode; report what was linked and what could not be."""
    run = SyncRun.objects.create(store=store, kind=SyncRunKind.MATCH, trigger=PushTrigger.MANUAL)
    with transaction.atomic():
        plan_each_statement()
        locked = Store.objects.select_for_update().get(pk=store.pk)
        candidates = list(
            Listing.objects.filter(
                store=locked, status__in=[ListingStatus.UNLINKED, ListingStatus.CONFLICT]
            ).order_by("pk")
        )
        plan = plan_match(locked, candidates)
        write_plan(locked, candidates, plan)
        audit_record(
            actor=actor,
            action="listings.match",
            obj=locked,
            summary=_("Quick match of %(store)s: %(linked)d linked, %(conflicts)d conflicts")
            % {"store": locked.name, "linked": len(plan.links), "conflicts": len(plan.conflicts)},
        )
    methods = [method for _item, method in plan.links.values()]
    run.status = SyncRunStatus.SUCCEEDED
    run.linked_count = len(plan.links)
    run.conflict_count = len(plan.conflicts)
    run.details = {
        "candidates": len(candidates),
        "linked_by_sku": methods.count(LinkMethod.SKU),
        "linked_by_barcode": methods.count(LinkMethod.BARCODE),
        "unmatched": len(candidates) - len(plan.links) - len(plan.conflicts),
        "conflicts": [
            {"listing": listing_id, "reason": reason}
            for listing_id, reason in sorted(plan.conflicts.items())[:CONFLICTS_KEPT]
        ],
    }
    run.finished_at = timezone.now()
    run.save()
    return run


def write_plan(store: Store, candidates: list[Listing], plan: MatchPlan) -> None:
    now = timezone.now()
    changed: list[Listing] = []
    for listing in candidates:
        item_id: int | None = None
        method, status, reason = "", ListingStatus.UNLINKED, ""
        if listing.pk in plan.links:
            item_id, method = plan.links[listing.pk]
            status = ListingStatus.LINKED
        elif listing.pk in plan.conflicts:
            status, reason = ListingStatus.CONFLICT, plan.conflicts[listing.pk][:300]
        if (listing.status, listing.item_id, listing.conflict_reason) == (status, item_id, reason):
            continue
        listing.status, listing.item_id, listing.conflict_reason = status, item_id, reason
        listing.link_method = method
        listing.updated_at = now
        changed.append(listing)
    Listing.objects.bulk_update(
        changed,
        ["status", "item", "conflict_reason", "link_method", "updated_at"],
        batch_size=BATCH_SIZE,
    )
    if store.inventory_sync:
        listings_changes_queue(store_ids=[store.pk], listing_ids=list(plan.links))
    if plan.links:
        pending_announcement().linked_ids.update(plan.links)


# --- link, unlink, create items -----------------------------------------------------------------


def listing_link(*, listing: Listing, item: Item, actor: Any = None) -> Listing:
    """Link a listing to an item (or bundle) by hand; one listing per item in a store."""
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=listing.store_id)
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.status == ListingStatus.GONE:
            raise Conflict.for_field(
                "listing",
                _("Listing '%(listing)s' is gone from the platform: it cannot be linked.")
                % {"listing": listing_label(locked)},
            )
        other = (
            Listing.objects.filter(store=store, item=item, status=ListingStatus.LINKED)
            .exclude(pk=locked.pk)
            .first()
        )
        if other is not None:
            raise Conflict.for_field(
                "item",
                _(
                    "Item %(item)s is already linked to listing '%(listing)s' of this store: "
                    "unlink it first."
                )
                % {"item": item.sku, "listing": listing_label(other)},
            )
        if locked.status == ListingStatus.LINKED and locked.item_id == item.pk:
            return locked
        before = locked.item_id
        locked.status, locked.item = ListingStatus.LINKED, item
        locked.link_method, locked.conflict_reason = LinkMethod.MANUAL, ""
        locked.save(
            update_fields=["status", "item", "link_method", "conflict_reason", "updated_at"]
        )
        pending_announcement().linked_ids.add(locked.pk)
        if store.inventory_sync:
            listings_changes_queue(store_ids=[store.pk], listing_ids=[locked.pk])
        audit_record(
            actor=actor,
            action="listing.link",
            obj=locked,
            summary=_("Linked %(listing)s of %(store)s to %(item)s")
            % {"listing": listing_label(locked), "store": store.name, "item": item.sku},
            data={"before": before, "item": item.pk},
        )
    return locked


def listing_unlink(*, listing: Listing, actor: Any = None) -> Listing:
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=listing.store_id)
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.status != ListingStatus.LINKED:
            return locked
        before = locked.item_id
        locked.status, locked.item, locked.link_method = ListingStatus.UNLINKED, None, ""
        locked.save(update_fields=["status", "item", "link_method", "updated_at"])
        if store.inventory_sync:
            listings_changes_queue(store_ids=[store.pk], listing_ids=[locked.pk])
        audit_record(
            actor=actor,
            action="listing.unlink",
            obj=locked,
            summary=_("Unlinked %(listing)s of %(store)s")
            % {"listing": listing_label(locked), "store": store.name},
            data={"before": before},
        )
    return locked


def listing_label(listing: Listing) -> str:
    return listing.sku or listing.title or listing.inventory_ref


def item_name_of(listing: Listing) -> str:
    name = listing.title.strip() or listing.sku.strip()
    variant = listing.variant_title.strip()
    if variant and variant.casefold() != "default title":
        name = f"{name} - {variant}"
    return name[:255]


def weight_grams(weight_kg: Decimal | None) -> int | None:
    if weight_kg is None or weight_kg < 0:
        return None
    return int((weight_kg * 1000).to_integral_value())


def items_create_from_listings(*, listing_ids: Sequence[int], actor: Any = None) -> list[Item]:
    """A new item for each listing (SKU, name, barcode and weight from the platform), linked
    to it; listings sharing a SKU in different stores share the new item. All or nothing:
    every refused listing is named."""
    wanted = list(dict.fromkeys(listing_ids))
    listings = {
        listing.pk: listing
        for listing in Listing.objects.select_related("store").filter(pk__in=wanted)
    }
    missing = [str(pk) for pk in wanted if pk not in listings]
    if missing:
        raise NotFound.for_field(
            "listings", _("No listing has id %(ids)s.") % {"ids": ", ".join(missing)}
        )
    refused = refuse_for_items(listings[pk] for pk in wanted)
    if refused:
        raise ValidationFailed(detail="; ".join(e.message for e in refused), errors=refused)
    groups: dict[str, list[Listing]] = defaultdict(list)
    for pk in wanted:
        groups[normal_sku(listings[pk].sku)].append(listings[pk])
    created: list[Item] = []
    problems: list[FieldError] = []
    with transaction.atomic():
        pending_announcement()  # every link below joins it: one signal for the whole batch
        for group in groups.values():
            first = group[0]
            try:
                item = item_create(
                    user=actor,
                    sku=first.sku.strip(),
                    name=item_name_of(first),
                    barcode=first.barcode.strip() or None,
                    weight_g=weight_grams(first.weight_kg),
                )
            except DomainError as error:
                problems.append(
                    FieldError(
                        "listings",
                        _("Listing %(listing)s: %(error)s")
                        % {"listing": listing_label(first), "error": error.detail},
                    )
                )
                continue
            created.append(item)
            for listing in group:
                listing_link(listing=listing, item=item, actor=actor)
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise ValidationFailed(detail="; ".join(p.message for p in problems), errors=problems)
    return created


def refuse_for_items(listings: Iterable[Listing]) -> list[FieldError]:
    refused: list[FieldError] = []
    stores_by_sku: dict[str, set[int]] = defaultdict(set)
    for listing in listings:
        label = listing_label(listing)
        if not listing.sku.strip():
            refused.append(
                FieldError(
                    "listings",
                    _(
                        "Listing '%(listing)s' (id %(id)d) has no SKU: give it one on the "
                        "platform and pull again, or link it to an item by hand."
                    )
                    % {"listing": label, "id": listing.pk},
                )
            )
        elif listing.status not in (ListingStatus.UNLINKED, ListingStatus.CONFLICT):
            refused.append(
                FieldError(
                    "listings",
                    _("Listing '%(listing)s' is %(status)s: only unlinked listings make items.")
                    % {"listing": label, "status": listing.get_status_display()},
                )
            )
        elif listing.store_id in stores_by_sku[normal_sku(listing.sku)]:
            refused.append(
                FieldError(
                    "listings",
                    _("SKU '%(sku)s' is on two of the chosen listings of %(store)s: choose one.")
                    % {"sku": listing.sku.strip(), "store": listing.store.name},
                )
            )
        stores_by_sku[normal_sku(listing.sku)].add(listing.store_id)
    return refused
