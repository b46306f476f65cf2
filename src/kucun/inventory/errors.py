"""Typed stock errors; each subclasses a core error so the API and forms map it once."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kucun.core.errors import Conflict, FieldError, ValidationFailed


@dataclass
class InsufficientStock(Conflict):
    """Not enough stock: names the SKU, the quantity needed and the quantity there is."""

    sku: str = ""
    needed: int = 0
    available: int = 0

    @classmethod
    def build(
        cls, *, sku: str, needed: int, available: int, where: str = "", field: str = ""
    ) -> InsufficientStock:
        if where:
            detail = _(
                "Not enough stock of %(sku)s in %(where)s: needed %(needed)d, available "
                "%(available)d."
            ) % {"sku": sku, "where": where, "needed": needed, "available": available}
        else:
            detail = _(
                "Not enough stock of %(sku)s: needed %(needed)d, available %(available)d."
            ) % {"sku": sku, "needed": needed, "available": available}
        errors = [FieldError(field, detail)] if field else []
        return cls(detail=detail, errors=errors, sku=sku, needed=needed, available=available)


@dataclass
class UnknownSku(ValidationFailed):
    @classmethod
    def build(cls, *, sku: str, field: str = "sku") -> UnknownSku:
        detail = _("Unknown SKU %(sku)s.") % {"sku": sku}
        return cls(detail=detail, errors=[FieldError(field, detail)])


@dataclass
class UnknownBin(ValidationFailed):
    @classmethod
    def build(cls, *, warehouse: str, code: str, field: str = "bin") -> UnknownBin:
        detail = _("Unknown bin %(code)s in warehouse %(warehouse)s.") % {
            "code": code,
            "warehouse": warehouse,
        }
        return cls(detail=detail, errors=[FieldError(field, detail)])


@dataclass
class DocumentNotEditable(Conflict):
    pass
