"""Carrier accounts: validation, credentials at rest and masked, the connection test, roles,
the API and the console."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kucun.accounts.services import api_token_create
from kucun.core.errors import Conflict, PermissionDenied, ValidationFailed
from kucun.core.models import AuditEntry
from kucun.core.secrets import decrypt_mapping
from kucun.core.vendor.fields import FieldSpec
from kucun.shipping.carrier_registry import register_carrier, unregister_carrier
from kucun.shipping.carriers.base import (
    AuthenticationFailed,
    CarrierCapabilities,
    CarrierConfig,
    CarrierConnectionInfo,
    CarrierSpec,
    ServiceInfo,
)
from kucun.shipping.models import CarrierAccount
from kucun.shipping.services.accounts import (
    CarrierConnectionFailed,
    carrier_account_create,
    carrier_account_delete,
    carrier_account_test,
    carrier_account_update,
)
from kucun.warehouses.models import Warehouse
from tests.factories import UserFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cret-carrier-password-7f2e"
GOOD = {"account_number": "0001234567", "password": SECRET}


class DeskCarrier:
    """A carrier in the test's own process: it accepts only SECRET."""

    capabilities = CarrierCapabilities()

    def __init__(self, config: CarrierConfig) -> None:
        self.config = config

    def test_connection(self) -> CarrierConnectionInfo:
        if self.config.credentials.get("password") != SECRET:
            raise AuthenticationFailed(
                f"401 Unauthorized: password {self.config.credentials.get('password')} refused"
            )
        return CarrierConnectionInfo(
            account_name=f"Desk {self.config.credentials['account_number']}",
            services=(ServiceInfo("D1", "Desk parcel"),),
        )

    def close(self) -> None:
        pass


DESK = CarrierSpec(
    code="desk",
    label="Desk Post",
    credential_fields=(
        FieldSpec("account_number", "Account number"),
        FieldSpec("password", "Password", secret=True),
    ),
    option_fields=(FieldSpec("layout", "Layout", required=False, default="A4"),),
    services=(ServiceInfo("D1", "Desk parcel"), ServiceInfo("D2", "Desk express")),
    capabilities=CarrierCapabilities(),
    build=DeskCarrier,  # type: ignore[arg-type]
    production_base_url=lambda options: "https://desk.example",
    test_base_url=lambda options: "https://test.desk.example",
    sandbox_base_url=lambda server, credentials: f"{server}/sandbox/desk",
    label_sizes=(("A4", "A4"), ("A6", "A6 thermal")),
    sandbox_credentials={"account_number": "0000000001", "password": SECRET},
)


@pytest.fixture(autouse=True)
def desk() -> Iterator[CarrierSpec]:
    register_carrier(DESK)
    yield DESK
    unregister_carrier("desk")


@pytest.fixture
def owner() -> Any:
    return UserFactory(role="owner")


@pytest.fixture
def sender() -> Warehouse:
    return WarehouseFactory(
        code="MEL",
        address_line1="12 Dock Road",
        city="Port Melbourne",
        state="VIC",
        postcode="3207",
    )


def create(owner: Any, sender: Warehouse, **changes: Any) -> CarrierAccount:
    arguments: dict[str, Any] = {
        "carrier": "desk",
        "name": "Desk main",
        "credentials": GOOD,
        "sender_warehouse_id": sender.pk,
        **changes,
    }
    return carrier_account_create(actor=owner, **arguments)


def test_an_account_keeps_its_secrets_encrypted_and_shows_them_masked(
    owner: Any, sender: Warehouse
) -> None:
    account = create(owner, sender)
    stored = CarrierAccount.objects.values_list("credentials_encrypted", flat=True).get()
    assert SECRET not in stored
    assert decrypt_mapping(stored) == GOOD
    assert account.credential_masks == {"account_number": "0001234567", "password": "••••••••7f2e"}
    assert account.default_service == "D1"  # the carrier's first service when none is chosen
    assert account.label_size == "A4"
    entry = AuditEntry.objects.get(action="carrier_account.create")
    assert SECRET not in str(entry.data)


def test_every_refused_field_is_named_and_nothing_is_written(owner: Any) -> None:
    bare = WarehouseFactory(code="BARE")
    with pytest.raises(ValidationFailed) as refused:
        carrier_account_create(
            actor=owner,
            carrier="desk",
            name="",
            credentials={"account_number": "1", "colour": "red"},
            sender_warehouse_id=bare.pk,
            default_service="Z9",
            label_size="A5",
            environment="live",
        )
    fields = {error.field for error in refused.value.errors}
    assert fields == {
        "name",
        "password",
        "colour",
        "sender_warehouse",
        "default_service",
        "label_size",
        "environment",
    }
    assert not CarrierAccount.objects.exists()


def test_an_unknown_carrier_is_refused(owner: Any, sender: Warehouse) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(owner, sender, carrier="pigeon")
    assert [error.field for error in refused.value.errors] == ["carrier"]


def test_only_owners_add_and_change_accounts(owner: Any, sender: Warehouse) -> None:
    staff = UserFactory(role="staff")
    with pytest.raises(PermissionDenied):
        create(staff, sender)
    account = create(owner, sender)
    with pytest.raises(PermissionDenied):
        carrier_account_update(actor=staff, account=account, name="Mine")


def test_a_secret_sent_empty_keeps_the_stored_one(owner: Any, sender: Warehouse) -> None:
    account = create(owner, sender)
    changed = carrier_account_update(
        actor=owner,
        account=account,
        credentials={"account_number": "0009999999", "password": ""},
        default_service="D2",
    )
    assert decrypt_mapping(changed.credentials_encrypted) == {
        "account_number": "0009999999",
        "password": SECRET,
    }
    assert changed.default_service == "D2"
    entry = AuditEntry.objects.get(action="carrier_account.update")
    assert entry.data["fields"] == ["credentials", "default_service"]


def test_a_sandbox_account_without_credentials_uses_the_emulators(
    owner: Any, sender: Warehouse
) -> None:
    account = create(owner, sender, credentials={}, sandbox=True)
    assert decrypt_mapping(account.credentials_encrypted) == dict(DESK.sandbox_credentials)


def test_the_sandbox_is_refused_when_it_is_off(
    owner: Any, sender: Warehouse, settings: Any
) -> None:
    settings.SANDBOX_ENABLED = False
    with pytest.raises(ValidationFailed) as refused:
        create(owner, sender, sandbox=True)
    assert [error.field for error in refused.value.errors] == ["sandbox"]


def test_the_connection_test_shows_the_carriers_answer_and_keeps_it(
    owner: Any, sender: Warehouse
) -> None:
    account = create(owner, sender)
    info = carrier_account_test(account=account)
    assert info.account_name == "Desk 0001234567"
    account.refresh_from_db()
    assert account.last_test_ok is True
    assert "D1" in account.last_test_message


def test_a_refused_connection_masks_any_secret_the_carrier_echoes(
    owner: Any, sender: Warehouse
) -> None:
    wrong = "wrong-password-1234567"
    account = create(owner, sender, credentials={"account_number": "1", "password": wrong})
    with pytest.raises(CarrierConnectionFailed) as refused:
        carrier_account_test(account=account)
    assert wrong not in refused.value.detail
    assert "••••••••4567" in refused.value.detail
    account.refresh_from_db()
    assert account.last_test_ok is False
    assert wrong not in account.last_test_message


def test_an_account_in_use_cannot_be_deleted(owner: Any, sender: Warehouse) -> None:
    account = create(owner, sender)
    account.rules.create(position=1, name="All", action="carrier", service_code="D1")
    with pytest.raises(Conflict):
        carrier_account_delete(actor=owner, account=account)
    assert CarrierAccount.objects.filter(pk=account.pk).exists()


# --- API ----------------------------------------------------------------------------------------


def api(user: Any) -> Client:
    _token, plain = api_token_create(user=user, name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


def test_the_api_never_returns_a_secret_and_replays_a_key(owner: Any, sender: Warehouse) -> None:
    client = api(owner)
    body = {
        "carrier": "desk",
        "name": "Desk API",
        "credentials": GOOD,
        "sender_warehouse_id": sender.pk,
    }
    first = client.post(
        "/api/v1/carrier-accounts",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "acct-1"},
    )
    again = client.post(
        "/api/v1/carrier-accounts",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "acct-1"},
    )
    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert CarrierAccount.objects.count() == 1
    listed = client.get("/api/v1/carrier-accounts")
    assert SECRET not in listed.content.decode()
    assert listed.json()[0]["credentials"]["password"] == "••••••••7f2e"
    tested = client.post(f"/api/v1/carrier-accounts/{first.json()['id']}/test")
    assert tested.json()["services"] == [{"code": "D1", "name": "Desk parcel"}]


def test_the_api_refuses_staff_writes_and_names_bad_fields(owner: Any, sender: Warehouse) -> None:
    staff = api(UserFactory(role="staff"))
    body = {"carrier": "desk", "name": "X", "credentials": GOOD, "sender_warehouse_id": sender.pk}
    assert (
        staff.post("/api/v1/carrier-accounts", body, content_type="application/json").status_code
        == 403
    )
    bad = api(owner).post(
        "/api/v1/carrier-accounts",
        {**body, "sender_warehouse_id": 999999},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "sender_warehouse" in bad.content.decode()


# --- console ------------------------------------------------------------------------------------


def test_an_owner_adds_an_account_in_the_console_and_tests_it(
    owner: Any, sender: Warehouse
) -> None:
    client = Client()
    client.force_login(owner)
    chooser = client.get(reverse("shipping:carrier_create"))
    assert b'data-carrier="desk"' in chooser.content
    page = client.get(reverse("shipping:carrier_create") + "?carrier=desk")
    assert b"credential_password" in page.content
    saved = client.post(
        reverse("shipping:carrier_create"),
        {
            "carrier": "desk",
            "name": "Desk console",
            "environment": "test",
            "sender_warehouse": sender.pk,
            "default_service": "D2",
            "label_size": "A6",
            "credential_account_number": "0001234567",
            "credential_password": SECRET,
            "option_layout": "A4",
        },
    )
    account = CarrierAccount.objects.get()
    assert saved.status_code == 302
    assert saved["Location"] == reverse("shipping:carrier_detail", args=[account.pk])
    detail = client.get(saved["Location"]).content.decode()
    assert SECRET not in detail
    assert "••••••••7f2e" in detail
    edit = client.get(reverse("shipping:carrier_edit", args=[account.pk])).content.decode()
    assert SECRET not in edit
    answer = client.post(
        reverse("shipping:carrier_test", args=[account.pk]), HTTP_HX_REQUEST="true"
    )
    assert b'id="connection-ok"' in answer.content
    assert b"D1" in answer.content
    listing = client.get(reverse("shipping:carrier_list")).content.decode()
    assert 'data-account="Desk console"' in listing


def test_the_console_shows_the_carriers_refusal(owner: Any, sender: Warehouse) -> None:
    account = create(owner, sender, credentials={"account_number": "1", "password": "nope-nope"})
    client = Client()
    client.force_login(UserFactory(role="staff"))
    answer = client.post(
        reverse("shipping:carrier_test", args=[account.pk]), HTTP_HX_REQUEST="true"
    )
    assert b'id="connection-failed"' in answer.content
    assert client.get(reverse("shipping:carrier_create")).status_code == 403


# --- command line -------------------------------------------------------------------------------


def test_kucun_carriers_lists_accounts_and_tests_one(owner: Any, sender: Warehouse) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("carriers", stdout=out)
    assert out.getvalue().strip() == "No carrier account yet."
    account = create(owner, sender)
    out = StringIO()
    call_command("carriers", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["ID", "NAME", "CARRIER", "ENV", "SENDER", "SERVICE", "LAST", "TEST"]
    assert lines[1].split()[:2] == [str(account.pk), "Desk"]
    assert "never" in lines[1]
    out = StringIO()
    call_command("carriers", "--test", "desk main", stdout=out)
    assert out.getvalue().splitlines()[0] == "Connected: Desk 0001234567"
    create(owner, sender, name="Wrong", credentials={"account_number": "2", "password": "no-no-no"})
    with pytest.raises(CommandError, match="Desk Post answered"):
        call_command("carriers", "--test", "Wrong")
