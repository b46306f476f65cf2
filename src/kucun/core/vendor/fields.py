"""How an adapter declares the fields of its account form (credentials and options)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    """One field of a vendor account's form. ``secret`` fields are encrypted at rest, never
    shown back but masked, never returned by the API. ``choices`` as (value, label) pairs."""

    name: str
    label: str
    secret: bool = False
    required: bool = True
    default: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    help_text: str = ""
    placeholder: str = ""
