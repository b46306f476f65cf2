"""What a newcomer sees after `make run`: the demo login and every built screen with demo data."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management import call_command
from playwright.sync_api import Page, expect

from kucun.catalog.models import Item
from kucun.demo.data import DEMO_PASSWORD, DEMO_USERNAME


def test_demo_login_and_a_tour_of_the_screens(
    page: Page, live_server: Any, transactional_db: None, shot: Callable[[str], Path]
) -> None:
    call_command("demo", "--if-empty", "--no-first-sync", verbosity=0)
    url = live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )

    page.goto(f"{url}/")
    page.fill("#id_username", DEMO_USERNAME)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#user-menu")).to_contain_text("demo")
    expect(page.locator("[data-figure='stock-check']")).to_have_attribute("data-check", "clean")
    expect(page.locator("#stock-value tr[data-warehouse]")).to_have_count(2)
    shot("home")

    page.goto(f"{url}/inventory/stock/")
    expect(page.locator("#stock-table")).to_contain_text("Original sausage pack")
    expect(page.locator("#stock-table th")).to_contain_text(["SYD", "MEL"])
    sausages = page.locator("#stock-table tr[data-sku='SAU-ORIG-500']")
    expect(sausages.locator("[data-available]")).to_have_attribute("data-available", "450")
    # Beer case = 4 × Beer dozen: 344 dozens make 86 cases.
    case = page.locator("#stock-table tr[data-sku='BEER-CASE-48']")
    expect(case.locator("[data-available]")).to_have_attribute("data-available", "86")
    shot("stock")

    page.goto(f"{url}/catalog/bundles/")
    expect(page.locator("body")).to_contain_text("Beer case")
    expect(page.locator("body")).to_contain_text("Sausage box")
    shot("bundles")

    # The bundle form derives availability live from the components as typed (not saved).
    beer_case = Item.objects.get(sku="BEER-CASE-48")
    page.goto(f"{url}/catalog/bundles/{beer_case.pk}/edit/")
    total = page.locator("#bundle-availability [data-available-total]")
    expect(total).to_have_attribute("data-available-total", "86")
    page.locator("input[name='component_quantity']").first.fill("8")
    expect(total).to_have_attribute("data-available-total", "43")
    shot("bundle-form-availability")
    assert list(beer_case.components.values_list("quantity", flat=True)) == [4]

    page.goto(f"{url}/warehouses/bin-lookup/?q=S-A-03-1&warehouse=SYD")
    beer = page.locator("tr[data-bin='S-A-03-1'][data-sku='BEER-LAG-12']")
    expect(beer.locator("td.num")).to_have_text("136")
    shot("bin-lookup")

    page.goto(f"{url}/inventory/transfers/")
    expect(page.locator("body")).to_contain_text("DEMO-SYD-TO-MEL")
    page.goto(f"{url}/inventory/moves/")
    expect(page.locator("body")).to_contain_text(re.compile("DEMO-OPENING-SYD|RC-"))
    shot("movements")

    # A stock check started from the console runs in the worker (inline here) and is clean.
    page.goto(f"{url}/inventory/checks/")
    page.click("#stock-check-run")
    expect(page.locator("[data-latest]")).to_have_attribute("data-latest", "clean")
    expect(page.locator("#check-table tr[data-check]")).to_have_count(2)
    shot("stock-checks")

    page.goto(f"{url}/warehouses/")
    expect(page.locator("body")).to_contain_text("Melbourne")
    shot("warehouses")
    assert errors == []
