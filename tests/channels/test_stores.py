"""Binding stores: validation, credentials at rest, masks, and the pushes a change owes."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from kucun.catalog.models import Item
from kucun.channels.adapters.base import (
    AuthenticationFailed,
    ChannelConfig,
    ConnectionInfo,
    FieldSpec,
)
from kucun.channels.choices import ListingStatus, PushTrigger
from kucun.channels.connect import store_config
from kucun.channels.models import Listing, ListingChange, Store, StoreWarehouse
from kucun.channels.platforms import register_platform
from kucun.channels.services.stores import (
    StoreConnectionFailed,
    store_create,
    store_delete,
    store_set_location,
    store_test_connection,
    store_update,
)
from kucun.channels.signals import listings_changed
from kucun.core.errors import PermissionDenied, ValidationFailed
from kucun.core.models import AuditEntry
from kucun.core.secrets import decrypt_mapping
from kucun.warehouses.models import Warehouse
from kucun.web.management.commands.serve import sandbox_url
from tests.channels.conftest import ACCOUNT, SECRET
from tests.channels.memory_channel import SPEC, MemoryChannel, MemoryPlatform
from tests.factories import ItemFactory, UserFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

SECRET_MASK = "••••••••3a9c"


def linked_listing(store: Store, sku: str) -> Listing:
    return Listing.objects.create(
        store=store,
        inventory_ref=f"ref-{sku}",
        sku=sku,
        status=ListingStatus.LINKED,
        item=ItemFactory(sku=sku),
    )


def changes_of(store: Store) -> list[tuple[int, str]]:
    return list(
        ListingChange.objects.filter(listing__store=store)
        .order_by("listing_id")
        .values_list("listing_id", "trigger")
    )


@pytest.fixture
def announced() -> Iterator[list[list[int]]]:
    """The store ids of every listings_changed signal sent during the test."""
    sent: list[list[int]] = []

    def receiver(sender: Any, store_ids: list[int], **kwargs: Any) -> None:
        sent.append(store_ids)

    listings_changed.connect(receiver, dispatch_uid="test-announced")
    yield sent
    listings_changed.disconnect(dispatch_uid="test-announced")


@pytest.fixture
def with_region_option(memory: MemoryPlatform) -> None:
    """The memory platform with an option that has choices."""
    register_platform(
        dataclasses.replace(
            SPEC,
            option_fields=(
                FieldSpec("region", "Region", choices=(("au", "Australia"), ("nz", "NZ"))),
            ),
        )
    )


def memory_store(**overrides: Any) -> Store:
    arguments: dict[str, Any] = {
        "actor": None,
        "platform": "memory",
        "name": "Second shop",
        "credentials": {"account": ACCOUNT, "api_key": SECRET},
        "options": {},
        "warehouse_ids": [],
    }
    return store_create(**{**arguments, **overrides})


# --- create ---------------------------------------------------------------------------------------


def test_a_store_keeps_its_credentials_encrypted_and_shows_only_masks(
    store: Store, warehouse: Warehouse
) -> None:
    store.refresh_from_db()
    assert SECRET not in store.credentials_encrypted
    assert decrypt_mapping(store.credentials_encrypted) == {"account": ACCOUNT, "api_key": SECRET}
    # The account id is not secret and is shown in full; the key only by its last characters.
    assert store.credential_masks == {"account": ACCOUNT, "api_key": SECRET_MASK}
    assert store.account_ref == ACCOUNT
    assert list(StoreWarehouse.objects.filter(store=store).values_list("warehouse", flat=True)) == [
        warehouse.pk
    ]
    entry = AuditEntry.objects.get(action="store.create")
    assert entry.object_id == str(store.pk)
    assert SECRET not in str(entry.data)
    assert SECRET not in entry.summary


@pytest.mark.django_db(transaction=True)
def test_no_secret_is_written_to_the_database_in_clear(memory: MemoryPlatform) -> None:
    """The committed rows, read as raw bytes (SQLite file and WAL) or as a dump (PostgreSQL)."""
    Warehouse.objects.all()  # the database is set up
    secret = "zq-unguessable-credential-4d1e8b"
    memory_store(name="Marker store 51c0", credentials={"account": ACCOUNT, "api_key": secret})

    raw = database_bytes()

    assert b"Marker store 51c0" in raw  # what was committed is in what we read
    assert secret.encode() not in raw
    assert secret[-12:].encode() not in raw


def database_bytes() -> bytes:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        path = Path(settings_dict["NAME"])
        return b"".join(
            candidate.read_bytes()
            for candidate in (path, Path(f"{path}-wal"))
            if candidate.exists()
        )
    assert connection.vendor == "postgresql"
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed to read the PostgreSQL database as bytes"
    command = [pg_dump, "--data-only", "--dbname", settings_dict["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command += [option, str(settings_dict[key])]
    env = {"PGPASSWORD": str(settings_dict.get("PASSWORD") or "")}
    result = subprocess.run(command, capture_output=True, check=True, timeout=60, env=env)
    return result.stdout


def test_every_refused_field_is_named_at_once_and_nothing_is_written(
    with_region_option: None,
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        store_create(
            actor=None,
            platform="memory",
            name="  ",
            credentials={"account": ACCOUNT, "api_key": "", "password": "x"},
            options={"region": "uk"},
            warehouse_ids=[999_999],
            buffer=-1,
            order_interval_minutes=90,
        )

    assert sorted(error.field for error in refused.value.errors) == [
        "api_key",
        "buffer",
        "name",
        "order_interval_minutes",
        "password",
        "region",
        "warehouses",
    ]
    messages = {error.field: error.message for error in refused.value.errors}
    assert messages["api_key"] == "API key is required."
    assert messages["region"] == "Region must be one of: au, nz."
    assert messages["warehouses"] == "No active warehouse has id 999999."
    assert Store.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_an_unknown_platform_is_refused_with_the_known_ones(memory: MemoryPlatform) -> None:
    with pytest.raises(ValidationFailed) as refused:
        memory_store(platform="myspace")
    assert [error.field for error in refused.value.errors] == ["platform"]
    assert "memory" in refused.value.errors[0].message


def test_a_second_store_of_the_same_name_is_refused_ignoring_case(store: Store) -> None:
    with pytest.raises(ValidationFailed) as refused:
        memory_store(name="MEMORY SHOP")
    assert refused.value.errors[0].field == "name"
    assert Store.objects.count() == 1


def test_a_sandbox_store_is_refused_while_the_sandbox_is_off(
    memory: MemoryPlatform, settings: Any
) -> None:
    settings.SANDBOX_ENABLED = False
    with pytest.raises(ValidationFailed) as refused:
        memory_store(sandbox=True)
    assert [error.field for error in refused.value.errors] == ["sandbox"]
    settings.SANDBOX_ENABLED = True
    assert memory_store(sandbox=True).sandbox is True


def test_only_owners_bind_stores(memory: MemoryPlatform) -> None:
    staff = UserFactory(role="staff")
    with pytest.raises(PermissionDenied):
        memory_store(actor=staff)
    assert Store.objects.count() == 0
    owner = UserFactory(role="owner")
    assert memory_store(actor=owner).name == "Second shop"


# --- update ---------------------------------------------------------------------------------------


def test_an_empty_secret_keeps_the_stored_one(store: Store) -> None:
    store_update(actor=None, store=store, credentials={"api_key": ""}, name="Renamed")

    store.refresh_from_db()
    assert store.name == "Renamed"
    assert decrypt_mapping(store.credentials_encrypted) == {"account": ACCOUNT, "api_key": SECRET}
    assert store.credential_masks == {"account": ACCOUNT, "api_key": SECRET_MASK}


def test_a_new_secret_replaces_the_old_and_the_audit_names_only_the_field(store: Store) -> None:
    store_update(
        actor=None, store=store, credentials={"api_key": "a-brand-new-key-0042", "account": "a2"}
    )

    store.refresh_from_db()
    assert decrypt_mapping(store.credentials_encrypted) == {
        "account": "a2",
        "api_key": "a-brand-new-key-0042",
    }
    assert store.credential_masks == {"account": "a2", "api_key": "••••••••0042"}
    assert store.account_ref == "a2"
    entry = AuditEntry.objects.get(action="store.update")
    assert entry.data["fields"] == ["account_ref", "credentials"]
    assert "a-brand-new-key-0042" not in str(entry.data)
    assert SECRET not in str(entry.data)


def test_an_update_with_a_refused_field_changes_nothing(store: Store) -> None:
    before = Store.objects.filter(pk=store.pk).values().get()
    with pytest.raises(ValidationFailed) as refused:
        store_update(actor=None, store=store, name="Fine name", buffer="ten", active="yes")
    assert sorted(error.field for error in refused.value.errors) == ["active", "buffer"]
    assert Store.objects.filter(pk=store.pk).values().get() == before


def test_buffer_and_warehouse_changes_queue_a_push_of_every_linked_listing(
    store: Store, announced: list[list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    first, second = linked_listing(store, "A-1"), linked_listing(store, "A-2")
    Listing.objects.create(store=store, inventory_ref="ref-free", sku="FREE")

    with django_capture_on_commit_callbacks(execute=True):
        store_update(actor=None, store=store, buffer=2)
    assert changes_of(store) == [(first.pk, PushTrigger.AUTOMATIC), (second.pk, "automatic")]
    assert announced == [[store.pk]]

    ListingChange.objects.all().delete()
    other = WarehouseFactory(code="MEL")
    with django_capture_on_commit_callbacks(execute=True):
        store_update(actor=None, store=store, warehouse_ids=[other.pk])
    assert changes_of(store) == [(first.pk, "automatic"), (second.pk, "automatic")]
    assert announced == [[store.pk], [store.pk]]


def test_sync_turned_back_on_queues_pushes_and_an_unchanged_value_does_not(
    store: Store, announced: list[list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    listing = linked_listing(store, "A-1")
    with django_capture_on_commit_callbacks(execute=True):
        store_update(actor=None, store=store, inventory_sync=False)
        store_update(actor=None, store=store, buffer=5)  # sync is off: nothing to push
        store_update(actor=None, store=store, order_download=True)  # unchanged
    assert changes_of(store) == []
    assert announced == []

    with django_capture_on_commit_callbacks(execute=True):
        store_update(actor=None, store=store, inventory_sync=True)
    assert changes_of(store) == [(listing.pk, "automatic")]
    assert announced == [[store.pk]]


def test_a_refused_update_announces_nothing(
    store: Store, announced: list[list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    linked_listing(store, "A-1")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        store_update(actor=None, store=store, buffer=3, warehouse_ids=[424242])
    assert changes_of(store) == []
    assert announced == []


def test_only_owners_change_or_delete_a_store(store: Store) -> None:
    staff = UserFactory(role="staff")
    with pytest.raises(PermissionDenied):
        store_update(actor=staff, store=store, credentials={"api_key": "stolen-0000"})
    with pytest.raises(PermissionDenied):
        store_delete(actor=staff, store=store)
    store.refresh_from_db()
    assert decrypt_mapping(store.credentials_encrypted)["api_key"] == SECRET


# --- location, test, delete -----------------------------------------------------------------------


def test_a_new_location_is_stored_passed_to_the_adapter_and_pushed_again(
    store: Store, announced: list[list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    listing = linked_listing(store, "A-1")
    with django_capture_on_commit_callbacks(execute=True):
        store_set_location(store=store, location_ref="gid://Location/7", location_name="Depot")

    store.refresh_from_db()
    assert (store.location_ref, store.location_name) == ("gid://Location/7", "Depot")
    assert store_config(store).options == {"location_ref": "gid://Location/7"}
    assert changes_of(store) == [(listing.pk, "automatic")]
    assert announced == [[store.pk]]


def test_the_connection_test_answers_the_account(store: Store) -> None:
    assert store_test_connection(store=store) == ConnectionInfo(account_name="Memory shop")


class RefusingChannel(MemoryChannel):
    """A platform that echoes the key it refuses (some do)."""

    def __init__(self, config: ChannelConfig) -> None:
        super().__init__(config)
        self.key = config.credentials.get("api_key", "")

    def test_connection(self) -> ConnectionInfo:
        raise AuthenticationFailed(
            f"[API] Invalid API key or access token ({self.key})", status=401
        )


def test_a_refused_connection_carries_the_vendors_words_without_the_secret(
    store: Store, memory: MemoryPlatform
) -> None:
    register_platform(dataclasses.replace(SPEC, build=RefusingChannel))

    with pytest.raises(StoreConnectionFailed) as failed:
        store_test_connection(store=store)

    assert failed.value.detail == (
        f"memory answered: [API] Invalid API key or access token ({SECRET_MASK})"
    )
    assert SECRET not in str(failed.value.errors)
    assert failed.value.status_code == 502


def test_deleting_a_store_takes_its_listings_and_leaves_the_items(store: Store) -> None:
    listing, store_id = linked_listing(store, "A-1"), store.pk
    store_delete(actor=None, store=store)
    assert not Store.objects.exists()
    assert not Listing.objects.exists()
    assert Item.objects.filter(pk=listing.item_id).exists()
    assert AuditEntry.objects.filter(action="store.delete", object_id=str(store_id)).exists()


# --- connect --------------------------------------------------------------------------------------


def test_a_sandbox_store_reaches_the_emulator_on_this_server(
    memory: MemoryPlatform, settings: Any
) -> None:
    settings.SANDBOX_SERVER_URL = "http://127.0.0.1:8080"
    register_platform(
        dataclasses.replace(
            SPEC,
            production_base_url=lambda options: f"https://{options['account']}.example",
            sandbox_base_url=lambda server, options: (
                f"{server}/sandbox/memory/{options['account']}"
            ),
        )
    )
    sandboxed = memory_store(sandbox=True)
    production = memory_store(name="Production shop")

    assert store_config(sandboxed).base_url == "http://127.0.0.1:8080/sandbox/memory/acct-1"
    assert store_config(production).base_url == "https://acct-1.example"
    assert store_config(production).store_key == f"store:{production.pk}"
    assert store_config(production).credentials == {"account": ACCOUNT, "api_key": SECRET}


def test_serve_tells_its_children_where_the_sandbox_is() -> None:
    assert sandbox_url("127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert sandbox_url("0.0.0.0", 9000) == "http://127.0.0.1:9000"  # noqa: S104
    assert sandbox_url("::", 8000) == "http://[::1]:8000"
    assert django_settings.SANDBOX_SERVER_URL.startswith("http://")
