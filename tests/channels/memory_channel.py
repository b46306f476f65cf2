"""An in-memory platform for service tests: a Channel whose "platform" is a dict in this process.

Service tests use it to check what channels does (which listings, which quantities, which log
rows) without HTTP; everything that talks to a platform is tested against the sandbox emulators
over real HTTP. It keeps what a real platform keeps: variants with quantities, a compare-and-set
rule, and failures a test can arm.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from kucun.channels.adapters.base import (
    ChannelCapabilities,
    ChannelConfig,
    ChannelError,
    ChannelEvent,
    ChannelOrder,
    ChannelOrderLine,
    ConnectionInfo,
    EventKind,
    FieldSpec,
    Fulfilment,
    ListingRef,
    OrderAddress,
    OrderStatus,
    PlatformSpec,
    PushResult,
    PushStatus,
    ShipResult,
    StockLevel,
    Unavailable,
)

CODE = "memory"


@dataclass
class MemoryPlatform:
    """The platform's side: variants by inventory ref, the requests it saw, armed failures."""

    variants: dict[str, ListingRef] = field(default_factory=dict)
    quantities: dict[str, int] = field(default_factory=dict)
    pushes: list[StockLevel] = field(default_factory=list)
    fail_next_pushes: int = 0
    compare_and_set: bool = False
    orders: dict[str, ChannelOrder] = field(default_factory=dict)
    fulfilments: list[Fulfilment] = field(default_factory=list)
    fail_next_fulfilments: int = 0
    fail_next_order_reads: int = 0
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def add(self, sku: str, *, quantity: int = 0, barcode: str = "", title: str = "") -> str:
        ref = f"mem-{len(self.variants) + 1}"
        self.variants[ref] = ListingRef(
            inventory_ref=ref,
            sku=sku,
            product_ref=f"p-{ref}",
            variant_ref=f"v-{ref}",
            barcode=barcode,
            title=title or sku,
            quantity=quantity,
            updated_at=datetime.now(tz=UTC),
        )
        self.quantities[ref] = quantity
        return ref

    def sell(self, ref: str, quantity: int) -> None:
        """A sale on the platform that Kucun has not seen."""
        self.quantities[ref] -= quantity

    def place_order(
        self,
        lines: Sequence[tuple[str, int]],
        *,
        ship_to: OrderAddress | None = None,
        status: OrderStatus = OrderStatus.OPEN,
        shipping_method: str = "Standard",
        created_at: datetime | None = None,
    ) -> ChannelOrder:
        """An order on the platform: ``lines`` are (inventory ref, quantity); the platform's
        quantities drop as a real store's do."""
        number = next(self.numbers)
        now = created_at or datetime.now(tz=UTC)
        order_lines = []
        for position, (ref, quantity) in enumerate(lines, start=1):
            variant = self.variants[ref]
            self.quantities[ref] -= quantity
            order_lines.append(
                ChannelOrderLine(
                    line_ref=f"{number}-{position}",
                    sku=variant.sku,
                    quantity=quantity,
                    quantity_unfulfilled=quantity,
                    unit_price=Decimal("10.00"),
                    title=variant.title,
                    inventory_ref=ref,
                    variant_ref=variant.variant_ref,
                    product_ref=variant.product_ref,
                )
            )
        order = ChannelOrder(
            order_ref=f"o-{number}",
            number=f"#{number}",
            status=status,
            created_at=now,
            updated_at=now,
            lines=tuple(order_lines),
            currency="AUD",
            total=sum(
                ((line.unit_price or Decimal(0)) * line.quantity for line in order_lines),
                Decimal(0),
            ),
            customer_name="Ada Buyer",
            customer_email="ada@example.com",
            ship_to=ship_to
            or OrderAddress(
                name="Ada Buyer",
                line1="1 George St",
                city="Sydney",
                state="NSW",
                postcode="2000",
                country_code="AU",
                phone="0400000000",
            ),
            shipping_method=shipping_method,
            channel_status=status.upper(),
            raw={"id": f"o-{number}"},
        )
        self.orders[order.order_ref] = order
        return order

    def change_order(self, order_ref: str, **changes: object) -> ChannelOrder:
        """The platform changes an order (cancels it, edits its address or lines)."""
        order = self.orders[order_ref]
        updated_at = max(datetime.now(tz=UTC), order.updated_at + timedelta(microseconds=1))
        changed = replace(order, updated_at=updated_at, **changes)  # type: ignore[arg-type]
        self.orders[order_ref] = changed
        return changed

    def order_event(self, order_ref: str, kind: EventKind = EventKind.ORDER_CREATED) -> bytes:
        """The body of a webhook naming the order (see MemoryChannel.parse_webhook)."""
        return json.dumps(
            {"kind": str(kind), "order": order_ref, "id": f"evt-{order_ref}-{kind}"}
        ).encode()


PLATFORMS: dict[str, MemoryPlatform] = {}


class MemoryChannel:
    def __init__(self, config: ChannelConfig) -> None:
        self.platform = PLATFORMS.setdefault(
            config.credentials.get("account", ""), MemoryPlatform()
        )
        self.capabilities = ChannelCapabilities(
            max_stock_batch=50,
            compare_and_set=self.platform.compare_and_set,
            webhooks=True,
            order_webhooks=True,
        )

    def test_connection(self) -> ConnectionInfo:
        return ConnectionInfo(account_name="Memory shop")

    def fetch_products(self, since: datetime | None) -> Iterator[ListingRef]:
        for ref, variant in self.platform.variants.items():
            if since is None or (variant.updated_at and variant.updated_at >= since):
                yield replace(variant, quantity=self.platform.quantities[ref])

    def fetch_stock(self, inventory_refs: Sequence[str]) -> dict[str, int]:
        return {
            ref: self.platform.quantities[ref]
            for ref in inventory_refs
            if ref in self.platform.quantities
        }

    def push_stock(self, levels: Sequence[StockLevel]) -> list[PushResult]:
        if self.platform.fail_next_pushes:
            self.platform.fail_next_pushes -= 1
            raise Unavailable("503: memory platform unavailable", status=503)
        results = []
        for level in levels:
            self.platform.pushes.append(level)
            held = self.platform.quantities.get(level.inventory_ref)
            if held is None:
                results.append(
                    PushResult(
                        level.inventory_ref, level.sku, PushStatus.FAILED, error="unknown variant"
                    )
                )
                continue
            if self.platform.compare_and_set and level.expected_previous not in (None, held):
                results.append(
                    PushResult(
                        level.inventory_ref, level.sku, PushStatus.STALE, current_quantity=held
                    )
                )
                continue
            self.platform.quantities[level.inventory_ref] = level.quantity
            results.append(
                PushResult(
                    level.inventory_ref,
                    level.sku,
                    PushStatus.SUCCEEDED,
                    previous_quantity=held,
                    current_quantity=level.quantity,
                )
            )
        return results

    def poll_pushes(self, task_refs: Sequence[str]) -> list[PushResult]:
        return []

    def fetch_orders(self, since: datetime) -> Iterator[ChannelOrder]:
        if self.platform.fail_next_order_reads:
            self.platform.fail_next_order_reads -= 1
            raise Unavailable("503: memory platform unavailable", status=503)
        for order in sorted(self.platform.orders.values(), key=lambda o: o.updated_at):
            if order.updated_at >= since:
                yield order

    def fetch_order(self, order_ref: str) -> ChannelOrder | None:
        if self.platform.fail_next_order_reads:
            self.platform.fail_next_order_reads -= 1
            raise Unavailable("503: memory platform unavailable", status=503)
        return self.platform.orders.get(order_ref)

    def mark_shipped(self, fulfilment: Fulfilment) -> ShipResult:
        if self.platform.fail_next_fulfilments:
            self.platform.fail_next_fulfilments -= 1
            raise Unavailable("503: memory platform unavailable", status=503)
        for position, done in enumerate(self.platform.fulfilments, start=1):
            if done.key == fulfilment.key:
                return ShipResult(fulfilment_ref=f"f-{position}", already_done=True)
        if fulfilment.order_ref not in self.platform.orders:
            raise ChannelError(f"404: no order {fulfilment.order_ref}", status=404)
        self.platform.fulfilments.append(fulfilment)
        return ShipResult(fulfilment_ref=f"f-{len(self.platform.fulfilments)}")

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[ChannelEvent]:
        """Unsigned JSON ``{"kind", "order", "id"}``: the memory platform trusts its caller."""
        body = json.loads(raw_body)
        return [
            ChannelEvent(
                kind=EventKind(body["kind"]),
                event_id=body["id"],
                refs=(body["order"],),
                payload=body,
            )
        ]

    def close(self) -> None:
        pass


SPEC = PlatformSpec(
    code=CODE,
    label="Memory",
    credential_fields=(
        FieldSpec("account", "Account"),
        FieldSpec("api_key", "API key", secret=True),
    ),
    option_fields=(),
    capabilities=ChannelCapabilities(max_stock_batch=50),
    build=MemoryChannel,
    production_base_url=lambda options: "memory://",
    sandbox_base_url=lambda server, options: "memory://",
    account_field="account",
)
