"""After an order has shipped: reshipping chosen lines (a shipment of their own with Australia
Post's emulator over real HTTP, and an order-reshipment issue) and returning lines into a bin
(a sales-return receipt referencing the order); the refusals that change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from kucun.accounts.models import User
from kucun.core.errors import Conflict, PermissionDenied, ValidationFailed
from kucun.inventory.choices import DocumentStatus, IssueKind, ReceiptKind
from kucun.inventory.models import Issue, IssueLine, Receipt, ReceiptLine
from kucun.orders.choices import EventKind, FulfilmentStatus, OrderStatus
from kucun.orders.models import Order, OrderEvent, OrderLine
from kucun.orders.services.confirm import StepNotDone, order_confirm
from kucun.orders.services.reship import order_reship, order_return
from kucun.shipping.choices import RuleAction, ShipmentStatus
from kucun.shipping.models import CarrierAccount, Shipment
from tests.inventory.conftest import Site
from tests.orders.fixtures_confirm import (  # noqa: F401  (fixtures)
    Goods,
    Shop,
    arm,
    at_emulator,
    auspost,
    bin_quantity,
    create_match,
    depot,
    goods,
    level,
    media,
    order_place,
    order_shipments,
    rule_for,
    shop,
)
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def shipped(store: Shop, site: Site, stock: Goods, user: User) -> Order:
    """An order of 2 TEA and 1 GIFT (2 TEA + 1 CUP), collected by its customer."""
    rule_for(RuleAction.PICKUP, "Collected at the dock")
    order = order_place(store, site, [(stock.tea, 2), (stock.gift, 1)])
    done = order_confirm(order=order, user=user)
    assert done.status == OrderStatus.SHIPPED
    return done


def line(order: Order, sku: str) -> OrderLine:
    return order.lines.get(sku=sku)


def issue_units(issue: Issue) -> dict[str, int]:
    return {
        row.item.sku: row.qty
        for row in IssueLine.objects.filter(issue=issue).select_related("item")
    }


def test_chosen_lines_are_reshipped_with_a_shipment_and_an_issue_of_their_own(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    staff: User,
) -> None:
    order = shipped(shop, depot, goods, staff)
    tea_before = level(goods.tea, depot).on_hand

    reship = order_reship(
        order=order,
        lines=[(line(order, "TEA"), 1), (line(order, "GIFT"), 1)],
        user=staff,
        carrier_account=auspost,
    )

    assert reship.reship is True
    assert reship.key == f"order:{shop.store.pk}:{order.external_id}:reship:1"
    assert reship.method == RuleAction.CARRIER
    assert reship.shipment is not None
    assert reship.shipment.status == ShipmentStatus.LABEL_READY
    assert reship.shipment.source_reference == reship.key
    [held] = at_emulator(sandbox, auspost)
    assert held["reference"] == reship.shipment.reference
    [issue] = Issue.objects.filter(kind=IssueKind.ORDER_RESHIPMENT)
    assert issue.status == DocumentStatus.POSTED
    assert issue.reference == order.number
    assert reship.issue_numbers == [issue.number]
    assert issue_units(issue) == {"TEA": 3, "CUP": 1}
    assert level(goods.tea, depot).on_hand == tea_before - 3
    # The order's own shipping is untouched; the store is not told again.
    order.refresh_from_db()
    assert [order_line.quantity_shipped for order_line in order.lines.order_by("position")] == [
        2,
        1,
    ]
    assert len(shop.fulfilments()) == 1
    assert reship.fulfilment_status == FulfilmentStatus.PENDING
    event = OrderEvent.objects.get(order=order, kind=EventKind.RESHIPPED)
    assert event.actor == staff
    assert event.data["issue"] == issue.number
    assert event.data["tracking_numbers"] == [reship.shipment.parcels.get().tracking_number]

    again = order_reship(
        order=order, lines=[(line(order, "TEA"), 2)], user=staff, carrier_account=auspost
    )

    assert again.key.endswith(":reship:2")
    assert len(at_emulator(sandbox, auspost)) == 2
    assert Issue.objects.filter(kind=IssueKind.ORDER_RESHIPMENT).count() == 2


def test_a_reshipment_the_carrier_lost_the_answer_of_is_continued_once(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    staff: User,
    settings: Any,
) -> None:
    settings.CHANNEL_READ_TIMEOUT = 1.0
    settings.CHANNEL_MAX_ATTEMPTS = 1
    order = shipped(shop, depot, goods, staff)
    arm(sandbox, {"match": create_match(), "times": 1, "delay_ms": 2500, "after_apply": True})
    asked = [(line(order, "TEA"), 1)]

    with pytest.raises(StepNotDone, match="did not confirm the reshipment yet"):
        order_reship(order=order, lines=asked, user=staff, carrier_account=auspost)

    [pending] = [found for found in order_shipments(order) if found.reship]
    assert pending.issue_numbers == []
    assert Issue.objects.filter(kind=IssueKind.ORDER_RESHIPMENT).count() == 0
    with pytest.raises(Conflict, match="is not finished"):
        order_reship(order=order, lines=[(line(order, "GIFT"), 1)], user=staff)

    finished = order_reship(order=order, lines=asked, user=staff)

    assert finished.pk == pending.pk
    assert len(at_emulator(sandbox, auspost)) == 1
    assert Shipment.objects.count() == 1
    assert Issue.objects.filter(kind=IssueKind.ORDER_RESHIPMENT).count() == 1


def test_a_reshipment_the_carrier_refuses_leaves_nothing(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    staff: User,
) -> None:
    order = shipped(shop, depot, goods, staff)
    Order.objects.filter(pk=order.pk).update(ship_postcode="3000")  # not in NSW

    with pytest.raises(ValidationFailed):
        order_reship(
            order=order, lines=[(line(order, "TEA"), 1)], user=staff, carrier_account=auspost
        )

    assert [found for found in order_shipments(order) if found.reship] == []
    assert Shipment.objects.count() == 0
    assert at_emulator(sandbox, auspost) == []
    assert Issue.objects.filter(kind=IssueKind.ORDER_RESHIPMENT).count() == 0


def test_a_reshipment_by_the_rules_may_go_without_a_carrier(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
) -> None:
    order = shipped(shop, depot, goods, staff)

    reship = order_reship(order=order, lines=[(line(order, "TEA"), 2)], user=staff)

    assert reship.method == RuleAction.PICKUP
    assert reship.shipment is None
    [issue] = Issue.objects.filter(kind=IssueKind.ORDER_RESHIPMENT)
    assert issue_units(issue) == {"TEA": 2}


def test_reshipping_is_refused_before_anything_is_made(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
    viewer: User,
) -> None:
    waiting = order_place(shop, depot, [(goods.cup, 1)])
    with pytest.raises(Conflict, match="has not shipped"):
        order_reship(order=waiting, lines=[(line(waiting, "CUP"), 1)], user=staff)
    order = shipped(shop, depot, goods, staff)

    with pytest.raises(ValidationFailed, match="2 asked, at most 1") as too_many:
        order_reship(order=order, lines=[(line(order, "GIFT"), 2)], user=staff)
    assert too_many.value.errors[0].field == "lines[0].quantity"
    with pytest.raises(ValidationFailed, match="not one of order") as foreign:
        order_reship(order=order, lines=[(line(waiting, "CUP"), 1)], user=staff)
    assert foreign.value.errors[0].field == "lines[0].line"
    with pytest.raises(PermissionDenied):
        order_reship(order=order, lines=[(line(order, "TEA"), 1)], user=viewer)

    assert [found for found in order_shipments(order) if found.reship] == []
    assert Issue.objects.filter(kind=IssueKind.ORDER_RESHIPMENT).count() == 0
    order.refresh_from_db()
    assert order.confirm_lease_until is None


def test_a_reshipment_short_of_stock_is_refused_by_its_sku(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
) -> None:
    order = shipped(shop, depot, goods, staff)
    # 6 TEA left on hand, 4 of them promised to another order.
    order_place(shop, depot, [(goods.tea, 4)])

    with pytest.raises(ValidationFailed, match="TEA: 4 needed, 2 available in MEL"):
        order_reship(
            order=order, lines=[(line(order, "TEA"), 2), (line(order, "GIFT"), 1)], user=staff
        )

    assert [found for found in order_shipments(order) if found.reship] == []
    assert Issue.objects.filter(kind=IssueKind.ORDER_RESHIPMENT).count() == 0
    assert level(goods.tea, depot).on_hand == 6


def test_returned_lines_come_back_into_the_chosen_bin_on_a_receipt_of_the_order(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
) -> None:
    order = shipped(shop, depot, goods, staff)
    tea_in_bin = bin_quantity(goods.tea, depot, "S-02")

    receipt = order_return(
        order=order,
        lines=[(line(order, "GIFT"), 1), (line(order, "TEA"), 1)],
        bin=depot.bins["S-02"],
        user=staff,
    )

    assert receipt.kind == ReceiptKind.SALES_RETURN
    assert receipt.status == DocumentStatus.POSTED
    assert receipt.reference == order.number
    returned = {
        (row.item.sku, row.bin.code): row.qty
        for row in ReceiptLine.objects.filter(receipt=receipt).select_related("item", "bin")
    }
    assert returned == {("TEA", "S-02"): 3, ("CUP", "S-02"): 1}
    assert bin_quantity(goods.tea, depot, "S-02") == tea_in_bin + 3
    event = OrderEvent.objects.get(order=order, kind=EventKind.RETURNED)
    assert event.actor == staff
    assert event.data["receipt"] == receipt.number

    # One TEA of two is left to return; the GIFT is back already.
    with pytest.raises(ValidationFailed, match="2 asked, at most 1"):
        order_return(
            order=order, lines=[(line(order, "TEA"), 2)], bin=depot.bins["S-02"], user=staff
        )
    with pytest.raises(ValidationFailed, match="1 asked, at most 0"):
        order_return(
            order=order, lines=[(line(order, "GIFT"), 1)], bin=depot.bins["S-02"], user=staff
        )
    assert Receipt.objects.filter(kind=ReceiptKind.SALES_RETURN).count() == 1

    order_return(order=order, lines=[(line(order, "TEA"), 1)], bin=depot.bins["P-01"], user=staff)
    assert Receipt.objects.filter(kind=ReceiptKind.SALES_RETURN).count() == 2


def test_a_return_into_an_inactive_bin_or_by_a_viewer_is_refused(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
    viewer: User,
) -> None:
    order = shipped(shop, depot, goods, staff)
    closed = depot.bins["S-01"]
    closed.active = False
    closed.save()

    with pytest.raises(ValidationFailed, match="inactive") as inactive:
        order_return(order=order, lines=[(line(order, "TEA"), 1)], bin=closed, user=staff)
    assert inactive.value.errors[0].field == "bin"
    with pytest.raises(PermissionDenied):
        order_return(
            order=order, lines=[(line(order, "TEA"), 1)], bin=depot.bins["S-02"], user=viewer
        )

    assert Receipt.objects.filter(kind=ReceiptKind.SALES_RETURN).count() == 0
    assert not OrderEvent.objects.filter(order=order, kind=EventKind.RETURNED).exists()
