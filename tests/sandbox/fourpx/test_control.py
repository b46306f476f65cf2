"""The 4PX emulator's control plane: reset, seed (apps, products, settings), state, settings,
and who may use it."""

from __future__ import annotations

import httpx
import pytest

from kucun.sandbox.fourpx.state import DEFAULT_APP_KEY
from tests.sandbox.fourpx.conftest import FourPX

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCTS = "ds.xms.logistics_product.getlist"


def test_seed_adds_apps_with_their_products_and_answers_what_it_loaded(fourpx: FourPX) -> None:
    loaded = fourpx.emu(
        "seed",
        {
            "accounts": [
                {
                    "app_key": "k-2",
                    "app_secret": "s-2",
                    "name": "Second app",
                    "services": [
                        "F3",
                        {
                            "logistics_product_code": "A1",
                            "logistics_product_name_en": "DHL Express",
                            "transport_mode": "2",
                        },
                    ],
                }
            ],
            "settings": {"label_not_ready_calls": 3},
        },
    )
    assert loaded["accounts"] == [
        {"app_key": "k-2", "name": "Second app", "services": ["F3", "A1"]}
    ]
    assert loaded["settings"]["label_not_ready_calls"] == 3
    second = fourpx.other_app("k-2", "s-2")
    products = second.ok(PRODUCTS)
    assert [
        (found["logistics_product_code"], found["logistics_product_name_en"]) for found in products
    ] == [
        ("F3", "4PX Standard Line (tracked)"),
        ("A1", "DHL Express"),
    ]
    created = second.create("ORD-A1", logistics_service_info={"logistics_product_code": "A1"})
    assert created["logistics_channel_no"]  # a product seeded without a late number
    # The default app cannot use the other app's product.
    assert (
        fourpx.codes(
            "ds.xms.order.create",
            {"logistics_service_info": {"logistics_product_code": "A1"}, "ref_no": "X"},
        ).count("DS000110")
        == 1
    )
    state = fourpx.state(None)
    assert set(state["accounts"]) == {DEFAULT_APP_KEY, "k-2"}
    assert state["accounts"]["k-2"]["services"] == ["F3", "A1"]
    assert "s-2" not in str(state)


@pytest.mark.parametrize(
    "body",
    [
        {"accounts": [{"app_key": "k-3"}]},
        {"accounts": [{"app_key": "k-3", "app_secret": "s-3", "services": "F3"}]},
        {"accounts": [{"app_key": "k-3", "app_secret": "s-3"}], "settings": {"bogus": 1}},
        {"accounts": "k-3"},
    ],
)
def test_a_seed_that_cannot_be_loaded_is_refused_whole(fourpx: FourPX, body: object) -> None:
    answer = fourpx.sandbox.control.post(fourpx.sandbox.url("fourpx", "__emu/seed"), json=body)
    assert answer.status_code == 400
    assert answer.json()["error"]
    assert set(fourpx.state(None)["accounts"]) == {DEFAULT_APP_KEY}


def test_reset_drops_consignments_and_restores_the_default_app(fourpx: FourPX) -> None:
    fourpx.emu("seed", {"accounts": [{"app_key": "k-2", "app_secret": "s-2"}]})
    fourpx.create("ORD-R")
    fourpx.emu("settings", {"label_not_ready_calls": 5})
    fourpx.emu("reset")
    state = fourpx.state(None)
    assert state["shipments"] == []
    assert set(state["accounts"]) == {DEFAULT_APP_KEY}
    assert state["settings"]["label_not_ready_calls"] == 1
    assert state["accounts"][DEFAULT_APP_KEY]["services"] == ["F3", "PX"]
    fourpx.create("ORD-R")  # the ref_no is free again


def test_state_narrows_to_one_app(fourpx: FourPX) -> None:
    fourpx.emu("seed", {"accounts": [{"app_key": "k-2", "app_secret": "s-2"}]})
    fourpx.create("ORD-MINE")
    fourpx.other_app("k-2", "s-2").create("ORD-THEIRS")
    assert [found["reference"] for found in fourpx.state()["shipments"]] == ["ORD-MINE"]
    assert [found["reference"] for found in fourpx.state("k-2")["shipments"]] == ["ORD-THEIRS"]
    assert len(fourpx.state(None)["shipments"]) == 2
    assert fourpx.state("nobody")["shipments"] == []


def test_settings_read_and_change(fourpx: FourPX) -> None:
    url = fourpx.sandbox.url("fourpx", "__emu/settings")
    assert fourpx.sandbox.control.get(url).json() == {
        "label_not_ready_calls": 1,
        "channel_no_after_seconds": 3600,
        "throttle_seconds": 60,
    }
    changed = fourpx.emu("settings", {"throttle_seconds": 5})
    assert changed["throttle_seconds"] == 5
    refused = fourpx.sandbox.control.post(url, json={"nonsense": 1})
    assert refused.status_code == 400


def test_the_control_plane_is_for_staff_only(fourpx: FourPX) -> None:
    anonymous = httpx.post(fourpx.sandbox.url("fourpx", "__emu/reset"), timeout=30)
    assert anonymous.status_code == 401
    # The gateway itself needs no login: the app's signature is its credential.
    with httpx.Client(timeout=30) as stranger:
        assert FourPX(fourpx.sandbox, stranger).ok(PRODUCTS)
