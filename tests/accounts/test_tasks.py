from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kucun.accounts import tasks
from kucun.accounts.models import FailedLogin

pytestmark = pytest.mark.django_db


def test_the_periodic_prune_removes_expired_failures() -> None:
    FailedLogin.objects.create(username="old", address="10.0.0.1")
    FailedLogin.objects.create(username="new", address="10.0.0.1")
    FailedLogin.objects.filter(username="old").update(created_at=timezone.now() - timedelta(days=2))
    tasks.failed_logins_prune.call_local()
    assert list(FailedLogin.objects.values_list("username", flat=True)) == ["new"]
