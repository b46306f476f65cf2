"""An in-memory platform for service tests: a Channel whose "platform" is a dict in this process.

Service tests use it to check what channels does (which listings, which quantities, which log
rows) without HTTP; everything that talks to a platform is tested against the sandbox emulators
over real HTTP. It keeps what a real platform keeps: variants with quantities, a compare-and-set
rule, and failures a test can arm.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from kucun.channels.adapters.base import (
    ChannelCapabilities,
    ChannelConfig,
    ChannelError,
    ChannelEvent,
    ConnectionInfo,
    FieldSpec,
    ListingRef,
    PlatformSpec,
    PushResult,
    PushStatus,
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


PLATFORMS: dict[str, MemoryPlatform] = {}


class MemoryChannel:
    def __init__(self, config: ChannelConfig) -> None:
        self.platform = PLATFORMS.setdefault(
            config.credentials.get("account", ""), MemoryPlatform()
        )
        self.capabilities = ChannelCapabilities(
            max_stock_batch=50, compare_and_set=self.platform.compare_and_set
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

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[ChannelEvent]:
        raise ChannelError("the memory platform sends no webhooks")

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
