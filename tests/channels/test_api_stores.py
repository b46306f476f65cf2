"""/api/v1/stores: who may do what, masks instead of secrets, all-or-nothing validation."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from kucun.accounts.choices import Role
from kucun.accounts.models import User
from kucun.channels.adapters.base import AuthenticationFailed, ChannelConfig, ConnectionInfo
from kucun.channels.models import Store
from kucun.channels.platforms import register_platform
from kucun.channels.services.stores import store_create
from kucun.core.models import AuditEntry, Job
from kucun.core.secrets import decrypt_mapping
from kucun.warehouses.models import Warehouse
from tests.channels.conftest import ACCOUNT, SECRET
from tests.channels.memory_channel import SPEC, MemoryChannel, MemoryPlatform
from tests.conftest import ApiClient
from tests.permissions import OWNER_ONLY, STAFF_AND_OWNER, assert_role_matrix

pytestmark = pytest.mark.django_db

Factory = Callable[[Any], Any]
MASK = "••••••••3a9c"


def body(name: str, **overrides: Any) -> dict[str, Any]:
    return {
        "platform": "memory",
        "name": name,
        "credentials": {"account": ACCOUNT, "api_key": SECRET},
        **overrides,
    }


def another_store(name: str) -> Store:
    return store_create(
        actor=None,
        platform="memory",
        name=name,
        credentials={"account": ACCOUNT, "api_key": SECRET},
    )


# --- roles ----------------------------------------------------------------------------------------


def test_every_role_reads_stores(
    store: Store, api_client_for: Factory, user_for_role: Factory
) -> None:
    assert_role_matrix(api_client_for, user_for_role, "GET", "/api/v1/stores", allowed_status=200)
    assert_role_matrix(
        api_client_for, user_for_role, "GET", f"/api/v1/stores/{store.pk}", allowed_status=200
    )
    assert_role_matrix(
        api_client_for, user_for_role, "GET", f"/api/v1/stores/{store.pk}/runs", allowed_status=200
    )


def test_only_owners_bind_change_test_locate_and_delete_stores(
    memory: MemoryPlatform, api_client_for: Factory, user_for_role: Factory
) -> None:
    responses = assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        "/api/v1/stores",
        data=lambda role: body(f"Store of {role}"),
        allowed_roles=OWNER_ONLY,
        allowed_status=201,
    )
    created = responses[Role.OWNER].json()["id"]
    path = f"/api/v1/stores/{created}"
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "PATCH",
        path,
        data={"buffer": 3},
        allowed_roles=OWNER_ONLY,
        allowed_status=200,
    )
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        f"{path}/test",
        allowed_roles=OWNER_ONLY,
        allowed_status=200,
    )
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        f"{path}/location",
        data={"location_ref": "loc-1", "location_name": "Depot"},
        allowed_roles=OWNER_ONLY,
        allowed_status=200,
    )
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "DELETE",
        lambda role: f"/api/v1/stores/{another_store(f'Doomed {role}').pk}",
        allowed_roles=OWNER_ONLY,
        allowed_status=204,
    )
    assert sorted(Store.objects.values_list("name", flat=True)) == [
        "Doomed None",
        "Doomed staff",
        "Doomed viewer",
        "Store of owner",
    ]


def test_staff_and_owners_pull_and_match(
    store: Store, api_client_for: Factory, user_for_role: Factory
) -> None:
    responses = assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        f"/api/v1/stores/{store.pk}/pulls",
        data={"mode": "full"},
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=202,
    )
    job_id = responses[Role.STAFF].json()["job_id"]
    assert Job.objects.get(pk=job_id).kind == "channels.pull.full"
    assert Job.objects.count() == 2
    assert_role_matrix(
        api_client_for,
        user_for_role,
        "POST",
        f"/api/v1/stores/{store.pk}/match",
        allowed_roles=STAFF_AND_OWNER,
        allowed_status=200,
    )


# --- secrets --------------------------------------------------------------------------------------


def test_the_api_never_answers_a_secret(
    memory: MemoryPlatform, warehouse: Warehouse, owner_api: ApiClient
) -> None:
    created = owner_api.post("/api/v1/stores", body("Shop", warehouse_ids=[warehouse.pk]))
    assert created.status_code == 201, created.content
    store_id = created.json()["id"]
    answers = [
        created,
        owner_api.get("/api/v1/stores"),
        owner_api.get(f"/api/v1/stores/{store_id}"),
        owner_api.patch(f"/api/v1/stores/{store_id}", {"credentials": {"api_key": ""}}),
        owner_api.post(f"/api/v1/stores/{store_id}/test"),
    ]

    for answer in answers:
        assert answer.status_code == 200 or answer is created
        assert SECRET.encode() not in answer.content
    detail = answers[2].json()
    assert detail["credentials"] == {"account": ACCOUNT, "api_key": MASK}
    assert detail["warehouses"] == [{"id": warehouse.pk, "code": "SYD", "name": "Sydney"}]
    assert (detail["platform"], detail["account_ref"], detail["last_pull"]) == (
        "memory",
        ACCOUNT,
        None,
    )
    stored = Store.objects.get(pk=store_id)
    assert decrypt_mapping(stored.credentials_encrypted)["api_key"] == SECRET


def test_a_patch_replaces_a_secret_and_shows_its_new_mask(
    store: Store, owner_api: ApiClient
) -> None:
    response = owner_api.patch(
        f"/api/v1/stores/{store.pk}",
        {"credentials": {"api_key": "replacement-key-9999"}, "inventory_sync": False},
    )
    assert response.status_code == 200
    assert response.json()["credentials"] == {"account": ACCOUNT, "api_key": "••••••••9999"}
    assert response.json()["inventory_sync"] is False
    assert b"replacement-key-9999" not in response.content


# --- validation and errors ------------------------------------------------------------------------


def test_a_refused_store_names_every_field_and_writes_nothing(
    memory: MemoryPlatform, owner_api: ApiClient
) -> None:
    audited = AuditEntry.objects.count()
    response = owner_api.post(
        "/api/v1/stores",
        body(
            "",
            credentials={"account": ACCOUNT},
            buffer=-2,
            warehouse_ids=["SYD"],
            order_interval_minutes=0,
        ),
    )

    assert response.status_code == 422
    assert sorted(error["field"] for error in response.json()["errors"]) == [
        "api_key",
        "buffer",
        "name",
        "order_interval_minutes",
        "warehouses",
    ]
    assert Store.objects.count() == 0
    assert AuditEntry.objects.count() == audited


def test_the_first_order_download_reach_is_set_and_checked(
    memory: MemoryPlatform, owner_api: ApiClient
) -> None:
    created = owner_api.post("/api/v1/stores", body("Reach", order_backfill_days=7))
    assert created.status_code == 201, created.content
    store_id = created.json()["id"]
    assert created.json()["order_backfill_days"] == 7

    refused = owner_api.patch(f"/api/v1/stores/{store_id}", {"order_backfill_days": 400})
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["order_backfill_days"]
    assert Store.objects.get(pk=store_id).order_backfill_days == 7

    changed = owner_api.patch(f"/api/v1/stores/{store_id}", {"order_backfill_days": 60})
    assert changed.json()["order_backfill_days"] == 60


class RefusingChannel(MemoryChannel):
    def __init__(self, config: ChannelConfig) -> None:
        super().__init__(config)
        self.key = config.credentials.get("api_key", "")

    def test_connection(self) -> ConnectionInfo:
        raise AuthenticationFailed(f"Invalid API key {self.key}", status=401)


def test_a_refused_connection_is_a_502_with_the_platforms_words(
    store: Store, memory: MemoryPlatform, owner_api: ApiClient
) -> None:
    register_platform(dataclasses.replace(SPEC, build=RefusingChannel))

    response = owner_api.post(f"/api/v1/stores/{store.pk}/test")

    assert response.status_code == 502
    assert response.json()["detail"] == f"memory answered: Invalid API key {MASK}"
    assert SECRET.encode() not in response.content


def test_unknown_stores_are_404_and_a_bad_pull_mode_422(store: Store, owner_api: ApiClient) -> None:
    assert owner_api.get("/api/v1/stores/999999").status_code == 404
    assert owner_api.post("/api/v1/stores/999999/pulls", {"mode": "full"}).status_code == 404
    assert owner_api.post(f"/api/v1/stores/{store.pk}/pulls", {"mode": "all"}).status_code == 422
    assert not Job.objects.exists()


def test_a_pull_through_the_api_runs_and_the_store_shows_its_outcome(
    store: Store,
    memory: MemoryPlatform,
    staff_api: ApiClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    memory.add("API-1", quantity=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(f"/api/v1/stores/{store.pk}/pulls", {"mode": "incremental"})

    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job_id"])
    assert (job.status, job.message) == ("succeeded", "1 new, 0 updated, 0 gone")
    detail = staff_api.get(f"/api/v1/stores/{store.pk}").json()
    assert detail["last_pull"]["status"] == "succeeded"
    runs = staff_api.get(f"/api/v1/stores/{store.pk}/runs").json()
    assert [(run["kind"], run["new_count"]) for run in runs] == [("pull_incremental", 1)]


def test_every_role_may_list_but_the_list_holds_no_secret(
    store: Store, api_client_for: Callable[[User | None], ApiClient], viewer: User
) -> None:
    response = api_client_for(viewer).get("/api/v1/stores")
    assert [row["name"] for row in response.json()] == ["Memory shop"]
    assert SECRET.encode() not in response.content
