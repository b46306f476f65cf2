from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Messages are asserted in English; a page rendered for a Chinese user must not leak."""
    with translation.override("en"):
        yield
