"""The allocations page: stock promised to order lines, searched by reference prefix."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kucun.inventory.services import AllocationLineInput, stock_allocate_order
from tests.inventory.conftest import Site, build_bundle, build_item, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def allocated(site: Site) -> None:
    widget = build_item("W-1")
    build_bundle("PAIR", [(widget, 2)])
    receive(site, "W-1", 20, "S-01")
    stock_allocate_order(
        lines=[
            AllocationLineInput("order:shop1:1001:1", "PAIR", 3),
            AllocationLineInput("order:shop1:1001:2", "W-1", 1),
        ],
        warehouse="MEL",
    )
    stock_allocate_order(lines=[AllocationLineInput("order:shop2:7:1", "W-1", 2)], warehouse="MEL")


def test_every_allocation_is_listed_with_its_line(allocated: None, viewer_client: Client) -> None:
    html = viewer_client.get("/inventory/allocations/").content.decode()
    assert 'data-count="3"' in html
    assert html.count("data-allocation=") == 3
    assert "order:shop1:1001:1" in html
    assert "PAIR" in html
    assert 'href="/inventory/allocations/"' in html  # in the navigation


def test_search_by_reference_prefix_lists_one_order(
    allocated: None, viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        html = viewer_client.get("/inventory/allocations/", {"q": "order:shop1:1001:"}).content
    text = html.decode()
    assert 'data-count="2"' in text
    assert "order:shop2:7:1" not in text
    rows = viewer_client.get("/inventory/allocations/", {"q": "order:shop2:"}).content.decode()
    assert 'data-count="1"' in rows
    none = viewer_client.get("/inventory/allocations/", {"q": "order:nope"}).content.decode()
    assert "data-empty" in none


def test_the_page_speaks_chinese(allocated: None, viewer_client: Client, viewer: Any) -> None:
    viewer.language = "zh-hans"
    viewer.save(update_fields=["language"])
    html = viewer_client.get("/inventory/allocations/").content.decode()
    assert "参考号开头为" in html
    assert "3 条分配符合条件" in html


def test_signed_out_visitors_are_sent_to_log_in(allocated: None, client: Client) -> None:
    response = client.get("/inventory/allocations/")
    assert response.status_code == 302
