import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kucun.catalog.extensions import ITEM_COLUMNS, ITEM_SECTIONS, ItemSection, ListColumn
from kucun.catalog.models import BundleComponent, Item
from kucun.core.models import AuditEntry
from tests.factories import BundleComponentFactory, ItemFactory

pytestmark = pytest.mark.django_db

ITEM_POST = {
    "sku": "GIFT-1",
    "name": "Gift box",
    "barcode": "",
    "unit": "each",
    "weight_g": "350",
    "length_mm": "",
    "width_mm": "",
    "height_mm": "",
    "cost_price": "4.20",
    "safety_stock": "0",
    "reorder_point": "5",
    "active": "on",
    "notes": "",
}


def snapshot() -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    return (
        list(Item.objects.order_by("pk").values()),
        list(BundleComponent.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )


def skus_in(response: Any) -> list[str]:
    return re.findall(r'<tr data-sku="([^"]+)"', response.content.decode())


# Item list ------------------------------------------------------------------------------


def test_item_list_needs_login() -> None:
    response = Client().get(reverse("catalog:item_list"))
    assert response.status_code == 302


def test_item_list_filters_sorts_and_counts(viewer_client: Client) -> None:
    ItemFactory(sku="ALE", name="Pale ale", barcode="9301", weight_g=400, reorder_point=3)
    ItemFactory(sku="LAGER", name="Lager", weight_g=100, reorder_point=9, active=False)
    ItemFactory(sku="CASE", name="Ale case", is_bundle=True)
    url = reverse("catalog:item_list")
    response = viewer_client.get(url)
    assert response.status_code == 200
    assert skus_in(response) == ["ALE", "CASE", "LAGER"]
    assert b'data-count="3"' in response.content
    assert skus_in(viewer_client.get(url, {"q": "ale"})) == ["ALE", "CASE"]
    assert skus_in(viewer_client.get(url, {"q": "9301"})) == ["ALE"]
    assert skus_in(viewer_client.get(url, {"active": "no"})) == ["LAGER"]
    assert skus_in(viewer_client.get(url, {"bundle": "yes"})) == ["CASE"]
    assert skus_in(viewer_client.get(url, {"bundle": "no", "active": "yes"})) == ["ALE"]
    assert skus_in(viewer_client.get(url, {"sort": "-reorder_point"})) == ["LAGER", "ALE", "CASE"]
    assert skus_in(viewer_client.get(url, {"sort": "name"})) == ["CASE", "LAGER", "ALE"]
    assert skus_in(viewer_client.get(url, {"sort": "nonsense"})) == ["ALE", "CASE", "LAGER"]
    empty = viewer_client.get(url, {"q": "nothing-like-this"})
    assert b'data-empty="items"' in empty.content
    assert b"No item matches these filters." in empty.content


def test_item_list_pages_by_50_in_constant_queries(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    Item.objects.bulk_create(Item(sku=f"S-{n:03d}", name=f"Item {n}") for n in range(120))
    url = reverse("catalog:item_list")
    with django_assert_max_num_queries(6):
        first = viewer_client.get(url, {"sort": "sku"})
    assert len(skus_in(first)) == 50
    assert skus_in(first)[0] == "S-000"
    third = viewer_client.get(url, {"sort": "sku", "page": 3})
    assert skus_in(third) == [f"S-{n:03d}" for n in range(100, 120)]
    assert b"Page 3 of 3" in third.content


def test_viewer_sees_no_bulk_actions_and_staff_does(
    viewer_client: Client, staff_client: Client
) -> None:
    ItemFactory()
    url = reverse("catalog:item_list")
    assert b'id="items-deactivate"' not in viewer_client.get(url).content
    assert b'id="item-create"' not in viewer_client.get(url).content
    staff_page = staff_client.get(url).content
    assert b'id="items-deactivate"' in staff_page
    assert b'name="selected"' in staff_page


def test_bulk_deactivate_and_activate(staff_client: Client) -> None:
    first, second, other = ItemFactory(), ItemFactory(), ItemFactory()
    response = staff_client.post(
        reverse("catalog:item_bulk"),
        {"action": "deactivate", "selected": [first.pk, second.pk], "next": "/catalog/items/?q=x"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/catalog/items/?q=x"
    assert list(Item.objects.filter(active=False).order_by("pk")) == [first, second]
    staff_client.post(reverse("catalog:item_bulk"), {"action": "activate", "selected": [first.pk]})
    assert set(Item.objects.filter(active=True)) == {first, other}


def test_bulk_needs_staff_and_a_safe_next(viewer_client: Client, staff_client: Client) -> None:
    item = ItemFactory()
    before = snapshot()
    refused = viewer_client.post(
        reverse("catalog:item_bulk"), {"action": "deactivate", "selected": [item.pk]}
    )
    assert refused.status_code == 403
    assert snapshot() == before
    response = staff_client.post(
        reverse("catalog:item_bulk"),
        {"action": "deactivate", "selected": [item.pk], "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("catalog:item_list")


def test_bulk_with_junk_changes_nothing(staff_client: Client) -> None:
    item = ItemFactory()
    before = snapshot()
    for data in (
        {"action": "explode", "selected": [item.pk]},
        {"action": "deactivate"},
        {"action": "deactivate", "selected": ["abc", str(10**30)]},
        {"action": "deactivate", "selected": [item.pk, 999999]},
    ):
        response = staff_client.post(reverse("catalog:item_bulk"), data, follow=True)
        assert response.status_code == 200
        assert b"alert-danger" in response.content
    assert snapshot() == before


def test_added_column_shows_its_annotation(viewer_client: Client) -> None:
    from django.db.models import F, Value

    ItemFactory(sku="A", reorder_point=4)
    column = ListColumn(
        key="doubled",
        label="Doubled",
        annotate=lambda qs: qs.annotate(doubled=F("reorder_point") + Value(4)),
        sort_field="doubled",
    )
    ITEM_COLUMNS.append(column)
    try:
        response = viewer_client.get(reverse("catalog:item_list"), {"sort": "-doubled"})
    finally:
        ITEM_COLUMNS.remove(column)
    content = response.content.decode()
    assert '<th class="text-end" data-column="doubled">' in content
    assert re.search(r'<td class="text-end" data-column="doubled">\s*8\s*</td>', content)


# Item form ------------------------------------------------------------------------------


def test_new_item_form_shows_every_field(staff_client: Client) -> None:
    content = staff_client.get(reverse("catalog:item_create")).content.decode()
    for name in [*ITEM_POST, "is_bundle"]:
        assert f'id="id_{name}"' in content, name
    assert "Units kept back from the stores" in content


def test_viewer_cannot_open_the_item_form(viewer_client: Client) -> None:
    response = viewer_client.get(reverse("catalog:item_create"))
    assert response.status_code == 403


def test_create_item_from_the_console(staff_client: Client) -> None:
    response = staff_client.post(reverse("catalog:item_create"), ITEM_POST)
    item = Item.objects.get(sku="GIFT-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:item_detail", args=[item.pk])
    assert (item.weight_g, str(item.cost_price), item.reorder_point, item.barcode) == (
        350,
        "4.20",
        5,
        None,
    )


def test_refused_item_keeps_the_input_and_puts_errors_next_to_fields(
    staff_client: Client,
) -> None:
    ItemFactory(sku="GIFT-1")
    before = snapshot()
    data = {**ITEM_POST, "sku": "gift-1", "weight_g": "-3", "name": "Kept name"}
    response = staff_client.post(reverse("catalog:item_create"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="Kept name"' in content
    assert 'value="gift-1"' in content
    assert (
        '<div class="invalid-feedback d-block" data-error-for="weight_g">'
        "Weight (g) cannot be negative (got -3): enter 0 or more.</div>"
    ) in content
    assert snapshot() == before


def test_duplicate_sku_error_sits_on_the_sku_field(staff_client: Client) -> None:
    ItemFactory(sku="GIFT-1")
    response = staff_client.post(reverse("catalog:item_create"), {**ITEM_POST, "sku": "gift-1"})
    assert (
        '<div class="invalid-feedback d-block" data-error-for="sku">'
        "An item with SKU &#x27;gift-1&#x27; already exists (as &#x27;GIFT-1&#x27;).</div>"
    ) in response.content.decode()


def test_edit_item(staff_client: Client) -> None:
    item = ItemFactory(sku="E-1", name="Before")
    url = reverse("catalog:item_edit", args=[item.pk])
    assert 'value="Before"' in staff_client.get(url).content.decode()
    response = staff_client.post(url, {**ITEM_POST, "sku": "E-1", "name": "After"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "After"


def test_edit_refuses_flipping_a_bundle_with_components(staff_client: Client) -> None:
    row = BundleComponentFactory(bundle__sku="DOZEN", quantity=12)
    before = snapshot()
    data = {**ITEM_POST, "sku": "DOZEN", "name": row.bundle.name}
    response = staff_client.post(reverse("catalog:item_edit", args=[row.bundle_id]), data)
    assert response.status_code == 200
    assert 'data-error-for="is_bundle">DOZEN still has bundle components' in (
        response.content.decode()
    )
    assert snapshot() == before


def test_unknown_item_is_404(viewer_client: Client) -> None:
    assert viewer_client.get(reverse("catalog:item_detail", args=[999999])).status_code == 404


# Item detail -----------------------------------------------------------------------------


def test_item_detail_shows_bundles_that_use_it_and_added_sections(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    bottle = ItemFactory(sku="BOTTLE", name="Beer bottle")
    BundleComponentFactory(bundle__sku="DOZEN", component=bottle, quantity=12)
    BundleComponentFactory(bundle__sku="SIX", component=bottle, quantity=6)
    section = ItemSection(
        key="stock",
        template_name="catalog/includes/item_search_results.html",
        context=lambda item: {"units": 0},
    )
    ITEM_SECTIONS.append(section)
    try:
        with django_assert_max_num_queries(6):
            response = viewer_client.get(reverse("catalog:item_detail", args=[bottle.pk]))
    finally:
        ITEM_SECTIONS.remove(section)
    content = response.content.decode()
    assert re.findall(r'data-used-in="([^"]+)"', content) == ["DOZEN", "SIX"]
    assert 'id="item-section-stock"' in content


def test_bundle_detail_lists_components(viewer_client: Client) -> None:
    row = BundleComponentFactory(bundle__sku="DOZEN", component__sku="BOTTLE", quantity=12)
    content = viewer_client.get(reverse("catalog:item_detail", args=[row.bundle_id])).content
    assert b'data-component="BOTTLE"' in content


# Bundles --------------------------------------------------------------------------------


def test_bundle_list_shows_components_in_constant_queries(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    dozen = ItemFactory(sku="DOZEN", name="Beer dozen", is_bundle=True)
    for n in range(30):
        case = ItemFactory(sku=f"CASE-{n:02d}", name="Beer case", is_bundle=True)
        BundleComponentFactory(bundle=case, component=dozen, quantity=4)
        BundleComponentFactory(bundle=case, component__name="Opener", quantity=1)
    ItemFactory(sku="PLAIN")
    # Constant in the number of rows: session, user, count, page, components, their items,
    # plus what added columns need for the whole page.
    with django_assert_max_num_queries(10):
        response = viewer_client.get(reverse("catalog:bundle_list"), {"q": "case"})
    content = response.content.decode()
    assert skus_in(response)[:2] == ["CASE-00", "CASE-01"]
    assert len(skus_in(response)) == 30
    assert "<td data-components>4 × Beer dozen, 1 × Opener</td>" in content
    assert "PLAIN" not in content


def test_bundle_list_empty_state(viewer_client: Client) -> None:
    content = viewer_client.get(reverse("catalog:bundle_list")).content
    assert b'data-empty="bundles"' in content


BUNDLE_POST = {**ITEM_POST, "sku": "CASE", "name": "Beer case"}


def test_create_bundle_with_components(staff_client: Client) -> None:
    ItemFactory(sku="DOZEN", is_bundle=True)
    ItemFactory(sku="OPENER")
    data = {
        **BUNDLE_POST,
        "component_sku": ["dozen", "OPENER", ""],
        "component_quantity": ["4", "1", ""],
    }
    response = staff_client.post(reverse("catalog:bundle_create"), data)
    assert response.status_code == 302
    case = Item.objects.get(sku="CASE")
    assert case.is_bundle
    assert [(c.component.sku, c.quantity) for c in case.components.order_by("id")] == [
        ("DOZEN", 4),
        ("OPENER", 1),
    ]


def test_refused_bundle_keeps_rows_and_names_the_row(staff_client: Client) -> None:
    ItemFactory(sku="OPENER")
    before = snapshot()
    data = {
        **BUNDLE_POST,
        "component_sku": ["OPENER", "GHOST", "opener"],
        "component_quantity": ["1", "2", "0"],
    }
    response = staff_client.post(reverse("catalog:bundle_create"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert re.findall(r'<tr data-component-row="([^"]*)"', content) == ["OPENER", "GHOST", "opener"]
    # Row checks come first: the quantity of row 3 is refused next to that row.
    assert (
        'data-error-for="component_sku">Row 3 (opener): Quantity must be at least 1 (got 0).</div>'
    ) in content
    assert snapshot() == before


def test_bundle_loop_is_refused_on_the_row(staff_client: Client) -> None:
    case = ItemFactory(sku="CASE", name="Case", is_bundle=True)
    dozen = ItemFactory(sku="DOZEN", name="Dozen", is_bundle=True)
    BundleComponentFactory(bundle=case, component=dozen, quantity=4)
    before = snapshot()
    data = {
        **BUNDLE_POST,
        "sku": "DOZEN",
        "name": "Dozen",
        "component_sku": ["CASE"],
        "component_quantity": ["1"],
    }
    response = staff_client.post(reverse("catalog:bundle_edit", args=[dozen.pk]), data)
    assert response.status_code == 200
    assert (
        'data-error-for="component_sku">Adding CASE to DOZEN would make a loop: '
        "DOZEN → CASE → DOZEN</div>"
    ) in response.content.decode()
    assert snapshot() == before


def test_edit_bundle_replaces_components(staff_client: Client) -> None:
    row = BundleComponentFactory(bundle__sku="GIFT", component__sku="MUG", quantity=1)
    ItemFactory(sku="TEA")
    url = reverse("catalog:bundle_edit", args=[row.bundle_id])
    page = staff_client.get(url).content.decode()
    assert re.findall(r'<tr data-component-row="([^"]*)"', page) == ["MUG"]
    data = {
        **BUNDLE_POST,
        "sku": "GIFT",
        "name": "Gift",
        "component_sku": ["MUG", "TEA"],
        "component_quantity": ["2", "3"],
    }
    assert staff_client.post(url, data).status_code == 302
    assert [(c.component.sku, c.quantity) for c in row.bundle.components.order_by("id")] == [
        ("MUG", 2),
        ("TEA", 3),
    ]


def test_item_search_and_component_row_for_htmx(staff_client: Client) -> None:
    ItemFactory(sku="BOTTLE", name="Beer bottle")
    dozen = ItemFactory(sku="DOZEN", name="Beer dozen", is_bundle=True)
    response = staff_client.get(
        reverse("catalog:item_search"), {"component_search": "beer", "exclude": dozen.pk}
    )
    assert re.findall(r'data-add-sku="([^"]+)"', response.content.decode()) == ["BOTTLE"]
    none = staff_client.get(reverse("catalog:item_search"), {"q": "zzz"})
    assert b'data-empty="search"' in none.content
    row = staff_client.get(reverse("catalog:bundle_component_row"), {"sku": "BOTTLE"})
    content = row.content.decode()
    assert '<tr data-component-row="BOTTLE">' in content
    assert 'name="component_quantity" value="1"' in content
    assert "Beer bottle" in content


def test_bundle_edit_on_a_plain_item_sends_to_the_item_form(staff_client: Client) -> None:
    item = ItemFactory()
    response = staff_client.get(reverse("catalog:bundle_edit", args=[item.pk]))
    assert response["Location"] == reverse("catalog:item_edit", args=[item.pk])


# Chinese --------------------------------------------------------------------------------


@pytest.fixture
def chinese_staff_client(staff: Any) -> Client:
    from django.core.management import call_command

    call_command("compile_translations", verbosity=0)
    staff.language = "zh-hans"
    staff.save(update_fields=["language"])
    client = Client()
    client.force_login(staff)
    return client


def test_screens_speak_chinese(chinese_staff_client: Client) -> None:
    ItemFactory(sku="GIFT-1")
    items = chinese_staff_client.get(reverse("catalog:item_list")).content.decode()
    assert '<h1 class="h3 me-auto">库存货品</h1>' in items
    assert "新增货品" in items
    bundles = chinese_staff_client.get(reverse("catalog:bundle_list")).content.decode()
    assert '<h1 class="h3 me-auto">组合货品</h1>' in bundles
    url = reverse("catalog:item_create")
    taken = chinese_staff_client.post(url, {**ITEM_POST, "sku": "gift-1"}).content.decode()
    assert "SKU 为“gift-1”的货品已存在（写作“GIFT-1”）。" in taken
    negative = chinese_staff_client.post(url, {**ITEM_POST, "weight_g": "-1"}).content.decode()
    assert "重量（克）不能为负数（收到 -1）：请输入 0 或更大的数。" in negative


def test_lists_link_to_export_with_their_filters_and_staff_to_import(
    viewer_client: Client, staff_client: Client
) -> None:
    viewer_page = viewer_client.get(reverse("catalog:item_list"), {"q": "ale", "active": "yes"})
    html = viewer_page.content.decode()
    export_form = html.split('<form method="post" action="/data/exports/new/"', 1)[1]
    export_form = export_form.split("</form>")[0]
    assert '<input type="hidden" name="kind" value="items">' in export_form
    assert '<input type="hidden" name="q" value="ale">' in export_form
    assert '<input type="hidden" name="active" value="yes">' in export_form
    assert 'name="csrfmiddlewaretoken"' in export_form
    assert 'id="items-export"' in export_form
    assert "/data/exports/new/?" not in html
    assert 'id="items-import"' not in html

    staff_html = staff_client.get(reverse("catalog:bundle_list")).content.decode()
    assert 'href="/data/imports/new/?kind=bundles"' in staff_html
    assert '<input type="hidden" name="kind" value="bundles">' in staff_html
    assert 'id="bundles-export"' in staff_html
