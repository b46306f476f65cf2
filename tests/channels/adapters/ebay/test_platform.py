"""eBay as a platform: its store form, addresses, capabilities, and the consent flow.

Unit tests over httpx.MockTransport, not integration tests (see test_client.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from kucun.channels.adapters.base import AuthenticationFailed, ChannelConfig
from kucun.channels.adapters.base.http import TokenCache
from kucun.channels.adapters.ebay.adapter import PLATFORM, EbayChannel
from kucun.channels.adapters.ebay.client import CONTENT_LANGUAGES, SCOPES
from kucun.channels.platforms import platform
from tests.channels.adapters.ebay.fakes import (
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_PATH,
    FakeEbay,
    ebay_json,
    fixture,
    form,
    make_channel,
    make_config,
)


def test_channels_finds_the_platform() -> None:
    assert platform("ebay") is PLATFORM
    assert PLATFORM.label == "eBay"
    assert PLATFORM.build is EbayChannel


def test_the_store_form_fields() -> None:
    assert [(f.name, f.secret, f.required) for f in PLATFORM.credential_fields] == [
        ("client_id", False, True),
        ("client_secret", True, True),
        ("refresh_token", True, False),
        ("verification_token", True, False),
    ]
    options = {f.name: f for f in PLATFORM.option_fields}
    assert list(options) == ["environment", "marketplace_id", "ru_name", "username"]
    assert options["ru_name"].required is False
    assert options["environment"].default == "production"
    assert [value for value, _label in options["environment"].choices] == ["production", "sandbox"]
    assert options["marketplace_id"].default == "EBAY_AU"
    assert {value for value, _label in options["marketplace_id"].choices} == set(CONTENT_LANGUAGES)
    assert options["username"].required is False
    assert PLATFORM.account_field == "username"


def test_capabilities() -> None:
    capabilities = PLATFORM.capabilities
    assert capabilities.max_stock_batch == 25
    assert capabilities.webhooks is True
    assert capabilities.consent is True
    assert capabilities.incremental_products is False
    assert capabilities.async_writes is False
    assert EbayChannel.capabilities is capabilities


def test_addresses_by_environment_and_in_the_sandbox() -> None:
    assert PLATFORM.production_base_url({"environment": "production"}) == "https://api.ebay.com"
    assert PLATFORM.production_base_url({}) == "https://api.ebay.com"
    assert (
        PLATFORM.production_base_url({"environment": "sandbox"}) == "https://api.sandbox.ebay.com"
    )
    assert (
        PLATFORM.sandbox_base_url("http://127.0.0.1:8000/", {"environment": "production"})
        == "http://127.0.0.1:8000/sandbox/ebay"
    )
    assert PLATFORM.extras == {
        "auth_url_production": "https://auth.ebay.com",
        "auth_url_sandbox": "https://auth.sandbox.ebay.com",
    }


def _consent_query(url: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query)


def test_the_consent_url_uses_the_configured_auth_host_and_the_runame() -> None:
    config = make_config()
    config = ChannelConfig(
        platform="ebay",
        base_url=config.base_url,
        credentials=config.credentials,
        auth_url="https://auth.ebay.com",
    )

    url = make_channel(FakeEbay(), config=config).consent_url(
        "Kucun_Stock-KucunTes-Stock-abcdef", "state-123"
    )

    where, query = _consent_query(url)
    assert where == "https://auth.ebay.com/oauth2/authorize"
    assert query == {
        "client_id": [CLIENT_ID],
        "redirect_uri": ["Kucun_Stock-KucunTes-Stock-abcdef"],
        "response_type": ["code"],
        "scope": [" ".join(SCOPES)],
        "state": ["state-123"],
    }
    # Scopes are space-separated and percent-encoded (%20, not +).
    assert "sell.inventory%20https" in url
    assert "+" not in url


@pytest.mark.parametrize(
    ("base_url", "consent_at"),
    [
        ("https://api.ebay.com", "https://auth.ebay.com/oauth2/authorize"),
        ("https://api.sandbox.ebay.com", "https://auth.sandbox.ebay.com/oauth2/authorize"),
        (
            "http://127.0.0.1:8000/sandbox/ebay",
            "http://127.0.0.1:8000/sandbox/ebay/oauth2/authorize",
        ),
    ],
)
def test_without_an_auth_url_the_consent_host_follows_the_api_root(
    base_url: str, consent_at: str
) -> None:
    config = ChannelConfig(platform="ebay", base_url=base_url, credentials={"client_id": "id"})

    where, _query = _consent_query(make_channel(FakeEbay(), config=config).consent_url("R", "s"))

    assert where == consent_at


def test_a_code_is_exchanged_once_for_the_refresh_token_whose_access_token_is_kept() -> None:
    fake = FakeEbay().on(
        "POST", TOKEN_PATH, ebay_json(200, fixture("token.authorization_code.json"))
    )
    fake.on("GET", "/sell/inventory/v1/inventory_item", ebay_json(200, {"total": 0}))
    tokens = TokenCache()
    unconsented = ChannelConfig(
        platform="ebay",
        base_url="https://api.ebay.com",
        credentials={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )

    refresh_token = make_channel(fake, config=unconsented, tokens=tokens).exchange_code(
        "v^1.1#i^1#code", "Kucun_Stock-KucunTes-Stock-abcdef"
    )

    assert refresh_token == "v^1.1#i^1#refresh-token-from-code"
    (request,) = fake.calls("POST", TOKEN_PATH)
    assert form(request) == {
        "grant_type": "authorization_code",
        "code": "v^1.1#i^1#code",
        "redirect_uri": "Kucun_Stock-KucunTes-Stock-abcdef",
    }
    consented = ChannelConfig(
        platform="ebay",
        base_url="https://api.ebay.com",
        credentials={**unconsented.credentials, "refresh_token": refresh_token},
    )
    make_channel(fake, config=consented, tokens=tokens).test_connection()
    assert len(fake.calls("POST", TOKEN_PATH)) == 1
    (api,) = fake.calls("GET", "/sell/inventory/v1/inventory_item")
    assert api.headers["Authorization"] == "Bearer v^1.1#i^1#user-access-token-from-code"


def test_a_refused_code_is_not_tried_twice() -> None:
    fake = FakeEbay().on(
        "POST",
        TOKEN_PATH,
        ebay_json(400, {"error": "invalid_grant", "error_description": "code expired"}),
    )

    with pytest.raises(AuthenticationFailed, match=r"invalid_grant: code expired"):
        make_channel(fake).exchange_code("used-code", "RuName")
    assert len(fake.calls("POST", TOKEN_PATH)) == 1


def test_test_connection_names_the_seller_and_the_marketplace() -> None:
    fake = FakeEbay().on(
        "GET", "/sell/inventory/v1/inventory_item", ebay_json(200, {"total": 42, "limit": 1})
    )

    info = make_channel(fake, config=make_config(username="camp_gear_au")).test_connection()

    assert info.account_name == "camp_gear_au"
    assert info.details == {
        "environment": "production",
        "marketplace_id": "EBAY_AU",
        "inventory_items": "42",
    }
    assert make_channel(fake).test_connection().account_name == "eBay seller (EBAY_AU)"
