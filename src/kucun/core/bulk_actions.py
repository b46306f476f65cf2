"""Bulk actions on a list's selected rows: read the selection, apply a service to each row in
turn, and tell the user how many succeeded and which failed with why.

Each row goes through the service on its own (inside that service's transaction), so one
refused row leaves the others done and is itself left untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kucun.core.errors import DomainError

ID_MAX = 2**63 - 1
# How many failures are named in the message; the rest are counted.
FAILURES_SHOWN = 10

Target = TypeVar("Target")


def selected_ids(request: HttpRequest, name: str = "ids") -> list[int]:
    """The positive ids ticked in the list (``name`` checkboxes), once each, in pk order."""
    ids = {
        int(value)
        for value in request.POST.getlist(name)
        if value.isdigit() and 0 < int(value) <= ID_MAX
    }
    return sorted(ids)


@dataclass
class BulkOutcome:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def error_text(error: DomainError) -> str:
    if error.errors:
        return "; ".join(item.message for item in error.errors)
    return str(error)


def bulk_apply(
    targets: Iterable[tuple[str, Target]], action: Callable[[Target], Any]
) -> BulkOutcome:
    """Call ``action`` on every target (label, target); a DomainError marks that one failed."""
    outcome = BulkOutcome()
    for label, target in targets:
        try:
            action(target)
        except DomainError as error:
            outcome.failed.append((label, error_text(error)))
        else:
            outcome.done.append(label)
    return outcome


def bulk_report(request: HttpRequest, outcome: BulkOutcome, done_text: str) -> None:
    """``done_text`` is the translated success sentence, already formatted with the count."""
    if outcome.done:
        messages.success(request, done_text)
    if outcome.failed:
        shown = "; ".join(
            _("%(row)s: %(reason)s") % {"row": label, "reason": reason}
            for label, reason in outcome.failed[:FAILURES_SHOWN]
        )
        hidden = len(outcome.failed) - FAILURES_SHOWN
        if hidden > 0:
            shown += " " + _("(and %(count)d more)") % {"count": hidden}
        messages.error(
            request,
            _("%(count)d not done: %(failures)s")
            % {"count": len(outcome.failed), "failures": shown},
        )
