"""Bin lookup: a bin whose code is exactly the text comes before the bins that merely contain it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kucun.inventory.selectors_console import bin_lookup_rows
from kucun.warehouses.services import bin_create
from tests.inventory.views_support import Site, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Site:
    site = make_site()  # A-01-1, A-01-2 (picking), S-01 (storage)
    zone = site.pick_1.zone
    assert zone is not None
    for code in ("A-01-10", "A-01-11", "A-01-12", "0-A-01-1"):
        bin_create(user=None, zone_id=zone.pk, code=code)
    return site


def bins_listed(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'data-bin="([^"]+)"', html)))


def test_exact_code_is_listed_first_then_the_bins_containing_it(
    viewer_client: Client, site: Site
) -> None:
    html = viewer_client.get(reverse("bin_lookup"), {"q": "A-01-1"}).content.decode()

    assert bins_listed(html) == ["A-01-1", "0-A-01-1", "A-01-10", "A-01-11", "A-01-12"]


def test_exact_code_stays_first_in_any_case_and_with_another_sort(
    viewer_client: Client, site: Site
) -> None:
    html = viewer_client.get(
        reverse("bin_lookup"), {"q": "a-01-1", "sort": "-bin"}
    ).content.decode()

    assert bins_listed(html) == ["A-01-1", "A-01-12", "A-01-11", "A-01-10", "0-A-01-1"]


def test_the_selector_ranks_the_exact_code(site: Site) -> None:
    ranks = dict(bin_lookup_rows(text="A-01-1").values_list("code", "code_rank"))

    assert ranks == {"A-01-1": 0, "A-01-10": 1, "A-01-11": 1, "A-01-12": 1, "0-A-01-1": 1}
