"""The 4PX emulator's pages for people."""

from __future__ import annotations

import pytest
from django.test import Client

from kucun.sandbox.fourpx import state
from kucun.sandbox.fourpx.consignments import order_create
from tests.sandbox.fourpx.conftest import order

pytestmark = pytest.mark.django_db


def test_index_lists_apps_with_the_sandbox_credentials(viewer_client: Client) -> None:
    state.reset()
    page = viewer_client.get("/sandbox/fourpx/").content.decode()
    assert state.DEFAULT_APP_KEY in page
    assert state.DEFAULT_APP_SECRET in page
    assert "/sandbox/fourpx/router/api/service" in page
    assert f"/sandbox/fourpx/accounts/{state.DEFAULT_APP_KEY}/" in page


def test_account_page_shows_products_and_consignments(viewer_client: Client) -> None:
    state.reset()
    state.emulator.set_clock(freeze="2026-03-01T00:00:00+00:00")
    app = state.app_get(state.DEFAULT_APP_KEY)
    assert app is not None
    created = order_create(app, order("ORD-PAGE"))
    page = viewer_client.get(f"/sandbox/fourpx/accounts/{state.DEFAULT_APP_KEY}/").content.decode()
    assert "4PX Standard Line (tracked)" in page
    assert (
        f"<tr><td>ORD-PAGE</td><td>{created['ds_consignment_no']}</td>"
        f"<td>{created['4px_tracking_no']}</td><td>—</td><td>F3</td>"
        '<td class="text-end">1</td><td>P</td><td class="text-end">0</td></tr>'
    ) in page
    assert viewer_client.get("/sandbox/fourpx/accounts/nobody/").status_code == 404


def test_pages_need_a_login() -> None:
    response = Client().get("/sandbox/fourpx/")
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]


def test_the_sandbox_index_links_the_emulator(viewer_client: Client) -> None:
    assert 'href="fourpx/"' in viewer_client.get("/sandbox/").content.decode()
