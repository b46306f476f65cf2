"""Secrets at rest: credentials of stores and carriers, encrypted with Fernet.

The key is derived from ``KUCUN_SECRET_KEY`` (Django's SECRET_KEY). To rotate it, set the new
key as ``KUCUN_SECRET_KEY`` and the old one in ``KUCUN_SECRET_KEY_FALLBACKS`` (comma separated),
run ``kucun rotate_secrets`` (which re-encrypts every stored secret with the new key), then drop
the fallback. Values are never logged; they are shown back only masked.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction

from kucun.core.errors import DomainError

_INFO = b"kucun credentials at rest v1"


class SecretUnreadable(DomainError):
    """A stored secret that no configured key can open (the key changed without rotation)."""


def _fernet_for(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def cipher() -> MultiFernet:
    """Encrypts with the current key; decrypts with the current key or any fallback."""
    return MultiFernet([_fernet_for(key) for key in _keys()])


def encrypt(plain: str) -> str:
    return cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable(
            detail="A stored secret cannot be decrypted with KUCUN_SECRET_KEY or its fallbacks; "
            "restore the previous key in KUCUN_SECRET_KEY_FALLBACKS, or enter the secret again."
        ) from error


def rotate(token: str) -> str:
    """The same secret encrypted with the current key."""
    return cipher().rotate(token.encode()).decode()


def encrypt_mapping(values: Mapping[str, str]) -> str:
    """A set of named secrets as one encrypted blob ("" when there are none)."""
    if not values:
        return ""
    return encrypt(json.dumps(dict(values), sort_keys=True))


def decrypt_mapping(token: str) -> dict[str, str]:
    if not token:
        return {}
    loaded = json.loads(decrypt(token))
    return {str(name): str(value) for name, value in loaded.items()}


def mask(value: str, shown: int = 4) -> str:
    """``••••abcd``: only the last characters, and nothing of a short secret."""
    if not value:
        return ""
    if len(value) <= shown * 2:
        return "•" * 8
    return "•" * 8 + value[-shown:]


# Where secrets are stored: (model, field) pairs registered by the apps that keep them, so that
# a rotation re-encrypts every one without core naming any app.
_secret_fields: list[tuple[Any, str]] = []


def register_secret_field(model: Any, field_name: str) -> None:
    if (model, field_name) not in _secret_fields:
        _secret_fields.append((model, field_name))


def secret_fields() -> list[tuple[Any, str]]:
    return list(_secret_fields)


def rotate_all() -> dict[str, int]:
    """Re-encrypt every stored secret with the current key, one model at a time in a
    transaction; a secret no key can open stops the rotation of that model, naming the row."""
    rotated: dict[str, int] = {}
    for model, field_name in _secret_fields:
        label = f"{model._meta.label}.{field_name}"
        with transaction.atomic():
            count = 0
            rows = model.objects.select_for_update().exclude(**{field_name: ""}).order_by("pk")
            for row in rows:
                token = getattr(row, field_name)
                try:
                    new_token = rotate(token)
                except InvalidToken as error:
                    raise SecretUnreadable(
                        detail=f"{label} of row {row.pk} cannot be decrypted with any key."
                    ) from error
                model.objects.filter(pk=row.pk).update(**{field_name: new_token})
                count += 1
        rotated[label] = count
    return rotated
