"""Two people closing a loop between two bundles at the same moment: one of them is refused."""

import threading
from typing import Any

import pytest
from django.db import connection

from kucun.catalog.models import BundleComponent
from kucun.catalog.services import bundle_set_components
from kucun.core.errors import ValidationFailed
from tests.factories import ItemFactory

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]


def test_concurrent_edits_never_make_a_loop() -> None:
    case = ItemFactory(sku="CASE", is_bundle=True)
    dozen = ItemFactory(sku="DOZEN", is_bundle=True)
    start = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def edit(bundle_id: int, component_sku: str) -> None:
        try:
            start.wait(timeout=10)
            bundle_set_components(user=None, bundle_id=bundle_id, components=[(component_sku, 1)])
            outcomes[component_sku] = "saved"
        except ValidationFailed as error:
            outcomes[component_sku] = error.detail
        except Exception as error:  # the test reports anything unexpected
            outcomes[component_sku] = repr(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=edit, args=(case.pk, "DOZEN")),
        threading.Thread(target=edit, args=(dozen.pk, "CASE")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == sorted(
        [
            "saved",
            "Adding DOZEN to CASE would make a loop: CASE → DOZEN → CASE"
            if outcomes.get("CASE") == "saved"
            else "Adding CASE to DOZEN would make a loop: DOZEN → CASE → DOZEN",
        ]
    ), outcomes
    assert BundleComponent.objects.count() == 1
