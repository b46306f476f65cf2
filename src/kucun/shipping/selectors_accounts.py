"""Reads of carrier accounts."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kucun.core.errors import NotFound
from kucun.shipping.models import CarrierAccount

ID_MAX = 2**31 - 1


def carrier_accounts_query(*, active_only: bool = False) -> QuerySet[CarrierAccount]:
    accounts = CarrierAccount.objects.select_related("sender_warehouse").order_by("name", "pk")
    return accounts.filter(active=True) if active_only else accounts


def carrier_account_by_id(account_id: int) -> CarrierAccount:
    found = (
        carrier_accounts_query().filter(pk=account_id).first() if 0 < account_id <= ID_MAX else None
    )
    if found is None:
        raise NotFound(detail=_("No carrier account has id %(id)s.") % {"id": account_id})
    return found


def carrier_account_by_name_or_id(value: str) -> CarrierAccount:
    """An account named on the command line: its id, or its name ignoring case."""
    text = value.strip()
    if text.isdigit():
        return carrier_account_by_id(int(text))
    found = carrier_accounts_query().filter(name__iexact=text).first()
    if found is None:
        raise NotFound(detail=_("No carrier account is named %(name)s.") % {"name": text})
    return found
