"""Console: Catalogue → Listings (商品关联) and the item page's listings section."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required, user_has_role
from kucun.catalog.models import Item
from kucun.catalog.selectors import item_list
from kucun.channels.choices import ListingStatus
from kucun.channels.models import Listing, Store
from kucun.channels.selectors import listings_query
from kucun.channels.services import listings as listing_services
from kucun.channels.services import sync_manual
from kucun.core.bulk_actions import selected_ids
from kucun.core.errors import DomainError
from kucun.core.pagination import paginate

SEARCH_RESULTS = 20


def listing_filters(request: HttpRequest) -> dict[str, str]:
    return {
        "store": request.GET.get("store", ""),
        "status": request.GET.get("status", ""),
        "q": request.GET.get("q", "").strip()[:200],
    }


def filtered_listings(filters: dict[str, str]) -> QuerySet[Listing]:
    """The same filter as the API's (channels.selectors.listings_query)."""
    return listings_query(
        store=int(filters["store"]) if filters["store"].isdigit() else None,
        status=filters["status"] if filters["status"] in ListingStatus.values else None,
        search=filters["q"] or None,
    )


@require_GET
def listing_list(request: HttpRequest) -> HttpResponse:
    filters = listing_filters(request)
    page = paginate(request, filtered_listings(filters))
    return render(
        request,
        "channels/listing_list.html",
        {
            "page_obj": page,
            "listings": page.object_list,
            "filters": filters,
            "filtered": any(filters.values()),
            "stores": Store.objects.order_by("name"),
            "statuses": ListingStatus.choices,
            "can_work": user_has_role(request.user, Role.STAFF),
        },
    )


def get_listing(pk: int) -> Listing:
    listing = Listing.objects.select_related("store", "item").filter(pk=pk).first()
    if listing is None:
        raise Http404(_("No listing has id %(id)s.") % {"id": pk})
    return listing


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def listing_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a listing to an item or bundle found by SKU, name or barcode."""
    listing = get_listing(pk)
    error = ""
    if request.method == "POST":
        sku = request.POST.get("item", "").strip()
        item = Item.objects.filter(sku__iexact=sku).first() if sku else None
        if item is None:
            error = _("No item or bundle has the SKU %(sku)s.") % {"sku": sku or "—"}
        else:
            try:
                listing_services.listing_link(listing=listing, item=item, actor=request.user)
            except DomainError as refused:
                error = refused.detail
            else:
                messages.success(
                    request,
                    _("%(listing)s linked to %(sku)s.")
                    % {"listing": listing.sku or listing.title, "sku": item.sku},
                )
                return redirect(back_to_listings(request, listing))
    return render(
        request,
        "channels/listing_link.html",
        {"listing": listing, "error": error, "next": request.GET.get("next", "")},
    )


def back_to_listings(request: HttpRequest, listing: Listing) -> str:
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return reverse("channels:listing_list") + f"?store={listing.store_id}"


@require_GET
def listing_item_search(request: HttpRequest) -> HttpResponse:
    """htmx: items and bundles matching the text, to pick one to link."""
    text = request.GET.get("item", "").strip()[:200]
    results: list[Item] = []
    if text:
        results = list(item_list(text=text)[:SEARCH_RESULTS])
    return render(
        request, "channels/includes/item_choices.html", {"results": results, "text": text}
    )


@require_POST
@role_required(Role.STAFF)
def listing_bulk(request: HttpRequest) -> HttpResponse:
    """Unlink, create items from, or push the selected listings."""
    back = request.POST.get("next") or reverse("channels:listing_list")
    if not (back.startswith("/") and not back.startswith("//")):
        back = reverse("channels:listing_list")
    ids = selected_ids(request)
    action = request.POST.get("action", "")
    if not ids or action not in {"unlink", "create_items", "push"}:
        messages.error(request, _("Select at least one listing and an action."))
        return redirect(back)
    try:
        message = run_bulk_action(request, action, ids)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, message)
    return redirect(back)


def run_bulk_action(request: HttpRequest, action: str, ids: list[int]) -> str:
    listings = list(Listing.objects.filter(pk__in=ids).select_related("store", "item"))
    if action == "unlink":
        linked = [listing for listing in listings if listing.item_id]
        for listing in linked:
            listing_services.listing_unlink(listing=listing, actor=request.user)
        count = len(linked)
        return ngettext("%(count)d listing unlinked.", "%(count)d listings unlinked.", count) % {
            "count": count
        }
    if action == "create_items":
        created: Any = listing_services.items_create_from_listings(
            listing_ids=[listing.pk for listing in listings], actor=request.user
        )
        count = len(created)
        return ngettext(
            "%(count)d item created and linked.", "%(count)d items created and linked.", count
        ) % {"count": count}
    skus = sorted({listing.item.sku for listing in listings if listing.item_id and listing.item})
    if not skus:
        raise DomainError(detail=_("None of the selected listings is linked to an item."))
    sync_manual.stock_push_manual(
        items=skus,
        store_ids=sorted({listing.store_id for listing in listings}),
        actor=request.user,
    )
    return _("A push of %(count)d items to their listings is on its way.") % {"count": len(skus)}
