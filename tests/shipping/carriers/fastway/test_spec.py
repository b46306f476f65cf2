"""How Fastway describes itself to Kucun: its form, hosts, token endpoint and capabilities."""

from __future__ import annotations

from kucun.shipping.carrier_registry import carrier_spec
from kucun.shipping.carriers.fastway.adapter import CARRIER, FastwayCarrier
from kucun.shipping.carriers.fastway.client import token_url_for


def test_the_registry_finds_fastway() -> None:
    assert carrier_spec("fastway") is CARRIER
    assert CARRIER.label == "Fastway (Aramex)"


def test_the_form_asks_for_the_api_key_and_keeps_only_the_secret_secret() -> None:
    fields = {field.name: field for field in CARRIER.credential_fields}

    assert list(fields) == ["client_id", "client_secret", "scope"]
    assert [name for name, field in fields.items() if field.secret] == ["client_secret"]
    assert fields["scope"].default == "fw-fl2-api-au"
    region = next(field for field in CARRIER.option_fields if field.name == "region")
    assert [value for value, _label in region.choices] == ["AU", "NZ"]


def test_the_hosts_by_region_and_environment() -> None:
    assert CARRIER.production_base_url({}) == "https://api.myfastway.com.au"
    assert CARRIER.production_base_url({"region": "NZ"}) == "https://api.myfastway.co.nz"
    assert CARRIER.test_base_url({"region": "AU"}) == "https://api.myfastway.com.au"
    assert CARRIER.test_base_url({"test_base_url": "https://uat.example"}) == "https://uat.example"
    assert (
        CARRIER.sandbox_base_url("http://127.0.0.1:8000/", {})
        == "http://127.0.0.1:8000/sandbox/fastway"
    )


def test_the_token_endpoint_follows_the_api_root() -> None:
    assert CARRIER.auth_url is not None
    assert (
        CARRIER.auth_url("https://api.myfastway.com.au", {})
        == "https://identity.fastway.org/connect/token"
    )
    assert (
        CARRIER.auth_url("http://127.0.0.1:8000/sandbox/fastway", {})
        == "http://127.0.0.1:8000/sandbox/fastway/identity/connect/token"
    )
    assert token_url_for("https://api.myfastway.co.nz", {"token_url": "https://id.example/t"}) == (
        "https://id.example/t"
    )


def test_the_sandbox_credentials_are_the_emulators_default_account() -> None:
    assert dict(CARRIER.sandbox_credentials) == {
        "client_id": "sandbox-fastway-client",
        "client_secret": "sandbox-fastway-secret",
        "scope": "fw-fl2-api-au",
    }


def test_capabilities_follow_the_doc() -> None:
    capabilities = CARRIER.capabilities

    assert capabilities.manifest is False  # no end-of-day manifest call
    assert capabilities.cancel is True  # delete before pickup
    assert capabilities.track_batch == 1  # one label per tracking call
    assert {service.code for service in CARRIER.services} == {"P", "S"}
    assert FastwayCarrier.capabilities is capabilities
