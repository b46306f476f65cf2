"""Reliability drills of confirming: the carrier (Australia Post's emulator, over real HTTP)
loses its answer after creating the shipment; the store answers 5xx to the fulfilment; the
worker dies after the shipment, inside the stock issue, or after it; a step fails in a way
nobody foresaw; two workers take the same order. Each ends with one shipment, one issue, one
fulfilment, and the allocations consumed once."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from kucun.accounts.models import User
from kucun.core.errors import Conflict
from kucun.inventory.models import StockLevel
from kucun.orders.choices import ConfirmStep, EventKind, FulfilmentStatus, OrderStatus
from kucun.orders.models import Order, OrderEvent
from kucun.orders.services import confirm
from kucun.orders.services.confirm import (
    confirm_run,
    order_confirm,
    order_retry,
    orders_confirm_resume_due,
)
from kucun.orders.services.fulfilment import fulfilment_of, fulfilments_send_due
from kucun.shipping.choices import RuleAction, ShipmentStatus
from kucun.shipping.models import CarrierAccount, Shipment, ShippingRule
from kucun.shipping.services.shipments import shipments_retry_due
from tests.inventory.conftest import Site
from tests.orders.fixtures_confirm import (  # noqa: F401  (fixtures)
    Goods,
    Shop,
    allocations_of,
    arm,
    at_emulator,
    auspost,
    auspost_rule,
    create_match,
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


class WorkerKilled(BaseException):
    """The process stops here: nothing after it runs, not even the job's own bookkeeping."""


def killed(*args: Any, **kwargs: Any) -> None:
    raise WorkerKilled


def lease_runs_out(order: Order) -> None:
    """The dead worker's lease ends (time passes)."""
    Order.objects.filter(pk=order.pk).update(
        confirm_lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )


def assert_shipped_once(
    order: Order, *, emulator: Sandbox, account: CarrierAccount, store: Shop, stock: Goods
) -> None:
    """One carrier shipment (ours and the emulator's), one issue, one fulfilment, and the tea
    allocated to the order consumed once (2 of 10 on hand)."""
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert order.confirm_step == ConfirmStep.DONE
    assert order.confirm_lease_until is None
    assert Shipment.objects.count() == 1
    [held] = at_emulator(emulator, account)
    [order_shipment] = order_shipments(order)
    assert order_shipment.shipment is not None
    assert held["reference"] == order_shipment.shipment.reference
    assert len(issues_of(order)) == 1
    assert allocations_of(order) == []
    tea = StockLevel.objects.get(item=stock.tea, warehouse_id=order.warehouse_id)
    assert (tea.on_hand, tea.allocated) == (8, 0)
    assert [line.quantity_shipped for line in order.lines.all()] == [2]
    [fulfilment] = store.fulfilments()
    assert fulfilment.key == order_shipment.key
    assert fulfilment.tracking_number == order_shipment.shipment.parcels.get().tracking_number


@pytest.fixture
def short_timeouts(settings: Any) -> None:
    settings.CHANNEL_READ_TIMEOUT = 1.0
    settings.CHANNEL_MAX_ATTEMPTS = 1


def test_an_answer_lost_after_the_carrier_created_it_makes_one_shipment(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
    short_timeouts: None,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 2)])
    arm(sandbox, {"match": create_match(), "times": 1, "delay_ms": 2500, "after_apply": True})

    stopped = order_confirm(order=order, user=staff)

    assert stopped.status == OrderStatus.CONFIRMING
    assert stopped.confirm_step == ConfirmStep.SHIPMENT
    assert stopped.confirm_error.startswith("The carrier did not confirm the shipment yet")
    [draft] = Shipment.objects.all()
    assert draft.status == ShipmentStatus.DRAFT
    assert draft.details["outcome_unknown"] is True
    assert len(at_emulator(sandbox, auspost)) == 1  # it was made, the answer lost
    assert issues_of(order) == []
    assert len(allocations_of(order)) == 1

    order_retry(order=order, user=staff)

    assert_shipped_once(order, emulator=sandbox, account=auspost, store=shop, stock=goods)


def test_a_lost_answer_is_recovered_by_the_worker_without_a_person(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
    short_timeouts: None,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 2)])
    arm(sandbox, {"match": create_match(), "times": 1, "delay_ms": 2500, "after_apply": True})
    order_confirm(order=order, user=staff)

    # Shipping's worker looks the shipment up; the orders' worker then carries on.
    assert shipments_retry_due() == 1
    assert orders_confirm_resume_due() == 1

    assert_shipped_once(order, emulator=sandbox, account=auspost, store=shop, stock=goods)
    assert orders_confirm_resume_due() == 0


def test_a_store_answering_5xx_gets_the_fulfilment_later_and_once(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 2)])
    shop.platform.fail_next_fulfilments = 2

    stopped = order_confirm(order=order, user=staff)

    # The stock has left; only the store is behind.
    assert stopped.status == OrderStatus.SHIPPED
    assert stopped.confirm_step == ConfirmStep.FULFILMENT
    assert "503" in stopped.confirm_error
    assert stopped.confirm_lease_until is None
    [order_shipment] = order_shipments(order)
    assert order_shipment.fulfilment_status == FulfilmentStatus.PENDING
    assert order_shipment.fulfilment_attempts == 1
    first_due = order_shipment.fulfilment_next_at
    assert first_due is not None
    assert first_due - timezone.now() > datetime.timedelta(seconds=50)
    assert shop.fulfilments() == []

    assert fulfilments_send_due() == 0  # not due yet
    assert fulfilments_send_due(now=first_due) == 1  # the store fails again
    order_shipment.refresh_from_db()
    assert order_shipment.fulfilment_attempts == 2
    assert order_shipment.fulfilment_next_at is not None
    assert order_shipment.fulfilment_next_at - first_due == datetime.timedelta(seconds=120)
    assert shop.fulfilments() == []

    assert fulfilments_send_due(now=order_shipment.fulfilment_next_at) == 1

    assert_shipped_once(order, emulator=sandbox, account=auspost, store=shop, stock=goods)
    order_shipment.refresh_from_db()
    assert order_shipment.fulfilment_status == FulfilmentStatus.SENT
    assert order_shipment.fulfilment_next_at is None
    assert fulfilments_send_due(now=timezone.now() + datetime.timedelta(days=1)) == 0
    failures = OrderEvent.objects.filter(order=order, kind=EventKind.STEP_FAILED)
    assert [event.data["step"] for event in failures] == [ConfirmStep.FULFILMENT] * 2
    assert OrderEvent.objects.filter(order=order, kind=EventKind.PUSHED_BACK).count() == 1
    with pytest.raises(Conflict, match="no stopped step"):
        order_retry(order=order, user=staff)


def test_a_fulfilment_the_store_kept_though_its_answer_was_lost_is_not_doubled(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 2)])
    shop.platform.fail_next_fulfilments = 1
    order_confirm(order=order, user=staff)
    [order_shipment] = order_shipments(order)
    # The store had taken it after all: it holds a fulfilment with the same key.
    shop.platform.fulfilments.append(fulfilment_of(order, order_shipment))

    order_retry(order=order, user=staff)

    assert_shipped_once(order, emulator=sandbox, account=auspost, store=shop, stock=goods)


def test_a_worker_killed_after_the_shipment_is_continued_without_a_second_one(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 2)])
    with monkeypatch.context() as patch:
        patch.setitem(confirm.STEPS, ConfirmStep.LABEL, killed)
        with pytest.raises(WorkerKilled):
            order_confirm(order=order, user=staff)

    order.refresh_from_db()
    assert order.confirm_step == ConfirmStep.LABEL
    assert order.confirm_error == ""
    # Its lease still runs: nobody else may take the order yet.
    with pytest.raises(Conflict, match="being confirmed right now"):
        order_retry(order=order, user=staff)
    assert Shipment.objects.count() == 1
    assert issues_of(order) == []

    lease_runs_out(order)
    order_retry(order=order, user=staff)

    assert_shipped_once(order, emulator=sandbox, account=auspost, store=shop, stock=goods)


def test_a_worker_killed_between_the_carrier_and_its_record_finds_the_shipment_by_key(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 2)])
    with monkeypatch.context() as patch:
        patch.setattr(confirm, "shipment_link", killed)
        with pytest.raises(WorkerKilled):
            order_confirm(order=order, user=staff)
    [order_shipment] = order_shipments(order)
    assert order_shipment.shipment is None  # made at the carrier, not recorded on the order
    assert len(at_emulator(sandbox, auspost)) == 1

    lease_runs_out(order)
    order_retry(order=order, user=staff)

    assert_shipped_once(order, emulator=sandbox, account=auspost, store=shop, stock=goods)


def test_a_worker_killed_inside_the_stock_issue_leaves_none_of_it(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 2)])
    with monkeypatch.context() as patch:
        # After the issue is posted, before the lines and the order are marked shipped.
        patch.setattr(confirm, "lines_shipped", killed)
        with pytest.raises(WorkerKilled):
            order_confirm(order=order, user=staff)

    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert order.confirm_step == ConfirmStep.ISSUE
    assert issues_of(order) == []
    assert len(allocations_of(order)) == 1
    assert level(goods.tea, depot).on_hand == 10

    lease_runs_out(order)
    order_retry(order=order, user=staff)

    assert_shipped_once(order, emulator=sandbox, account=auspost, store=shop, stock=goods)


def test_a_worker_killed_after_the_issue_is_resumed_by_the_worker(
    sandbox: Sandbox,  # noqa: F811
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    auspost: CarrierAccount,  # noqa: F811
    auspost_rule: ShippingRule,  # noqa: F811
    staff: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = order_place(shop, depot, [(goods.tea, 2)])
    with monkeypatch.context() as patch:
        patch.setitem(confirm.STEPS, ConfirmStep.FULFILMENT, killed)
        with pytest.raises(WorkerKilled):
            order_confirm(order=order, user=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert len(issues_of(order)) == 1
    assert shop.fulfilments() == []
    assert orders_confirm_resume_due() == 0  # its lease still runs

    lease_runs_out(order)
    assert orders_confirm_resume_due() == 1

    assert_shipped_once(order, emulator=sandbox, account=auspost, store=shop, stock=goods)


def test_an_unforeseen_error_is_recorded_without_its_words_and_retried(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rule_for(RuleAction.PICKUP, "Pickup")
    order = order_place(shop, depot, [(goods.tea, 2)])

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("connection string postgres://admin:hunter2@db")

    with monkeypatch.context() as patch:
        patch.setitem(confirm.STEPS, ConfirmStep.ISSUE, broken)
        stopped = order_confirm(order=order, user=staff)

    assert stopped.confirm_step == ConfirmStep.ISSUE
    assert stopped.confirm_error == "Unexpected error (RuntimeError): see the server log."
    assert "hunter2" not in OrderEvent.objects.get(order=order, kind=EventKind.STEP_FAILED).message
    assert stopped.confirm_lease_until is None

    done = order_retry(order=order, user=staff)

    assert done.status == OrderStatus.SHIPPED
    assert len(issues_of(order)) == 1
    assert len(shop.fulfilments()) == 1


@pytest.mark.race
def test_two_workers_on_one_order_ship_it_once(
    depot: Site,  # noqa: F811
    goods: Goods,  # noqa: F811
    shop: Shop,  # noqa: F811
    staff: User,
) -> None:
    rule_for(RuleAction.PICKUP, "Pickup")
    order = order_place(shop, depot, [(goods.tea, 2)])
    confirm.confirm_start(order.pk, user=staff)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            start.wait()
            confirm_run(order_id=order.pk, user=None)
            outcomes.append("ran")
        except Conflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) in (["ran", "ran"], ["ran", "refused"])
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert order.confirm_step == ConfirmStep.DONE
    assert len(issues_of(order)) == 1
    assert len(shop.fulfilments()) == 1
    assert level(goods.tea, depot).on_hand == 8
