from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kucun.core.models import AuditEntry
from kucun.warehouses.models import Location, Warehouse, Zone
from tests.factories import BinFactory, ItemFactory, WarehouseFactory, ZoneFactory

pytestmark = pytest.mark.django_db

WAREHOUSE_FORM = {
    "code": "syd",
    "name": "Sydney",
    "address_line1": "1 George St",
    "address_line2": "",
    "city": "Sydney",
    "state": "NSW",
    "postcode": "2000",
    "country": "AU",
    "email": "syd@example.com",
    "phone": "+61 2 0000 0000",
    "latitude": "-33.8688",
    "longitude": "151.2093",
    "priority": "10",
    "active": "on",
}


def counts() -> tuple[int, int, int, int]:
    return (
        Warehouse.objects.count(),
        Zone.objects.count(),
        Location.objects.count(),
        AuditEntry.objects.count(),
    )


# --- roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["warehouses:warehouse_list", "warehouses:zone_list", "warehouses:bin_list"]
)
def test_viewer_sees_lists_without_write_buttons(viewer_client: Client, url_name: str) -> None:
    BinFactory()

    response = viewer_client.get(reverse(url_name))

    assert response.status_code == 200
    content = response.content.decode()
    for marker in (
        'id="warehouse-create"',
        'id="zone-create"',
        'id="bin-create"',
        'id="bin-pattern"',
        'id="bins-deactivate"',
        'id="warehouses-deactivate"',
    ):
        assert marker not in content
    # Rows are ticked only to change them, except on the zones list, where a viewer may tick
    # zones to export them.
    assert ('name="ids"' in content) == (url_name == "warehouses:zone_list")


def test_staff_sees_write_buttons(staff_client: Client) -> None:
    BinFactory()

    bins = staff_client.get(reverse("warehouses:bin_list")).content.decode()
    warehouses = staff_client.get(reverse("warehouses:warehouse_list")).content.decode()

    assert 'id="bin-pattern"' in bins
    assert 'id="bins-deactivate"' in bins
    assert 'id="warehouse-create"' in warehouses


def test_viewer_posts_are_403_and_change_nothing(viewer_client: Client) -> None:
    location = BinFactory(code="A-1")
    zone = location.zone
    before = counts()
    posts: list[tuple[str, dict[str, Any]]] = [
        (reverse("warehouses:warehouse_create"), WAREHOUSE_FORM),
        (reverse("warehouses:warehouse_edit", args=[zone.warehouse_id]), WAREHOUSE_FORM),
        (
            reverse("warehouses:zone_create"),
            {"warehouse": zone.warehouse_id, "code": "Z", "name": "Z", "kind": "picking"},
        ),
        (
            reverse("warehouses:zone_edit", args=[zone.pk]),
            {"code": "Z", "name": "Z", "kind": "picking"},
        ),
        (reverse("warehouses:bin_create"), {"zone": zone.pk, "code": "B-1", "active": "on"}),
        (reverse("warehouses:bin_edit", args=[location.pk]), {"zone": zone.pk, "code": "B-2"}),
        (reverse("warehouses:bin_bulk"), {"action": "deactivate", "ids": [location.pk]}),
        (
            reverse("warehouses:bin_pattern"),
            {"zone": zone.pk, "aisles": "A", "racks": "1-2", "separator": "-"},
        ),
    ]

    for url, data in posts:
        assert viewer_client.post(url, data).status_code == 403, url
    for url in [reverse("warehouses:warehouse_create"), reverse("warehouses:bin_pattern")]:
        assert viewer_client.get(url).status_code == 403

    assert counts() == before
    location.refresh_from_db()
    assert (location.code, location.active) == ("A-1", True)


# --- warehouses --------------------------------------------------------------------------------


def test_staff_creates_a_warehouse_with_its_receiving_bin(staff_client: Client) -> None:
    response = staff_client.post(reverse("warehouses:warehouse_create"), WAREHOUSE_FORM)

    warehouse = Warehouse.objects.get(code="SYD")
    assert response.status_code == 302
    assert response["Location"] == reverse("warehouses:warehouse_detail", args=[warehouse.pk])
    assert (warehouse.city, warehouse.priority, str(warehouse.latitude)) == (
        "Sydney",
        10,
        "-33.868800",
    )
    assert Location.objects.get(warehouse=warehouse).is_default_receiving is True
    detail = staff_client.get(response["Location"]).content.decode()
    assert "RECEIVING" in detail


def test_warehouse_form_keeps_input_and_names_the_field(staff_client: Client) -> None:
    WarehouseFactory(code="SYD")
    before = counts()

    duplicate = staff_client.post(reverse("warehouses:warehouse_create"), WAREHOUSE_FORM)
    out_of_range = staff_client.post(
        reverse("warehouses:warehouse_create"),
        {**WAREHOUSE_FORM, "code": "MEL", "latitude": "123"},
    )

    assert duplicate.status_code == 200
    content = duplicate.content.decode()
    assert 'data-error-for="code">A warehouse with code SYD already exists.' in content
    assert 'value="1 George St"' in content
    assert 'value="syd@example.com"' in content
    range_content = out_of_range.content.decode()
    assert 'data-error-for="latitude"' in range_content
    assert 'value="MEL"' in range_content
    assert counts() == before


def test_warehouse_form_shows_the_routing_note(staff_client: Client) -> None:
    content = staff_client.get(reverse("warehouses:warehouse_create")).content.decode()

    assert "drive nearest-warehouse order routing" in content
    for name in WAREHOUSE_FORM:
        assert f'name="{name}"' in content


def test_warehouse_edit_saves_and_audits(staff_client: Client) -> None:
    warehouse = WarehouseFactory(code="SYD", name="Sydney")
    data = {**WAREHOUSE_FORM, "code": "SYD", "name": "Sydney DC"}

    response = staff_client.post(reverse("warehouses:warehouse_edit", args=[warehouse.pk]), data)

    assert response.status_code == 302
    warehouse.refresh_from_db()
    assert warehouse.name == "Sydney DC"
    assert AuditEntry.objects.filter(action="warehouse.update").count() == 1


def test_missing_warehouse_is_404(viewer_client: Client) -> None:
    assert (
        viewer_client.get(reverse("warehouses:warehouse_detail", args=[987654])).status_code == 404
    )


def test_warehouse_list_search_filter_sort_and_count(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    for number in range(60):
        Warehouse.objects.create(
            code=f"W{number:02d}", name=f"Depot {number}", city="Perth" if number < 3 else "Hobart"
        )

    with django_assert_max_num_queries(6):
        first = viewer_client.get(reverse("warehouses:warehouse_list"))
    perth = viewer_client.get(reverse("warehouses:warehouse_list"), {"q": "perth", "sort": "-code"})

    assert first.content.decode().count('data-warehouse="') == 50
    assert 'data-count="60"' in first.content.decode()
    rows = [line for line in perth.content.decode().splitlines() if 'data-warehouse="' in line]
    assert [row.split('"')[1] for row in rows] == ["W02", "W01", "W00"]


def test_empty_warehouse_list_says_what_to_do(viewer_client: Client) -> None:
    content = viewer_client.get(reverse("warehouses:warehouse_list")).content.decode()

    assert 'data-empty="warehouses"' in content
    assert "Create your first warehouse" in content


# --- zones -------------------------------------------------------------------------------------


def test_zone_create_and_duplicate_keeps_input(staff_client: Client) -> None:
    warehouse = WarehouseFactory(code="SYD")
    url = reverse("warehouses:zone_create")
    data = {"warehouse": warehouse.pk, "code": "pick", "name": "Pick face", "kind": "picking"}

    created = staff_client.post(url, data)
    refused = staff_client.post(url, {**data, "name": "Second"})

    assert created.status_code == 302
    assert Zone.objects.get(warehouse=warehouse, code="PICK").name == "Pick face"
    assert refused.status_code == 200
    content = refused.content.decode()
    assert 'data-error-for="code">Warehouse SYD already has a zone with code PICK.' in content
    assert 'value="Second"' in content
    assert Zone.objects.filter(warehouse=warehouse).count() == 2


def test_zone_list_filters_and_query_count(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    sydney = WarehouseFactory(code="SYD")
    melbourne = WarehouseFactory(code="MEL")
    for number in range(30):
        ZoneFactory(
            warehouse=sydney if number % 2 else melbourne, code=f"Z{number:02d}", kind="picking"
        )

    with django_assert_max_num_queries(7):
        response = viewer_client.get(
            reverse("warehouses:zone_list"), {"warehouse": sydney.pk, "kind": "picking"}
        )

    content = response.content.decode()
    assert 'data-count="15"' in content
    assert 'data-zone="MEL/' not in content
    assert "拣货区" in content


def test_zone_edit_keeps_the_warehouse(staff_client: Client) -> None:
    zone = ZoneFactory(code="A", kind="picking")
    other = WarehouseFactory()

    response = staff_client.post(
        reverse("warehouses:zone_edit", args=[zone.pk]),
        {"warehouse": other.pk, "code": "a1", "name": "Front", "kind": "storage"},
    )

    assert response.status_code == 302
    zone.refresh_from_db()
    assert (zone.code, zone.name, zone.kind, zone.warehouse_id) == (
        "A1",
        "Front",
        "storage",
        zone.warehouse_id,
    )
    assert zone.warehouse_id != other.pk


# --- bins --------------------------------------------------------------------------------------


def test_bin_create_and_duplicate(staff_client: Client) -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"))
    url = reverse("warehouses:bin_create")

    created = staff_client.post(
        url, {"zone": zone.pk, "code": "a-01-1", "sellable": "on", "active": "on"}
    )
    refused = staff_client.post(url, {"zone": zone.pk, "code": "A-01-1", "active": "on"})

    assert created.status_code == 302
    assert Location.objects.get(zone=zone).code == "A-01-1"
    assert 'data-error-for="code">Warehouse SYD already has a bin with code A-01-1.' in (
        refused.content.decode()
    )
    assert Location.objects.filter(zone=zone).count() == 1


def test_bin_edit_makes_a_bin_unsellable_through_the_ledger(staff_client: Client) -> None:
    location = BinFactory(code="A-1", sellable=True)

    response = staff_client.post(
        reverse("warehouses:bin_edit", args=[location.pk]),
        {"zone": location.zone_id, "code": "A-1", "active": "on"},
    )

    assert response.status_code == 302
    location.refresh_from_db()
    assert location.sellable is False
    assert AuditEntry.objects.filter(action="bin.set_sellable").count() == 1


def test_bin_list_filters_sort_pagination_and_query_count(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"), kind="picking")
    Location.objects.bulk_create(
        Location(
            kind="internal",
            warehouse=zone.warehouse,
            zone=zone,
            code=f"A-{n:03d}",
            sellable=n % 10 != 0,
        )
        for n in range(120)
    )
    url = reverse("warehouses:bin_list")

    with django_assert_max_num_queries(9):
        first = viewer_client.get(url)
    unsellable = viewer_client.get(url, {"sellable": "no", "sort": "-code"})
    page_three = viewer_client.get(url, {"zone": zone.pk, "page": 3})

    assert first.content.decode().count('data-bin="') == 50
    assert 'data-count="121"' in first.content.decode()
    rows = [
        line.split('"')[1]
        for line in unsellable.content.decode().splitlines()
        if 'data-bin="' in line
    ]
    assert rows[:3] == ["SYD:A-110", "SYD:A-100", "SYD:A-090"]
    assert len(rows) == 12
    assert page_three.content.decode().count('data-bin="') == 20


def test_bin_list_shows_items_and_units_held(viewer_client: Client) -> None:
    from kucun.inventory.services import DocumentLineInput, receipt_create

    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"))
    BinFactory(zone=zone, code="A-1")
    BinFactory(zone=zone, code="A-2")
    first, second = ItemFactory(sku="TEA"), ItemFactory(sku="CUP")
    receipt_create(
        user=None,
        warehouse="SYD",
        kind="purchase",
        lines=[
            DocumentLineInput(sku=first.sku, qty=5, bin="A-1"),
            DocumentLineInput(sku=second.sku, qty=7, bin="A-1"),
        ],
        post=True,
    )

    content = viewer_client.get(reverse("warehouses:bin_list"), {"q": "A-"}).content.decode()

    held = content.split('data-bin="SYD:A-1"')[1].split("</tr>")[0]
    empty = content.split('data-bin="SYD:A-2"')[1].split("</tr>")[0]
    assert "data-items-held>2<" in held
    assert "data-units-held>12<" in held
    assert "data-items-held>0<" in empty
    assert "data-units-held>0<" in empty


def test_bulk_deactivate_and_refusal_for_receiving_bins(staff_client: Client) -> None:
    first = BinFactory(code="A-1")
    second = BinFactory(zone=first.zone, code="A-2")
    receiving = Location.objects.get(warehouse=first.warehouse, is_default_receiving=True)
    url = reverse("warehouses:bin_bulk")

    done = staff_client.post(
        url, {"action": "deactivate", "ids": [first.pk, second.pk]}, follow=True
    )
    refused = staff_client.post(
        url, {"action": "deactivate", "ids": [receiving.pk, first.pk]}, follow=True
    )

    assert "2 bins changed." in done.content.decode()
    assert set(
        Location.objects.filter(pk__in=[first.pk, second.pk]).values_list("active", flat=True)
    ) == {False}
    assert "Default receiving bins must stay active: RECEIVING." in refused.content.decode()
    receiving.refresh_from_db()
    assert receiving.active is True


# --- bins by pattern ---------------------------------------------------------------------------


def pattern_data(zone: Zone, **overrides: str) -> dict[str, Any]:
    return {
        "zone": zone.pk,
        "code_prefix": "",
        "aisles": "A",
        "racks": "01-20",
        "levels": "1-4",
        "separator": "-",
        "sellable": "on",
        **overrides,
    }


def test_pattern_page_creates_eighty_bins(staff_client: Client) -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"), code="PICK")

    response = staff_client.post(reverse("warehouses:bin_pattern"), pattern_data(zone), follow=True)

    assert Location.objects.filter(zone=zone).count() == 80
    assert "80 bins created in SYD / PICK: A-01-1 … A-20-4." in response.content.decode()


def test_pattern_page_refuses_clashes_keeping_input(staff_client: Client) -> None:
    zone = ZoneFactory(warehouse=WarehouseFactory(code="SYD"))
    BinFactory(zone=zone, code="A-02-3")
    before = counts()

    response = staff_client.post(
        reverse("warehouses:bin_pattern"), pattern_data(zone, code_prefix="", racks="01-05")
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was created: 1 of these bins already exist in SYD: A-02-3." in content
    assert 'value="01-05"' in content
    assert 'data-code="A-02-3"' in content
    assert counts() == before


def test_pattern_field_errors_land_on_the_field(staff_client: Client) -> None:
    zone = ZoneFactory()

    response = staff_client.post(
        reverse("warehouses:bin_pattern"), pattern_data(zone, racks="20-01", code_prefix="b1")
    )

    content = response.content.decode()
    assert 'data-error-for="racks">20-01 runs backwards' in content
    assert 'value="b1"' in content
    assert Location.objects.filter(zone=zone).count() == 0


def test_pattern_preview_shows_codes_and_clashes(staff_client: Client) -> None:
    zone = ZoneFactory()
    BinFactory(zone=zone, code="M1-B-2")
    url = reverse("warehouses:bin_pattern_preview")

    response = staff_client.get(
        url, pattern_data(zone, code_prefix="m1", aisles="A-C", racks="1-2", levels="")
    )
    without_zone = staff_client.get(url, {"aisles": "A", "racks": "1-3", "separator": "_"})
    too_many = staff_client.get(url, pattern_data(zone, aisles="A-Z", racks="001-999"))

    content = response.content.decode()
    assert 'data-preview-count="6"' in content
    assert 'data-code="M1-A-1"' in content
    assert 'data-preview-clashes="1"' in content
    assert 'class="badge text-bg-danger" data-code="M1-B-2"' in content
    assert 'data-code="A_3"' in without_zone.content.decode()
    assert "at most 5,000 can be created at once" in too_many.content.decode()
    assert Location.objects.filter(zone=zone).count() == 1


def test_pattern_form_fields(staff_client: Client) -> None:
    content = staff_client.get(reverse("warehouses:bin_pattern")).content.decode()

    for field_id in [
        "id_zone",
        "id_code_prefix",
        "id_aisles",
        "id_racks",
        "id_levels",
        "id_separator",
        "id_sellable",
    ]:
        assert f'id="{field_id}"' in content
    assert 'hx-get="/warehouses/bins/pattern/preview/"' in content


def test_pages_speak_chinese_to_a_chinese_user(viewer: Any, viewer_client: Client) -> None:
    viewer.language = "zh-hans"
    viewer.save(update_fields=["language"])
    BinFactory()

    warehouses = viewer_client.get(reverse("warehouses:warehouse_list")).content.decode()
    bins = viewer_client.get(reverse("warehouses:bin_list")).content.decode()

    assert '<h1 class="h3 me-auto">仓库</h1>' in warehouses
    assert "货位目录" in bins
    assert "拣货区" in bins
    assert "区域类型" in bins


def test_bin_list_reads_by_warehouse_then_code(viewer_client: Client) -> None:
    sydney = ZoneFactory(warehouse=WarehouseFactory(code="SYD"))
    adelaide = ZoneFactory(warehouse=WarehouseFactory(code="ADL"))
    for zone, code in [(sydney, "B-1"), (adelaide, "C-1"), (sydney, "A-1"), (adelaide, "A-2")]:
        BinFactory(zone=zone, code=code)

    ascending = viewer_client.get(reverse("warehouses:bin_list"), {"q": "-"})
    descending = viewer_client.get(reverse("warehouses:bin_list"), {"q": "-", "sort": "-warehouse"})

    def codes(response: Any) -> list[str]:
        lines = response.content.decode().splitlines()
        return [line.split('"')[1] for line in lines if 'data-bin="' in line]

    assert codes(ascending) == ["ADL:A-2", "ADL:C-1", "SYD:A-1", "SYD:B-1"]
    assert codes(descending) == ["SYD:B-1", "SYD:A-1", "ADL:C-1", "ADL:A-2"]
