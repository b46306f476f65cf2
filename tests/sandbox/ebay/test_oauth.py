"""OAuth (ebay.md §1): the three grants, the consent page, expiry on the emulator clock."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.sandbox.ebay.conftest import (
    API_SCOPE,
    CLIENT_ID,
    INVENTORY,
    REFRESH_TOKEN,
    RU_NAME,
    SELL_INVENTORY,
    SELL_INVENTORY_READONLY,
    SELLER,
    WRITE_HEADERS,
    Ebay,
    assert_golden,
    golden,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_client_credentials_grant_mints_an_application_token(ebay: Ebay) -> None:
    answer = ebay.token({"grant_type": "client_credentials", "scope": API_SCOPE})
    assert answer.status_code == 200
    assert_golden(answer.json(), golden("getAccessToken.client_credentials"))


def test_client_credentials_grant_refuses_a_user_scope(ebay: Ebay) -> None:
    answer = ebay.token({"grant_type": "client_credentials", "scope": SELL_INVENTORY})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"


def test_refresh_token_grant_mints_a_user_token_that_reads_the_inventory(ebay: Ebay) -> None:
    answer = ebay.token({"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN})
    assert answer.status_code == 200
    assert_golden(answer.json(), golden("getAccessToken.refresh_token"))
    token = answer.json()["access_token"]
    item = ebay.call("GET", f"{INVENTORY}/inventory_item/EB-MUG-01", token)
    assert item.status_code == 200
    assert item.json()["sku"] == "EB-MUG-01"


def test_wrong_client_secret_is_refused_with_invalid_client(ebay: Ebay) -> None:
    answer = ebay.token(
        {"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN},
        client=(CLIENT_ID, "wrong-secret"),
    )
    assert answer.status_code == 401
    assert_golden(answer.json(), golden("getAccessToken.invalid_client"))
    assert "wrong-secret" not in answer.text


def test_unknown_refresh_token_is_an_invalid_grant(ebay: Ebay) -> None:
    answer = ebay.token({"grant_type": "refresh_token", "refresh_token": "v^1.1#nothing"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert set(answer.json()) == {"error", "error_description"}


def test_refresh_with_a_narrower_scope_binds_the_token_to_it(ebay: Ebay) -> None:
    token = ebay.user_token(scope=SELL_INVENTORY_READONLY)
    assert ebay.call("GET", f"{INVENTORY}/inventory_item", token).status_code == 200
    write = ebay.call(
        "POST",
        f"{INVENTORY}/bulk_update_price_quantity",
        token,
        headers=WRITE_HEADERS,
        json={"requests": [{"sku": "EB-MUG-01", "shipToLocationAvailability": {"quantity": 1}}]},
    )
    assert write.status_code == 403
    assert write.json()["errors"][0]["errorId"] == 1100
    assert ebay.state()["quantities"]["EB-MUG-01"] == 12


def test_refresh_beyond_the_consented_scopes_is_refused(ebay: Ebay) -> None:
    answer = ebay.token(
        {
            "grant_type": "refresh_token",
            "refresh_token": REFRESH_TOKEN,
            "scope": f"{API_SCOPE}/sell.marketing",
        }
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"


def test_an_application_token_cannot_read_a_sellers_inventory(ebay: Ebay) -> None:
    answer = ebay.call("GET", f"{INVENTORY}/inventory_item", ebay.application_token())
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["errorId"] == 1100


def test_an_expired_token_is_refused_with_error_1001_and_a_refresh_works(ebay: Ebay) -> None:
    token = ebay.user_token()
    ebay.emu("clock", {"advance_seconds": 7201})
    answer = ebay.call("GET", f"{INVENTORY}/inventory_item", token)
    assert answer.status_code == 401
    assert_golden(answer.json(), golden("error.invalid_access_token"), exact_keys=False)
    assert ebay.call("GET", f"{INVENTORY}/inventory_item", ebay.user_token()).status_code == 200


def test_token_lifetime_is_configurable(ebay: Ebay) -> None:
    ebay.emu("seed", {"settings": {"access_token_seconds": 60}})
    answer = ebay.token({"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN})
    assert answer.json()["expires_in"] == 60
    token = answer.json()["access_token"]
    ebay.emu("clock", {"advance_seconds": 59})
    assert ebay.call("GET", f"{INVENTORY}/inventory_item", token).status_code == 200
    ebay.emu("clock", {"advance_seconds": 1})
    assert ebay.call("GET", f"{INVENTORY}/inventory_item", token).status_code == 401


def test_a_missing_token_is_refused_with_error_1001(ebay: Ebay) -> None:
    answer = ebay.http.get(ebay.url(f"{INVENTORY}/inventory_item"))
    assert answer.status_code == 401
    assert answer.json()["errors"][0]["errorId"] == 1001


def consent(ebay: Ebay, redirect_uri: str, *, decision: str = "agree") -> str:
    """Open the consent page, then agree as the default seller; answers the redirect."""
    query = {
        "client_id": CLIENT_ID,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": f"{API_SCOPE} {SELL_INVENTORY}",
        "state": "opaque-42",
    }
    page = ebay.http.get(ebay.url("oauth2/authorize"), params=query)
    assert page.status_code == 200
    assert "Agree" in page.text
    assert SELLER in page.text
    answer = ebay.http.post(
        ebay.url("oauth2/authorize"), data={**query, "seller": SELLER, "decision": decision}
    )
    assert answer.status_code == 302
    return answer.headers["Location"]


def test_authorization_code_from_the_consent_page_mints_user_tokens(ebay: Ebay) -> None:
    location = consent(ebay, RU_NAME)
    target = urlsplit(location)
    assert target.path == "/sandbox/ebay/oauth2/accepted"
    query = parse_qs(target.query)
    assert query["state"] == ["opaque-42"]
    assert query["expires_in"] == ["299"]
    code = query["code"][0]
    accepted = ebay.http.get(ebay.url("oauth2/accepted"), params={"code": code})
    assert code in accepted.text.replace("&amp;", "&")

    answer = ebay.token({"grant_type": "authorization_code", "code": code, "redirect_uri": RU_NAME})
    assert answer.status_code == 200
    assert_golden(answer.json(), golden("getAccessToken.authorization_code"))
    tokens = answer.json()
    assert (
        ebay.call("GET", f"{INVENTORY}/inventory_item", tokens["access_token"]).status_code == 200
    )
    refreshed = ebay.user_token(refresh_token=tokens["refresh_token"])
    assert ebay.call("GET", f"{INVENTORY}/inventory_item", refreshed).status_code == 200
    # A code is used once.
    again = ebay.token({"grant_type": "authorization_code", "code": code, "redirect_uri": RU_NAME})
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_consent_to_a_url_redirects_there_and_the_code_expires(ebay: Ebay) -> None:
    location = consent(ebay, "https://kucun.example/ebay/callback?store=7")
    target = urlsplit(location)
    assert (target.netloc, target.path) == ("kucun.example", "/ebay/callback")
    query = parse_qs(target.query)
    assert query["store"] == ["7"]
    assert query["state"] == ["opaque-42"]
    ebay.emu("clock", {"advance_seconds": 300})
    answer = ebay.token(
        {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": "https://kucun.example/ebay/callback?store=7",
        }
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_declined_consent_redirects_with_access_denied(ebay: Ebay) -> None:
    location = consent(ebay, "https://kucun.example/cb", decision="decline")
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == ["access_denied"]
    assert "code" not in query


def test_consent_for_an_unknown_runame_is_refused(ebay: Ebay) -> None:
    page = ebay.http.get(
        ebay.url("oauth2/authorize"),
        params={
            "client_id": CLIENT_ID,
            "redirect_uri": "Not-A-RuName",
            "response_type": "code",
            "scope": API_SCOPE,
        },
    )
    assert page.status_code == 400
    assert "RuName" in page.text


def test_get_user_names_the_seller_behind_a_user_token(ebay: Ebay) -> None:
    answer = ebay.call("GET", "commerce/identity/v1/user/", ebay.user_token())
    assert answer.status_code == 200
    body = answer.json()
    assert (body["username"], body["registrationMarketplaceId"]) == (SELLER, "EBAY_AU")
    assert body["userId"]
    narrow = ebay.user_token(scope=SELL_INVENTORY)
    assert ebay.call("GET", "commerce/identity/v1/user/", narrow).status_code == 403


def test_authorization_revocation_ends_the_sellers_refresh_tokens(ebay: Ebay) -> None:
    ebay.emu(
        "webhooks/fire",
        {"topic": "AUTHORIZATION_REVOCATION", "data": {"username": SELLER}, "deliver": False},
    )
    answer = ebay.token({"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
