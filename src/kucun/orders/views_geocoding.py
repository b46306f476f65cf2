"""Console: Settings → Postcode locations. The postcode table routing locates orders with
(searchable, imported and exported through the Data screens), and a form that shows where an
address lands: by its postcode, its city, or its state's or country's centre."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kucun.accounts.choices import Role
from kucun.accounts.permissions import user_has_role
from kucun.core.pagination import paginate
from kucun.orders.forms_geocoding import LocateForm
from kucun.orders.geocoding import (
    SOURCE_CITY,
    SOURCE_COUNTRY,
    SOURCE_POSTCODE,
    SOURCE_STATE,
    Located,
    locate,
)
from kucun.orders.selectors_postcodes import postcode_countries, postcode_location_list

SOURCE_LABELS = {
    SOURCE_POSTCODE: _("its postcode (imported table)"),
    SOURCE_CITY: _("its city or suburb"),
    SOURCE_STATE: _("the centre of its state"),
    SOURCE_COUNTRY: _("the centre of its country"),
}


@require_GET
def postcode_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": request.GET.get("q", "").strip(),
        "country": request.GET.get("country", "").strip().upper(),
    }
    page = paginate(request, postcode_location_list(q=filters["q"], country=filters["country"]))
    form, located = locate_from(request)
    return render(
        request,
        "orders/geocoding/postcode_list.html",
        {
            "page_obj": page,
            "postcodes": page.object_list,
            "filters": filters,
            "filtered": any(filters.values()),
            "countries": postcode_countries(),
            "can_import": user_has_role(request.user, Role.STAFF),
            "locate_form": form,
            "located": located,
            "located_by": SOURCE_LABELS.get(located.source, "") if located else "",
        },
    )


def locate_from(request: HttpRequest) -> tuple[LocateForm, Located | None]:
    """The form, bound when an address was asked about, and where that address lands."""
    if f"{LocateForm.prefix}-country" not in request.GET:
        return LocateForm(), None
    form = LocateForm(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, locate(
        country=data["country"], state=data["state"], city=data["city"], postcode=data["postcode"]
    )
