"""Binding stores: their platform, credentials, source warehouses and switches.

Credentials are checked against the platform's form fields (``PlatformSpec``), encrypted
together (core.secrets) and shown back only as masks: a secret field's last characters, a
non-secret field (a client id) in full. A secret sent empty or left out keeps the stored one.
Only owners bind stores and change credentials (``actor`` None is the system: the demo, a
command run by the operator).

Changing what a store sells from (its warehouses, its buffer, its platform location) or turning
inventory sync back on queues a push of every linked listing: ``ListingChange`` rows in the same
transaction and ``signals.listings_changed`` after commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from kucun.accounts.choices import Role
from kucun.channels.adapters.base import ChannelError, ConnectionInfo, PlatformSpec
from kucun.channels.choices import ListingStatus, PushTrigger
from kucun.channels.connect import store_channel, store_config
from kucun.channels.hooks import announce_listings_linked
from kucun.channels.models import (
    DEFAULT_ORDER_BACKFILL_DAYS,
    DEFAULT_ORDER_INTERVAL_MINUTES,
    Listing,
    ListingChange,
    Store,
    StoreWarehouse,
)
from kucun.channels.platforms import platforms
from kucun.channels.signals import listings_changed
from kucun.core.audit import audit_record
from kucun.core.credentials import (
    Problems,
    account_fields_changes,
    clean_flag,
    clean_spec_values,
    clean_text,
    clean_whole,
    credential_masks,
    secret_values,
    without_secrets,
)
from kucun.core.errors import (
    Conflict,
    DomainError,
    FieldError,
    PermissionDenied,
)
from kucun.core.secrets import encrypt_mapping
from kucun.warehouses.models import Warehouse

NAME_MAX_LENGTH = 100
INTERVAL_RANGE = (1, 60)
BACKFILL_DAYS_RANGE = (0, 365)
BUFFER_MAX = 1_000_000_000


@dataclass
class StoreConnectionFailed(DomainError):
    """The platform did not accept a call; ``detail`` carries what it said (never a secret)."""

    status_code: int = 502


# --- who may ------------------------------------------------------------------------------------


def require_owner(actor: Any) -> None:
    """Owners bind stores and manage credentials; None is the system itself."""
    if actor is None:
        return
    if not (getattr(actor, "is_authenticated", False) and actor.has_role(Role.OWNER)):
        raise PermissionDenied(
            detail=_("Only an owner binds stores and manages their credentials.")
        )


# --- cleaning -----------------------------------------------------------------------------------


def clean_name(value: Any, *, exclude_id: int | None, problems: Problems) -> str:
    name = clean_text(value, field="name", label=_("Name"), problems=problems)
    if not name:
        problems.add("name", _("Name is required: what the store is called in Kucun."))
    elif len(name) > NAME_MAX_LENGTH:
        problems.add("name", _("Name is at most %(max)d characters.") % {"max": NAME_MAX_LENGTH})
    else:
        taken = Store.objects.alias(name_lower=Lower("name")).filter(name_lower=name.lower())
        if exclude_id is not None:
            taken = taken.exclude(pk=exclude_id)
        if taken.exists():
            problems.add("name", _("A store named '%(name)s' already exists.") % {"name": name})
    return name


def clean_warehouses(value: Any, *, problems: Problems) -> list[int]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        problems.add("warehouses", _("Warehouses must be a list of warehouse ids."))
        return []
    wanted: list[int] = []
    for warehouse_id in value:
        if isinstance(warehouse_id, bool) or not isinstance(warehouse_id, int):
            problems.add("warehouses", _("Warehouse ids must be whole numbers."))
            return []
        if warehouse_id not in wanted:
            wanted.append(warehouse_id)
    found = set(Warehouse.objects.filter(pk__in=wanted, active=True).values_list("pk", flat=True))
    missing = [str(warehouse_id) for warehouse_id in wanted if warehouse_id not in found]
    if missing:
        problems.add(
            "warehouses",
            _("No active warehouse has id %(ids)s.") % {"ids": ", ".join(missing)},
        )
    return wanted


def clean_sandbox(value: Any, *, problems: Problems) -> bool:
    sandbox = clean_flag(value, field="sandbox", label=_("Sandbox"), problems=problems)
    if sandbox and not settings.SANDBOX_ENABLED:
        problems.add(
            "sandbox",
            _("The sandbox is turned off on this server (KUCUN_SANDBOX): bind a real store."),
        )
    return sandbox


def spec_for(code: Any, problems: Problems) -> PlatformSpec | None:
    spec = platforms().get(code) if isinstance(code, str) else None
    if spec is None:
        problems.add(
            "platform",
            _("Choose a platform: %(codes)s.") % {"codes": ", ".join(sorted(platforms()))},
        )
    return spec


# --- credentials --------------------------------------------------------------------------------


def account_ref_of(
    spec: PlatformSpec, credentials: Mapping[str, str], options: Mapping[str, str]
) -> str:
    if not spec.account_field:
        return ""
    return (credentials.get(spec.account_field) or options.get(spec.account_field) or "")[:200]


# --- pushes owed --------------------------------------------------------------------------------


def listings_changes_queue(
    *,
    store_ids: Iterable[int],
    listing_ids: Iterable[int],
    trigger: str = PushTrigger.AUTOMATIC,
) -> int:
    """Record that these listings must be pushed (the stock sync's outbox), and announce their
    stores after commit. Call inside the transaction of the change; returns how many rows were
    written. The one writer of ListingChange rows."""
    rows = [
        ListingChange(listing_id=listing_id, trigger=trigger)
        for listing_id in sorted(set(listing_ids))
    ]
    if not rows:
        return 0
    ListingChange.objects.bulk_create(rows, batch_size=1000)
    pending_announcement().store_ids.update(store_ids)
    return len(rows)


@dataclass
class Announcement:
    """The stores to announce after commit: one signal per transaction, however many links;
    and the listings linked, for ``hooks.register_listings_linked``."""

    store_ids: set[int] = dataclasses.field(default_factory=set)
    linked_ids: set[int] = dataclasses.field(default_factory=set)

    def __call__(self) -> None:
        if self.store_ids:
            listings_changed.send(sender=Store, store_ids=sorted(self.store_ids))
        if self.linked_ids:
            announce_listings_linked(sorted(self.linked_ids))


def pending_announcement() -> Announcement:
    """An announcement these changes can join, or a new one. One registered in this
    savepoint or an enclosing one is never dropped while these changes stand (when only an
    inner savepoint rolls back, it announces a store with nothing new: a harmless wake-up)."""
    current = set(connection.savepoint_ids)
    for entry in connection.run_on_commit:  # (savepoint ids, callback, robust)
        savepoint_ids, callback = entry[0], entry[1]
        if isinstance(callback, Announcement) and set(savepoint_ids) <= current:
            return callback
    announcement = Announcement()
    transaction.on_commit(announcement)
    return announcement


def store_queue_pushes(store: Store) -> int:
    """Every linked listing of a store that syncs, queued for a push."""
    if not store.inventory_sync:
        return 0
    linked = Listing.objects.filter(store=store, status=ListingStatus.LINKED).values_list(
        "pk", flat=True
    )
    return listings_changes_queue(store_ids=[store.pk], listing_ids=list(linked))


# --- services -----------------------------------------------------------------------------------


def store_create(
    *,
    actor: Any,
    platform: str,
    name: str,
    credentials: Mapping[str, Any],
    options: Mapping[str, Any] | None = None,
    warehouse_ids: Sequence[int] = (),
    buffer: int = 0,
    inventory_sync: bool = True,
    order_download: bool = True,
    order_interval_minutes: int = DEFAULT_ORDER_INTERVAL_MINUTES,
    order_backfill_days: int = DEFAULT_ORDER_BACKFILL_DAYS,
    sandbox: bool = False,
) -> Store:
    """Bind a store; every refused field is reported at once and nothing is written."""
    require_owner(actor)
    problems = Problems()
    spec = spec_for(platform, problems)
    values = {
        "name": clean_name(name, exclude_id=None, problems=problems),
        "buffer": clean_whole(
            buffer, field="buffer", label=_("Buffer"), low=0, high=BUFFER_MAX, problems=problems
        ),
        "inventory_sync": clean_flag(
            inventory_sync, field="inventory_sync", label=_("Inventory sync"), problems=problems
        ),
        "order_download": clean_flag(
            order_download, field="order_download", label=_("Order download"), problems=problems
        ),
        "order_interval_minutes": clean_whole(
            order_interval_minutes,
            field="order_interval_minutes",
            label=_("Order download interval"),
            low=INTERVAL_RANGE[0],
            high=INTERVAL_RANGE[1],
            problems=problems,
        ),
        "order_backfill_days": clean_whole(
            order_backfill_days,
            field="order_backfill_days",
            label=_("First order download reaches back (days)"),
            low=BACKFILL_DAYS_RANGE[0],
            high=BACKFILL_DAYS_RANGE[1],
            problems=problems,
        ),
        "sandbox": clean_sandbox(sandbox, problems=problems),
    }
    warehouses = clean_warehouses(warehouse_ids, problems=problems)
    secrets: dict[str, str] = {}
    settings_: dict[str, str] = {}
    if spec is not None:
        secrets = clean_spec_values(spec.credential_fields, credentials, {}, problems=problems)
        settings_ = clean_spec_values(spec.option_fields, options, {}, problems=problems)
    problems.raise_any()
    assert spec is not None
    try:
        with transaction.atomic():
            store = Store.objects.create(
                platform=spec.code,
                account_ref=account_ref_of(spec, secrets, settings_),
                credentials_encrypted=encrypt_mapping(secrets),
                credential_masks=credential_masks(spec.credential_fields, secrets),
                options=settings_,
                **values,
            )
            store_set_warehouses(store, warehouses)
            audit_record(
                actor=actor,
                action="store.create",
                obj=store,
                summary=_("Bound store %(name)s (%(platform)s)")
                % {"name": store.name, "platform": spec.label},
                data={**audit_values(store), "warehouses": warehouses},
            )
    except IntegrityError as error:
        raise Conflict.for_field(
            "name", _("A store named '%(name)s' already exists.") % {"name": values["name"]}
        ) from error
    return store


UNCHANGED: Any = object()


def store_update(
    *,
    actor: Any,
    store: Store,
    name: Any = UNCHANGED,
    credentials: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    warehouse_ids: Any = UNCHANGED,
    buffer: Any = UNCHANGED,
    inventory_sync: Any = UNCHANGED,
    order_download: Any = UNCHANGED,
    order_interval_minutes: Any = UNCHANGED,
    order_backfill_days: Any = UNCHANGED,
    sandbox: Any = UNCHANGED,
    active: Any = UNCHANGED,
) -> Store:
    """Change what is given (credentials and options field by field; a secret sent empty keeps
    the stored one). Only what differs is written and audited."""
    require_owner(actor)
    spec = platforms().get(store.platform)
    problems = Problems()
    changes: dict[str, Any] = {}
    if name is not UNCHANGED:
        changes["name"] = clean_name(name, exclude_id=store.pk, problems=problems)
    for field, value, label, low, high in (
        ("buffer", buffer, _("Buffer"), 0, BUFFER_MAX),
        (
            "order_interval_minutes",
            order_interval_minutes,
            _("Order download interval"),
            *INTERVAL_RANGE,
        ),
        (
            "order_backfill_days",
            order_backfill_days,
            _("First order download reaches back (days)"),
            *BACKFILL_DAYS_RANGE,
        ),
    ):
        if value is not UNCHANGED:
            changes[field] = clean_whole(
                value, field=field, label=label, low=low, high=high, problems=problems
            )
    for field, value, label in (
        ("inventory_sync", inventory_sync, _("Inventory sync")),
        ("order_download", order_download, _("Order download")),
        ("active", active, _("Active")),
    ):
        if value is not UNCHANGED:
            changes[field] = clean_flag(value, field=field, label=label, problems=problems)
    if sandbox is not UNCHANGED:
        changes["sandbox"] = clean_sandbox(sandbox, problems=problems)
    warehouses = (
        None if warehouse_ids is UNCHANGED else clean_warehouses(warehouse_ids, problems=problems)
    )
    if spec is None:
        problems.add("platform", _("This store's platform is not installed."))
    elif credentials is not None or options is not None:
        fields_changes, secrets, settings_ = account_fields_changes(
            credential_fields=spec.credential_fields,
            option_fields=spec.option_fields,
            credentials=credentials,
            options=options,
            stored_encrypted=store.credentials_encrypted,
            stored_options=store.options,
            problems=problems,
        )
        changes.update(fields_changes)
        changes["account_ref"] = account_ref_of(spec, secrets, settings_)
    problems.raise_any()
    try:
        with transaction.atomic():
            return apply_update(actor, store, changes, warehouses)
    except IntegrityError as error:
        raise Conflict.for_field(
            "name", _("A store named '%(name)s' already exists.") % {"name": changes.get("name")}
        ) from error


def apply_update(
    actor: Any, store: Store, changes: dict[str, Any], warehouses: list[int] | None
) -> Store:
    locked = Store.objects.select_for_update().get(pk=store.pk)
    changed = {name: value for name, value in changes.items() if getattr(locked, name) != value}
    before = audit_values(locked)
    warehouses_before = list(
        StoreWarehouse.objects.filter(store=locked)
        .order_by("position", "pk")
        .values_list("warehouse_id", flat=True)
    )
    warehouses_changed = warehouses is not None and warehouses != warehouses_before
    for name, value in changed.items():
        setattr(locked, name, value)
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    if warehouses_changed:
        assert warehouses is not None
        store_set_warehouses(locked, warehouses)
    if not changed and not warehouses_changed:
        return locked
    sync_back_on = changed.get("inventory_sync") is True
    if sync_back_on or warehouses_changed or "buffer" in changed:
        store_queue_pushes(locked)
    fields = sorted(
        {"credentials" if name.startswith("credential") else name for name in changed}
        | ({"warehouses"} if warehouses_changed else set())
    )
    audit_record(
        actor=actor,
        action="store.update",
        obj=locked,
        summary=_("Changed store %(name)s: %(fields)s")
        % {"name": locked.name, "fields": ", ".join(fields)},
        # Never the credentials themselves: that they changed is enough.
        data={
            "fields": fields,
            "before": {key: before[key] for key in before if key in changed},
            "after": {key: value for key, value in audit_values(locked).items() if key in changed},
            **(
                {"warehouses_before": warehouses_before, "warehouses": warehouses}
                if warehouses_changed
                else {}
            ),
        },
    )
    return locked


def store_set_warehouses(store: Store, warehouse_ids: Sequence[int]) -> None:
    StoreWarehouse.objects.filter(store=store).delete()
    StoreWarehouse.objects.bulk_create(
        StoreWarehouse(store=store, warehouse_id=warehouse_id, position=position)
        for position, warehouse_id in enumerate(warehouse_ids)
    )


AUDITED_FIELDS = (
    "name",
    "platform",
    "sandbox",
    "account_ref",
    "options",
    "buffer",
    "inventory_sync",
    "order_download",
    "order_interval_minutes",
    "order_backfill_days",
    "active",
    "location_ref",
)


def audit_values(store: Store) -> dict[str, Any]:
    return {name: getattr(store, name) for name in AUDITED_FIELDS}


def store_test_connection(*, store: Store) -> ConnectionInfo:
    """A cheap authenticated call to the platform: its account name and locations, or
    StoreConnectionFailed with what the platform said (any secret in it masked)."""
    config = store_config(store)
    secrets = secret_values(platforms()[store.platform].credential_fields, config.credentials)
    channel = store_channel(store)
    try:
        return channel.test_connection()
    except ChannelError as error:
        message = without_secrets(error.message, secrets)
        raise StoreConnectionFailed(
            detail=_("%(platform)s answered: %(message)s")
            % {"platform": store.get_platform_display(), "message": message},
            errors=[FieldError("credentials", message)],
        ) from None
    finally:
        channel.close()


def store_set_location(
    *, store: Store, location_ref: str, location_name: str = "", actor: Any = None
) -> Store:
    """Choose the platform location whose stock Kucun sets (platforms with locations);
    every linked listing is pushed again there."""
    require_owner(actor)
    problems = Problems()
    ref = clean_text(location_ref, field="location_ref", label=_("Location"), problems=problems)
    label = clean_text(
        location_name, field="location_name", label=_("Location name"), problems=problems
    )
    if len(ref) > 200 or len(label) > 200:
        problems.add("location_ref", _("A location is at most 200 characters."))
    problems.raise_any()
    with transaction.atomic():
        locked = Store.objects.select_for_update().get(pk=store.pk)
        if (locked.location_ref, locked.location_name) == (ref, label):
            return locked
        before = locked.location_ref
        locked.location_ref, locked.location_name = ref, label
        locked.save(update_fields=["location_ref", "location_name", "updated_at"])
        if before != ref:
            store_queue_pushes(locked)
        audit_record(
            actor=actor,
            action="store.location",
            obj=locked,
            summary=_("Store %(name)s sets stock at %(location)s")
            % {"name": locked.name, "location": label or ref or "-"},
            data={"before": before, "after": ref, "name": label},
        )
    return locked


def store_delete(*, actor: Any, store: Store) -> None:
    """Unbind a store: its listings, sync runs and log go with it; items stay."""
    require_owner(actor)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="store.delete",
            obj=store,
            summary=_("Deleted store %(name)s") % {"name": store.name},
            data=audit_values(store),
        )
        store.delete()
