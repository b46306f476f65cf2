"""Which importer and exporter serve each kind.

Core knows no kind by name: each app registers the importers and exporters of the data it owns
from its AppConfig.ready(), and the kinds offered are the ones registered, in that order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from kucun.core.errors import FieldError, ValidationFailed

if TYPE_CHECKING:
    from kucun.core.dataio.exporting import Exporter
    from kucun.core.dataio.importing import Importer

IMPORTERS: dict[str, type[Importer]] = {}
EXPORTERS: dict[str, type[Exporter]] = {}


def register_importer(importer: type[Importer]) -> None:
    IMPORTERS[importer.kind] = importer


def register_exporter(exporter: type[Exporter]) -> None:
    EXPORTERS[exporter.kind] = exporter


def import_kinds() -> list[str]:
    return list(IMPORTERS)


def export_kinds() -> list[str]:
    return list(EXPORTERS)


def import_kind_choices() -> list[tuple[str, str]]:
    return [(kind, str(importer.kind_label)) for kind, importer in IMPORTERS.items()]


def export_kind_choices() -> list[tuple[str, str]]:
    return [(kind, str(exporter.kind_label)) for kind, exporter in EXPORTERS.items()]


def import_kind_label(kind: str) -> str:
    importer = IMPORTERS.get(kind)
    return str(importer.kind_label) if importer is not None else kind


def export_kind_label(kind: str) -> str:
    exporter = EXPORTERS.get(kind)
    return str(exporter.kind_label) if exporter is not None else kind


def importer_class(kind: str) -> type[Importer]:
    try:
        return IMPORTERS[kind]
    except KeyError:
        message = _("Unknown import kind “%(kind)s”: choose one of %(kinds)s.") % {
            "kind": kind,
            "kinds": ", ".join(IMPORTERS),
        }
        raise ValidationFailed(detail=message, errors=[FieldError("kind", message)]) from None


def exporter_class(kind: str) -> type[Exporter]:
    try:
        return EXPORTERS[kind]
    except KeyError:
        message = _("Unknown export kind “%(kind)s”: choose one of %(kinds)s.") % {
            "kind": kind,
            "kinds": ", ".join(EXPORTERS),
        }
        raise ValidationFailed(detail=message, errors=[FieldError("kind", message)]) from None
