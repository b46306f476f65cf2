"""From a CarrierAccount to the adapter that talks to its carrier.

The credentials are decrypted only here, into the CarrierConfig handed to the adapter; they are
never logged or returned. A sandbox account's address is the emulator under this server's own
``/sandbox/`` (``SANDBOX_SERVER_URL``); otherwise the carrier's host for the account's
environment (test or production), unless the account names its own API address.
"""

from __future__ import annotations

from django.conf import settings

from kucun.channels.connect import client_limits, sandbox_server_url
from kucun.core.secrets import decrypt_mapping
from kucun.shipping.carrier_registry import carrier_spec
from kucun.shipping.carriers.base import Carrier, CarrierConfig, CarrierSpec
from kucun.shipping.choices import Environment
from kucun.shipping.models import CarrierAccount


def account_spec(account: CarrierAccount) -> CarrierSpec:
    return carrier_spec(account.carrier)


def account_options(account: CarrierAccount) -> dict[str, str]:
    options = {str(name): str(value) for name, value in (account.options or {}).items()}
    if account.label_size:
        options.setdefault("label_size", account.label_size)
    options.setdefault("label_format", account.label_format or "PDF")
    return options


def account_base_url(
    account: CarrierAccount, spec: CarrierSpec, credentials: dict[str, str], options: dict[str, str]
) -> str:
    if account.base_url:
        return account.base_url
    if account.sandbox:
        return spec.sandbox_base_url(sandbox_server_url(), {**options, **credentials})
    if account.environment == Environment.PRODUCTION:
        return spec.production_base_url(options)
    return spec.test_base_url(options)


def account_config(account: CarrierAccount) -> CarrierConfig:
    spec = account_spec(account)
    options = account_options(account)
    credentials = decrypt_mapping(account.credentials_encrypted)
    base_url = account_base_url(account, spec, credentials, options)
    auth_url = spec.auth_url(base_url, options) if spec.auth_url is not None else ""
    limits = client_limits()
    poll = getattr(settings, "CARRIER_LABEL_POLL_ATTEMPTS", None)
    if poll is not None:
        limits["label_poll_attempts"] = poll
    return CarrierConfig(
        carrier=spec.code,
        base_url=base_url,
        credentials=credentials,
        options=options,
        account_key=f"carrier:{account.pk}",
        auth_url=auth_url,
        **limits,
    )


def account_carrier(account: CarrierAccount) -> Carrier:
    """The adapter for this account; the caller closes it (``carrier.close()``)."""
    return account_spec(account).build(account_config(account))
