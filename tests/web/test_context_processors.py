"""The console hands the apps' templates the links to its own screens, which they cannot name."""

from __future__ import annotations

import pytest
from django.test import Client

from kucun.inventory.services import DocumentLineInput, receipt_create
from kucun.web.context_processors import console_urls
from tests.factories import ItemFactory, WarehouseFactory


def test_console_urls_name_home_and_the_data_screens() -> None:
    assert console_urls() == {
        "home": "/",
        "language": "/accounts/language/",
        "logout": "/accounts/logout/",
        "stock_push": "/channels/stock-push/",
        "data_import": "/data/imports/new/",
        "data_export": "/data/exports/new/",
        "data_import_templates": [
            ("items", "/data/imports/templates/items.csv"),
            ("bundles", "/data/imports/templates/bundles.csv"),
            ("receipt", "/data/imports/templates/receipt.csv"),
            ("stocktake", "/data/imports/templates/stocktake.csv"),
            ("postcodes", "/data/imports/templates/postcodes.csv"),
        ],
    }


@pytest.mark.django_db
def test_a_refused_page_links_back_home(viewer_client: Client) -> None:
    response = viewer_client.get("/inventory/receipts/new/")

    assert response.status_code == 403
    assert '<a href="/">' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/warehouses/zones/", "zone-selection"),
        ("/inventory/stock/", "stock-selection"),
        ("/inventory/moves/", "move-selection"),
    ],
)
def test_export_selected_posts_to_the_data_screens(
    viewer_client: Client, path: str, form: str
) -> None:
    WarehouseFactory(code="MEL")
    ItemFactory(sku="TEA")
    receipt_create(
        user=None, warehouse="MEL", kind="purchase", lines=[DocumentLineInput("TEA", 2)], post=True
    )

    html = viewer_client.get(path).content.decode()

    assert f'<form method="post" action="/data/exports/new/" id="{form}"' in html
