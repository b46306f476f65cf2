"""Orders from sandbox Shopify stores, end to end, with the worker as `kucun serve` runs it.

A child process migrates a throw-away SQLite database under var/bench/orders/, adds an owner
with an API token, warehouse ``BEN`` (Port Melbourne, with coordinates; stock in its receiving bin),
``ITEMS`` items with weights and sizes, stock of each, a sandbox Australia Post account
sending from ``BEN`` with a default shipping rule to it, and three Shopify emulator shops
selling the same SKUs, each bound as a sandbox store selling from ``BEN`` with inventory sync
off (pushes are measured by ``make bench ONLY=sync``):

* ``bench-orders-a`` and ``bench-orders-b`` each hold ``INGEST // 2`` orders of one to three
  lines, placed through the emulator's own order service (not timed);
* ``bench-hooks`` delivers ``orders/create`` webhooks to Kucun's ``/hooks/shopify/<store>``.

Then a real ``kucun serve`` (web and queue consumer) starts on a free loopback port, serving the
emulators, and a second child (``measure``) links the stores' listings and drives the services:

* ``orders.ingest_10k_s``: both stores' order downloads at once (one thread each, as two
  workers would run them), from the first pull's horizon: every order read page by page from
  the emulator, stored with its lines, routed and allocated. All 10,000 must end "to confirm".
  Shopify's cost bucket is lifted for the read, as for the listings' full read in the sync
  benchmark: on the standard plan's bucket (100 points a second) the orders query alone would
  be bound by the points its pages cost, which times the bucket, not Kucun.
* ``orders.webhook_to_allocated_p95_ms``: ``WEBHOOKS`` orders placed one after another through
  the emulator's control plane (``POST /sandbox/shopify/__emu/orders``, a pause of 0-0.3 s
  between them); the clock starts when the order is placed and stops when Kucun holds it
  allocated (polled every 10 ms). The webhook is verified and recorded by the web server, the
  order fetched and allocated by the worker.
* ``orders.confirm_100_s``: ``CONFIRM`` of the downloaded orders confirmed in bulk (one job per
  order in the worker): the rule chooses Australia Post, the shipment is created and its label
  fetched, the stock issue posted and the fulfilment with the tracking number sent to the
  Shopify emulator; the clock stops when every order is shipped and its fulfilment sent.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.api import sqlite_serve_and_measure

ROOT = Path.cwd() / "var" / "bench" / "orders"
WAREHOUSE = "BEN"
API_VERSION = "2026-01"
ITEMS = 40
INGEST = int(os.environ.get("KUCUN_BENCH_ORDERS", "10000"))
WEBHOOKS = int(os.environ.get("KUCUN_BENCH_ORDER_WEBHOOKS", "200"))
CONFIRM = 100
SHOPS = {
    "a": "bench-orders-a.myshopify.com",
    "b": "bench-orders-b.myshopify.com",
    "hooks": "bench-hooks.myshopify.com",
}
ADDRESSES = [
    ("Ann Lee", "1 George Street", "Sydney", "NSW", "2000"),
    ("Bo Chen", "200 Bourke Street", "Melbourne", "VIC", "3000"),
    ("Cy Park", "10 Queen Street", "Brisbane", "QLD", "4000"),
    ("Di Wu", "5 King William Street", "Adelaide", "SA", "5000"),
    ("Ed Roe", "3 Hay Street", "Perth", "WA", "6000"),
]
Figure = tuple[str, float, str]


def sku(number: int) -> str:
    return f"ORD-{number:03d}"


def order_body(rng: random.Random) -> dict[str, Any]:
    name, street, city, state, postcode = rng.choice(ADDRESSES)
    first, last = name.split(" ", 1)
    lines = [
        {"sku": sku(number), "quantity": rng.randint(1, 3), "price": "12.50"}
        for number in rng.sample(range(ITEMS), rng.randint(1, 3))
    ]
    return {
        "lines": lines,
        "email": f"{first.lower()}@example.com",
        "customer": {"first_name": first, "last_name": last, "email": f"{first}@example.com"},
        "shipping_address": {
            "name": name,
            "address1": street,
            "city": city,
            "province_code": state,
            "zip": postcode,
            "country_code": "AU",
            "phone": "0412345678",
        },
        "shipping_line": {"title": "Standard", "price": "9.95"},
    }


# --- the child: setup --------------------------------------------------------------------------


def setup_child() -> None:
    """Migrate; owner, warehouse, items and stock, carrier and rule, shops with their orders,
    stores; print the owner's API token."""
    import django

    django.setup()
    from django.core.management import call_command

    from kucun.accounts.models import User
    from kucun.accounts.services import api_token_create

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    owner = User.objects.create_user(username="bench", password="bench-password-1", role="owner")
    _token, plain = api_token_create(user=None, owner=owner, name="bench")
    warehouse = setup_warehouse()
    setup_items_and_stock()
    setup_carrier(owner, warehouse)
    setup_shops_and_stores(owner, warehouse)
    print(plain, flush=True)


def setup_warehouse() -> Any:
    from kucun.warehouses.services import warehouse_create

    warehouse = warehouse_create(
        user=None,
        code=WAREHOUSE,
        name="Bench dock",
        address_line1="12 Dock Road",
        city="Port Melbourne",
        state="VIC",
        postcode="3207",
        phone="0390001111",
        latitude="-37.8390",
        longitude="144.9300",
    )
    return warehouse


def setup_items_and_stock() -> None:
    from kucun.catalog.models import Item
    from kucun.inventory.services import DocumentLineInput, receipt_create

    Item.objects.bulk_create(
        [
            Item(
                sku=sku(n),
                name=f"Bench item {n}",
                weight_g=200 + 10 * n,
                length_mm=200,
                width_mm=150,
                height_mm=50,
            )
            for n in range(ITEMS)
        ]
    )
    receipt_create(
        user=None,
        warehouse=WAREHOUSE,
        kind="purchase",
        lines=[DocumentLineInput(sku(n), 1_000_000) for n in range(ITEMS)],
        post=True,
    )


def setup_carrier(owner: Any, warehouse: Any) -> None:
    from kucun.core.secrets import encrypt_mapping
    from kucun.sandbox.auspost import state as auspost
    from kucun.shipping.carrier_registry import carrier_spec
    from kucun.shipping.models import CarrierAccount
    from kucun.shipping.services.rules import rule_update, rules_ensure_default

    auspost.reset()
    account = CarrierAccount.objects.create(
        name="Bench AusPost",
        carrier="auspost",
        sandbox=True,
        credentials_encrypted=encrypt_mapping(dict(carrier_spec("auspost").sandbox_credentials)),
        options={"two_step_labels": "off"},
        sender_warehouse=warehouse,
        default_service="T28",
    )
    default = rules_ensure_default()
    rule_update(
        user=owner,
        rule_id=default.pk,
        changes={"action": "carrier", "carrier_account": account.pk, "service_code": "T28"},
    )


def setup_shops_and_stores(owner: Any, warehouse: Any) -> None:
    from django.db import transaction

    from kucun.channels.services.stores import store_create
    from kucun.sandbox.shopify import control
    from kucun.sandbox.shopify import orders as emulator_orders

    control.reset()
    products = [
        {
            "title": f"Bench product {start}",
            "variants": [
                {"sku": sku(n), "title": str(n), "quantity": 10_000_000}
                for n in range(start, min(start + 5, ITEMS))
            ],
        }
        for start in range(0, ITEMS, 5)
    ]
    rng = random.Random("bench-orders")
    for name, domain in SHOPS.items():
        answer = control.seed(
            {
                "shops": [
                    {
                        "domain": domain,
                        "name": f"Bench {name}",
                        "client_id": f"bench-{name}-client",
                        "client_secret": f"shpss_bench_{name}_secret",
                        "locations": [{"name": "Bench warehouse"}],
                        "products": products,
                    }
                ]
            }
        )
        store = store_create(
            actor=owner,
            platform="shopify",
            name=f"Bench {name}",
            credentials={
                "client_id": f"bench-{name}-client",
                "client_secret": f"shpss_bench_{name}_secret",
            },
            options={
                "shop_domain": domain,
                "api_version": API_VERSION,
                "location_ref": answer["shops"][0]["locations"][0]["id"],
            },
            warehouse_ids=[warehouse.pk],
            sandbox=True,
        )
        store.inventory_sync = False
        # The ingest stores download when the measurement says, not by schedule; the webhook
        # store has download on (a store with it off ignores its order webhooks).
        store.order_download = name == "hooks"
        store.save(update_fields=["inventory_sync", "order_download"])
        if name == "hooks":
            continue
        for start in range(0, INGEST // 2, 500):
            with transaction.atomic():
                for _ in range(start, min(start + 500, INGEST // 2)):
                    emulator_orders.order_create(domain, order_body(rng))


# --- the child: measuring against the running server --------------------------------------------


def emit(name: str, value: float | int, unit: str) -> None:
    print(f"{name}\t{value}\t{unit}", flush=True)


def store_of(name: str) -> Any:
    from kucun.channels.models import Store

    return Store.objects.get(name=f"Bench {name}")


def link_stores() -> None:
    from kucun.channels.services.listings import listings_match, listings_pull

    for name in SHOPS:
        store = store_of(name)
        run = listings_pull(store=store, mode="full")
        assert run.status == "succeeded", (name, run.status, run.details)
        match = listings_match(store=store)
        assert match.linked_count == ITEMS, (name, match.linked_count, match.details)


def throttle(capacity: float, refill: float) -> None:
    from kucun.sandbox.shopify import state

    state.emulator.set_setting("rate_limit", {"capacity": capacity, "refill_per_second": refill})


def subscribe_hooks(url: str) -> None:
    from kucun.sandbox.shopify.mutations import webhook_add

    store = store_of("hooks")
    webhook_add(
        SHOPS["hooks"],
        topic="ORDERS_CREATE",
        uri=f"{url}/hooks/shopify/{store.pk}",
        api_version=API_VERSION,
    )


def ingest() -> None:
    from django.db import connections

    from kucun.orders.choices import DownloadTrigger, OrderStatus
    from kucun.orders.models import Order
    from kucun.orders.services.ingest import orders_download

    throttle(1e9, 1e9)
    outcomes: dict[str, Any] = {}

    def download(name: str) -> None:
        try:
            outcomes[name] = orders_download(store=store_of(name), trigger=DownloadTrigger.MANUAL)
        except BaseException as error:  # reported below, with the other store's outcome
            outcomes[name] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=download, args=(name,)) for name in ("a", "b")]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for name, outcome in outcomes.items():
        if isinstance(outcome, BaseException) or outcome.status != "succeeded":
            raise SystemExit(f"download of store {name} failed: {outcome!r}")
    held = Order.objects.filter(status=OrderStatus.TO_CONFIRM).count()
    if held != INGEST:
        statuses = list(Order.objects.values_list("status", flat=True).distinct())
        raise SystemExit(f"{held} of {INGEST} orders to confirm (statuses {statuses})")
    emit("orders.ingest_10k_s", round(elapsed, 2), "s")
    emit("orders.ingest_per_s", round(INGEST / elapsed, 1), "orders/s")
    throttle(2000, 100)


def webhook_latency(http: Any) -> None:
    from kucun.orders.choices import OrderStatus
    from kucun.orders.models import Order

    store = store_of("hooks")
    rng = random.Random("bench-hooks")
    latencies = []
    for _ in range(WEBHOOKS):
        time.sleep(rng.uniform(0, 0.3))
        body = {"shop": SHOPS["hooks"], **order_body(rng)}
        started = time.perf_counter()
        answer = http.post("/sandbox/shopify/__emu/orders", json=body)
        answer.raise_for_status()
        order_gid = answer.json()["order"]
        deadline = started + 60
        while not Order.objects.filter(
            store=store, external_id=order_gid, status=OrderStatus.TO_CONFIRM
        ).exists():
            if time.perf_counter() > deadline:
                raise SystemExit(f"order {order_gid} was not allocated within 60 s")
            time.sleep(0.01)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    emit("orders.webhook_to_allocated_p50_ms", round(statistics.median(latencies), 1), "ms")
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    emit("orders.webhook_to_allocated_p95_ms", round(p95, 1), "ms")


def confirm_many() -> None:
    from kucun.accounts.models import User
    from kucun.orders.choices import FulfilmentStatus, OrderStatus
    from kucun.orders.models import Order, OrderShipment
    from kucun.orders.services.confirm import orders_confirm_enqueue

    owner = User.objects.get(username="bench")
    orders = list(
        Order.objects.filter(store=store_of("a"), status=OrderStatus.TO_CONFIRM).order_by("id")[
            :CONFIRM
        ]
    )
    ids = [order.pk for order in orders]
    started = time.perf_counter()
    orders_confirm_enqueue(orders=orders, user=owner)
    deadline = started + 600
    while True:
        shipped = Order.objects.filter(pk__in=ids, status=OrderStatus.SHIPPED).count()
        sent = OrderShipment.objects.filter(
            order_id__in=ids, reship=False, fulfilment_status=FulfilmentStatus.SENT
        ).count()
        if shipped == CONFIRM and sent == CONFIRM:
            break
        if time.perf_counter() > deadline:
            stuck = list(
                Order.objects.filter(pk__in=ids)
                .exclude(status=OrderStatus.SHIPPED)
                .values_list("number", "status", "confirm_step", "confirm_error")[:5]
            )
            raise SystemExit(f"{shipped} shipped, {sent} fulfilments sent; e.g. {stuck}")
        time.sleep(0.05)
    emit("orders.confirm_100_s", round(time.perf_counter() - started, 2), "s")


def measure_child(url: str, token: str) -> None:
    import django

    django.setup()
    import httpx

    link_stores()
    subscribe_hooks(url)
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as http:
        ingest()
        webhook_latency(http)
        confirm_many()


# --- the parent ---------------------------------------------------------------------------------


def run() -> Iterator[Figure]:
    var_dir = ROOT / "sqlite"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    # A run that fails leaves its directory (the server's and the measuring child's logs).
    yield from sqlite_serve_and_measure("bench.orders", var_dir, "orders", setup_timeout=1800)
    shutil.rmtree(var_dir, ignore_errors=True)


def main(argv: list[str]) -> None:
    if argv[1:2] == ["setup"]:
        setup_child()
    elif argv[1:2] == ["measure"] and len(argv) == 4:
        measure_child(argv[2], argv[3])
    elif argv[1:2] == ["run"]:
        for name, value, unit in run():
            print(f"{name}: {value} {unit}", flush=True)
    else:
        raise SystemExit("usage: python -m bench.orders setup | measure URL TOKEN | run")


if __name__ == "__main__":
    main(sys.argv)
