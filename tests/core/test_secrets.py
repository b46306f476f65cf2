from __future__ import annotations

import pytest

from kucun.core import secrets


def test_round_trip_and_no_plain_text() -> None:
    token = secrets.encrypt_mapping({"api_key": "shpat_very_secret_value"})
    assert "shpat" not in token
    assert "secret" not in token
    assert secrets.decrypt_mapping(token) == {"api_key": "shpat_very_secret_value"}
    assert secrets.decrypt_mapping("") == {}


def test_mask_shows_only_the_last_four() -> None:
    assert secrets.mask("shpat_abcdefgh1234") == "••••••••1234"
    assert secrets.mask("short") == "••••••••"
    assert secrets.mask("") == ""


def test_rotation_reads_old_secrets_and_reencrypts_them(settings) -> None:
    settings.SECRET_KEY = "old-key-" + "x" * 40
    old = secrets.encrypt("value-1")
    settings.SECRET_KEY = "new-key-" + "y" * 40
    with pytest.raises(secrets.SecretUnreadable):
        secrets.decrypt(old)
    settings.SECRET_KEY_FALLBACKS = ["old-key-" + "x" * 40]
    assert secrets.decrypt(old) == "value-1"
    rotated = secrets.rotate(old)
    settings.SECRET_KEY_FALLBACKS = []
    assert secrets.decrypt(rotated) == "value-1"


@pytest.mark.django_db
def test_rotate_all_reencrypts_every_registered_secret(settings) -> None:
    from kucun.channels.models import Store

    settings.SECRET_KEY = "old-key-" + "x" * 40
    store = Store.objects.create(
        name="Rotating", platform="shopify", credentials_encrypted=secrets.encrypt("v")
    )
    settings.SECRET_KEY = "new-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = ["old-key-" + "x" * 40]
    rotated = secrets.rotate_all()
    assert rotated["channels.Store.credentials_encrypted"] == 1
    settings.SECRET_KEY_FALLBACKS = []
    store.refresh_from_db()
    assert secrets.decrypt(store.credentials_encrypted) == "v"
