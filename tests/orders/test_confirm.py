"""Confirming orders end to end: the rules choose Australia Post (its emulator on the live
server, over real HTTP), the parcel is packed from the items, the label kept, the stock leaves
the picking bins consuming the order's allocations, and the tracking number reaches the store
(the in-memory platform). Local delivery, pickup and hold; the carrier chosen on the order; the
refusals that change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kucun.accounts.models import User
from kucun.core.errors import Conflict, PermissionDenied, ValidationFailed
from kucun.inventory.choices import DocumentStatus, IssueKind
from kucun.inventory.models import IssueLinePick
from kucun.orders import tasks_confirm
from kucun.orders.choices import ConfirmStep, EventKind, FulfilmentStatus, OrderStatus
from kucun.orders.models import Order, OrderEvent
from kucun.orders.services.confirm import (
    order_confirm,
    order_retry,
    order_set_carrier,
    orders_confirm_enqueue,
)
from kucun.orders.services.fulfilment import lease_claim
from kucun.shipping.choices import RuleAction, ShipmentSource, ShipmentStatus
from kucun.shipping.models import CarrierAccount, Shipment, ShippingRule
from kucun.shipping.services.rules import rule_create
from tests.inventory.conftest import Site
from tests.orders.fixtures_confirm import (  # noqa: F401  (fixtures)
    Goods,
    Shop,
    allocations_of,
    at_emulator,
    auspost,
    auspost_rule,
    bin_quantity,
    depot,
    goods,
    issues_of,
    level,
    media,
    order_place,
    order_shipments,
    rule_for,
    shop,
)
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def kinds(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))


def test_a_confirmed_order_ships_with_australia_post_and_its_tracking_reaches_the_store(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 2), (goods.gift, 1)])

    confirmed = order_confirm(order=order, user=staff)

    assert confirmed.status == OrderStatus.SHIPPED
    assert confirmed.confirm_step == ConfirmStep.DONE
    assert confirmed.confirm_error == ""
    assert confirmed.confirm_lease_until is None
    assert confirmed.confirmed_by == staff
    assert confirmed.shipped_at is not None
    assert [line.quantity_shipped for line in confirmed.lines.order_by("position")] == [2, 1]
    # The carrier shipment, made once, keyed by the order.
    [order_shipment] = order_shipments(order)
    assert order_shipment.key == f"order:{shop.store.pk}:{order.external_id}:ship:1"
    assert order_shipment.method == RuleAction.CARRIER
    shipment = order_shipment.shipment
    assert shipment is not None
    assert shipment.status == ShipmentStatus.LABEL_READY
    assert shipment.label_file
    assert shipment.source == ShipmentSource.ORDER
    assert shipment.source_reference == order_shipment.key
    assert shipment.service_code == "T28"
    assert shipment.receiver_postcode == "2000"
    [parcel] = shipment.parcels.all()
    # 2 × 250 g tea + the gift (2 × 250 g tea + 400 g cup), stacked 2×5 + 2×5 + 10 cm high.
    assert parcel.weight_kg == Decimal("1.400")
    assert (parcel.length_cm, parcel.width_cm, parcel.height_cm) == (
        Decimal("12.0"),
        Decimal("12.0"),
        Decimal("30.0"),
    )
    assert parcel.tracking_number
    [held] = at_emulator(sandbox, auspost)
    assert held["reference"] == shipment.reference
    # One order-shipment issue, from the picking bins first, consuming the allocations.
    [issue] = issues_of(order)
    assert issue.kind == IssueKind.ORDER_SHIPMENT
    assert issue.status == DocumentStatus.POSTED
    assert order_shipment.issue_numbers == [issue.number]
    picked: dict[tuple[str, str], int] = {}
    for pick in IssueLinePick.objects.filter(issue_line__issue=issue).select_related("item", "bin"):
        where = (pick.item.sku, pick.bin.code)
        picked[where] = picked.get(where, 0) + pick.qty
    assert picked == {("TEA", "P-01"): 4, ("CUP", "P-02"): 1}
    assert bin_quantity(goods.tea, depot, "S-01") == 5
    assert allocations_of(order) == []
    assert (level(goods.tea, depot).on_hand, level(goods.tea, depot).allocated) == (6, 0)
    assert (level(goods.cup, depot).on_hand, level(goods.cup, depot).allocated) == (9, 0)
    # The store got the tracking number and the carrier's name, once.
    [fulfilment] = shop.fulfilments()
    assert fulfilment.order_ref == order.external_id
    assert fulfilment.tracking_number == parcel.tracking_number
    assert fulfilment.carrier == "auspost"
    assert fulfilment.carrier_name == "Australia Post"
    assert fulfilment.key == order_shipment.key
    assert sorted((line.line_ref, line.quantity) for line in fulfilment.lines) == sorted(
        (line.line_ref, line.quantity) for line in order.lines.all()
    )
    order_shipment.refresh_from_db()
    assert order_shipment.fulfilment_status == FulfilmentStatus.SENT
    assert order_shipment.fulfilment_ref == "f-1"
    # The timeline, each entry by the person who confirmed.
    assert kinds(order) == [
        EventKind.CONFIRMED,
        EventKind.SHIPMENT_CREATED,
        EventKind.LABEL_READY,
        EventKind.SHIPPED,
        EventKind.PUSHED_BACK,
    ]
    assert set(OrderEvent.objects.filter(order=order).values_list("actor", flat=True)) == {staff.pk}
    assert (
        parcel.tracking_number
        in OrderEvent.objects.get(order=order, kind=EventKind.SHIPMENT_CREATED).message
    )


def test_the_carrier_chosen_on_the_order_wins_over_the_rules(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    staff: User,
) -> None:
    rule_for(RuleAction.HOLD, "Hold everything")
    order = order_place(shop, depot, [(goods.cup, 1)])

    order_set_carrier(order=order, user=staff, carrier_account=auspost, service_code="E34")
    confirmed = order_confirm(order=order, user=staff)

    assert confirmed.status == OrderStatus.SHIPPED
    [order_shipment] = order_shipments(order)
    assert order_shipment.shipment is not None
    assert order_shipment.shipment.service_code == "E34"
    assert confirmed.confirm_details["choice"]["service_code"] == "E34"
    assert len(at_emulator(sandbox, auspost)) == 1


def test_an_item_without_a_weight_is_refused_by_its_sku_and_nothing_is_made(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 1), (goods.bare, 2)])

    stopped = order_confirm(order=order, user=staff)

    assert stopped.status == OrderStatus.CONFIRMING
    assert stopped.confirm_step == ConfirmStep.RULE
    assert "BARE" in stopped.confirm_error
    assert "weight" in stopped.confirm_error
    assert stopped.confirm_lease_until is None
    failed = OrderEvent.objects.get(order=order, kind=EventKind.STEP_FAILED)
    assert failed.data["step"] == ConfirmStep.RULE
    assert failed.actor == staff
    assert order_shipments(order) == []
    assert Shipment.objects.count() == 0
    assert at_emulator(sandbox, auspost) == []
    assert issues_of(order) == []
    assert len(allocations_of(order)) == 2
    assert shop.fulfilments() == []

    # Weighed, and retried: it continues from the rule.
    goods.bare.weight_g = 300
    goods.bare.save()
    done = order_retry(order=order, user=staff)

    assert done.status == OrderStatus.SHIPPED
    assert done.confirm_step == ConfirmStep.DONE
    assert len(at_emulator(sandbox, auspost)) == 1
    assert len(issues_of(order)) == 1
    assert len(shop.fulfilments()) == 1


def test_an_address_the_carrier_cannot_take_stops_at_the_shipment_and_leaves_nothing(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 1)])
    Order.objects.filter(pk=order.pk).update(ship_postcode="3000")  # not in NSW

    stopped = order_confirm(order=order, user=staff)

    assert stopped.confirm_step == ConfirmStep.SHIPMENT
    assert "3000" in stopped.confirm_error or "postcode" in stopped.confirm_error.lower()
    assert Shipment.objects.count() == 0
    assert at_emulator(sandbox, auspost) == []
    assert issues_of(order) == []
    assert len(allocations_of(order)) == 1

    Order.objects.filter(pk=order.pk).update(ship_postcode="2000")
    done = order_retry(order=order, user=staff)

    assert done.status == OrderStatus.SHIPPED
    assert Shipment.objects.count() == 1
    assert len(at_emulator(sandbox, auspost)) == 1


@pytest.mark.parametrize(
    ("action", "note"),
    [
        (RuleAction.LOCAL_DELIVERY, "Delivered locally by the merchant."),
        (RuleAction.PICKUP, "Collected by the customer."),
    ],
)
def test_local_delivery_and_pickup_ship_the_stock_without_a_carrier(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
    action: str,
    note: str,
) -> None:
    rule_for(action, "Around the corner")
    order = order_place(shop, depot, [(goods.tea, 3)])

    done = order_confirm(order=order, user=staff)

    assert done.status == OrderStatus.SHIPPED
    assert done.confirm_step == ConfirmStep.DONE
    [order_shipment] = order_shipments(order)
    assert order_shipment.method == action
    assert order_shipment.shipment is None
    assert Shipment.objects.count() == 0
    [issue] = issues_of(order)
    assert issue.kind == IssueKind.ORDER_SHIPMENT
    assert allocations_of(order) == []
    assert level(goods.tea, depot).on_hand == 7
    [fulfilment] = shop.fulfilments()
    assert fulfilment.tracking_number == ""
    assert fulfilment.carrier == ""
    assert fulfilment.note == note
    assert kinds(order) == [
        EventKind.CONFIRMED,
        EventKind.SHIPPED,
        EventKind.PUSHED_BACK,
    ]


def test_a_hold_rule_keeps_the_order_to_confirm_with_its_reason(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
) -> None:
    rule_create(
        user=None,
        name="Big orders need a look",
        action=RuleAction.HOLD,
        conditions={"value_min": "1"},
    )
    order = order_place(shop, depot, [(goods.tea, 1)])

    held = order_confirm(order=order, user=staff)

    assert held.status == OrderStatus.TO_CONFIRM
    assert held.attention == "held by rule Big orders need a look"
    assert held.confirm_step == ""
    assert held.confirm_lease_until is None
    assert order_shipments(order) == []
    assert issues_of(order) == []
    assert len(allocations_of(order)) == 1
    assert shop.fulfilments() == []
    assert kinds(order) == [EventKind.CONFIRMED, EventKind.FLAGGED]


def test_no_matching_rule_holds_the_order_too(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 1)])

    held = order_confirm(order=order, user=staff)

    assert held.status == OrderStatus.TO_CONFIRM
    assert held.attention == "held: no shipping rule matched"


def test_bulk_confirm_queues_one_job_per_order_and_skips_the_rest(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
) -> None:
    first = order_place(shop, depot, [(goods.tea, 1)])
    second = order_place(shop, depot, [(goods.cup, 2)])
    waiting = order_place(shop, depot, [(goods.cup, 1)])
    Order.objects.filter(pk=waiting.pk).update(status=OrderStatus.AWAITING_STOCK)

    # The test queue runs each job when its mark commits.
    queued = orders_confirm_enqueue(orders=[first, second, waiting], user=staff)

    assert queued == 2
    for order in (first, second):
        order.refresh_from_db()
        assert order.status == OrderStatus.SHIPPED
        assert order.confirm_step == ConfirmStep.DONE
        assert order.confirmed_by == staff
    waiting.refresh_from_db()
    assert waiting.status == OrderStatus.AWAITING_STOCK
    assert len(at_emulator(sandbox, auspost)) == 2
    assert len(shop.fulfilments()) == 2


def test_confirming_is_refused_to_a_viewer_and_for_an_order_not_to_confirm(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    viewer: User,
    staff: User,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 1)])

    with pytest.raises(PermissionDenied):
        order_confirm(order=order, user=viewer)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.AWAITING_STOCK)
    with pytest.raises(Conflict, match="only an order to confirm"):
        order_confirm(order=order, user=staff)

    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_STOCK
    assert order.confirm_step == ""
    assert kinds(order) == []


def test_a_line_without_allocated_stock_is_refused_by_its_sku(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 1), (goods.cup, 1)])
    order.lines.filter(sku="CUP").update(allocated=False)

    with pytest.raises(ValidationFailed, match="CUP holds no stock"):
        order_confirm(order=order, user=staff)

    order.refresh_from_db()
    assert order.status == OrderStatus.TO_CONFIRM
    assert kinds(order) == []


def test_an_order_another_worker_holds_is_not_run_twice(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
) -> None:
    rule_for(RuleAction.PICKUP, "Pickup")
    order = order_place(shop, depot, [(goods.tea, 1)])
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.CONFIRMING, confirm_step=ConfirmStep.RULE
    )
    lease_claim(order.pk)  # another worker, mid-step

    with pytest.raises(Conflict, match="being confirmed right now"):
        order_retry(order=order, user=staff)

    assert issues_of(order) == []
    assert order_shipments(order) == []
    assert shop.fulfilments() == []


def test_the_carrier_cannot_change_once_its_shipment_exists(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 1)])
    order_confirm(order=order, user=staff)

    with pytest.raises(Conflict, match="carrier shipment already"):
        order_set_carrier(order=order, user=staff, carrier_account=auspost, service_code="E34")


def test_an_account_of_another_warehouse_is_refused(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
    media: None,  # noqa: F811
) -> None:
    from tests.inventory.conftest import build_site

    elsewhere = build_site("SYD")
    account = CarrierAccount.objects.create(
        name="AusPost Sydney",
        carrier="auspost",
        sender_warehouse=elsewhere.warehouse,
        default_service="T28",
    )
    order = order_place(shop, depot, [(goods.tea, 1)])

    with pytest.raises(ValidationFailed, match="ships from SYD"):
        order_set_carrier(order=order, user=staff, carrier_account=account)

    order.refresh_from_db()
    assert order.carrier_account is None


def test_confirming_marks_the_order_and_queues_its_job_for_the_worker(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rule_for(RuleAction.PICKUP, "Pickup")
    order = order_place(shop, depot, [(goods.tea, 1)])
    queued: list[tuple[int, int | None]] = []
    monkeypatch.setattr(
        tasks_confirm, "order_confirm_task", lambda *arguments: queued.append(arguments)
    )

    marked = order_confirm(order=order, user=staff)

    assert marked.status == OrderStatus.CONFIRMING
    assert marked.confirm_step == ConfirmStep.RULE
    assert queued == [(order.pk, staff.pk)]
    assert kinds(order) == [EventKind.CONFIRMED]
    assert issues_of(order) == []

    # The worker runs the job.
    monkeypatch.undo()
    assert tasks_confirm.order_confirm_task.call_local(order.pk, staff.pk) == ConfirmStep.DONE
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert len(issues_of(order)) == 1
    assert OrderEvent.objects.get(order=order, kind=EventKind.SHIPPED).actor == staff


def test_a_stopped_order_may_have_its_carrier_chosen_and_a_bad_service_is_named(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
) -> None:
    account = CarrierAccount.objects.create(
        name="AusPost dock", carrier="auspost", sender_warehouse=depot.warehouse
    )
    order = order_place(shop, depot, [(goods.bare, 1)])
    stopped = order_confirm(order=order, user=staff)
    assert stopped.confirm_step == ConfirmStep.RULE

    with pytest.raises(ValidationFailed) as bad:
        order_set_carrier(order=order, user=staff, carrier_account=account, service_code="NO WAY")
    assert [error.field for error in bad.value.errors] == ["service_code"]
    chosen = order_set_carrier(order=order, user=staff, carrier_account=account, service_code="E34")

    assert (chosen.carrier_account, chosen.service_code) == (account, "E34")
    assert chosen.confirm_step == ConfirmStep.RULE
    note = OrderEvent.objects.filter(order=order, kind=EventKind.NOTE).get()
    assert note.message == "Carrier set to AusPost dock, service E34."
    assert note.actor == staff

    cleared = order_set_carrier(order=order, user=staff, carrier_account=None)
    assert (cleared.carrier_account, cleared.service_code) == (None, "")
