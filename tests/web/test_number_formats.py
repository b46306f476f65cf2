"""Numbers group by thousands the same way in English and in Simplified Chinese."""

from __future__ import annotations

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.test import Client
from django.utils import translation

from kucun.accounts.choices import Role
from kucun.inventory.services import DocumentLineInput, receipt_create
from tests.factories import ItemFactory, UserFactory, WarehouseFactory


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_numbers_group_by_thousands_in_both_languages(language: str) -> None:
    with translation.override(language):
        assert floatformat(1234567.891, "2g") == "1,234,567.89"
        assert floatformat(12345, "0g") == "12,345"
        assert intcomma(12345) == "12,345"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_home_page_groups_stock_figures(language: str) -> None:
    WarehouseFactory(code="SYD", name="悉尼仓")
    ItemFactory(sku="MUG-BLUE", name="蓝色杯子")
    receipt_create(
        user=None,
        warehouse="SYD",
        kind="purchase",
        lines=[DocumentLineInput(sku="MUG-BLUE", qty=12345)],
        post=True,
    )
    client = Client()
    client.force_login(UserFactory(role=Role.VIEWER, language=language))

    page = client.get("/").content.decode()

    assert 'data-units="12345">12,345</td>' in page
