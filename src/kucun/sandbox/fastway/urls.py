"""myFastway's real paths under ``/sandbox/fastway/``: the identity host's token endpoint under
``identity/``, the API under ``api/``, the control plane and the pages."""

from __future__ import annotations

from django.urls import URLPattern, path

from kucun.sandbox.control import control_patterns
from kucun.sandbox.fastway import control, identity, pages, state, views

API = "api/"
CONSIGNMENT = f"{API}consignments/<int:con_id>"

urlpatterns: list[URLPattern] = [
    path("identity/connect/token", identity.token, name="sandbox_fastway_token"),
    path(f"{API}addresses/validate", views.address_validate_view),
    path(f"{API}addresses/localities", views.localities_view),
    path(f"{API}addresses/serviced-by", views.serviced_by_view),
    path(f"{API}consignments", views.consignments_view),
    path(f"{API}consignments/quote", views.quote_view),
    path(f"{API}consignments/pending", views.pending_view),
    path(f"{API}consignments/deleted-reasons", views.deleted_reasons_view),
    path(CONSIGNMENT, views.consignment_view),
    path(f"{CONSIGNMENT}/reason/<int:reason_id>", views.delete_view),
    path(f"{CONSIGNMENT}/undelete", views.undelete_view),
    path(f"{CONSIGNMENT}/pickup-details", views.pickup_details_view),
    path(f"{CONSIGNMENT}/labels", views.labels_view),
    path(f"{CONSIGNMENT}/labels/<str:label_number>", views.label_view),
    path(f"{API}consignment-services", views.services_view),
    path(f"{API}track/label/<str:label_number>", views.track_view),
    path(f"{API}<path:rest>", views.unknown),
    *control_patterns(
        state.emulator,
        reset=control.reset,
        seed=control.seed_or_refuse,
        state=control.dump,
        extra={
            "settings": control.settings_view,
            "scans": control.scans_view,
            "tokens/expire": control.expire_tokens_view,
        },
    ),
    path("", pages.accounts_page, name="sandbox_fastway"),
    path("accounts/<str:client_id>/", pages.account_page, name="sandbox_fastway_account"),
]
