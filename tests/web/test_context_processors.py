"""The console hands the apps' templates the links to its own screens, which they cannot name."""

from __future__ import annotations

import pytest
from django.test import Client

from kucun.web.context_processors import console_urls


def test_console_urls_name_home_and_the_data_screens() -> None:
    assert console_urls() == {
        "home": "/",
        "data_import": "/data/imports/new/",
        "data_export": "/data/exports/new/",
        "data_import_templates": [
            ("items", "/data/imports/templates/items.csv"),
            ("bundles", "/data/imports/templates/bundles.csv"),
            ("receipt", "/data/imports/templates/receipt.csv"),
            ("stocktake", "/data/imports/templates/stocktake.csv"),
        ],
    }


@pytest.mark.django_db
def test_a_refused_page_links_back_home(viewer_client: Client) -> None:
    response = viewer_client.get("/inventory/receipts/new/")

    assert response.status_code == 403
    assert '<a href="/">' in response.content.decode()
