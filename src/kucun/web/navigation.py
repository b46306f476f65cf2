"""The console's navigation: every screen of the design, in menu order.

A screen whose URL name does not resolve yet links to a page that says plainly it is not built.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    slug: str
    owner_only: bool = False

    def url(self) -> str:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return reverse("web:not_built", kwargs={"slug": self.slug})

    @property
    def is_built(self) -> bool:
        try:
            reverse(self.url_name)
        except NoReverseMatch:
            return False
        return True


@dataclass(frozen=True)
class NavSection:
    label: str | Promise
    entries: tuple[NavEntry, ...]


NAVIGATION: tuple[NavSection, ...] = (
    NavSection(
        _("Orders"),
        (
            NavEntry(_("Orders"), "orders:order_list", "orders"),
            NavEntry(_("Order downloads"), "orders:download_list", "order-downloads"),
        ),
    ),
    NavSection(
        _("Inventory"),
        (
            NavEntry(pgettext_lazy("page title", "Stock"), "inventory:stock", "stock"),
            NavEntry(_("Receipts"), "inventory:receipt_list", "receipts"),
            NavEntry(_("Issues"), "inventory:issue_list", "issues"),
            NavEntry(_("Transfers"), "inventory:transfer_list", "transfers"),
            NavEntry(_("Stocktakes"), "inventory:stocktake_list", "stocktakes"),
            NavEntry(_("Movements"), "inventory:move_list", "movements"),
            NavEntry(_("Allocations"), "inventory:allocation_list", "allocations"),
            NavEntry(_("Stock checks"), "inventory:stock_check_list", "stock-checks"),
        ),
    ),
    NavSection(
        _("Catalogue"),
        (
            NavEntry(_("Items"), "catalog:item_list", "items"),
            NavEntry(_("Bundles"), "catalog:bundle_list", "bundles"),
            NavEntry(_("Listings"), "channels:listing_list", "listings"),
        ),
    ),
    NavSection(
        pgettext_lazy("menu", "Warehouse"),
        (
            NavEntry(_("Bin lookup"), "bin_lookup", "bin-lookup"),
            NavEntry(pgettext_lazy("page title", "Bins"), "warehouses:bin_list", "bins"),
            NavEntry(_("Zones"), "warehouses:zone_list", "zones"),
        ),
    ),
    NavSection(
        _("Channels"),
        (
            NavEntry(_("Stores"), "channels:store_list", "stores"),
            NavEntry(_("Sync log"), "channels:sync_log", "sync-log"),
        ),
    ),
    NavSection(
        _("Shipping"),
        (
            NavEntry(_("Carriers"), "shipping:carrier_list", "carriers"),
            NavEntry(_("Rules"), "shipping:rule_list", "rules"),
            NavEntry(_("Shipments"), "shipping:shipment_list", "shipments"),
        ),
    ),
    NavSection(
        _("Data"),
        (
            NavEntry(_("Imports"), "data:import_list", "imports"),
            NavEntry(pgettext_lazy("page title", "Exports"), "data:export_list", "exports"),
        ),
    ),
    NavSection(
        _("Settings"),
        (
            NavEntry(_("Warehouses"), "warehouses:warehouse_list", "warehouses"),
            NavEntry(_("Packaging"), "shipping:box_preset_list", "packaging"),
            NavEntry(_("Postcode locations"), "orders:postcode_list", "postcode-locations"),
            NavEntry(_("Users & roles"), "accounts:user_list", "users", owner_only=True),
            NavEntry(_("API tokens"), "accounts:token_list", "api-tokens"),
            NavEntry(_("Language"), "accounts:preferences", "language"),
        ),
    ),
)

# What each not-yet-built screen will offer, so the placeholder can say so plainly.
PLANNED_SCREENS: dict[str, str | Promise] = {
    "orders": _("Orders downloaded from your stores, allocated, confirmed and shipped."),
    "listings": _("Each store's listings linked to your items."),
    "stores": _("Your Shopify, eBay, Kogan and Pisell stores."),
    "sync-log": _("Every stock push to your stores, successful or not."),
    "carriers": _("Australia Post, 4PX and Fastway accounts."),
    "rules": _("Rules that choose a carrier for each order."),
    "shipments": _("Labels and tracking numbers from your carriers."),
    "packaging": _("The boxes you pack into: inner size and tare weight."),
}


def find_entry(slug: str) -> NavEntry | None:
    for section in NAVIGATION:
        for entry in section.entries:
            if entry.slug == slug:
                return entry
    return None
