"""Bulk actions on a document list's selected rows: post or discard the selected drafts.

Each document goes through its own service call (its own transaction): a refused one (not a
draft any more, short of stock...) is named with the reason and left as it was; the others
are done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required
from kucun.core.bulk_actions import bulk_apply, bulk_report, selected_ids
from kucun.inventory import services
from kucun.inventory.choices import DocumentType
from kucun.inventory.models import document_number
from kucun.inventory.views.common import acting_user
from kucun.inventory.views.documents import SPECS

POSTERS: dict[str, Callable[..., Any]] = {
    DocumentType.RECEIPT: lambda user, pk: services.receipt_post(user=user, receipt_id=pk),
    DocumentType.ISSUE: lambda user, pk: services.issue_post(user=user, issue_id=pk),
    DocumentType.TRANSFER: lambda user, pk: services.transfer_post(user=user, transfer_id=pk),
    DocumentType.STOCKTAKE: lambda user, pk: services.stocktake_post(user=user, stocktake_id=pk),
}
# Stocktakes are not discarded: an open count is posted or left open.
DISCARDABLE = (DocumentType.RECEIPT, DocumentType.ISSUE, DocumentType.TRANSFER)


def bulk_actions_for(document_type: str) -> tuple[str, ...]:
    return ("post", "discard") if document_type in DISCARDABLE else ("post",)


def back_to(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
@role_required(Role.STAFF)
def document_bulk(request: HttpRequest, document_type: str) -> HttpResponse:
    spec = SPECS.get(document_type)
    if spec is None:
        raise Http404
    back = back_to(request, spec.url("list"))
    action = request.POST.get("action", "")
    ids = selected_ids(request)
    if action not in bulk_actions_for(document_type):
        messages.error(request, _("Choose an action for the selected documents."))
        return HttpResponseRedirect(back)
    if not ids:
        messages.error(request, _("Select at least one document first."))
        return HttpResponseRedirect(back)
    user = acting_user(request)
    targets = [(document_number(document_type, pk), pk) for pk in ids]
    if action == "post":
        poster = POSTERS[document_type]
        outcome = bulk_apply(targets, lambda pk: poster(user, pk))
        done = ngettext(
            "%(count)d document posted.", "%(count)d documents posted.", len(outcome.done)
        )
    else:
        outcome = bulk_apply(
            targets,
            lambda pk: services.document_discard(user=user, kind=document_type, document_id=pk),
        )
        done = ngettext(
            "%(count)d draft discarded.", "%(count)d drafts discarded.", len(outcome.done)
        )
    bulk_report(request, outcome, done % {"count": len(outcome.done)})
    return HttpResponseRedirect(back)
