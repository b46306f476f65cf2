from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils import timezone, translation


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """A request made as a Chinese-speaking user leaves its language active in this thread
    (as Django's LocaleMiddleware does); later code outside requests must not inherit it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
