"""Carrier accounts (物流配置): the carrier, its credentials, the sender warehouse whose address
goes on the label, the default service and label settings.

Credentials are cleaned against the fields the carrier's adapter declares, encrypted together
(core.secrets) and shown back only as masks, exactly as store credentials are (core.credentials).
A secret sent empty or left out keeps the stored one. Only owners add accounts and change
credentials (``actor`` None is the system: the demo, a command).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from kucun.accounts.models import Role
from kucun.core.audit import audit_record
from kucun.core.credentials import (
    Problems,
    account_fields_changes,
    clean_flag,
    clean_spec_values,
    clean_text,
    credential_masks,
    secret_values,
    without_secrets,
)
from kucun.core.errors import Conflict, DomainError, FieldError, PermissionDenied
from kucun.core.secrets import decrypt_mapping, encrypt_mapping
from kucun.shipping.carrier_registry import carriers
from kucun.shipping.carriers.base import CarrierConnectionInfo, CarrierError, CarrierSpec
from kucun.shipping.choices import Environment
from kucun.shipping.connect import account_carrier
from kucun.shipping.models import CarrierAccount
from kucun.warehouses.models import Warehouse

NAME_MAX_LENGTH = 100
LABEL_FORMATS = ("PDF",)
UNCHANGED: Any = object()


@dataclass
class CarrierConnectionFailed(DomainError):
    """The carrier did not accept a call; ``detail`` carries what it said (never a secret)."""

    status_code: int = 502


def require_owner(actor: Any) -> None:
    """Owners add carrier accounts and manage their credentials; None is the system itself."""
    if actor is None:
        return
    if not (getattr(actor, "is_authenticated", False) and actor.has_role(Role.OWNER)):
        raise PermissionDenied(
            detail=_("Only an owner adds carrier accounts and manages their credentials.")
        )


# --- cleaning -----------------------------------------------------------------------------------


def carrier_for(code: Any, problems: Problems) -> CarrierSpec | None:
    spec = carriers().get(code) if isinstance(code, str) else None
    if spec is None:
        problems.add(
            "carrier",
            _("Choose a carrier: %(codes)s.") % {"codes": ", ".join(sorted(carriers()))},
        )
    return spec


def clean_account_name(value: Any, *, exclude_id: int | None, problems: Problems) -> str:
    name = clean_text(value, field="name", label=_("Name"), problems=problems)
    if not name:
        problems.add("name", _("Name is required: what the account is called in Kucun."))
    elif len(name) > NAME_MAX_LENGTH:
        problems.add("name", _("Name is at most %(max)d characters.") % {"max": NAME_MAX_LENGTH})
    elif CarrierAccount.objects.filter(name=name).exclude(pk=exclude_id or 0).exists():
        problems.add(
            "name", _("A carrier account named '%(name)s' already exists.") % {"name": name}
        )
    return name


def clean_environment(value: Any, problems: Problems) -> str:
    if value not in Environment.values:
        problems.add(
            "environment",
            _("Environment must be one of: %(choices)s.")
            % {"choices": ", ".join(Environment.values)},
        )
        return Environment.TEST
    return str(value)


def clean_account_sandbox(value: Any, problems: Problems) -> bool:
    sandbox = clean_flag(value, field="sandbox", label=_("Sandbox"), problems=problems)
    if sandbox and not settings.SANDBOX_ENABLED:
        problems.add(
            "sandbox",
            _("The sandbox is turned off on this server (KUCUN_SANDBOX): use a real account."),
        )
    return sandbox


def clean_sender(value: Any, problems: Problems) -> Warehouse | None:
    warehouse = None
    if isinstance(value, int) and not isinstance(value, bool):
        warehouse = Warehouse.objects.filter(pk=value, active=True).first()
    if warehouse is None:
        problems.add(
            "sender_warehouse",
            _("Choose the active warehouse the parcels are sent from."),
        )
        return None
    missing = [
        label
        for label, present in (
            (_("address line 1"), warehouse.address_line1),
            (_("city"), warehouse.city),
            (_("postcode"), warehouse.postcode),
        )
        if not present
    ]
    if missing:
        problems.add(
            "sender_warehouse",
            _("Warehouse %(code)s has no %(fields)s: its address goes on every label.")
            % {"code": warehouse.code, "fields": ", ".join(str(label) for label in missing)},
        )
    return warehouse


def clean_service(value: Any, spec: CarrierSpec | None, problems: Problems) -> str:
    code = clean_text(value, field="default_service", label=_("Default service"), problems=problems)
    if spec is None:
        return code
    known = [service.code for service in spec.services]
    if not code and known:
        return known[0]
    if known and code not in known:
        problems.add(
            "default_service",
            _("Default service must be one of: %(choices)s.") % {"choices": ", ".join(known)},
        )
    return code


def clean_label(
    label_format: Any, label_size: Any, spec: CarrierSpec | None, problems: Problems
) -> tuple[str, str]:
    fmt = str(label_format or "PDF").upper()
    if fmt not in LABEL_FORMATS:
        problems.add(
            "label_format",
            _("Label format must be one of: %(choices)s.") % {"choices": ", ".join(LABEL_FORMATS)},
        )
    size = clean_text(label_size, field="label_size", label=_("Label size"), problems=problems)
    sizes = [value for value, _label in spec.label_sizes] if spec is not None else []
    if sizes and not size:
        size = sizes[0]
    elif sizes and size not in sizes:
        problems.add(
            "label_size",
            _("Label size must be one of: %(choices)s.") % {"choices": ", ".join(sizes)},
        )
    return fmt, size


# --- writes -------------------------------------------------------------------------------------


AUDITED_FIELDS = (
    "name",
    "carrier",
    "environment",
    "sandbox",
    "base_url",
    "options",
    "sender_warehouse_id",
    "default_service",
    "label_format",
    "label_size",
    "active",
)


def audit_values(account: CarrierAccount) -> dict[str, Any]:
    return {name: getattr(account, name) for name in AUDITED_FIELDS}


def carrier_account_create(
    *,
    actor: Any,
    carrier: str,
    name: str,
    credentials: Mapping[str, Any],
    sender_warehouse_id: Any,
    options: Mapping[str, Any] | None = None,
    environment: str = Environment.TEST,
    sandbox: bool = False,
    default_service: str = "",
    label_format: str = "PDF",
    label_size: str = "",
) -> CarrierAccount:
    """Add an account; every refused field is reported at once and nothing is written."""
    require_owner(actor)
    problems = Problems()
    spec = carrier_for(carrier, problems)
    values: dict[str, Any] = {
        "name": clean_account_name(name, exclude_id=None, problems=problems),
        "environment": clean_environment(environment, problems),
        "sandbox": clean_account_sandbox(sandbox, problems),
        "sender_warehouse": clean_sender(sender_warehouse_id, problems),
        "default_service": clean_service(default_service, spec, problems),
    }
    values["label_format"], values["label_size"] = clean_label(
        label_format, label_size, spec, problems
    )
    secrets: dict[str, str] = {}
    settings_: dict[str, str] = {}
    if spec is not None:
        given = credentials
        if values["sandbox"] and not any(credentials.values() if credentials else ()):
            given = dict(spec.sandbox_credentials)  # the emulator's own test account
        secrets = clean_spec_values(spec.credential_fields, given, {}, problems=problems)
        settings_ = clean_spec_values(spec.option_fields, options, {}, problems=problems)
    problems.raise_any()
    assert spec is not None
    try:
        with transaction.atomic():
            account = CarrierAccount.objects.create(
                carrier=spec.code,
                credentials_encrypted=encrypt_mapping(secrets),
                credential_masks=credential_masks(spec.credential_fields, secrets),
                options=settings_,
                **values,
            )
            audit_record(
                actor=actor,
                action="carrier_account.create",
                obj=account,
                summary=_("Added carrier account %(name)s (%(carrier)s)")
                % {"name": account.name, "carrier": spec.label},
                data=audit_values(account),
            )
    except IntegrityError as error:
        raise Conflict.for_field(
            "name",
            _("A carrier account named '%(name)s' already exists.") % {"name": values["name"]},
        ) from error
    return account


def carrier_account_update(
    *,
    actor: Any,
    account: CarrierAccount,
    name: Any = UNCHANGED,
    credentials: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    environment: Any = UNCHANGED,
    sandbox: Any = UNCHANGED,
    sender_warehouse_id: Any = UNCHANGED,
    default_service: Any = UNCHANGED,
    label_format: Any = UNCHANGED,
    label_size: Any = UNCHANGED,
    active: Any = UNCHANGED,
) -> CarrierAccount:
    """Change what is given (credentials and options field by field; a secret sent empty keeps
    the stored one). Only what differs is written and audited."""
    require_owner(actor)
    problems = Problems()
    spec = carriers().get(account.carrier)
    changes: dict[str, Any] = {}
    if name is not UNCHANGED:
        changes["name"] = clean_account_name(name, exclude_id=account.pk, problems=problems)
    if environment is not UNCHANGED:
        changes["environment"] = clean_environment(environment, problems)
    if sandbox is not UNCHANGED:
        changes["sandbox"] = clean_account_sandbox(sandbox, problems)
    if active is not UNCHANGED:
        changes["active"] = clean_flag(active, field="active", label=_("Active"), problems=problems)
    if sender_warehouse_id is not UNCHANGED:
        changes["sender_warehouse"] = clean_sender(sender_warehouse_id, problems)
    if default_service is not UNCHANGED:
        changes["default_service"] = clean_service(default_service, spec, problems)
    if label_format is not UNCHANGED or label_size is not UNCHANGED:
        changes["label_format"], changes["label_size"] = clean_label(
            account.label_format if label_format is UNCHANGED else label_format,
            account.label_size if label_size is UNCHANGED else label_size,
            spec,
            problems,
        )
    if spec is None:
        problems.add("carrier", _("This account's carrier is not installed."))
    elif credentials is not None or options is not None:
        fields_changes, _secrets, _options = account_fields_changes(
            credential_fields=spec.credential_fields,
            option_fields=spec.option_fields,
            credentials=credentials,
            options=options,
            stored_encrypted=account.credentials_encrypted,
            stored_options=account.options,
            problems=problems,
        )
        changes.update(fields_changes)
    problems.raise_any()
    with transaction.atomic():
        locked = CarrierAccount.objects.select_for_update().get(pk=account.pk)
        changed = {key: value for key, value in changes.items() if getattr(locked, key) != value}
        if not changed:
            return locked
        before = audit_values(locked)
        for key, value in changed.items():
            setattr(locked, key, value)
        locked.save(update_fields=[*changed, "updated_at"])
        fields = sorted({"credentials" if key.startswith("credential") else key for key in changed})
        after = audit_values(locked)
        audit_record(
            actor=actor,
            action="carrier_account.update",
            obj=locked,
            summary=_("Changed carrier account %(name)s: %(fields)s")
            % {"name": locked.name, "fields": ", ".join(fields)},
            # Never the credentials themselves: that they changed is enough.
            data={
                "fields": fields,
                "before": {key: value for key, value in before.items() if value != after[key]},
                "after": {key: value for key, value in after.items() if value != before[key]},
            },
        )
    return locked


def carrier_account_delete(*, actor: Any, account: CarrierAccount) -> None:
    """Remove an account that nothing refers to; one with shipments or rules is deactivated
    instead (its history stays readable)."""
    require_owner(actor)
    try:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="carrier_account.delete",
                obj=account,
                summary=_("Deleted carrier account %(name)s") % {"name": account.name},
                data=audit_values(account),
            )
            account.delete()
    except ProtectedError as error:
        raise Conflict.for_field(
            "account",
            _(
                "Carrier account %(name)s has shipments or rules: deactivate it instead, "
                "or change those rules first."
            )
            % {"name": account.name},
        ) from error


def carrier_account_test(*, account: CarrierAccount) -> CarrierConnectionInfo:
    """A cheap authenticated call to the carrier: its account name and the services it allows,
    or CarrierConnectionFailed with what the carrier said (any secret in it masked). The
    outcome is kept on the account for the list to show."""
    spec = carriers()[account.carrier]
    secrets = secret_values(spec.credential_fields, decrypt_mapping(account.credentials_encrypted))
    carrier = account_carrier(account)
    try:
        info = carrier.test_connection()
    except CarrierError as error:
        message = without_secrets(error.message, secrets)
        record_test(account, ok=False, message=message)
        raise CarrierConnectionFailed(
            detail=_("%(carrier)s answered: %(message)s")
            % {"carrier": spec.label, "message": message},
            errors=[FieldError("credentials", message)],
        ) from None
    finally:
        carrier.close()
    services = ", ".join(service.code for service in info.services)
    shown = f"{info.account_name} ({services})" if services else info.account_name
    record_test(account, ok=True, message=shown)
    return info


def record_test(account: CarrierAccount, *, ok: bool, message: str) -> None:
    now = timezone.now()
    CarrierAccount.objects.filter(pk=account.pk).update(
        last_tested_at=now, last_test_ok=ok, last_test_message=message[:2000]
    )
    account.last_tested_at, account.last_test_ok, account.last_test_message = now, ok, message
