"""/api/v1/carrier-accounts: add, change, test and remove carrier accounts (owners); read
(everyone). No answer ever carries a secret: credentials come back as masks only."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.core.idempotency import model_once
from kucun.shipping import selectors_accounts as selectors
from kucun.shipping.models import CarrierAccount
from kucun.shipping.services import accounts as services

router = Router(tags=["carrier accounts"])


class ServiceOut(Schema):
    code: str
    name: str


class CarrierAccountOut(Schema):
    id: int
    name: str
    carrier: str
    environment: str
    sandbox: bool
    base_url: str
    credentials: dict[str, str] = Field(
        ..., description="Masks of the secrets (never the secrets); other fields in full."
    )
    options: dict[str, Any]
    sender_warehouse_id: int
    sender_warehouse_code: str
    default_service: str
    label_format: str
    label_size: str
    active: bool
    last_tested_at: datetime.datetime | None
    last_test_ok: bool | None
    last_test_message: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CarrierAccountIn(Schema):
    carrier: str
    name: str
    credentials: dict[str, Any] = {}
    options: dict[str, Any] = {}
    sender_warehouse_id: Any = None
    environment: Any = "test"
    sandbox: Any = False
    default_service: Any = ""
    label_format: Any = "PDF"
    label_size: Any = ""


class CarrierAccountPatchIn(Schema):
    """Only the fields sent are changed; a secret sent empty keeps the stored one."""

    name: Any = None
    credentials: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    sender_warehouse_id: Any = None
    environment: Any = None
    sandbox: Any = None
    default_service: Any = None
    label_format: Any = None
    label_size: Any = None
    active: Any = None


class ConnectionOut(Schema):
    account_name: str
    services: list[ServiceOut]
    details: dict[str, str]


def account_out(account: CarrierAccount) -> dict[str, Any]:
    return {
        "id": account.pk,
        "name": account.name,
        "carrier": account.carrier,
        "environment": account.environment,
        "sandbox": account.sandbox,
        "base_url": account.base_url,
        "credentials": dict(account.credential_masks or {}),
        "options": dict(account.options or {}),
        "sender_warehouse_id": account.sender_warehouse_id,
        "sender_warehouse_code": account.sender_warehouse.code,
        "default_service": account.default_service,
        "label_format": account.label_format,
        "label_size": account.label_size,
        "active": account.active,
        "last_tested_at": account.last_tested_at,
        "last_test_ok": account.last_test_ok,
        "last_test_message": account.last_test_message,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }


def idempotency_key(request: HttpRequest) -> str | None:
    return request.headers.get("Idempotency-Key") or None


@router.get("/carrier-accounts", response=list[CarrierAccountOut], summary="List carrier accounts")
def carrier_accounts_list(request: HttpRequest) -> Any:
    return [account_out(account) for account in selectors.carrier_accounts_query()]


@router.post(
    "/carrier-accounts",
    response={201: CarrierAccountOut},
    summary="Add a carrier account (owners)",
)
def carrier_accounts_create(request: HttpRequest, payload: CarrierAccountIn) -> Any:
    require_role(request, Role.OWNER)
    arguments = payload.dict()
    account = model_once(
        user=request.user,
        key=idempotency_key(request),
        operation="carrier_account_create",
        payload=arguments,
        unit=lambda: services.carrier_account_create(actor=request.user, **arguments),
        model=CarrierAccount,
    )
    return Status(201, account_out(selectors.carrier_account_by_id(account.pk)))


@router.get(
    "/carrier-accounts/{account_id}", response=CarrierAccountOut, summary="Get a carrier account"
)
def carrier_accounts_get(request: HttpRequest, account_id: int) -> Any:
    return account_out(selectors.carrier_account_by_id(account_id))


@router.patch(
    "/carrier-accounts/{account_id}",
    response=CarrierAccountOut,
    summary="Change a carrier account (owners)",
)
def carrier_accounts_patch(
    request: HttpRequest, account_id: int, payload: CarrierAccountPatchIn
) -> Any:
    require_role(request, Role.OWNER)
    account = selectors.carrier_account_by_id(account_id)
    changes = payload.dict(exclude_unset=True)
    model_once(
        user=request.user,
        key=idempotency_key(request),
        operation=f"carrier_account_update:{account_id}",
        payload=changes,
        unit=lambda: services.carrier_account_update(
            actor=request.user, account=account, **changes
        ),
        model=CarrierAccount,
    )
    return account_out(selectors.carrier_account_by_id(account_id))


@router.delete(
    "/carrier-accounts/{account_id}",
    response={204: None},
    summary="Remove a carrier account (owners)",
)
def carrier_accounts_delete(request: HttpRequest, account_id: int) -> Any:
    require_role(request, Role.OWNER)
    services.carrier_account_delete(
        actor=request.user, account=selectors.carrier_account_by_id(account_id)
    )
    return Status(204, None)


@router.post(
    "/carrier-accounts/{account_id}/test",
    response=ConnectionOut,
    summary="Test the connection: what the carrier answers (staff)",
)
def carrier_accounts_test(request: HttpRequest, account_id: int) -> Any:
    require_role(request, Role.STAFF)
    info = services.carrier_account_test(account=selectors.carrier_account_by_id(account_id))
    return {
        "account_name": info.account_name,
        "services": [{"code": service.code, "name": service.name} for service in info.services],
        "details": dict(info.details),
    }
