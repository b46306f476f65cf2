"""Catalogue tests assert exact English messages unless a test switches language itself."""

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # A console request by a user who chose Chinese leaves that language active in the thread.
    with translation.override("en"):
        yield
