"""Credentials of vendor accounts (stores, carrier accounts): cleaning the values a form or the
API sends against the fields the adapter declares, masking them for display, and keeping them out
of any message shown. Stored encrypted with core.secrets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from kucun.core.errors import FieldError, ValidationFailed
from kucun.core.secrets import decrypt_mapping, encrypt_mapping, mask
from kucun.core.vendor.fields import FieldSpec

FIELD_MAX_LENGTH = 2000
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Problems:
    """Every refused field of one request, reported together."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationFailed(
                detail="; ".join(f"{error.field}: {error.message}" for error in self.errors),
                errors=list(self.errors),
            )


def clean_text(value: Any, *, field: str, label: str, problems: Problems) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        problems.add(field, _("%(label)s must be text.") % {"label": label})
        return ""
    text = str(value).strip()
    if CONTROL_CHARACTERS.search(text):
        problems.add(field, _("%(label)s has a control character: remove it.") % {"label": label})
    elif len(text) > FIELD_MAX_LENGTH:
        problems.add(
            field,
            _("%(label)s is too long: at most %(max)d characters.")
            % {"label": label, "max": FIELD_MAX_LENGTH},
        )
    return text


def clean_whole(
    value: Any, *, field: str, label: str, low: int, high: int, problems: Problems
) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(field, _("%(label)s must be a whole number.") % {"label": label})
        return low
    if not low <= value <= high:
        problems.add(
            field,
            _("%(label)s must be between %(low)d and %(high)d.")
            % {"label": label, "low": low, "high": high},
        )
    return value


def clean_flag(value: Any, *, field: str, label: str, problems: Problems) -> bool:
    if not isinstance(value, bool):
        problems.add(field, _("%(label)s must be true or false.") % {"label": label})
        return False
    return value


def clean_spec_values(
    fields: Sequence[FieldSpec],
    given: Mapping[str, Any] | None,
    stored: Mapping[str, str],
    *,
    problems: Problems,
) -> dict[str, str]:
    """The platform's fields from ``given``, falling back to ``stored`` (an update) or the
    field's default; a secret sent empty keeps the stored one. Unknown names are refused."""
    given = dict(given or {})
    known = {spec.name for spec in fields}
    for name in sorted(set(given) - known):
        problems.add(str(name), _("%(name)s is not one of these settings.") % {"name": name})
    values: dict[str, str] = {}
    for spec in fields:
        if spec.name in given:
            value = clean_text(
                given[spec.name], field=spec.name, label=str(spec.label), problems=problems
            )
            if not value and spec.secret:
                value = stored.get(spec.name, "")
        else:
            value = stored.get(spec.name, spec.default)
        if spec.required and not value:
            problems.add(spec.name, _("%(label)s is required.") % {"label": spec.label})
        elif value and spec.choices and value not in {choice for choice, _label in spec.choices}:
            problems.add(
                spec.name,
                _("%(label)s must be one of: %(choices)s.")
                % {
                    "label": spec.label,
                    "choices": ", ".join(choice for choice, _label in spec.choices),
                },
            )
        if value:
            values[spec.name] = value
    return values


def credential_masks(fields: Sequence[FieldSpec], credentials: Mapping[str, str]) -> dict[str, str]:
    """What may be shown of each credential: a secret masked, anything else in full."""
    shown: dict[str, str] = {}
    for field in fields:
        value = credentials.get(field.name, "")
        if value:
            shown[field.name] = mask(value) if field.secret else value
    return shown


def secret_values(fields: Sequence[FieldSpec], credentials: Mapping[str, str]) -> list[str]:
    return [
        credentials[field.name] for field in fields if field.secret and credentials.get(field.name)
    ]


def without_secrets(message: str, secrets: Iterable[str]) -> str:
    """A vendor's message as it may be shown: any secret it echoes is masked."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            message = message.replace(secret, mask(secret))
    return message


def account_fields_changes(
    *,
    credential_fields: Sequence[FieldSpec],
    option_fields: Sequence[FieldSpec],
    credentials: Mapping[str, Any] | None,
    options: Mapping[str, Any] | None,
    stored_encrypted: str,
    stored_options: Mapping[str, Any] | None,
    problems: Problems,
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """An account's credentials and options after an update given field by field (a secret
    sent empty keeps the stored one): the columns that change (``credentials_encrypted``,
    ``credential_masks``, ``options``), and the resulting secrets and options."""
    stored = decrypt_mapping(stored_encrypted)
    secrets = clean_spec_values(credential_fields, credentials, stored, problems=problems)
    settings_ = clean_spec_values(
        option_fields, options, dict(stored_options or {}), problems=problems
    )
    changes: dict[str, Any] = {}
    if secrets != stored:
        changes["credentials_encrypted"] = encrypt_mapping(secrets)
        changes["credential_masks"] = credential_masks(credential_fields, secrets)
    if settings_ != (stored_options or {}):
        changes["options"] = settings_
    return changes, secrets, settings_
