"""Settings → Warehouses: activate or deactivate the selected warehouses."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from kucun.core.models import AuditEntry
from kucun.warehouses.models import Warehouse
from tests.factories import WarehouseFactory

pytestmark = pytest.mark.django_db

URL = "/warehouses/bulk/"


def flash(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def states() -> dict[str, bool]:
    return dict(Warehouse.objects.values_list("code", "active"))


def test_the_list_offers_the_selection_to_staff(staff_client: Client) -> None:
    warehouse = WarehouseFactory(code="MEL")

    html = staff_client.get(reverse("warehouses:warehouse_list")).content.decode()

    assert reverse("warehouses:warehouse_bulk") == URL
    assert f'action="{URL}" id="warehouse-bulk"' in html
    assert 'data-select-all="ids"' in html
    assert f'name="ids" value="{warehouse.pk}" form="warehouse-bulk" aria-label="MEL"' in html
    assert 'id="warehouses-activate"' in html
    assert 'id="warehouses-deactivate" data-confirm="Deactivate the selected warehouses?' in html


def test_viewers_see_no_selection(viewer_client: Client) -> None:
    WarehouseFactory(code="MEL")

    html = viewer_client.get(reverse("warehouses:warehouse_list")).content.decode()

    assert 'id="warehouse-bulk"' not in html
    assert 'name="ids"' not in html


def test_deactivate_then_activate_selected(staff_client: Client) -> None:
    mel = WarehouseFactory(code="MEL")
    syd = WarehouseFactory(code="SYD")
    WarehouseFactory(code="PER")

    off = staff_client.post(
        URL, {"action": "deactivate", "ids": [mel.pk, syd.pk], "next": "/warehouses/?q=x"}
    )
    assert off["Location"] == "/warehouses/?q=x"
    assert states() == {"MEL": False, "SYD": False, "PER": True}
    assert flash(off) == ["2 warehouses deactivated."]
    assert AuditEntry.objects.filter(action="warehouse.update").count() == 2
    staff_client.get("/warehouses/")  # shows, and so clears, the messages

    on = staff_client.post(URL, {"action": "activate", "ids": [syd.pk]})
    assert on["Location"] == "/warehouses/"
    assert states() == {"MEL": False, "SYD": True, "PER": True}
    assert flash(on) == ["1 warehouse activated."]


def test_a_missing_warehouse_is_named_and_the_others_are_done(staff_client: Client) -> None:
    mel = WarehouseFactory(code="MEL")
    gone_pk = mel.pk + 1000

    response = staff_client.post(URL, {"action": "deactivate", "ids": [mel.pk, gone_pk]})

    assert states() == {"MEL": False}
    done, failed = flash(response)
    assert done == "1 warehouse deactivated."
    assert failed.startswith(f"1 not done: #{gone_pk}: ")


@pytest.mark.parametrize("action", ["activate", "deactivate"])
def test_viewers_are_refused_and_nothing_changes(viewer_client: Client, action: str) -> None:
    mel = WarehouseFactory(code="MEL", active=action == "deactivate")
    before = (states(), AuditEntry.objects.count())

    response = viewer_client.post(URL, {"action": action, "ids": [mel.pk]})

    assert response.status_code == 403
    assert (states(), AuditEntry.objects.count()) == before


def test_no_action_or_no_selection_changes_nothing(staff_client: Client) -> None:
    mel = WarehouseFactory(code="MEL")

    no_action = staff_client.post(URL, {"action": "delete", "ids": [mel.pk]})
    assert flash(no_action) == ["Select at least one warehouse and an action."]
    staff_client.get("/warehouses/")
    no_ids = staff_client.post(URL, {"action": "deactivate"})

    assert states() == {"MEL": True}
    assert flash(no_ids) == ["Select at least one warehouse and an action."]


def test_warehouse_list_query_count_is_pinned_with_the_selection(
    staff_client: Client, django_assert_num_queries: Any
) -> None:
    for number in range(60):
        Warehouse.objects.create(code=f"W{number:02d}", name=f"Depot {number}")
    staff_client.get(reverse("warehouses:warehouse_list"))

    # session, user, count, one page of warehouses with their bin counts
    with django_assert_num_queries(4):
        response = staff_client.get(reverse("warehouses:warehouse_list"))

    assert response.content.decode().count('form="warehouse-bulk"') == 50


def test_bulk_actions_speak_chinese(staff_client: Client, staff: Any) -> None:
    staff.language = "zh-hans"
    staff.save(update_fields=["language"])
    mel = WarehouseFactory(code="MEL")

    html = staff_client.get(reverse("warehouses:warehouse_list")).content.decode()
    response = staff_client.post(URL, {"action": "deactivate", "ids": [mel.pk]})

    assert ">停用所选</button>" in html
    assert 'data-confirm="停用所选仓库？其货位和库存都会保留，之后可以重新启用。"' in html
    assert flash(response) == ["已停用 1 个仓库。"]


# --- zones: export selected ----------------------------------------------------------------------


def test_zone_rows_can_be_ticked_and_exported(viewer_client: Client) -> None:
    from kucun.core.models import ExportRun
    from tests.factories import ZoneFactory

    first = ZoneFactory(code="PICK", name="Pick face")
    ZoneFactory(warehouse=first.warehouse, code="STORE", name="Storage")
    html = viewer_client.get(reverse("warehouses:zone_list")).content.decode()

    assert 'action="/data/exports/new/" id="zone-selection"' in html
    assert '<input type="hidden" name="kind" value="zones">' in html
    assert f'name="ids" value="{first.pk}" form="zone-selection" aria-label="PICK"' in html

    response = viewer_client.post(
        "/data/exports/new/", {"kind": "zones", "format": "csv", "ids": [first.pk]}
    )

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines() == [
        "warehouse,code,name,kind,bins",
        f"{first.warehouse.code},PICK,Pick face,{first.kind},0",
    ]
    assert ExportRun.objects.get().filters == {"ids": str(first.pk)}


def test_zone_list_query_count_is_pinned_with_the_selection(
    viewer_client: Client, django_assert_num_queries: Any
) -> None:
    from tests.factories import ZoneFactory

    warehouse = WarehouseFactory(code="MEL")
    for number in range(60):
        ZoneFactory(warehouse=warehouse, code=f"Z{number:02d}")
    viewer_client.get(reverse("warehouses:zone_list"))

    # session, user, count, one page of zones with warehouse and bin counts, warehouse choices
    with django_assert_num_queries(5):
        response = viewer_client.get(reverse("warehouses:zone_list"))

    assert response.content.decode().count('form="zone-selection"') == 50
