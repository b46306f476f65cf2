"""Granting access on the platform's consent page (eBay): the owner is sent to eBay with a
signed ``state`` naming the store; eBay sends them back to Kucun's return address (the accept
URL of the keyset's RuName) with an authorization code, which Kucun exchanges for the refresh
token and stores with the store's other credentials."""

from __future__ import annotations

from typing import Any, cast

from django.core import signing
from django.utils.translation import gettext as _

from kucun.channels.adapters.base import ChannelError, SupportsConsent
from kucun.channels.connect import store_channel
from kucun.channels.models import Store
from kucun.channels.platforms import platforms
from kucun.channels.services.stores import (
    StoreConnectionFailed,
    require_owner,
    store_update,
)
from kucun.core.credentials import secret_values, without_secrets
from kucun.core.errors import FieldError, NotFound, ValidationFailed
from kucun.core.secrets import decrypt_mapping

CONSENT_SALT = "kucun.channels.consent"
CONSENT_MAX_AGE_SECONDS = 15 * 60
RU_NAME_OPTION = "ru_name"


def consent_ru_name(store: Store) -> str:
    spec = platforms().get(store.platform)
    if spec is None or not spec.capabilities.consent:
        raise ValidationFailed.for_field(
            "platform",
            _("%(platform)s has no consent page: enter the store's credentials instead.")
            % {"platform": store.get_platform_display()},
        )
    ru_name = str((store.options or {}).get(RU_NAME_OPTION, "")).strip()
    if not ru_name:
        raise ValidationFailed.for_field(
            RU_NAME_OPTION,
            _(
                "Enter the RuName of your eBay keyset on the store's Edit page first (its "
                "accept URL is Kucun's return address shown on the store's page)."
            ),
        )
    return ru_name


def store_consent_url(*, actor: Any, store: Store) -> str:
    """Where to send the owner to grant Kucun access to the store's account."""
    require_owner(actor)
    ru_name = consent_ru_name(store)
    state = signing.dumps({"store": store.pk}, salt=CONSENT_SALT)
    channel = store_channel(store)
    try:
        return cast(SupportsConsent, channel).consent_url(ru_name, state)
    finally:
        channel.close()


def consent_store(state: str) -> Store:
    try:
        signed = signing.loads(state, salt=CONSENT_SALT, max_age=CONSENT_MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise ValidationFailed.for_field(
            "state",
            _(
                "This answer from the consent page is not one Kucun asked for, or it came back "
                "too late: grant access again from the store's page."
            ),
        ) from None
    store = Store.objects.filter(pk=signed.get("store")).first()
    if store is None:
        raise NotFound(detail=_("The store this consent was for no longer exists."))
    return store


def store_consent_finish(*, actor: Any, state: str, code: str) -> Store:
    """Exchange the authorization code the consent page returned for the refresh token."""
    require_owner(actor)
    store = consent_store(state)
    ru_name = consent_ru_name(store)
    if not code.strip():
        raise ValidationFailed.for_field("code", _("The consent page returned no code."))
    secrets = secret_values(
        platforms()[store.platform].credential_fields, decrypt_mapping(store.credentials_encrypted)
    )
    channel = store_channel(store)
    try:
        refresh_token = cast(SupportsConsent, channel).exchange_code(code.strip(), ru_name)
    except ChannelError as error:
        message = without_secrets(error.message, secrets)
        raise StoreConnectionFailed(
            detail=_("%(platform)s answered: %(message)s")
            % {"platform": store.get_platform_display(), "message": message},
            errors=[FieldError("code", message)],
        ) from None
    finally:
        channel.close()
    return store_update(actor=actor, store=store, credentials={"refresh_token": refresh_token})
