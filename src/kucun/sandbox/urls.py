"""``/sandbox/<system>/…``: every emulator whose package is installed, by its system name.
Each system package's ``urls`` holds the vendor's real paths and its ``__emu/`` control plane."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from kucun.sandbox.registry import installed_systems
from kucun.sandbox.views import index

urlpatterns: list[URLPattern | URLResolver] = [
    path("", index, name="sandbox_index"),
    *(
        path(f"{system}/", include(f"kucun.sandbox.{system}.urls"))
        for system in installed_systems()
    ),
]
