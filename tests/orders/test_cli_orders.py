"""`kucun orders download [STORE]` and `kucun orders confirm ORDER…`: run here and now, one
line per store or order, exit status 1 when something failed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kucun.channels.models import Store
from kucun.orders.choices import OrderStatus
from kucun.orders.models import Order, OrderDownload
from kucun.shipping.choices import RuleAction
from tests.inventory.conftest import Site
from tests.orders.fixtures_confirm import (  # noqa: F401  (fixtures)
    Goods,
    Shop,
    depot,
    goods,
    order_place,
    rule_for,
    shop,
)

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("orders", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_download_of_one_store_by_name_or_id_prints_its_counts(shop: Shop) -> None:  # noqa: F811
    shop.platform.add("TEA", quantity=5)
    shop.platform.place_order([("mem-1", 1)])
    shop.platform.place_order([("mem-1", 2)])

    by_name = run("download", "memory TEA shop")
    by_id = run("download", str(shop.store.pk))

    assert by_name == (0, "Memory tea shop: 2 new, 0 updated, 0 errors\n", "")
    assert by_id == (0, "Memory tea shop: 0 new, 0 updated, 0 errors\n", "")
    assert Order.objects.count() == 2
    assert list(OrderDownload.objects.values_list("trigger", flat=True)) == ["manual", "manual"]


def test_download_of_every_store_reports_a_failed_one_and_exits_1(shop: Shop) -> None:  # noqa: F811
    Store.objects.create(name="Paused shop", platform="shopify", order_download=False)
    shop.platform.fail_next_order_reads = 1

    code, out, err = run("download")

    assert code == 1
    assert out == "Memory tea shop: 0 new, 0 updated, 1 errors\n"
    assert err.startswith("Memory tea shop: ")
    (run_,) = OrderDownload.objects.all()
    assert run_.status == "failed"


def test_an_unknown_store_is_named(db: None) -> None:
    with pytest.raises(CommandError, match=r"No store is named 'Nowhere'\."):
        run("download", "Nowhere")


def test_confirm_prints_each_orders_outcome_and_the_step_that_stopped_one(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
) -> None:
    rule_for(RuleAction.LOCAL_DELIVERY, "Around the corner")
    shipped = order_place(shop, depot, [(goods.tea, 1)])
    stopped = order_place(shop, depot, [(goods.cup, 1)])
    waiting = order_place(shop, depot, [(goods.tea, 1)])
    Order.objects.filter(pk=waiting.pk).update(status=OrderStatus.AWAITING_STOCK)

    code, out, err = run("confirm", shipped.number, "#0000")
    shop.platform.fail_next_fulfilments = 1
    stopped_code, _out, stopped_err = run("confirm", str(stopped.pk), waiting.number)

    assert code == 1
    assert out == f"{shipped.number}: shipped\n"
    assert err == "#0000: No order has the number or id #0000.\n"
    assert stopped_code == 1
    first, second = stopped_err.splitlines()
    assert first.startswith(f"{stopped.number}: stopped at fulfilment: ")
    assert second == (
        f"{waiting.number}: Order {waiting.number} is awaiting stock: only an order to confirm "
        "is confirmed."
    )
