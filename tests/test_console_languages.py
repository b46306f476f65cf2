"""Every console page in Simplified Chinese and in English.

The pages are found by walking the URL configuration (as the permission matrix does), with the
objects their URLs name made by factories and services: a warehouse, zone and bin, items and a
bundle, receipts, issues, transfers and stocktakes in each state, an import and an export, a user
and a token. A page added later is rendered without touching this file; one whose URL names an
object needs a sample in SAMPLE_KWARGS, and the walk fails until it has one.

In Chinese a page must not show English that the catalogues translate (a msgid that appears
verbatim in the visible text while its translation differs), nor a title that says one word
twice ("入库 入库"). In either language no template syntax may reach the page.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

import kucun
from kucun.accounts.choices import Role
from kucun.accounts.models import ApiToken, User
from kucun.accounts.services import api_token_create
from kucun.catalog.models import Item
from kucun.channels.models import Listing, Store, SyncRun
from kucun.core.dataio.importing import ImportOptions
from kucun.core.dataio.services import (
    export_run_create,
    import_run_create,
    import_run_execute,
)
from kucun.core.models import ExportRun, ImportRun, Job
from kucun.inventory.models import Document
from kucun.inventory.services import (
    DocumentLineInput,
    StocktakeCountInput,
    TransferLineInput,
    document_reverse,
    issue_create,
    receipt_create,
    stocktake_count,
    stocktake_create,
    stocktake_post,
    transfer_create,
)
from kucun.inventory.services.checks import stock_check_run
from kucun.orders.models import Order, OrderDownload
from kucun.shipping.files import label_save, manifest_save
from kucun.shipping.models import BoxPreset, CarrierAccount, Manifest, Shipment, ShippingRule
from kucun.shipping.services.rules import rule_create, rules_ensure_default
from kucun.warehouses.choices import VIRTUAL_LOCATION_KINDS
from kucun.warehouses.models import Location, Warehouse, Zone
from kucun.web.navigation import NAVIGATION
from tests.factories import (
    BinFactory,
    BundleComponentFactory,
    ItemFactory,
    UserFactory,
    WarehouseFactory,
    ZoneFactory,
)

pytestmark = pytest.mark.django_db

PACKAGE = Path(kucun.__file__).parent
API_PREFIX = "api/v1/"
SANDBOX_PREFIX = "sandbox/"
HOOKS_PREFIX = "hooks/"
CATALOGUES = sorted(PACKAGE.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))
# Names that are the same in every language: the product's own name.
PROPER_NAMES = frozenset({"Kucun"})
TEMPLATE_SYNTAX = ("{%", "%}", "{{", "}}", "{#", "#}")
UNFILLED_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
# The codes the system gives its virtual locations: in Chinese they show by their kind's name.
SYSTEM_CODES = re.compile(
    r"(?<![A-Za-z])(?:{})(?![A-Za-z])".format(
        "|".join(kind.upper() for kind in VIRTUAL_LOCATION_KINDS)
    )
)


# ---------------------------------------------------------------- the objects pages show


@dataclass
class Sample:
    warehouse: Warehouse
    zone: Zone
    bin: Location
    item: Item
    bundle: Item
    documents: dict[str, list[Document]]
    import_run: ImportRun
    export_run: ExportRun
    user: User
    token_id: int
    store: Store
    listing: Listing
    run: SyncRun
    pull_job: Job
    carrier_account: CarrierAccount
    shipment: Shipment
    manifest: Manifest
    box: BoxPreset
    rules: list[ShippingRule]
    order: Order


def make_sample(tmp_path: Path) -> Sample:
    """Free text is Chinese and codes are upper-case, so no test datum reads as console English."""
    warehouse = WarehouseFactory(code="MEL", name="墨尔本仓")
    WarehouseFactory(code="SYD", name="悉尼仓")
    zone = ZoneFactory(warehouse=warehouse, code="PICK", name="拣货区")
    bin_ = BinFactory(zone=zone, code="A-01")
    item = ItemFactory(sku="TEA-GREEN", name="绿茶", unit="盒", barcode="9300000000011")
    ItemFactory(sku="MUG-BLUE", name="蓝色杯子", unit="个")
    bundle = ItemFactory(sku="GIFT-SET", name="礼盒", unit="套", is_bundle=True)
    BundleComponentFactory(bundle=bundle, component=item, quantity=2)

    def line(qty: int, bin_code: str | None = "A-01") -> list[DocumentLineInput]:
        return [DocumentLineInput(sku="TEA-GREEN", qty=qty, bin=bin_code)]

    receipts = [
        receipt_create(user=None, warehouse="MEL", kind="purchase", lines=line(50), post=True),
        receipt_create(user=None, warehouse="MEL", kind="purchase", lines=line(5)),
    ]
    reversed_receipt = receipt_create(
        user=None, warehouse="MEL", kind="other", lines=line(3), post=True
    )
    document_reverse(user=None, kind="receipt", document_id=reversed_receipt.pk)
    receipts.append(reversed_receipt)
    issues = [
        issue_create(user=None, warehouse="MEL", kind="order_shipment", lines=line(2), post=True),
        issue_create(user=None, warehouse="MEL", kind="other", lines=line(1)),
    ]

    def move(qty: int, to_bin: str) -> list[TransferLineInput]:
        return [TransferLineInput(sku="TEA-GREEN", qty=qty, from_bin="A-01", to_bin=to_bin)]

    transfers = [
        transfer_create(user=None, warehouse="MEL", lines=move(4, "RECEIVING"), post=True),
        transfer_create(user=None, warehouse="MEL", lines=move(1, "RECEIVING")),
        transfer_create(
            user=None, warehouse="MEL", to_warehouse="SYD", lines=move(2, "RECEIVING"), post=True
        ),
    ]
    counting = stocktake_create(user=None, warehouse="MEL", bins=["A-01"])
    posted = stocktake_create(user=None, warehouse="MEL", bins=["RECEIVING"])
    stocktake_count(
        user=None,
        stocktake_id=posted.pk,
        counts=[StocktakeCountInput(bin="RECEIVING", sku="TEA-GREEN", counted=3)],
    )
    stocktake_post(user=None, stocktake_id=posted.pk)
    stock_check_run()

    # Started by someone who reads Chinese; the worker writes the outcome in their language.
    starter = UserFactory(username="mei", role=Role.STAFF, language="zh-hans")
    upload = "sku,name\nJAM-RED,果酱\n,无货号\n".encode()
    import_run = import_run_create(
        user=starter,
        kind="items",
        upload=io.BytesIO(upload),
        original_name="items.csv",
        size=len(upload),
        options=ImportOptions(valid_rows_only=True),
    )
    import_run = import_run_execute(import_run_id=import_run.pk)
    export_run = export_run_create(user=starter, kind="items", file_format="csv", filters={})
    user = UserFactory(username="lin", role=Role.VIEWER)
    token, _plain = api_token_create(user=user, name="扫描枪")
    store = Store.objects.create(
        name="墨尔本网店",
        platform="shopify",
        sandbox=True,
        account_ref="MEL-SHOP.myshopify.com",
        options={"shop_domain": "MEL-SHOP.myshopify.com", "api_version": "2026-01"},
    )
    listing = Listing.objects.create(
        store=store,
        inventory_ref="GID-1",
        sku="TEA-GREEN",
        title="绿茶礼盒",
        item=item,
        status="linked",
    )
    Listing.objects.create(store=store, inventory_ref="GID-2", sku="MUG-RED", title="红色杯子")
    pull_job = Job.objects.create(kind="channels.pull.full")
    run = SyncRun.objects.create(store=store, kind="pull_full", trigger="manual", job=pull_job)
    carrier_account = CarrierAccount.objects.create(
        name="墨尔本澳邮",
        carrier="auspost",
        sandbox=True,
        sender_warehouse=warehouse,
        default_service="T28",
        credential_masks={"account_number": "0001234567", "api_key": "••••••••9a1f"},
    )
    box = BoxPreset.objects.create(
        name="中号纸箱", length_cm=40, width_cm=30, height_cm=20, tare_kg=Decimal("0.4")
    )
    rules = [
        rule_create(
            user=None, name="墨尔本自取", action="pickup", conditions={"postcodes": "3000-3999"}
        ),
        rules_ensure_default(),
    ]
    manifest = Manifest.objects.create(
        carrier_account=carrier_account,
        reference="EOD-MEL-1",
        carrier_manifest_id="AP-ORDER-1",
        pdf_file=manifest_save(b"%PDF-1.4\n%%EOF\n"),
        shipment_count=1,
    )
    shipment = Shipment.objects.create(
        reference="SHP-000001",
        carrier_account=carrier_account,
        service_code="T28",
        sender_warehouse=warehouse,
        receiver_name="李安",
        receiver_line1="乔治街 1 号",
        receiver_suburb="SYDNEY",
        receiver_state="NSW",
        receiver_postcode="2000",
        status="manifested",
        manifest=manifest,
        carrier_shipment_id="9LESEAOVOM4",
        label_file=label_save(b"%PDF-1.4\n%%EOF\n"),
    )
    shipment.parcels.create(
        index=1,
        weight_kg=Decimal("1.250"),
        tracking_number="ABC000128B4C5",
        contents=[{"sku": "TEA-GREEN", "quantity": 2}],
    )
    shipment.tracking_events.create(
        tracking_number="ABC000128B4C5",
        occurred_at=timezone.now(),
        status="in_transit",
        description="运输中",
        location="SYDNEY NSW",
        fingerprint="sample",
    )
    order = sample_order(store, warehouse, item, shipment)
    return Sample(
        warehouse=warehouse,
        zone=zone,
        bin=bin_,
        item=item,
        bundle=bundle,
        documents={
            "receipt": receipts,
            "issue": issues,
            "transfer": transfers,
            "stocktake": [counting, posted],
        },
        import_run=import_run,
        export_run=export_run,
        user=user,
        token_id=token.pk,
        store=store,
        listing=listing,
        run=run,
        pull_job=pull_job,
        carrier_account=carrier_account,
        shipment=shipment,
        manifest=manifest,
        box=box,
        rules=rules,
        order=order,
    )


def sample_order(store: Store, warehouse: Warehouse, item: Item, shipment: Shipment) -> Order:
    """An order held in MEL and shipped, with its timeline, and a failed download."""
    now = timezone.now()
    order = Order.objects.create(
        store=store,
        external_id="GID-1001",
        number="1001",
        status="shipped",
        placed_at=now,
        channel_updated_at=now,
        currency="AUD",
        total=Decimal("25.00"),
        customer_name="李安",
        customer_email="LI@EXAMPLE.COM",
        ship_name="李安",
        ship_line1="乔治街 1 号",
        ship_city="SYDNEY",
        ship_state="NSW",
        ship_postcode="2000",
        ship_country="AU",
        shipping_method="标准快递",
        warehouse=warehouse,
        routing_note="墨尔本仓有货",
        raw={"id": "GID-1001"},
    )
    order.lines.create(line_ref="L-1", sku=item.sku, title="绿茶", item=item, quantity=2)
    order.events.create(kind="downloaded", message="已下载")
    order.shipments.create(shipment=shipment, key="ORDER-1001-SHIP", method="carrier")
    OrderDownload.objects.create(store=store, trigger="schedule", status="failed", error="超时")
    return order


def documents(kind: str) -> Callable[[Sample], list[dict[str, Any]]]:
    return lambda sample: [{"pk": document.pk} for document in sample.documents[kind]]


# The objects a URL with parameters is rendered for, by URL name.
SAMPLE_KWARGS: dict[str, Callable[[Sample], list[dict[str, Any]]]] = {
    "accounts:user_edit": lambda s: [{"user_id": s.user.pk}],
    "accounts:user_password": lambda s: [{"user_id": s.user.pk}],
    "accounts:user_deactivate": lambda s: [{"user_id": s.user.pk}],
    "accounts:token_revoke": lambda s: [{"token_id": s.token_id}],
    "warehouses:warehouse_detail": lambda s: [{"pk": s.warehouse.pk}],
    "warehouses:warehouse_edit": lambda s: [{"pk": s.warehouse.pk}],
    "warehouses:zone_edit": lambda s: [{"pk": s.zone.pk}],
    "warehouses:bin_edit": lambda s: [{"pk": s.bin.pk}],
    "catalog:item_detail": lambda s: [{"pk": s.item.pk}, {"pk": s.bundle.pk}],
    "catalog:item_edit": lambda s: [{"pk": s.item.pk}],
    "catalog:bundle_edit": lambda s: [{"pk": s.bundle.pk}],
    "inventory:stock_detail": lambda s: [{"item_id": s.item.pk}],
    "inventory:item_movements": lambda s: [{"item_id": s.item.pk}],
    "data:import_detail": lambda s: [{"pk": s.import_run.pk}],
    "data:import_progress": lambda s: [{"pk": s.import_run.pk}],
    "data:import_errors": lambda s: [{"pk": s.import_run.pk}],
    "data:import_file": lambda s: [{"pk": s.import_run.pk}],
    "data:import_retry": lambda s: [{"pk": s.import_run.pk}],
    "data:import_template": lambda s: [{"kind": "items", "file_format": "csv"}],
    "data:export_detail": lambda s: [{"pk": s.export_run.pk}],
    "data:export_progress": lambda s: [{"pk": s.export_run.pk}],
    "data:export_download": lambda s: [{"pk": s.export_run.pk}],
    "data:export_retry": lambda s: [{"pk": s.export_run.pk}],
    "channels:store_detail": lambda s: [{"pk": s.store.pk}],
    "channels:store_edit": lambda s: [{"pk": s.store.pk}],
    "channels:store_test": lambda s: [{"pk": s.store.pk}],
    "channels:store_location": lambda s: [{"pk": s.store.pk}],
    "channels:store_pull": lambda s: [{"pk": s.store.pk}],
    "channels:store_match": lambda s: [{"pk": s.store.pk}],
    "channels:store_reconcile": lambda s: [{"pk": s.store.pk}],
    "channels:pull_detail": lambda s: [{"pk": s.store.pk, "job_id": s.pull_job.pk}],
    "channels:run_detail": lambda s: [{"pk": s.run.pk}],
    "channels:listing_link": lambda s: [{"pk": s.listing.pk}],
    "channels:store_consent": lambda s: [{"pk": s.store.pk}],
    "shipping:carrier_detail": lambda s: [{"pk": s.carrier_account.pk}],
    "shipping:carrier_edit": lambda s: [{"pk": s.carrier_account.pk}],
    "shipping:carrier_test": lambda s: [{"pk": s.carrier_account.pk}],
    "shipping:carrier_delete": lambda s: [{"pk": s.carrier_account.pk}],
    "shipping:shipment_detail": lambda s: [{"pk": s.shipment.pk}],
    "shipping:shipment_label": lambda s: [{"pk": s.shipment.pk}],
    "shipping:shipment_cancel": lambda s: [{"pk": s.shipment.pk}],
    "shipping:shipment_track": lambda s: [{"pk": s.shipment.pk}],
    "shipping:shipment_retry": lambda s: [{"pk": s.shipment.pk}],
    "shipping:manifest_pdf": lambda s: [{"pk": s.manifest.pk}],
    "shipping:box_preset_edit": lambda s: [{"pk": s.box.pk}],
    "shipping:box_preset_delete": lambda s: [{"pk": s.box.pk}],
    "shipping:rule_edit": lambda s: [{"pk": rule.pk} for rule in s.rules],
    "shipping:rule_delete": lambda s: [{"pk": s.rules[0].pk}],
    "shipping:rule_toggle": lambda s: [{"pk": s.rules[0].pk}],
    "shipping:rule_move": lambda s: [{"pk": s.rules[0].pk}],
    "orders:order_detail": lambda s: [{"pk": s.order.pk}],
    "orders:order_set_carrier": lambda s: [{"pk": s.order.pk}],
    "orders:order_confirm": lambda s: [{"pk": s.order.pk}],
    "orders:order_retry": lambda s: [{"pk": s.order.pk}],
    "orders:order_cancel": lambda s: [{"pk": s.order.pk}],
    "orders:order_reship": lambda s: [{"pk": s.order.pk}],
    "orders:order_return": lambda s: [{"pk": s.order.pk}],
    "orders:order_pick_list": lambda s: [{"pk": s.order.pk}],
    "orders:order_packing_slip": lambda s: [{"pk": s.order.pk}],
    "web:not_built": lambda s: [
        {"slug": entry.slug}
        for section in NAVIGATION
        for entry in section.entries
        if not entry.is_built
    ],
}
# Every document page and action, for each document of its type (not every type has every one).
for _kind in ("receipt", "issue", "transfer", "stocktake"):
    for _action in ("detail", "reverse", "post", "edit", "discard", "receive", "count"):
        SAMPLE_KWARGS[f"inventory:{_kind}_{_action}"] = documents(_kind)

# Pages whose interesting state needs a query: searches and filters that find something.
SAMPLE_QUERIES: dict[str, list[str]] = {
    "shipping:rule_test": ["run=1&country=AU&postcode=2000&items=TEA-GREEN+1"],
    "warehouses:bin_lookup": ["q=A-01", "q=TEA"],
    "catalog:item_search": ["q=TEA"],
    "inventory:item_search": ["q=TEA"],
    "inventory:stock": ["q=TEA"],
    "inventory:receipt_create": ["warehouse=MEL&bin=A-01&sku=TEA-GREEN&qty=1"],
    "inventory:transfer_create": ["warehouse=MEL&bin=A-01&sku=TEA-GREEN&qty=1"],
    "data:export_create": ["kind=items"],
    "warehouses:bin_pattern_preview": ["prefix=B-&start=1&end=3"],
    "accounts:user_list": ["q=nobody"],
    "orders:order_list": ["tab=shipped&q=1001", "q=nobody"],
}


def walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(namespaced name, pattern) of every console URL; the API's, the sandbox's and the
    webhook receivers' are left out."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            # The API answers in JSON; the sandbox is the emulated vendors' own pages, in the
            # vendors' language; webhook receivers answer platforms, not people.
            if str(entry.pattern).startswith((API_PREFIX, SANDBOX_PREFIX, HOOKS_PREFIX)):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner)
        else:
            assert entry.name, f"console URL without a name: {entry.pattern}"
            yield f"{namespace}{entry.name}", entry


def console_urls(sample: Sample) -> list[str]:
    urls: list[str] = []
    for name, pattern in walk(get_resolver("kucun.urls").url_patterns):
        if pattern.pattern.converters:
            assert name in SAMPLE_KWARGS, f"add the objects {name} is rendered for to SAMPLE_KWARGS"
            paths = [reverse(name, kwargs=kwargs) for kwargs in SAMPLE_KWARGS[name](sample)]
        else:
            paths = [reverse(name)]
        for path in paths:
            urls.append(path)
            urls.extend(f"{path}?{query}" for query in SAMPLE_QUERIES.get(name, []))
    return urls


# ---------------------------------------------------------------- what a page shows


# Attributes a person sees (placeholders, tooltips, button captions, confirm questions) or hears.
VISIBLE_ATTRIBUTES = frozenset({"placeholder", "title", "alt", "aria-label", "data-confirm"})
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
HIDDEN_CONTENT = frozenset({"script", "style", "template"})


class VisibleText(HTMLParser):
    """The text of a page as chunks, one per text node or visible attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.titles: list[str] = []
        self.hidden_depth = 0
        self.capturing: str | None = None
        self.captured: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_CONTENT:
            self.hidden_depth += 1
        if tag in {"title", "h1"} and self.capturing is None:
            self.capturing, self.captured = tag, []
        values = dict(attrs)
        for name, value in attrs:
            if value and name in VISIBLE_ATTRIBUTES:
                self.chunks.append(value)
        if tag == "input" and values.get("type") in BUTTON_INPUTS and values.get("value"):
            self.chunks.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_CONTENT and self.hidden_depth:
            self.hidden_depth -= 1
        if tag == self.capturing:
            self.titles.append(" ".join("".join(self.captured).split()))
            self.capturing = None

    def handle_data(self, data: str) -> None:
        if self.hidden_depth:
            return
        if self.capturing:
            self.captured.append(data)
        if data.strip():
            self.chunks.append(" ".join(data.split()))


def read_page(html: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser


# ---------------------------------------------------------------- what the catalogues translate


def catalogue_entries() -> Iterator[polib.POEntry]:
    for path in CATALOGUES:
        yield from polib.pofile(str(path))


def literal_parts(message: str) -> list[str]:
    """The text of a message around its placeholders, without placeholders at either end
    (they match anything)."""
    parts = PLACEHOLDER.split(message)
    while parts and not parts[0].strip():
        parts.pop(0)
    while parts and not parts[-1].strip():
        parts.pop()
    return parts


def rendered_pattern(message: str, *, edges: bool) -> str:
    """A regex matching message as rendered (placeholders filled), whole words only if edges."""
    body = r"[^\n]+?".join(re.escape(part) for part in literal_parts(message))
    return rf"(?<![A-Za-z]){body}(?![A-Za-z])" if edges else body


def letters(message: str) -> int:
    return sum(len(re.findall(r"[A-Za-z]", part)) for part in literal_parts(message))


def alternation(patterns: dict[str, int]) -> re.Pattern[str]:
    ordered = sorted(patterns, key=lambda pattern: -patterns[pattern])
    return re.compile("|".join(f"(?:{pattern})" for pattern in ordered) or r"(?!x)x")


def translations() -> Iterator[tuple[str, str]]:
    """(msgid, msgstr) of every catalogue entry, plurals included."""
    for entry in catalogue_entries():
        if entry.msgid_plural:
            yield entry.msgid, entry.msgstr_plural[0]
            yield entry.msgid_plural, entry.msgstr_plural[0]
        else:
            yield entry.msgid, entry.msgstr


@functools.cache
def translated_english() -> re.Pattern[str]:
    """Every msgid of two letters or more whose Chinese differs from it, longest first."""
    patterns: dict[str, int] = {}
    for msgid, msgstr in translations():
        if msgstr == msgid or "\n" in msgid or msgid in PROPER_NAMES or letters(msgid) < 2:
            continue
        patterns[rendered_pattern(msgid, edges=True)] = len(msgid)
    return alternation(patterns)


@functools.cache
def english_kept_in_chinese() -> re.Pattern[str]:
    """Chinese translations that keep some English on purpose (column names of a file, SKU,
    CSV): text they render is not a leak."""
    patterns: dict[str, int] = {}
    for _msgid, msgstr in translations():
        if letters(msgstr) and "\n" not in msgstr:
            patterns[rendered_pattern(msgstr, edges=False)] = len(msgstr)
    return alternation(patterns)


def english_leaks(text: str, data: list[str]) -> list[str]:
    """The console English in the visible text of a Chinese page."""
    for datum in data:
        text = text.replace(datum, " ")
    kept = [match.span() for match in english_kept_in_chinese().finditer(text)]
    found = {
        match.group(0).strip()
        for match in translated_english().finditer(text)
        if not any(start <= match.start() and match.end() <= end for start, end in kept)
    }
    found |= set(SYSTEM_CODES.findall(text))
    return sorted(found)


WORD = re.compile(r"[A-Za-z]+|[\u4e00-\u9fff]+|\d+")


def repeated_word(title: str) -> str | None:
    words = [word for word in WORD.findall(title) if not word.isdigit()]
    seen: set[str] = set()
    for word in words:
        if word in seen:
            return word
        seen.add(word)
    return None


# ---------------------------------------------------------------- the walk


@pytest.fixture
def sample(tmp_path: Path, settings: Any) -> Sample:
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("compile_translations", verbosity=0)
    return make_sample(tmp_path)


def client_speaking(language: str) -> Client:
    owner = UserFactory(username=f"owner-{language}", role=Role.OWNER, language=language)
    client = Client()
    client.force_login(owner)
    return client


@dataclass
class Rendered:
    url: str
    html: str
    page: VisibleText


def render_every_page(client: Client, sample: Sample) -> list[Rendered]:
    rendered: list[Rendered] = []
    failures: list[str] = []
    for url in console_urls(sample):
        response = client.get(url)
        if response.status_code in {302, 405}:
            continue  # an action (POST only) or a redirect to a page walked in its own right
        if response.status_code != 200:
            failures.append(f"{url}: {response.status_code}")
            continue
        if not response["Content-Type"].startswith("text/html"):
            continue  # a download
        html = response.content.decode()
        rendered.append(Rendered(url, html, read_page(html)))
    assert not failures, "\n".join(failures)
    return rendered


def test_every_console_page_in_chinese_is_chinese(sample: Sample) -> None:
    rendered = render_every_page(client_speaking("zh-hans"), sample)
    # Data, not console text: file names, and a token's random prefix (which may spell "No").
    token_prefix = ApiToken.objects.get(pk=sample.token_id).prefix
    data = [sample.export_run.file_name, sample.import_run.original_name, token_prefix]

    leaks: list[str] = []
    repeats: list[str] = []
    for page in rendered:
        found = english_leaks("\n".join(page.page.chunks), data)
        if found:
            leaks.append(f"{page.url}: {found}")
        for title in page.page.titles:
            word = repeated_word(title)
            if word:
                repeats.append(f"{page.url}: {title!r} says {word!r} twice")
    assert len(rendered) > 60
    assert not leaks + repeats, "\n".join(["English in Chinese pages:", *leaks, *repeats])


def test_every_console_page_is_rendered_whole_in_both_languages(sample: Sample) -> None:
    artefacts: list[str] = []
    for language in ("en", "zh-hans"):
        client = client_speaking(language)
        for page in render_every_page(client, sample):
            found = [syntax for syntax in TEMPLATE_SYNTAX if syntax in page.html]
            text = "\n".join(page.page.chunks)
            found += UNFILLED_PLACEHOLDER.findall(text)
            if found:
                artefacts.append(f"{language} {page.url}: {found}")
    assert not artefacts, "\n".join(artefacts)


# ---------------------------------------------------------------- one word, one meaning


def test_one_message_has_one_translation_across_catalogues() -> None:
    """Django merges every app's catalogue into one: a msgid translated two ways in two apps
    shows one of them everywhere ("Created" as 新增 on a creation date). A second meaning
    needs a context."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for path in CATALOGUES:
        app = path.parts[-5]
        for entry in polib.pofile(str(path)):
            translated = entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr
            seen.setdefault((entry.msgctxt or "", entry.msgid), {})[app] = translated
    conflicts = {key: by_app for key, by_app in seen.items() if len(set(by_app.values())) > 1}
    assert conflicts == {}


def test_a_posted_document_says_posted_and_when(sample: Sample) -> None:
    client = client_speaking("zh-hans")
    posted = sample.documents["receipt"][0]

    detail = read_page(client.get(f"/inventory/receipts/{posted.pk}/").content.decode())
    listing = read_page(client.get("/inventory/receipts/").content.decode())

    assert detail.titles[-1] == f"{posted.number} 已过账"
    assert "过账时间" in detail.chunks
    assert "创建时间" in detail.chunks
    headings = "\n".join(listing.chunks)
    assert all(word in headings for word in ("过账时间", "创建时间", "已过账", "草稿"))


def test_an_import_counts_what_it_created(sample: Sample) -> None:
    page = read_page(
        client_speaking("zh-hans").get(f"/data/imports/{sample.import_run.pk}/").content.decode()
    )

    assert "新增" in page.chunks
    assert "创建时间" not in page.chunks
